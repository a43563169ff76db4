"""argparse integration: schedule flags on a user's parser, and the Schedule they describe.

One call adds the flags, a second builds the schedule::

    parser = argparse.ArgumentParser()
    jaxsched.config.args.add_schedule_arguments(parser)
    args = parser.parse_args()
    schedule = jaxsched.config.args.schedule_from_args(args, parser=parser)

Three ways to choose a schedule (the first two cannot be mixed):

- **DeepSpeed's flags**, by DeepSpeed's names and defaults (``add_tuning_arguments``):
  ``--lr_schedule`` (``LRRangeTest``, ``OneCycle``, ``WarmupLR``, ``WarmupDecayLR``,
  ``WarmupCosineLR``) and its family's ``--lr_range_test_*``, ``--cycle_*``, ``--decay_*``,
  ``--warmup_*``, ``--cos_min_ratio`` flags. The schedule equals
  ``from_config({"type": lr_schedule, "params": {...}})`` of the family's flag values, as
  DeepSpeed's ``get_config_from_args`` builds it, without its bugs: boolean flags parse
  ``true/false/1/0/yes/no`` (DeepSpeed's ``type=bool`` reads ``"false"`` as True); the ``-1``
  defaults of ``--cycle_first_stair_count``, ``--cycle_second_step_size`` and
  ``--cycle_second_stair_count`` mean unset (the constructor's default applies: continuous,
  second step size = first), not a value; ``--cycle_momentum`` defaults to unset (DeepSpeed
  declares ``False`` but never forwards it, so momentum cycles, as ``OneCycle``'s default
  ``True`` does here) and ``--cycle_momentum false`` turns it off; ``WarmupCosineLR`` receives
  ``--warmup_min_ratio`` and ``--cos_min_ratio`` (DeepSpeed forwards the ``WarmupLR`` flags,
  which that class rejects); ``--total_num_steps`` (not a DeepSpeed flag) gives
  ``WarmupDecayLR`` and ``WarmupCosineLR`` their required length. A flag of another family
  given explicitly raises instead of being ignored. The CLI defaults are DeepSpeed's, which
  differ from its classes': step sizes 1000 (classes: 2000 and 0), cosine ratios 0.01.
- **The generic form** for any registered name: ``--schedule NAME`` and repeated
  ``--schedule-param KEY=VALUE`` (VALUE read as JSON when it parses: ``0.1``, ``[30, 60]``,
  ``true``, ``null``; ``True``/``False``/``None`` too; anything else is a string).
- ``--schedule-config PATH_OR_JSON``: a JSON/YAML file, a DeepSpeed config or inline JSON;
  ``--schedule-param`` overrides its params.

Step values (``--warmup_num_steps``, ``--schedule-param warmup_steps=...``) accept time units
(``"2 epochs"``, ``"10%"``) resolved with ``--steps-per-epoch`` / ``--batches-per-epoch``,
``--epochs``, ``--total-steps`` and ``--gradient-accumulation-steps``
(:class:`jaxsched.config.units.Timeline`); a units flag the parser already has is not added again, and
the parser's own value is read.

Example:
  >>> import argparse, numpy as np
  >>> from jaxsched.config.args import add_schedule_arguments, schedule_from_args
  >>> p = add_schedule_arguments(argparse.ArgumentParser())
  >>> s = schedule_from_args(p.parse_args(["--lr_schedule", "WarmupLR", "--warmup_max_lr", "1",
  ...     "--warmup_num_steps", "4", "--warmup_type", "linear"]))
  >>> [float(x) for x in s.evaluate(np.arange(7), np)]
  [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
  >>> s = schedule_from_args(p.parse_args(["--schedule", "step_decay", "--schedule-param",
  ...     "init_value=1", "--schedule-param", "step_size=1 epoch", "--schedule-param",
  ...     "decay_rate=0.5", "--steps-per-epoch", "2"]))
  >>> [float(x) for x in s.evaluate(np.arange(5), np)]
  [1.0, 1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import argparse
from typing import Any

from jaxsched.config import flags as _f
from jaxsched.config.flags import DEEPSPEED_FLAGS, DEEPSPEED_SCHEDULES, parse_bool

__all__ = [
    "DEEPSPEED_FLAGS",
    "DEEPSPEED_SCHEDULES",
    "add_schedule_arguments",
    "config_from_args",
    "parse_bool",
    "schedule_from_args",
    "timeline_from_args",
]

_UNITS_FLAGS = (  # (flag, Timeline parameter, type, default, help)
    ("steps-per-epoch", "steps_per_epoch", int, None, "optimizer steps per epoch"),
    ("batches-per-epoch", "batches_per_epoch", int, None,
     "micro-batches per epoch (steps per epoch = ceil(batches / accumulation))"),
    ("epochs", "epochs", _f.number, None, "epochs in the run (total = epochs x steps per epoch)"),
    ("total-steps", "total_steps", int, None, "optimizer steps in the run (for '10%%')"),
    ("gradient-accumulation-steps", "gradient_accumulation_steps", int, 1,
     "micro-batches per optimizer step"),
)


def _dest(prefix: str, name: str) -> str:
    return (prefix + name).replace("-", "_")


def add_schedule_arguments(
    parser: argparse.ArgumentParser,
    *,
    prefix: str = "",
    deepspeed: bool = True,
    generic: bool = True,
    units: bool = True,
) -> argparse.ArgumentParser:
    """Add the schedule flags (an argument group) to ``parser``; returns ``parser``.

    Args:
      parser: the user's ``argparse.ArgumentParser``.
      prefix: prepended to every flag and destination (``prefix="sched-"`` gives
        ``--sched-schedule``, dest ``sched_schedule``); pass the same to
        :func:`schedule_from_args`.
      deepspeed: add DeepSpeed's flags (``--lr_schedule`` and its families).
      generic: add ``--schedule``, ``--schedule-param`` and ``--schedule-config``.
      units: add the time-unit flags (each skipped if the parser already has it).

    Example:
      >>> import argparse
      >>> ns = add_schedule_arguments(argparse.ArgumentParser()).parse_args([])
      >>> ns.lr_schedule, ns.warmup_num_steps, ns.cycle_second_step_size, ns.lr_range_test_staircase
      (None, 1000, -1, False)

    Equivalents:
      DeepSpeed: ``deepspeed.runtime.lr_schedules.add_tuning_arguments(parser)`` (same flag
      names and defaults; its ``type=bool`` flags and forwarded ``-1`` defaults are not copied).
      torch, optax, HF, timm have no argparse helper for schedules.
    """
    group = parser.add_argument_group(
        "learning-rate schedule (jaxsched)",
        "choose with --lr_schedule (DeepSpeed's flags) or --schedule NAME --schedule-param K=V",
    )
    if deepspeed:
        for name, kind, default, help_ in DEEPSPEED_FLAGS:
            kw: dict[str, Any] = dict(dest=_dest(prefix, name), default=default, action=_f.Given)
            if kind == "bool":
                kw.update(nargs="?", const=True, type=parse_bool, metavar="{true,false}")
            else:
                kw.update(type=_f.TYPES[kind])
                if kind == "schedule":
                    kw["metavar"] = "{" + ",".join(DEEPSPEED_SCHEDULES) + "}"
            shown = "unset" if default is None else repr(default)
            group.add_argument(f"--{prefix}{name}", help=f"{help_} (default: {shown})", **kw)
    if generic:
        group.add_argument(f"--{prefix}schedule", dest=_dest(prefix, "schedule"), default=None,
                           type=_f.registered_name, metavar="NAME",
                           help="any registered schedule name (see `jaxsched list`)")
        group.add_argument(f"--{prefix}schedule-param", dest=_dest(prefix, "schedule_param"),
                           action="append", default=None, type=_f.key_value, metavar="KEY=VALUE",
                           help="a parameter of --schedule (repeatable; VALUE parsed as JSON)")
        group.add_argument(f"--{prefix}schedule-config", dest=_dest(prefix, "schedule_config"),
                           default=None, metavar="PATH_OR_JSON",
                           help="a JSON/YAML file, a DeepSpeed config, or an inline JSON config")
    if units:
        for flag, _param, typ, default, help_ in _UNITS_FLAGS:
            try:
                group.add_argument(f"--{prefix}{flag}", dest=_dest(prefix, flag), type=typ,
                                   default=default, help=f"time units: {help_}")
            except argparse.ArgumentError:  # the parser has this flag already: read its value
                pass
    return parser


def timeline_from_args(namespace: argparse.Namespace, *, prefix: str = "") -> Any:
    """The :class:`jaxsched.config.units.Timeline` of the time-unit flags in ``namespace``.

    Raises:
      ValueError: inconsistent or out-of-range values, naming the flags.
    """
    from jaxsched.config.units import Timeline

    kwargs = {param: getattr(namespace, _dest(prefix, flag), None)
              for flag, param, _t, _d, _h in _UNITS_FLAGS}
    if kwargs["gradient_accumulation_steps"] is None:
        kwargs["gradient_accumulation_steps"] = 1
    try:
        return Timeline(**kwargs)
    except (ValueError, TypeError) as e:
        msg = str(e)
        for flag, param, *_ in _UNITS_FLAGS:
            msg = msg.replace(f"`{param}`", f"--{prefix}{flag}")
        raise type(e)(msg) from None


def config_from_args(namespace: argparse.Namespace, *, prefix: str = "") -> dict | None:
    """The ``{"type", "params"}`` config the flags describe, or None when none is chosen.

    Unit strings are left as given (``from_config(cfg, timeline=timeline_from_args(ns))``
    resolves them).

    Raises:
      ValueError: the DeepSpeed and generic forms mixed, a flag of another DeepSpeed family, an
        unknown name, a malformed ``--schedule-config``; the message names the flag.
    """
    get = lambda name: getattr(namespace, _dest(prefix, name), None)  # noqa: E731
    given = getattr(namespace, _f.GIVEN, None)
    ds_flags = {_dest(prefix, n): n for n, *_ in DEEPSPEED_FLAGS if n != "lr_schedule"}
    ds_given = sorted(f"--{prefix}{ds_flags[d]}" for d in (given or ()) if d in ds_flags)
    generic_used = [f"--{prefix}{n}" for n in ("schedule", "schedule-param", "schedule-config")
                    if get(n.replace("-", "_"))]
    ds_name = get("lr_schedule")
    if ds_name is not None and generic_used:
        raise ValueError(
            f"--{prefix}lr_schedule (DeepSpeed's flags) cannot be mixed with {', '.join(generic_used)}"
            f" (the generic form): use one"
        )
    if ds_name is not None:
        return _f.deepspeed_config(ds_name, get, given, prefix)
    if generic_used and ds_given:
        raise ValueError(
            f"DeepSpeed flag(s) {', '.join(ds_given)} cannot be mixed with {generic_used[0]}: "
            f"choose the DeepSpeed form with --{prefix}lr_schedule, or pass them as "
            f"--{prefix}schedule-param KEY=VALUE"
        )
    if generic_used:
        return _generic_config(get, prefix)
    if ds_given:
        raise ValueError(
            f"{', '.join(ds_given)} given without --{prefix}lr_schedule; valid choices for "
            f"--{prefix}lr_schedule: {', '.join(DEEPSPEED_SCHEDULES)}"
        )
    return None


def _generic_config(get: Any, prefix: str) -> dict:
    from jaxsched.config import load_config

    name, source = get("schedule"), get("schedule_config")
    if name is not None and source is not None:
        raise ValueError(f"give --{prefix}schedule or --{prefix}schedule-config, not both")
    if source is not None:
        try:
            cfg = load_config(source)
        except FileNotFoundError as e:
            raise FileNotFoundError(e.errno, f"--{prefix}schedule-config: {e.strerror}",
                                    e.filename) from None
        except (ValueError, TypeError) as e:
            raise type(e)(f"--{prefix}schedule-config: {e}") from None
    elif name is not None:
        cfg = {"type": name, "params": {}}
    else:
        raise ValueError(f"--{prefix}schedule-param needs --{prefix}schedule NAME (or "
                         f"--{prefix}schedule-config)")
    seen: set[str] = set()
    for key, value in get("schedule_param") or ():
        if key in seen:
            raise ValueError(f"--{prefix}schedule-param {key}=... given twice")
        seen.add(key)
        cfg["params"][key] = value
    return cfg


def schedule_from_args(
    namespace: argparse.Namespace,
    *,
    hyperparam: str = "lr",
    prefix: str = "",
    parser: argparse.ArgumentParser | None = None,
    required: bool = True,
) -> Any:
    """The Schedule the parsed flags describe (see the module docstring).

    Args:
      namespace: from ``parser.parse_args()`` on a parser given :func:`add_schedule_arguments`.
      hyperparam: ``"lr"``, or ``"momentum"`` for the coupled momentum schedule (``OneCycle``,
        ``torch.OneCycleLR``, ``torch.CyclicLR``).
      prefix: the ``prefix`` given to :func:`add_schedule_arguments`.
      parser: if given, errors go through ``parser.error`` (usage, message, exit status 2).
      required: with False, return None when no schedule is chosen.

    Returns:
      ``from_config(config_from_args(namespace), hyperparam, timeline=timeline_from_args(...))``.

    Raises:
      ValueError: no schedule chosen, forms mixed, a bad name or value, each naming the flag and
        the valid choices. TypeError: a value of the wrong type, naming the flag.

    Example:
      >>> import argparse
      >>> p = add_schedule_arguments(argparse.ArgumentParser())
      >>> ns = p.parse_args(["--schedule", "cosine_decay", "--schedule-param", "init_value=0.1",
      ...                    "--schedule-param", "decay_steps=2 epochs", "--steps-per-epoch", "50"])
      >>> s = schedule_from_args(ns)
      >>> s.decay_steps, round(float(s.evaluate(50)), 6)  # half-way: 0.1 * (1 + cos(pi/2)) / 2
      (100, 0.05)

    Equivalents:
      DeepSpeed: ``get_config_from_args(args)`` followed by building the scheduler from that
      config (``schedule_from_args`` does both, and accepts every jaxsched name besides).
    """
    from jaxsched.config import from_config

    try:
        cfg = config_from_args(namespace, prefix=prefix)
        if cfg is None:
            if not required:
                return None
            raise ValueError(
                f"no schedule chosen: pass --{prefix}lr_schedule (one of "
                f"{', '.join(DEEPSPEED_SCHEDULES)}) or --{prefix}schedule NAME (see `jaxsched list`)"
            )
        timeline = timeline_from_args(namespace, prefix=prefix)
        try:
            return from_config(cfg, hyperparam=hyperparam, timeline=timeline)
        except (ValueError, TypeError) as e:
            deepspeed = getattr(namespace, _dest(prefix, "lr_schedule"), None) is not None
            raise type(e)(_f.name_flags(str(e), cfg, deepspeed, prefix)) from None
    except (ValueError, TypeError) as e:
        if parser is not None:
            parser.error(str(e))
        raise

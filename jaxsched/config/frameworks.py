"""Whole fairseq and NeMo scheduler configurations as ``{"type", "params"}`` configs.

:func:`fairseq_config` reads a fairseq command line (``["--lr-scheduler", "inverse_sqrt",
"--warmup-updates", "4000", "--lr", "5e-4", ...]``, one string of it, or the
``argparse.Namespace`` fairseq parses it into) or a fairseq Hydra config (``{"lr_scheduler":
{"_name": ...}, "optimization": {"lr": [...], "max_update": ...}}``); :func:`nemo_config` reads
a NeMo ``optim`` block (``{"name": "adamw", "lr": ..., "sched": {"name": "CosineAnnealing",
...}}``), or a model config holding ``model.optim`` and ``trainer.max_steps``. Both return the
``fairseq.*`` / ``nemo.*`` config, and :func:`jaxsched.from_config` (through
:func:`jaxsched.config.load_config`) accepts all of these forms directly::

    jaxsched.from_config(["--lr-scheduler", "inverse_sqrt", "--lr", "5e-4"])
    jaxsched.from_config("nemo_model.yaml")  # model.optim.sched and trainer.max_steps

Use the functions themselves to pass what the files lack: ``updates_per_epoch`` (fairseq's
epoch-based names) or ``max_steps`` (NeMo's ``trainer.max_steps``). Only the scheduler is read:
the optimizer's name and other arguments are ignored.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import shlex
from collections.abc import Mapping
from typing import Any

from jaxsched.core.registry import _REGISTRY
from jaxsched.core.validate import describe

__all__ = ["fairseq_config", "nemo_config", "is_fairseq_args", "is_fairseq_mapping", "is_nemo_mapping"]


# ------------------------------------------------------------------------------------ fairseq
def _float_list(text: str) -> list[float]:
    """fairseq's ``eval_str_list(x, float)``: ``"5e-4"`` -> ``[5e-4]``, ``"0.1,0.05"`` -> a list."""
    try:
        x = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise argparse.ArgumentTypeError(
            f"expected a number or a comma-separated list, got {text!r}") from None
    items = x if isinstance(x, (list, tuple)) else [x]
    try:
        return [float(i) for i in items]
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected numbers, got {text!r}") from None


#: fairseq's scheduler flags (``--name`` for ``name``) and their argparse types.
FAIRSEQ_FLAGS: dict[str, Any] = {
    "lr": _float_list, "max_update": int, "warmup_updates": int, "warmup_init_lr": float,
    "force_anneal": int, "lr_shrink": float, "end_learning_rate": float, "power": float,
    "total_num_update": float, "min_lr": float, "t_mult": float, "lr_period_updates": float,
    "warmup_steps": int, "hold_steps": int, "decay_steps": int, "phase_ratio": _float_list,
    "init_lr_scale": float, "final_lr_scale": float, "max_lr": float, "shrink_min": bool,
    "lr_deacy_period": int, "lr_decay": float, "lr_threshold": float, "lr_patience": int,
    "maximize_best_checkpoint_metric": bool,
}
#: fields that fairseq interpolates from ``optimization.max_update`` when unset.
_FROM_MAX_UPDATE = ("total_num_update",)


def is_fairseq_args(source: Any) -> bool:
    """A fairseq argument list, command string or namespace.

    A list (or tuple) is one when it holds only strings and at least one ``--`` flag: a list
    such as ``["constant_schedule"]`` is no command line, and stays a type error of
    ``from_config`` rather than fairseq's default scheduler.
    """
    if isinstance(source, argparse.Namespace):
        return True
    if isinstance(source, str):
        return source.lstrip().startswith("--")
    return (isinstance(source, (list, tuple)) and all(isinstance(a, str) for a in source)
            and any(a.startswith("--") for a in source))


def is_fairseq_mapping(source: Any) -> bool:
    """A fairseq Hydra config: a top-level ``lr_scheduler`` mapping with ``_name``."""
    return isinstance(source, Mapping) and isinstance(source.get("lr_scheduler"), Mapping) and (
        "_name" in source["lr_scheduler"])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fairseq", add_help=False, allow_abbrev=False,
                                exit_on_error=False)
    p.add_argument("--lr-scheduler", dest="lr_scheduler", default="fixed")
    for name, kind in FAIRSEQ_FLAGS.items():
        flag = "--" + name.replace("_", "-")
        if kind is bool:
            p.add_argument(flag, dest=name, action="store_true", default=argparse.SUPPRESS)
        else:
            p.add_argument(flag, dest=name, type=kind, default=argparse.SUPPRESS)
    return p


def _unset(x: Any) -> bool:
    return x is None or (isinstance(x, str) and (x.startswith("${") or x == "???"))


def fairseq_config(source: Any, *, updates_per_epoch: int | None = None) -> dict:
    """The ``fairseq.<name>`` config of a fairseq command line, namespace or Hydra config.

    Args:
      source: a list of arguments (``["--lr-scheduler", "cosine", "--lr", "1e-3", ...]``; other
        fairseq flags are ignored), one string of them, an ``argparse.Namespace`` from fairseq's
        parser, or a mapping with ``lr_scheduler`` (``_name`` and the scheduler's fields) and
        optionally ``optimization`` (``lr``, ``max_update``), as fairseq's Hydra configs hold.
      updates_per_epoch: passed on to the names that need it (``fixed`` with an lr list or
        ``force_anneal``, ``reduce_lr_on_plateau`` with a warmup).

    Returns:
      ``{"type": "fairseq.<name>", "params": {...}}``: the flags given (the name's defaults fill
      the rest, as fairseq's dataclasses do), ``total_num_update`` from ``max_update`` when unset.

    Raises:
      ValueError: an unknown ``--lr-scheduler`` (the fairseq names listed), a flag value that does
        not parse (named).
      TypeError: ``source`` of another type.

    Example:
      >>> fairseq_config("--arch transformer --lr-scheduler inverse_sqrt --warmup-updates 4000 --lr 5e-4")
      {'type': 'fairseq.inverse_sqrt', 'params': {'warmup_updates': 4000, 'lr': [0.0005]}}
    """
    if isinstance(source, str):
        source = shlex.split(source)
    if isinstance(source, (list, tuple)):
        parser = _parser()
        try:
            ns, _ = parser.parse_known_args(list(source))
        except argparse.ArgumentError as e:
            raise ValueError(f"fairseq arguments: {e}") from None
        values = vars(ns)
    elif isinstance(source, argparse.Namespace):
        values = vars(source)
    elif is_fairseq_mapping(source):
        values = {k: v for k, v in source["lr_scheduler"].items() if k != "_name"}
        values["lr_scheduler"] = source["lr_scheduler"]["_name"]
        opt = source.get("optimization") or {}
        if not isinstance(opt, Mapping):
            raise ValueError(
                f"`optimization` of this fairseq config must be a mapping, got {describe(opt)}")
        for key in ("lr", "max_update"):
            if _unset(values.get(key)) and not _unset(opt.get(key)):
                values[key] = opt[key]
    else:
        raise TypeError(
            "`source` must be a fairseq argument list or string, an argparse.Namespace or a "
            f"mapping with 'lr_scheduler', got {type(source).__name__}"
        )
    name = values.get("lr_scheduler", "fixed")
    full = f"fairseq.{name}"
    if not isinstance(name, str) or full not in _REGISTRY:
        valid = sorted(n.split(".", 1)[1] for n in _REGISTRY if n.startswith("fairseq."))
        raise ValueError(f"unknown fairseq --lr-scheduler {describe(name)}; valid: {', '.join(valid)}")
    accepted = inspect.signature(_REGISTRY[full]).parameters
    params = {k: v for k, v in values.items() if k in accepted and not _unset(v)}
    for key in _FROM_MAX_UPDATE:
        if key in accepted and key not in params and not _unset(values.get("max_update")):
            params[key] = values["max_update"]
    if "phase_ratio" in params and params["phase_ratio"] is not None:
        params["phase_ratio"] = list(params["phase_ratio"])
    if updates_per_epoch is not None and "updates_per_epoch" in accepted:
        params["updates_per_epoch"] = updates_per_epoch
    return {"type": full, "params": params}


# ------------------------------------------------------------------------------------ NeMo
#: ``optim.sched`` keys that are not scheduler arguments (``prepare_lr_scheduler`` drops them).
_NEMO_DROPPED = ("name", "t_max_epochs", "t_accumulate_grad_batches", "t_limit_train_batches",
                 "t_num_workers", "monitor", "reduce_on_plateau")
_INTERP = re.compile(r"^\$\{([A-Za-z_][\w.]*)\}$")


def is_nemo_mapping(source: Any) -> bool:
    """A NeMo ``optim`` block (with ``sched``), or a config holding one (``optim``, ``model.optim``)."""
    if not isinstance(source, Mapping):
        return False
    if isinstance(source.get("sched"), Mapping):
        return True
    model = source.get("model")
    optim = source.get("optim", model.get("optim") if isinstance(model, Mapping) else None)
    return isinstance(optim, Mapping) and "sched" in optim


def _lookup(root: Mapping, path: str, where: str) -> Any:
    node: Any = root
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ValueError(f"`{where}` refers to ${{{path}}}, which this config does not hold")
        node = node[part]
    return node


def _resolve(x: Any, root: Mapping, where: str, depth: int = 0) -> Any:
    """An OmegaConf interpolation ``${a.b}`` resolved against ``root``; ``???`` refused."""
    if isinstance(x, str):
        if x == "???":
            raise ValueError(f"`{where}` is '???' (mandatory in NeMo's config): give a value")
        m = _INTERP.match(x)
        if m:
            if depth > 16:
                raise ValueError(f"`{where}`: interpolations nest too deep")
            return _resolve(_lookup(root, m.group(1), where), root, where, depth + 1)
    return x


def nemo_config(source: Mapping[str, Any], *, max_steps: int | None = None) -> dict:
    """The ``nemo.<Name>`` config of a NeMo ``optim`` block or model config.

    Args:
      source: an ``optim`` block (``name``, ``lr``, ``sched``), a mapping holding one as
        ``optim`` or ``model.optim`` (a NeMo model YAML; its ``trainer.max_steps`` is read), or
        ``sched`` with ``args: {name: auto, params: {...}}`` (NeMo's older form). Whole-value
        interpolations ``${trainer.max_steps}`` are resolved against ``source``.
      max_steps: ``trainer.max_steps``. As NeMo's ``ModelPT.setup_optimization``, a
        ``max_steps >= 0`` (given here, or the config's ``trainer.max_steps``) overrides
        ``sched.max_steps``.

    Returns:
      ``{"type": "nemo.<Name>", "params": {...}}`` with ``lr`` = ``optim.lr`` and ``max_steps``
      for the names that take it.

    Raises:
      ValueError: no ``sched`` (NeMo builds no scheduler), ``max_steps`` missing or -1 (NeMo
        computes it from epochs and the dataloader, or builds no scheduler), an unknown scheduler
        name (NeMo's names listed), an unresolvable interpolation or ``???``.

    Example:
      >>> nemo_config({"name": "adamw", "lr": 1e-3, "sched": {"name": "CosineAnnealing",
      ...              "warmup_ratio": 0.1, "min_lr": 1e-5}}, max_steps=1000)
      {'type': 'nemo.CosineAnnealing', 'params': {'warmup_ratio': 0.1, 'min_lr': 1e-05, \
'max_steps': 1000, 'lr': 0.001}}
    """
    if not isinstance(source, Mapping):
        raise TypeError(f"`source` must be a NeMo optim block (a mapping), got {type(source).__name__}")
    root = source
    model = source.get("model")
    if "sched" in source or "lr" in source:
        optim, where = source, ""
    elif isinstance(source.get("optim"), Mapping):
        optim, where = source["optim"], "optim."
    elif isinstance(model, Mapping) and isinstance(model.get("optim"), Mapping):
        optim, where = model["optim"], "model.optim."
    else:
        raise ValueError("this NeMo config holds no optim block ('optim' or 'model.optim')")
    sched = _resolve(optim.get("sched"), root, where + "sched")
    if sched is None:
        raise ValueError(f"`{where}sched` is missing: NeMo builds no scheduler (the lr stays {where}lr)")
    if not isinstance(sched, Mapping):
        raise ValueError(f"`{where}sched` must be a mapping, got {describe(sched)}")
    name = _resolve(sched.get("name"), root, where + "sched.name")
    if "args" in sched:
        args = sched["args"]
        if not isinstance(args, Mapping):
            raise ValueError(f"`{where}sched.args` must be a mapping, got {describe(args)}")
        params = dict(args.get("params") or {}) if "name" in args else dict(args)
    else:
        params = {k: v for k, v in sched.items() if k not in _NEMO_DROPPED}
    params = {k: _resolve(v, root, f"{where}sched.{k}") for k, v in params.items()}
    if "max_steps" in sched:  # prepare_lr_scheduler reads it from sched itself, args or not
        params["max_steps"] = _resolve(sched["max_steps"], root, f"{where}sched.max_steps")
    trainer = root.get("trainer")
    if max_steps is None and isinstance(trainer, Mapping) and "max_steps" in trainer:
        max_steps = _resolve(trainer["max_steps"], root, "trainer.max_steps")
    if isinstance(max_steps, int) and not isinstance(max_steps, bool) and max_steps >= 0:
        params["max_steps"] = max_steps
    full = f"nemo.{name}"
    if not isinstance(name, str) or full not in _REGISTRY:
        valid = sorted(n.split(".", 1)[1] for n in _REGISTRY if n.startswith("nemo."))
        raise ValueError(f"unknown NeMo scheduler {describe(name)} in `{where}sched.name`; valid: "
                         f"{', '.join(valid)}")
    accepted = inspect.signature(_REGISTRY[full]).parameters
    if "max_steps" in accepted:
        ms = params.get("max_steps")
        if ms is None and accepted["max_steps"].default is inspect.Parameter.empty:
            raise ValueError(
                f"`{where}sched.max_steps` is missing and no trainer.max_steps is given: NeMo then "
                "computes it from trainer.max_epochs and the dataloader; pass max_steps="
            )
        if ms == -1:
            raise ValueError(f"`{where}sched.max_steps` is -1: NeMo builds no scheduler (the lr stays "
                             f"{where}lr)")
    else:
        params.pop("max_steps", None)  # as prepare_lr_scheduler does for torch's schedulers
    lr = _resolve(optim.get("lr"), root, where + "lr")
    if lr is not None and "lr" in accepted and "lr" not in params:
        params["lr"] = lr
    return {"type": full, "params": params}

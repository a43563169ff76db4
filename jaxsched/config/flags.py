"""The flag table and argument types behind :mod:`jaxsched.config.args` (DeepSpeed's tuning flags).

The names and defaults are DeepSpeed's ``add_tuning_arguments`` (``deepspeed/runtime/
lr_schedules.py``), plus ``--total_num_steps``, which DeepSpeed's CLI lacks although
``WarmupDecayLR`` and ``WarmupCosineLR`` require it.

Example:
  >>> parse_bool("no"), parse_bool("1"), literal("[30, 60]"), literal("cos")
  (False, True, [30, 60], 'cos')
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["DEEPSPEED_SCHEDULES", "DEEPSPEED_FLAGS", "FAMILIES", "parse_bool", "literal"]

DEEPSPEED_SCHEDULES = ("LRRangeTest", "OneCycle", "WarmupLR", "WarmupDecayLR", "WarmupCosineLR")

#: (name, kind, default, help): DeepSpeed's flags with DeepSpeed's CLI defaults, except
#: ``cycle_momentum`` (None: DeepSpeed never forwards it) and our ``total_num_steps``.
DEEPSPEED_FLAGS: tuple[tuple[str, str, Any, str], ...] = (
    ("lr_schedule", "schedule", None, "DeepSpeed LR schedule"),
    ("lr_range_test_min_lr", "float", 0.001, "LRRangeTest: starting lr"),
    ("lr_range_test_step_rate", "float", 1.0, "LRRangeTest: lr increase per step size"),
    ("lr_range_test_step_size", "steps", 1000, "LRRangeTest: steps per increase (class: 2000)"),
    ("lr_range_test_staircase", "bool", False, "LRRangeTest: increase in stairs"),
    ("cycle_first_step_size", "steps", 1000, "OneCycle: steps of the rising half"),
    ("cycle_first_stair_count", "int", -1, "OneCycle: stairs in the rising half (-1: continuous)"),
    ("cycle_second_step_size", "steps", -1,
     "OneCycle: steps of the falling half (-1: same as the first)"),
    ("cycle_second_stair_count", "int", -1, "OneCycle: stairs in the falling half (-1: continuous)"),
    ("decay_step_size", "steps", 1000, "OneCycle: steps per post-cycle decay interval (class: 0)"),
    ("cycle_min_lr", "float", 0.01, "OneCycle: lower lr"),
    ("cycle_max_lr", "float", 0.1, "OneCycle: peak lr"),
    ("decay_lr_rate", "float", 0.0, "OneCycle: post-cycle lr decay rate"),
    ("cycle_momentum", "bool", None, "OneCycle: cycle momentum (unset: the class default, true)"),
    ("cycle_min_mom", "float", 0.8, "OneCycle: lower momentum"),
    ("cycle_max_mom", "float", 0.9, "OneCycle: upper momentum"),
    ("decay_mom_rate", "float", 0.0, "OneCycle: post-cycle momentum decay rate"),
    ("warmup_min_lr", "float", 0, "WarmupLR/WarmupDecayLR: starting lr"),
    ("warmup_max_lr", "float", 0.001, "WarmupLR/WarmupDecayLR: lr after the warmup"),
    ("warmup_num_steps", "steps", 1000, "Warmup*: warmup steps"),
    ("warmup_type", "warmup_type", "log", "Warmup*: warmup shape, log or linear"),
    ("warmup_min_ratio", "float", 0.01, "WarmupCosineLR: starting lr ratio (class: 0.0)"),
    ("cos_min_ratio", "float", 0.01, "WarmupCosineLR: final lr ratio (class: 0.0001)"),
    ("total_num_steps", "steps", None,
     "WarmupDecayLR/WarmupCosineLR: steps in the run (not a DeepSpeed flag; required there)"),
)

_WARMUP = ("warmup_min_lr", "warmup_max_lr", "warmup_num_steps", "warmup_type")
#: The flags each ``--lr_schedule`` forwards to its constructor.
FAMILIES: dict[str, tuple[str, ...]] = {
    "LRRangeTest": ("lr_range_test_min_lr", "lr_range_test_step_rate", "lr_range_test_step_size",
                    "lr_range_test_staircase"),
    "OneCycle": ("cycle_first_step_size", "cycle_first_stair_count", "cycle_second_step_size",
                 "cycle_second_stair_count", "decay_step_size", "cycle_min_lr", "cycle_max_lr",
                 "decay_lr_rate", "cycle_momentum", "cycle_min_mom", "cycle_max_mom",
                 "decay_mom_rate"),
    "WarmupLR": _WARMUP,
    "WarmupDecayLR": _WARMUP + ("total_num_steps",),
    "WarmupCosineLR": ("total_num_steps", "warmup_min_ratio", "warmup_num_steps", "cos_min_ratio",
                       "warmup_type"),
}
_MINUS_ONE_UNSET = ("cycle_first_stair_count", "cycle_second_step_size", "cycle_second_stair_count")
GIVEN = "_jaxsched_given"  # namespace attribute: the dests set explicitly on the command line

_TRUE = ("true", "1", "yes", "y", "on", "t")
_FALSE = ("false", "0", "no", "n", "off", "f")


def parse_bool(text: Any) -> bool:
    """``true/false``, ``1/0``, ``yes/no``, ``on/off`` (any case) as a bool."""
    if isinstance(text, bool):
        return text
    t = str(text).strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise argparse.ArgumentTypeError(
        f"expected a boolean (true/false, 1/0, yes/no, on/off), got {text!r}"
    )


def literal(text: str, origin: str = "the value") -> Any:
    """A JSON literal when ``text`` parses as one (``True``/``False``/``None`` too), else ``text``.

    The VALUE of every ``KEY=VALUE`` on the command line (``--schedule-param``, ``jaxsched show``).

    Raises:
      ValueError: JSON past the limits of :mod:`jaxsched.config.limits` (an integer outside
        int64, nesting over 64 levels, over 1 MiB).

    Example:
      >>> [literal(t) for t in ["0.1", "1e-3", "[30, 60]", "true", "False", "None", "cos"]]
      [0.1, 0.001, [30, 60], True, False, None, 'cos']
    """
    from jaxsched.config import limits

    try:
        return limits.json_loads(text, origin)
    except limits.ConfigLimitError:  # JSON, but too large, too deep, or an integer past int64
        raise
    except ValueError:
        return {"True": True, "False": False, "None": None}.get(text, text)


def number(text: str) -> int | float:
    """An int when ``text`` is one, else a float."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def steps(text: str) -> int | str:
    """An int, or a unit string such as ``"2 epochs"`` (checked, resolved later)."""
    try:
        return int(text)
    except ValueError:
        pass
    from jaxsched.config.units import parse_unit

    try:
        parse_unit(text, "value")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).replace("`value`=", "")) from None
    return text


def _choice(valid: tuple[str, ...], what: str) -> Any:
    def check(text: str) -> str:
        if text not in valid:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r}; valid choices: {', '.join(valid)}"
            )
        return text

    check.__name__ = what
    return check


def registered_name(text: str) -> str:
    """A name ``jaxsched.from_config`` accepts."""
    from jaxsched.config.loader import registered_names

    return _choice(tuple(registered_names()), "schedule name")(text)


def key_value(text: str) -> tuple[str, Any]:
    """``"KEY=VALUE"`` as ``(KEY, literal(VALUE))``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), literal(value)


TYPES = {
    "schedule": _choice(DEEPSPEED_SCHEDULES + tuple(f"deepspeed.{n}" for n in DEEPSPEED_SCHEDULES),
                        "DeepSpeed schedule"),
    "float": float,
    "int": int,
    "steps": steps,
    "warmup_type": _choice(("log", "linear"), "warmup type"),
}


class Given(argparse.Action):
    """Store the value and record the destination in ``namespace._jaxsched_given``."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, GIVEN, set(getattr(namespace, GIVEN, None) or ()) | {self.dest})


def deepspeed_config(name: Any, get: Any, given: Any, prefix: str) -> dict:
    """The ``{"type": name, "params"}`` DeepSpeed's ``get_config_from_args`` means, fixed."""
    base = name[len("deepspeed."):] if isinstance(name, str) and name.startswith("deepspeed.") else name
    if base not in FAMILIES:
        raise ValueError(
            f"--{prefix}lr_schedule {name!r} is not a DeepSpeed schedule; valid choices: "
            f"{', '.join(DEEPSPEED_SCHEDULES)}"
        )
    family = FAMILIES[base]
    dests = {(prefix + n).replace("-", "_"): n for n, *_ in DEEPSPEED_FLAGS}
    foreign = sorted(f"--{prefix}{dests[d]}" for d in (given or ())
                     if d in dests and dests[d] not in family and dests[d] != "lr_schedule")
    if foreign:
        raise ValueError(
            f"{', '.join(foreign)} do(es) not apply to --{prefix}lr_schedule {name}; its flags are: "
            f"{', '.join(f'--{prefix}{n}' for n in family)}"
        )
    params = {}
    for flag in family:
        value = get(flag)
        if value is None or (flag in _MINUS_ONE_UNSET and value == -1):
            continue  # unset: the constructor's default applies
        params[flag] = value
    if "total_num_steps" in family and "total_num_steps" not in params:
        raise ValueError(
            f"--{prefix}lr_schedule {name} needs --{prefix}total_num_steps (optimizer steps in the "
            "run; '3 epochs' or '100%' work with --steps-per-epoch / --total-steps)"
        )
    return {"type": name, "params": params}


def name_flags(msg: str, cfg: dict, deepspeed: bool, prefix: str) -> str:
    """Prefix a constructor's error with the flag that chose it, and name each param's flag."""
    for key in cfg.get("params", {}):
        flag = f"--{prefix}{key}" if deepspeed else f"--{prefix}schedule-param {key}=..."
        msg = msg.replace(f"`{key}`", f"`{key}` ({flag})", 1)
    head = f"--{prefix}lr_schedule" if deepspeed else f"--{prefix}schedule"
    return f"{head} {cfg.get('type')}: {msg}"

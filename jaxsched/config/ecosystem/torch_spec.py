"""How a ``torch.*`` name is registered, and the torch name and arguments it records.

Each ``torch.*`` constructor records its torch name and arguments on the schedule it returns (a
private attribute, not part of the schedule's value, config or pytree), so that
``SequentialLR`` and ``ChainedScheduler`` can apply torch's rules for their children.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule

__all__ = ["BUILDERS", "torch_name", "tag", "spec", "with_torch_words"]

BUILDERS: dict[str, Callable[..., Schedule]] = {}
_SPEC = "_torch_spec"


def torch_name(name: str) -> Callable[[Callable[..., Schedule]], Callable[..., Schedule]]:
    """Register ``fn`` under ``name`` and remember it for rebuilding children."""

    def wrap(fn: Callable[..., Schedule]) -> Callable[..., Schedule]:
        BUILDERS[name] = fn
        return register(name)(fn)

    return wrap


def tag(name: str, schedule: Schedule, **kwargs: Any) -> Schedule:
    """Record the torch name and arguments that built ``schedule`` (see :func:`spec`)."""
    object.__setattr__(schedule, _SPEC, (name, kwargs))
    return schedule


def spec(schedule: Any) -> tuple[str, dict] | None:
    """``(torch name, arguments)`` of a schedule built by a ``torch.*`` name, else ``None``."""
    return getattr(schedule, _SPEC, None)


# torch 2.13's own words for a bad value, per (name, parameter): appended to our ValueError
# (which names the parameter first, in backticks) so that a torch user's
# ``pytest.raises(ValueError, match=...)`` finds them. ``{value}`` is the value given.
# Source: torch/optim/lr_scheduler.py and swa_utils.py (torch 2.13), each class's ValueError.
_TORCH_WORDS: dict[str, dict[str, str]] = {
    "torch.LinearLR": {
        "start_factor": "Starting multiplicative factor expected to be greater than 0 and less "
                        "or equal to 1.",
        "end_factor": "Ending multiplicative factor expected to be between 0 and 1.",
    },
    "torch.ConstantLR": {"factor": "Constant multiplicative factor expected to be between 0 and 1."},
    "torch.CyclicLR": {"mode": "mode is invalid and scale_fn is None"},
    "torch.OneCycleLR": {
        "anneal_strategy": "anneal_strategy must be one of 'cos' or 'linear', instead got {value}",
        "pct_start": "Expected float between 0 and 1 pct_start, but got {value}",
        "total_steps": "Expected positive integer total_steps, but got {value}",
        "epochs": "Expected positive integer epochs, but got {value}",
        "steps_per_epoch": "Expected positive integer steps_per_epoch, but got {value}",
    },
    "torch.CosineAnnealingWarmRestarts": {
        "T_0": "Expected positive integer T_0, but got {value}",
        "T_mult": "Expected integer T_mult >= 1, but got {value}",
    },
    "torch.SWALR": {"anneal_epochs": "anneal_epochs must be equal or greater than 0, got {value}"},
    "torch.ReduceLROnPlateau": {
        "factor": "Factor should be < 1.0.",
        "mode": "mode {value} is unknown!",
        "threshold_mode": "threshold mode {value} is unknown!",
    },
}
# our validators' range, choice and integrality messages: where torch raises its ValueError too
_FIRST_PARAM = re.compile(r"`(\w+)` must be (?:[<>]=? |one of |an integer|a positive integer)")
_MAX_MESSAGE = 300  # keep a message one readable line (tests/core/test_bad_input_sweep.py)


def with_torch_words(name: str, params: Mapping[str, Any], err: ValueError) -> ValueError | None:
    """``err`` (a plain ``ValueError`` naming a parameter of the ``torch.*`` name ``name``) with
    torch's own message for that parameter appended, or ``None`` when torch has no words for it.

    Example:
      >>> from jaxsched.config.ecosystem.torch_spec import with_torch_words
      >>> str(with_torch_words("torch.OneCycleLR", {"pct_start": 1.1},
      ...                      ValueError("`pct_start` must be <= 1, got 1.1")))
      '`pct_start` must be <= 1, got 1.1 (torch: Expected float between 0 and 1 pct_start, but got 1.1)'
    """
    words = _TORCH_WORDS.get(name)
    m = _FIRST_PARAM.match(str(err))  # our validators' messages start with the parameter
    if type(err) is not ValueError or words is None or m is None or m.group(1) not in words:
        return None
    from jaxsched.core.validate import describe

    value = params.get(m.group(1))
    plain = isinstance(value, (int, float, str)) and len(str(value)) <= 60  # as torch's f-string
    text = words[m.group(1)].format(value=value if plain else describe(value))
    out = f"{err} (torch: {text})"
    if text in str(err) or len(out) > _MAX_MESSAGE:
        return None
    return ValueError(out)

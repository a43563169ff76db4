"""t5x's learning-rate factor strings: ``t5x.create_learning_rate_scheduler``.

t5x (``t5x/utils.py``, ``create_learning_rate_scheduler``, commit ``cc342d4``) builds its
learning rate as a product of named factors, ``factors="constant * linear_warmup *
rsqrt_decay"``, evaluated at ``s = max(0, step - step_offset)`` and floored at
``min_learning_rate``. Each factor becomes a native schedule, the string their
:func:`jaxsched.product`, then :func:`jaxsched.offset` and :func:`jaxsched.floor`.

**Step convention.** t5x's trainer evaluates the schedule at ``train_state.step``, the number
of updates already applied: update ``k`` uses ``step = k``, the clean convention.

**Factors** (``W = warmup_steps``, ``d = decay_factor``): ``constant``: ``base_learning_rate``;
``linear_warmup``: ``min(1, s / W)``; ``linear_decay``: ``base_learning_rate * min(s / W, 1 + d (W
- s))`` (t5x multiplies by the base lr again); ``rsqrt_decay``: ``1 / sqrt(max(s, W))``;
``rsqrt_normalized_decay``: ``sqrt(W) / sqrt(max(s, W))``; ``decay_every``: ``d**(s //
steps_per_decay)``; ``cosine_decay``: ``max(0, (1 + cos(pi frac((s - W)/steps_per_cycle)))/2)``
after ``W`` (1 before; a restart every ``steps_per_cycle`` updates). An unknown factor raises,
naming it and listing these.

**Deliberate differences**, raising at construction: ``warmup_steps=0`` with a factor that
divides by it (``linear_warmup``, ``linear_decay``, ``rsqrt_decay``, ``rsqrt_normalized_decay``:
t5x gives NaN or infinity at update 0); ``min_learning_rate < 0``, a negative
``base_learning_rate`` or ``decay_factor`` (``linear_decay`` is then floored at 0 before the
product, which equals t5x once the floor ``min_learning_rate >= 0`` applies).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.compose import floor, offset, product
from jaxsched.config.ecosystem.fairseq_names import _concrete, _where
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import boundary_list, join_schedules
from jaxsched.schedules.decay import step_decay
from jaxsched.schedules.inverse import inverse_sqrt_decay
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule
from jaxsched.schedules.restarts import cosine_restarts

__all__ = ["t5x_create_learning_rate_scheduler", "T5X_FACTORS"]

#: The factor names t5x's ``create_learning_rate_scheduler`` knows.
T5X_FACTORS = ("constant", "linear_warmup", "linear_decay", "rsqrt_decay",
               "rsqrt_normalized_decay", "decay_every", "cosine_decay")
_NEEDS_WARMUP = ("linear_warmup", "linear_decay", "rsqrt_decay", "rsqrt_normalized_decay")


def parse_factors(factors: Any) -> list[str]:
    """t5x's ``factors`` string split at ``*`` (blanks stripped), each name checked."""
    if not isinstance(factors, str):
        raise TypeError(f"`factors` must be a string such as 'constant * linear_warmup * "
                        f"rsqrt_decay', got {factors!r} of type {type(factors).__name__}")
    names = [n.strip() for n in factors.split("*")]
    for n in names:
        if n not in T5X_FACTORS:
            raise ValueError(
                f"`factors` holds an unknown factor {n!r} (in {factors!r}); t5x knows "
                f"{', '.join(T5X_FACTORS)} (t5x raises 'Unknown factor')"
            )
    return names


def _linear_decay(base: Any, w: Any, d: Any) -> Schedule:
    """``base * min(s / W, 1 + d (W - s))``, floored at 0 (the slope ``d >= 0``)."""
    if _concrete(d) and np.ndim(d) == 0 and d == 0:
        down: Schedule = constant_schedule(base)
    else:
        length = 1.0 / _where(d > 0, d, 1e-30)
        down = linear_schedule(base, 0.0, length)
    return join_schedules([linear_schedule(0.0, base, w), down], boundary_list(w))


@register("t5x.create_learning_rate_scheduler")
def t5x_create_learning_rate_scheduler(
    factors: str = "constant * linear_warmup * rsqrt_decay", base_learning_rate: Any = 0.5,
    warmup_steps: Any = 1000, decay_factor: Any = 0.5, steps_per_decay: Any = 20000,
    steps_per_cycle: Any = 100000, step_offset: Any = 0, min_learning_rate: Any = 1e-8,
) -> Schedule:
    r"""t5x ``create_learning_rate_scheduler``: the product of the ``factors``, floored.

    .. math:: f(k) = \max\Big(\prod_{n \in \text{factors}} g_n(s),\ \text{min\_learning\_rate}
      \Big), \qquad s = \max(0, k - \text{step\_offset})

    with the factors ``g_n`` of the module docstring. Built as ``floor(offset(product([...]),
    step_offset), min_learning_rate)``.

    Args:
      factors: names joined by ``*`` (constant, linear_warmup, linear_decay, rsqrt_decay,
        rsqrt_normalized_decay, decay_every, cosine_decay); static.
      base_learning_rate: the ``constant`` (``>= 0``; traceable; default 0.5).
      warmup_steps: ``W`` updates (``>= 1`` when a factor divides by it; default 1000).
      decay_factor: ``decay_every``'s rate and ``linear_decay``'s slope (``>= 0``; 0.5).
      steps_per_decay: ``decay_every``'s period (an integer ``>= 1``; 20000).
      steps_per_cycle: ``cosine_decay``'s period (an integer ``>= 1``; 100000).
      step_offset: updates before the schedule starts (an integer ``>= 0``; 0).
      min_learning_rate: the floor (``>= 0``; 1e-8).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "t5x.create_learning_rate_scheduler", "params": {
      ...     "factors": "constant * linear_warmup * rsqrt_decay", "base_learning_rate": 1.0,
      ...     "warmup_steps": 4}})
      >>> [float(x) for x in s.evaluate(np.array([0, 2, 4, 16]), np)]
      [1e-08, 0.25, 0.5, 0.25]

    Equivalents:
      t5x: ``utils.create_learning_rate_scheduler(factors, base_learning_rate, warmup_steps,
      ...)`` (gin: ``utils.create_learning_rate_scheduler.factors``). tensor2tensor:
      ``learning_rate_schedule`` with ``learning_rate_schedule="constant*linear_warmup*rsqrt_decay"``.
    """
    names = parse_factors(factors)
    base = v.real("base_learning_rate", base_learning_rate, ge=0)
    w = v.integer("warmup_steps", warmup_steps, ge=0)
    d = v.real("decay_factor", decay_factor, ge=0)
    per_decay = v.integer("steps_per_decay", steps_per_decay, gt=0)
    per_cycle = v.integer("steps_per_cycle", steps_per_cycle, gt=0)
    off = v.integer("step_offset", step_offset, ge=0)
    lo = v.real("min_learning_rate", min_learning_rate, ge=0,
                hint=" (jaxsched floors linear_decay at 0, which needs a floor >= 0)")
    needs = [n for n in names if n in _NEEDS_WARMUP]
    if needs and _concrete(w) and w == 0:
        raise ValueError(
            f"`warmup_steps` must be >= 1 with the factor {needs[0]!r}, got 0: t5x divides by it "
            "(NaN or infinity at update 0)"
        )
    parts: list[Schedule] = []
    for n in names:
        if n == "constant":
            parts.append(constant_schedule(base))
        elif n == "linear_warmup":
            parts.append(linear_schedule(0.0, 1.0, w))
        elif n == "linear_decay":
            parts.append(_linear_decay(base, w, d))
        elif n == "rsqrt_decay":
            parts.append(offset(inverse_sqrt_decay(_where(w > 0, w, 1) ** -0.5, w), w))
        elif n == "rsqrt_normalized_decay":
            parts.append(offset(inverse_sqrt_decay(1.0, w), w))
        elif n == "decay_every":
            parts.append(step_decay(1.0, per_decay, d))
        else:  # cosine_decay
            parts.append(offset(cosine_restarts(1.0, per_cycle), w))
    s = parts[0] if len(parts) == 1 else product(parts)
    return floor(offset(s, off), lo)

"""Exponential decay (continuous and staircase), with begin and end clamp; and its warmup form."""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import (
    capped_growth,
    known_at_least,
    known_below,
    known_positive,
    known_to_equal,
    may_grow,
    safe_pow,
)
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.sequence import Sequence, boundary_list, join_schedules
from jaxsched.core.types import Steps, Value
from jaxsched.schedules.polynomial import linear_schedule

__all__ = ["Exponential", "exponential_decay", "warmup_exponential_decay_schedule"]


@schedule_class("exponential_decay")
class Exponential(Schedule):
    """``I r^((t - B)/T)`` (floored exponent if ``staircase``), clamped by ``end_value``."""

    init_value: Any = value_field()
    transition_steps: Any = steps_field()
    decay_rate: Any = value_field()
    transition_begin: Any = steps_field()
    staircase: bool = static_field()
    end_value: Any = value_field()

    def _formula(
        self, c, *, init_value, transition_steps, decay_rate, transition_begin, staircase, end_value
    ):
        xp = c.xp
        # known at trace time (the everyday case): a begin of 0 needs no shift, steps > 0 and a
        # rate > 0 need no guards; traced values take the guarded path, with the same values
        local = c if known_to_equal(self.transition_begin, 0) else c.shift(transition_begin)
        steps_positive = known_positive(self.transition_steps)
        if staircase:
            q = local.floordiv(transition_steps, positive=steps_positive)
        else:
            q = local.t / c.as_float(transition_steps)
        power = xp.pow(decay_rate, q) if known_positive(self.decay_rate) else safe_pow(
            c, decay_rate, q)
        if may_grow(self.decay_rate) and self.end_value is None:
            out = capped_growth(c, init_value, power)  # held at the float32 max, never inf
        else:
            out = init_value * power
        if end_value is not None:
            if known_below(self.decay_rate, 1.0):
                out = xp.maximum(out, end_value)
            elif known_at_least(self.decay_rate, 1.0):
                out = xp.minimum(out, end_value)
            else:
                out = xp.where(
                    decay_rate < 1, xp.maximum(out, end_value), xp.minimum(out, end_value)
                )
        return out

    def _start_value(self, c):
        # step 0 is init_value * r**0 = init_value, unless end_value clamps it
        return c.value(self.init_value) if self.end_value is None else None


@register("exponential_decay")
def exponential_decay(
    init_value: Value,
    transition_steps: Steps,
    decay_rate: Value,
    transition_begin: Steps = 0,
    staircase: bool = False,
    end_value: Value | None = None,
) -> Exponential:
    r"""Exponential decay (or growth) of ``init_value`` by ``decay_rate`` every ``transition_steps``.

    .. math::
      f(t) = \begin{cases}
        I, & t \le B \\
        I\, r^{(t - B)/T}, & t > B \quad(\text{exponent floored when staircase})
      \end{cases}

    then clamped below by ``end_value`` when ``r < 1`` (above when ``r >= 1``).

    Args:
      init_value: value up to ``transition_begin`` (real; traceable).
      transition_steps: ``T > 0``, optimizer steps per factor of ``decay_rate``.
      decay_rate: ``r >= 0`` (``r < 1`` decays, ``r > 1`` grows; ``r = 0`` drops to 0, or to
        ``end_value``, after the first transition). A growth without ``end_value`` is capped:
        ``r**((t - B)/T)`` is held at the largest finite float32 (``3.4e38``) and the value
        within ``+-3.4e38``, never ``inf`` (optax's, torch's ``ExponentialLR(gamma > 1)`` and
        Keras's overflow to ``inf``); with ``end_value`` the growth stops there.
      transition_begin: step ``B >= 0`` where the decay starts (default 0).
      staircase: if True, the value changes only every ``transition_steps`` steps (static).
      end_value: optional bound: a floor when ``r < 1``, a ceiling when ``r >= 1``.

    Returns:
      An :class:`Exponential` schedule.

    Raises:
      ValueError: ``transition_steps <= 0``, ``decay_rate < 0``, negative ``transition_begin``,
        or a non-finite value.
      TypeError: a non-numeric argument, or a non-bool ``staircase``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.exponential_decay(1.0, 3, 0.5, staircase=True)
      >>> [float(x) for x in s.evaluate(np.arange(8), np)]
      [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]

    Equivalents:
      optax: ``exponential_decay`` (optax silently returns ``init_value`` forever when
      ``transition_steps <= 0`` or ``decay_rate == 0``, and clamps a negative
      ``transition_begin`` to 0; jaxsched raises, or decays for ``decay_rate == 0``).
      torch: ``ExponentialLR(gamma=r)`` is ``T = 1``; ``StepLR(step_size=T, gamma=r)`` is the
      staircase form. Keras: ``ExponentialDecay(I, T, r, staircase)``.
    """
    return Exponential(
        v.real("init_value", init_value),
        v.steps("transition_steps", transition_steps, positive=True),
        v.real("decay_rate", decay_rate, ge=0),
        v.steps("transition_begin", transition_begin),
        v.boolean("staircase", staircase),
        v.real("end_value", end_value, allow_none=True),
    )


@register("warmup_exponential_decay_schedule")
def warmup_exponential_decay_schedule(
    init_value: Value,
    peak_value: Value,
    warmup_steps: Steps,
    transition_steps: Steps,
    decay_rate: Value,
    transition_begin: Steps = 0,
    staircase: bool = False,
    end_value: Value | None = None,
) -> Sequence:
    r"""Linear warmup to ``peak_value``, then :func:`exponential_decay` from the peak.

    .. math::
      f(t) = \begin{cases}
        I + (P - I)\,t/W, & t < W \\
        \text{exponential\_decay}(P, T, r, B, \text{staircase}, E)(t - W), & t \ge W
      \end{cases}

    Args:
      init_value: value at step 0 (real; traceable).
      peak_value: value at the end of warmup (real; traceable).
      warmup_steps: warmup length ``W >= 0`` in optimizer steps (``W = 0``: no warmup).
      transition_steps: ``T > 0``, steps per factor of ``decay_rate`` after warmup.
      decay_rate: ``r >= 0``.
      transition_begin: steps ``B >= 0`` after the warmup before the decay starts.
      staircase: discrete decay (static).
      end_value: optional floor (``r < 1``) or ceiling (``r >= 1``).

    Returns:
      A sequence schedule (warmup, then decay).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.warmup_exponential_decay_schedule(0.0, 1.0, 2, 2, 0.5)
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(7), np)]
      [0.0, 0.5, 1.0, 0.7071, 0.5, 0.3536, 0.25]

    Equivalents:
      optax: ``warmup_exponential_decay_schedule`` (same differences as
      :func:`exponential_decay`). torch: ``SequentialLR([LinearLR, ExponentialLR], [W])``.
    """
    w = v.steps("warmup_steps", warmup_steps)
    peak_value = v.real("peak_value", peak_value)
    warm = linear_schedule(v.real("init_value", init_value), peak_value, w)
    decay = exponential_decay(
        peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value
    )
    return join_schedules([warm, decay], boundary_list(w))

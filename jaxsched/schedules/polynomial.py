"""Constant, polynomial and linear schedules (optax names and semantics)."""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import (
    fractions,
    interpolate,
    known_positive,
    known_to_equal,
    linear_between,
    linear_blend,
    power_toward_end,
)
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = [
    "Constant",
    "Polynomial",
    "constant_schedule",
    "polynomial_schedule",
    "linear_schedule",
    "warmup_constant_schedule",
]


@schedule_class("constant_schedule")
class Constant(Schedule):
    """``f(t) = value``. Built by :func:`constant_schedule`."""

    value: Any = value_field()

    def _formula(self, c, *, value):
        if tuple(value.shape) == c.shape:  # already the count's shape: nothing to add
            return value
        return value + c.xp.zeros_like(c.t)

    def _start_value(self, c):
        return c.value(self.value)


@schedule_class("polynomial_schedule")
class Polynomial(Schedule):
    """``(I - E) (1 - c/T)^p + E`` with ``c = clip(t - B, 0, T)``. See :func:`polynomial_schedule`."""

    init_value: Any = value_field()
    end_value: Any = value_field()
    power: Any = value_field()
    transition_steps: Any = steps_field()
    transition_begin: Any = steps_field()

    def _formula(self, c, *, init_value, end_value, power, transition_steps, transition_begin):
        xp = c.xp
        # a concrete begin of 0 or steps > 0 (the everyday case) needs neither the shift nor
        # the guards below: the same values with a smaller graph
        local = c if known_to_equal(self.transition_begin, 0) else c.shift(transition_begin)
        total = c.as_float(transition_steps)
        elapsed = local.clip_t(total)
        remaining = total - elapsed  # exact: T - min(t, T)
        positive = known_positive(self.transition_steps)
        linear = known_to_equal(self.power, 1.0)  # concrete power 1: no pow, same values
        if positive and linear:
            return linear_between(c, init_value, end_value, elapsed, remaining, total,
                                  self.init_value, self.end_value, True)
        if positive:
            out = power_toward_end(c, init_value, end_value, remaining / total, power,
                                   self.init_value, self.end_value, self.power)
            if out is not None:
                return out
        left, done = fractions(c, elapsed, remaining, total, positive)
        if not positive:
            # T == 0 is a step from I to E at B: before B nothing is done, from B on all of it.
            before = total <= 0
            started = c.ge(transition_begin)
            left = xp.where(before & ~started, c.const(1.0), left)
            done = xp.where(before & ~started, c.const(0.0), done)
        if linear:
            return linear_blend(init_value, end_value, left, done, self.init_value, self.end_value)
        return interpolate(c, init_value, end_value, left, done, power)

    def _start_value(self, c):
        # T > 0 or B > 0: step 0 is before the end of the transition, at init_value (power 0
        # too: 0**0 = 1); T = B = 0 is end_value from step 0
        if known_positive(self.transition_steps) or known_positive(self.transition_begin):
            return c.value(self.init_value)
        return None


@register("constant_schedule")
def constant_schedule(value: Value) -> Constant:
    r"""A schedule that always returns ``value``.

    .. math:: f(t) = v

    Args:
      value: the constant value (any finite real; traceable).

    Returns:
      A :class:`Constant` schedule.

    Example:
      >>> import jaxsched
      >>> float(jaxsched.constant_schedule(0.1)(1000))
      0.10000000149011612

    Equivalents:
      optax: ``constant_schedule(value)`` (optax returns ``value`` itself, so a Python int stays
      an int; jaxsched always returns a strong float32 array). torch: a constant ``lr``, or
      ``LambdaLR(lambda k: 1)``. HF: ``constant``.
    """
    return Constant(v.real("value", value))


@register("polynomial_schedule")
def polynomial_schedule(
    init_value: Value,
    end_value: Value,
    power: Value,
    transition_steps: Steps,
    transition_begin: Steps = 0,
) -> Polynomial:
    r"""Polynomial transition from ``init_value`` to ``end_value``.

    .. math::
      f(t) = \begin{cases}
        I, & t < B \\
        (I - E)\left(\frac{T - (t - B)}{T}\right)^{p} + E, & B \le t < B + T \\
        E, & t \ge B + T
      \end{cases}

    The remaining fraction is computed as ``(T - c) / T`` (exact in float32 near the end).

    Args:
      init_value: value before and at ``transition_begin`` (real; traceable).
      end_value: value from ``transition_begin + transition_steps`` on (real; traceable).
      power: exponent ``p >= 0`` (``p = 0`` keeps ``init_value`` throughout, as ``0**0 = 1``).
      transition_steps: length ``T >= 0`` of the transition in optimizer steps. ``T = 0`` is a
        step from ``init_value`` to ``end_value`` at ``transition_begin``.
      transition_begin: step ``B >= 0`` at which the transition starts (default 0).

    Returns:
      A :class:`Polynomial` schedule.

    Raises:
      ValueError: a step count is negative or a value is not finite; ``power < 0``.
      TypeError: an argument is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.polynomial_schedule(1.0, 0.0, power=2, transition_steps=5)
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(7), np)]
      [1.0, 0.64, 0.36, 0.16, 0.04, 0.0, 0.0]

    Equivalents:
      optax: ``polynomial_schedule`` (optax silently returns ``init_value`` forever when
      ``transition_steps <= 0`` and silently clamps a negative ``transition_begin`` to 0;
      jaxsched treats ``T = 0`` as a step and raises for negative values).
      torch: ``PolynomialLR(total_iters=T, power=p)`` with ``E = 0`` and the base lr as ``I``.
      Keras: ``PolynomialDecay(I, T, E, p)``. HF: ``polynomial`` after its warmup.
    """
    return Polynomial(
        v.real("init_value", init_value),
        v.real("end_value", end_value),
        v.real("power", power, ge=0),
        v.steps("transition_steps", transition_steps),
        v.steps("transition_begin", transition_begin),
    )


@register("linear_schedule")
def linear_schedule(
    init_value: Value,
    end_value: Value,
    transition_steps: Steps,
    transition_begin: Steps = 0,
) -> Polynomial:
    r"""Linear transition from ``init_value`` to ``end_value`` over ``transition_steps``.

    .. math:: f(t) = I + (E - I)\,\frac{\mathrm{clip}(t - B, 0, T)}{T}

    Args:
      init_value: value up to ``transition_begin`` (real; traceable).
      end_value: value from ``transition_begin + transition_steps`` on (real; traceable).
      transition_steps: length ``T >= 0`` in optimizer steps (``T = 0``: a step at ``B``).
      transition_begin: first step ``B >= 0`` of the transition (default 0).

    Returns:
      A :class:`Polynomial` schedule with ``power=1``.

    Example:
      >>> import jaxsched
      >>> float(jaxsched.linear_schedule(0.0, 1.0, transition_steps=4)(1))
      0.25

    Equivalents:
      optax: ``linear_schedule`` (same differences as :func:`polynomial_schedule`).
      torch: ``LinearLR(start_factor=I/lr, end_factor=E/lr, total_iters=T)`` (cannot start at 0).
    """
    # the unwrapped constructor: this call is the one recorded (no inner record to copy)
    return polynomial_schedule.__wrapped__(init_value, end_value, 1, transition_steps,
                                           transition_begin)


@register("warmup_constant_schedule")
def warmup_constant_schedule(init_value: Value, peak_value: Value, warmup_steps: Steps) -> Polynomial:
    r"""Linear warmup from ``init_value`` to ``peak_value``, then constant.

    .. math:: f(t) = I + (P - I)\,\min(t, W)/W

    Args:
      init_value: value at step 0 (real; traceable).
      peak_value: value from step ``warmup_steps`` on (real; traceable).
      warmup_steps: warmup length ``W >= 0`` in optimizer steps. ``W = 0`` gives ``peak_value``
        from step 0.

    Returns:
      A :class:`Polynomial` schedule.

    Example:
      >>> import jaxsched
      >>> [float(jaxsched.warmup_constant_schedule(0.0, 1.0, 0)(k)) for k in (0, 5)]
      [1.0, 1.0]

    Equivalents:
      optax: ``warmup_constant_schedule`` (optax is stuck at ``init_value`` forever when
      ``warmup_steps=0``). HF: ``constant_with_warmup``. DeepSpeed: ``WarmupLR`` with
      ``warmup_type="linear"`` (which uses the minimum for two updates).
    """
    return linear_schedule(
        v.real("init_value", init_value),
        v.real("peak_value", peak_value),
        v.steps("warmup_steps", warmup_steps),
    )

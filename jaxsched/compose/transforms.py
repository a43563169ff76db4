"""One-child compositions: scale a schedule, bound it (clip, floor), start it at a step (offset).

Part of the composition algebra of :mod:`jaxsched.compose` (which re-exports every name here).
Each result is again a :class:`~jaxsched.Schedule`: traceable, evaluable with any array
namespace, serialisable with ``to_config``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, child_field, schedule_class, steps_field, value_field
from jaxsched.core.sequence import Function
from jaxsched.core.types import ScheduleFn, Steps, Value

__all__ = ["Scale", "Clip", "Offset", "HoldEvery", "scale", "clip", "floor", "offset", "hold_every"]


@schedule_class("scale")
class Scale(Schedule):
    """``f(t) = factor * s(t)``. Built by :func:`scale` (or ``s * factor``)."""

    schedule: Schedule = child_field()
    factor: Any = value_field()

    def _eval(self, c: _xp.Count) -> Any:
        return self.schedule._eval(c) * c.value(self.factor)


@schedule_class("clip")
class Clip(Schedule):
    """``f(t) = min(max(s(t), min_value), max_value)``. Built by :func:`clip` or :func:`floor`."""

    schedule: Schedule = child_field()
    min_value: Any = value_field()
    max_value: Any = value_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        out = self.schedule._eval(c)
        if self.min_value is not None:  # structural (None is not a leaf), never a numeric test
            out = xp.maximum(out, c.value(self.min_value))
        if self.max_value is not None:
            out = xp.minimum(out, c.value(self.max_value))
        return out


@schedule_class("offset")
class Offset(Schedule):
    """``s(t - start)`` from ``start`` on, ``value_before`` before. Built by :func:`offset`."""

    schedule: Schedule = child_field()
    start: Any = steps_field()
    value_before: Any = value_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        start = c.steps(self.start)
        out = self.schedule._eval(c.shift(start))  # local time max(t - start, 0)
        if self.value_before is None:  # before `start` the child sits at its local step 0
            return out
        before = c.value(self.value_before) + xp.zeros_like(out)
        return xp.where(c.ge(start), out, before)


@schedule_class("hold_every")
class HoldEvery(Schedule):
    """``s(period * floor(t / period))``. Built by :func:`hold_every`."""

    schedule: Schedule = child_field()
    period: Any = steps_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        p = c.steps(self.period)
        if c.is_int(p):  # exact integer arithmetic: floor division of a count >= 0
            safe = xp.where(p > 0, p, xp.ones_like(p))
            held = (c.n // safe) * safe
            return self.schedule._eval(_xp.Count(xp, None, None, c.dtype, c.int_dtype, c.device,
                                                 raw=held, is_int=True))
        safe = c.as_float(p)
        safe = xp.where(safe > 0, safe, xp.ones_like(safe))
        return self.schedule._eval(c.replace(t=xp.floor(c.t / safe) * safe))


# ---------------------------------------------------------------------------------- helpers
def _child(name: str, s: Any) -> Schedule:
    if isinstance(s, Schedule):
        return s
    if _is_number(s):
        raise TypeError(
            f"`{name}` must be a schedule, got the number {s!r}; wrap it in "
            "constant_schedule(...) or use scale(schedule, factor)"
        )
    v.callable_(name, s)
    return Function(s)


def _is_number(x: Any) -> bool:
    return isinstance(x, (numbers.Number, np.generic)) or v.is_traced(x) or (
        hasattr(x, "shape") and hasattr(x, "dtype")
    )


# ---------------------------------------------------------------------------------- constructors
@register("scale")
def scale(schedule: ScheduleFn, factor: Value) -> Scale:
    r"""Multiply a schedule by a constant factor.

    .. math:: f(t) = a \, s(t)

    ``s * a`` and ``a * s`` build the same schedule.

    Args:
      schedule: a jaxsched schedule (or a ``jax.numpy`` callable).
      factor: ``a``, any finite real (traceable; e.g. a per-group muP multiplier, or
        ``1 / I_i`` to normalise a Cerebras ``ChainedLR`` child).

    Returns:
      A :class:`Scale` schedule.

    Raises:
      TypeError: ``schedule`` is not callable or ``factor`` is not a real number.
      ValueError: ``factor`` is not finite.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.scale(jaxsched.cosine_decay(1.0, 10), 3e-4)
      >>> round(float(s.evaluate(5)), 8)
      0.00015

    Equivalents:
      Cerebras: ``ScalePerParamLR`` (``a = group['adjust_learning_rate']``, one scale per
      group). torch: ``LambdaLR(lambda k: a * g(k))``; torch schedules relative to a base lr
      are ``scale(g, lr)`` with ``g`` starting at 1. optax: ``optax.scale_by_schedule`` scales
      updates, not the schedule; write ``lambda t: a * s(t)``.
    """
    return Scale(_child("schedule", schedule), v.real("factor", factor))


@register("clip")
def clip(schedule: ScheduleFn, min_value: Value | None = None, max_value: Value | None = None) -> Clip:
    r"""Bound a schedule from below, above, or both.

    .. math:: f(t) = \min\bigl(\max(s(t),\ m),\ M\bigr)

    A missing bound is not applied. If traced bounds end up with ``m > M``, ``M`` wins (as in
    ``numpy.clip``); concrete bounds are checked.

    Args:
      schedule: a jaxsched schedule (or a ``jax.numpy`` callable).
      min_value: the lower bound ``m`` (real; traceable; default ``None``: no lower bound).
      max_value: the upper bound ``M`` (real; traceable; default ``None``: no upper bound).

    Returns:
      A :class:`Clip` schedule.

    Raises:
      ValueError: both bounds are ``None``; a bound is not finite; ``min_value > max_value``.
      TypeError: ``schedule`` is not callable or a bound is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.clip(jaxsched.linear_schedule(0.0, 1.0, 4), 0.1, 0.6)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(6), np)]
      [0.1, 0.25, 0.5, 0.6, 0.6, 0.6]

    Equivalents:
      torch: ``eta_min`` (``CosineAnnealingLR``), ``min_lr`` (``ReduceLROnPlateau``); timm:
      ``lr_min``; Keras: ``alpha``; these are built into one schedule each, here they apply to
      any schedule. optax: write ``lambda t: jnp.clip(s(t), m, M)``.
    """
    if min_value is None and max_value is None:
        raise ValueError("`min_value` and `max_value` are both None; give at least one bound")
    lo = v.real("min_value", min_value, allow_none=True)
    hi = v.real("max_value", max_value, allow_none=True)
    if lo is not None and hi is not None and not v.is_traced(lo) and not v.is_traced(hi):
        if np.any(np.asarray(lo, dtype=np.float64) > np.asarray(hi, dtype=np.float64)):
            raise ValueError(f"`min_value` must be <= `max_value` ({hi!r}), got {lo!r}")
    return Clip(_child("schedule", schedule), lo, hi)


@register("floor")
def floor(schedule: ScheduleFn, min_value: Value) -> Clip:
    r"""Bound a schedule from below: ``clip(schedule, min_value=min_value)``.

    .. math:: f(t) = \max(s(t),\ m)

    Args:
      schedule: a jaxsched schedule (or a ``jax.numpy`` callable).
      min_value: the floor ``m`` (real; traceable).

    Returns:
      A :class:`Clip` schedule (its repr and config show this call, ``floor``).

    Raises:
      TypeError: ``schedule`` is not callable; ``min_value`` is ``None`` or not a real number.
      ValueError: ``min_value`` is not finite.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.floor(jaxsched.exponential_decay(1.0, 1, 0.5), 0.2)
      >>> [round(float(s.evaluate(k)), 6) for k in (0, 1, 2, 3)]
      [1.0, 0.5, 0.25, 0.2]

    Equivalents:
      optax: ``exponential_decay(end_value=m)`` for that one schedule. torch: ``min_lr`` /
      ``eta_min``. DeepSpeed: ``warmup_min_lr`` / ``cos_min_ratio``-style minima.
    """
    return clip(schedule, min_value=v.real("min_value", min_value))


@register("offset")
def offset(schedule: ScheduleFn, start: Steps, value_before: Value | None = None) -> Offset:
    r"""Start a schedule at step ``start``: hold a value before it, then run on local time.

    .. math::
      f(t) = \begin{cases} v, & t < N \\ s(t - N), & t \ge N \end{cases}
      \qquad v = s(0) \text{ by default}

    Typical use: **start a new cooldown from a checkpoint.** The optimizer's count continues
    from the checkpoint (say 50 000), so a cooldown written from step 0 must be moved there:
    ``offset(linear_schedule(lr_now, 0.0, 5000), start=50_000)`` decays from ``lr_now`` to 0
    over steps 50 000 .. 55 000 (and returns ``lr_now`` for earlier steps). To keep the
    original schedule before the checkpoint, use
    ``join_schedules([original, cooldown], [50_000])``, which shifts the cooldown itself.

    Args:
      schedule: a jaxsched schedule (or a ``jax.numpy`` callable).
      start: ``N >= 0``, the step at which the schedule's local step 0 falls (traceable).
      value_before: ``v``, the value for ``t < N`` (real; traceable; default ``None``: the
        schedule's own value at its local step 0, so the result is continuous at ``N``).

    Returns:
      An :class:`Offset` schedule.

    Raises:
      ValueError: ``start`` is negative or not finite; ``value_before`` is not finite.
      TypeError: ``schedule`` is not callable; ``start`` or ``value_before`` is not a number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.offset(jaxsched.linear_schedule(1.0, 0.0, 4), start=3)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(9), np)]
      [1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]

    Equivalents:
      optax: ``join_schedules([constant_schedule(v), s], [N])``. torch: ``SequentialLR([
      ConstantLR(factor=v/lr, total_iters=N), S], milestones=[N])``, or building ``S`` at the
      resume step. Keras: none.
    """
    return Offset(
        _child("schedule", schedule),
        v.steps("start", start),
        v.real("value_before", value_before, allow_none=True),
    )


@register("hold_every")
def hold_every(schedule: ScheduleFn, period: Steps) -> HoldEvery:
    r"""Hold a schedule's value for ``period`` updates: the value changes only every ``period``.

    .. math:: f(t) = s\left(P \left\lfloor t / P \right\rfloor\right)

    Typical use: **a scheduler stepped once per epoch** (``P`` = the updates per epoch) while its
    times are in updates: update ``t`` uses the value at the start of its epoch. Integer counts
    are divided exactly (no float rounding, whatever the count).

    Args:
      schedule: a jaxsched schedule (or a ``jax.numpy`` callable).
      period: ``P >= 1`` updates (an integer; traceable).

    Returns:
      A :class:`HoldEvery` schedule.

    Raises:
      ValueError: ``period`` is not an integer ``>= 1``.
      TypeError: ``schedule`` is not callable.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.hold_every(jaxsched.linear_schedule(1.0, 0.0, 8), 3)
      >>> [float(x) for x in s.evaluate(np.arange(8), np)]
      [1.0, 1.0, 1.0, 0.625, 0.625, 0.625, 0.25, 0.25]

    Equivalents:
      Composer: ``Trainer(step_schedulers_every_batch=False)`` with times in batches. timm:
      ``t_in_epochs=True`` evaluates at the epoch index instead (``s(t // P)``). torch: a
      scheduler stepped per epoch whose lambda reads the batch count. optax: none.
    """
    return HoldEvery(_child("schedule", schedule), v.integer("period", period, ge=1))

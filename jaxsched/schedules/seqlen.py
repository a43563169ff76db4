"""Integer ramps in closed form: DeepSpeed's curriculum (``fixed_linear``, ``fixed_root``) and a
staircase (Composer's ``SeqLengthWarmup``), for sequence lengths or any integer difficulty.

Values are integers returned in the namespace's float dtype (a strong float32 under JAX): every
value is at most ``2**24`` (checked for concrete arguments), which float32 holds exactly. Every
hyperparameter is a pytree leaf (traceable); the values are piecewise constant, so gradients with
respect to hyperparameters are zero (and finite).
"""

from __future__ import annotations

from typing import Any, ClassVar

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import known_to_equal, safe_den, safe_pow
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, steps_field, value_field
from jaxsched.core.types import Steps, Value
from jaxsched.schedules.batch import MAX_EXACT_INTEGER

__all__ = [
    "RootCurriculum",
    "StaircaseRamp",
    "root_curriculum",
    "staircase_ramp",
    "seq_length_warmup",
]


def _int_arg(name: str, x: Any, lo: int) -> Any:
    x = v.integer(name, x, ge=lo)
    if not v.is_traced(x) and int(x) > MAX_EXACT_INTEGER:
        raise ValueError(
            f"`{name}` must be <= 2**24 = {MAX_EXACT_INTEGER} (float32 holds every integer up to "
            f"it), got {int(x)}")
    return x


def _all_int(c: _xp.Count, *xs: Any) -> bool:
    return c.n is not None and all(c.is_int(x) for x in xs)


@schedule_class("root_curriculum")
class RootCurriculum(Schedule):
    """DeepSpeed's ``fixed_root`` curriculum. See :func:`root_curriculum`."""

    #: Drawn as steps by :func:`jaxsched.plot`.
    integer_valued: ClassVar[bool] = True

    min_value: Any = steps_field()
    max_value: Any = steps_field()
    total_steps: Any = steps_field()
    multiple: Any = steps_field()
    root_degree: Any = value_field()
    step_offset: Any = steps_field()

    def _formula(self, c, *, min_value, max_value, total_steps, multiple, root_degree,
                 step_offset):
        xp = c.xp
        lo, hi, step = c.as_float(min_value), c.as_float(max_value), c.as_float(multiple)
        span_f = hi - lo
        if known_to_equal(self.root_degree, 1.0) and _all_int(
                c, min_value, max_value, total_steps, multiple, step_offset):
            # floor(t D / T) in integers: q D + floor(r D / T) with t = q T + r; the float
            # estimate of the last term is corrected by its exact residual (integer products
            # wrap in int32 but the residual, |res| < 2 T, comes out exact)
            t = c.n + step_offset
            span = max_value - min_value
            one = xp.ones_like(span)
            big_t = xp.where(total_steps > 0, total_steps, xp.ones_like(total_steps))
            q, r = t // big_t, t % big_t
            q = xp.minimum(q, one + (multiple + span) // xp.maximum(span, one))  # past max anyway
            est = xp.floor(xp.astype(r, c.dtype) * span_f / xp.astype(big_t, c.dtype))
            k = xp.astype(xp.minimum(xp.maximum(est, c.const(0.0)), span_f), c.int_dtype)
            res = r * span - k * big_t
            k = xp.where(res < 0, k - 1, xp.where(res >= big_t, k + 1, k))
            raw = xp.astype(min_value + q * span + k, c.dtype)
        else:
            t = c.t + c.as_float(step_offset)
            big_t = c.as_float(total_steps)
            frac = t / safe_den(c, big_t)
            u = frac if known_to_equal(self.root_degree, 1.0) else safe_pow(
                c, frac, 1.0 / xp.where(root_degree > 0, root_degree, c.const(1.0)))
            raw = xp.floor(u * span_f + lo)
        safe_step = xp.where(step > 0, step, c.const(1.0))
        first = lo + xp.remainder(-lo, safe_step)  # the first multiple at or above min (exact)
        d = xp.minimum(xp.maximum(raw - xp.remainder(raw, safe_step), first), hi)
        d = xp.where(c.as_float(total_steps) > 0, d, hi)  # T = 0: the curriculum is over
        return xp.where(lo >= hi, lo + xp.zeros_like(d), d)  # DeepSpeed never updates then


@schedule_class("staircase_ramp")
class StaircaseRamp(Schedule):
    """``min(end, start + increment * floor(t / hold_steps))``. See :func:`staircase_ramp`."""

    #: Drawn as steps by :func:`jaxsched.plot`.
    integer_valued: ClassVar[bool] = True

    start: Any = steps_field()
    end: Any = steps_field()
    increment: Any = steps_field()
    hold_steps: Any = steps_field()

    def _formula(self, c, *, start, end, increment, hold_steps):
        xp = c.xp
        hi = c.as_float(end)
        k = c.floordiv(hold_steps)  # exact for integer counts; `hold_steps` <= 0 guarded below
        value = xp.minimum(c.as_float(start) + c.as_float(increment) * k, hi)
        return xp.where(c.as_float(hold_steps) > 0, value, hi)


@register("root_curriculum")
def root_curriculum(
    min_value: int,
    max_value: int,
    total_steps: Steps,
    *,
    multiple: int = 1,
    root_degree: Value = 1.0,
    step_offset: Steps = 0,
) -> RootCurriculum:
    r"""An integer that grows from ``min_value`` to ``max_value`` as a root of the progress, in
    multiples (DeepSpeed's curriculum: a sequence length, a difficulty).

    With ``t = count + step_offset``, ``D = max - min`` and ``m = multiple``:

    .. math::
      r(t) = \left\lfloor \left(\frac{t}{T}\right)^{1/p} D + \mathrm{min} \right\rfloor,
      \qquad f(t) = \min\bigl(\max(r(t) - (r(t) \bmod m),\ m \lceil \mathrm{min} / m \rceil),
      \ \mathrm{max}\bigr)

    ``p = 1`` is DeepSpeed's ``fixed_linear``, ``p = 2`` a square root. As in DeepSpeed, the
    value is rounded *down* to a multiple of ``m``, but never below the first multiple of ``m``
    at or above ``min_value`` (DeepSpeed 0.19.8: ``min_value=8, multiple=16`` starts at 16, where
    older releases gave 0, a zero-length sequence). ``min_value == max_value`` holds
    ``min_value``; ``T = 0`` gives ``max_value``. For ``p = 1`` and integer arguments the floor
    is computed in exact integer arithmetic (the same values as DeepSpeed's float64 formula);
    for other ``p`` the float32 path can differ from float64 where ``r(t)`` is within float32
    rounding of an integer.

    Args:
      min_value: the starting value (``>= 0``, an integer ``<= 2**24``; traceable).
      max_value: the final value, ``>= min_value`` (traceable).
      total_steps: ``T >= 0``, updates until ``max_value`` (``total_curriculum_step``; traceable).
      multiple: ``m >= 1`` (DeepSpeed's ``difficulty_step``: 8 for FP16 tensor cores; traceable).
      root_degree: ``p > 0`` (1: linear, 2: square root; traceable).
      step_offset: ``>= 0``, added to the count (DeepSpeed's engine evaluates its curriculum at
        ``global_steps + 1``: ``deepspeed.curriculum_seqlen`` passes 1; traceable).

    Returns:
      A :class:`RootCurriculum` schedule.

    Raises:
      ValueError: an argument out of range or not an integer, ``max_value < min_value``.
      TypeError: a non-numeric argument.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.root_curriculum(8, 64, 8, multiple=8, root_degree=2.0)
      >>> [int(x) for x in s.evaluate(np.arange(10), np)]
      [8, 24, 32, 40, 40, 48, 56, 56, 64, 64]

    Equivalents:
      DeepSpeed ``curriculum_learning`` with ``schedule_type`` ``fixed_root`` (``root_degree``)
      or ``fixed_linear`` (``CurriculumScheduler``); config ``deepspeed.curriculum_seqlen``.
    """
    lo = _int_arg("min_value", min_value, 0)
    hi = _int_arg("max_value", max_value, 0)
    if not v.is_traced(lo) and not v.is_traced(hi) and int(hi) < int(lo):
        raise ValueError(f"`max_value` must be >= `min_value` ({int(lo)}), got {int(hi)}")
    return RootCurriculum(
        lo, hi, v.integer("total_steps", total_steps, ge=0),
        _int_arg("multiple", multiple, 1), v.real("root_degree", root_degree, gt=0),
        v.integer("step_offset", step_offset, ge=0))


@register("staircase_ramp")
def staircase_ramp(start: int, end: int, increment: int, hold_steps: Steps) -> StaircaseRamp:
    r"""An integer that grows by ``increment`` every ``hold_steps`` updates, from ``start`` to ``end``.

    .. math:: f(t) = \min\bigl(e,\ s + \Delta \lfloor t / E \rfloor\bigr)

    ``hold_steps = 0`` gives ``end`` from the start.

    Args:
      start: ``s``, the first value (an integer in ``[0, 2**24]``; traceable).
      end: ``e >= s``, the cap (traceable).
      increment: ``Delta >= 0``, added every ``E`` updates (traceable).
      hold_steps: ``E >= 0`` updates each value is held (traceable).

    Returns:
      A :class:`StaircaseRamp` schedule.

    Raises:
      ValueError: an argument out of range or not an integer, ``end < start``.
      TypeError: a non-numeric argument.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.staircase_ramp(8, 30, 8, 3)
      >>> [int(x) for x in s.evaluate(np.arange(0, 12, 2), np)]
      [8, 8, 16, 24, 24, 30]

    Equivalents:
      Composer ``SeqLengthWarmup`` (:func:`seq_length_warmup` computes ``E``).
    """
    s = _int_arg("start", start, 0)
    e = _int_arg("end", end, 0)
    if not v.is_traced(s) and not v.is_traced(e) and int(e) < int(s):
        raise ValueError(f"`end` must be >= `start` ({int(s)}), got {int(e)}")
    return StaircaseRamp(s, e, _int_arg("increment", increment, 0),
                         v.integer("hold_steps", hold_steps, ge=0))


def _composer_every(total_steps: Any, duration: Any, lo: Any, hi: Any, step: Any) -> Any:
    """Composer's ``update_every_n_steps``: ``int(N * duration) // ((max - min) // step)``."""
    if not any(v.is_traced(x) for x in (total_steps, duration, lo, hi, step)):
        warmup = int(int(total_steps) * float(duration))
        updates = (int(hi) - int(lo)) // int(step) if int(step) > 0 else 0
        return warmup // updates if updates > 0 else warmup
    import jax.numpy as jnp

    warmup = jnp.floor(jnp.asarray(total_steps) * jnp.asarray(duration)).astype(jnp.int32)
    safe_step = jnp.maximum(jnp.asarray(step), 1)
    updates = (jnp.asarray(hi) - jnp.asarray(lo)) // safe_step
    return jnp.where(updates > 0, warmup // jnp.maximum(updates, 1), warmup)


@register("seq_length_warmup")
def seq_length_warmup(
    total_steps: Steps,
    duration: Value = 0.3,
    min_seq_length: int = 8,
    max_seq_length: int = 1024,
    step_size: int = 8,
) -> StaircaseRamp:
    r"""Composer's sequence-length warmup: ``+step_size`` every ``E`` updates over ``duration``.

    With ``W = int(N * duration)`` warmup updates and ``U = (max - min) // step_size``
    increments, ``E = W // U`` and

    .. math:: L(t) = \min\bigl(\mathrm{max},\ \mathrm{min} + \Delta \lfloor t / E \rfloor\bigr)

    (:func:`staircase_ramp`). Where Composer divides by zero, the length is defined: ``U = 0``
    (``max - min < step_size``) holds ``min`` for ``W`` updates, then ``max``; ``E = 0``
    (fewer warmup updates than increments) gives ``max`` from the start.

    Args:
      total_steps: ``N >= 0``, the run's optimizer updates (Composer's ``max_duration`` in
        batches; traceable).
      duration: fraction ``[0, 1]`` of the run spent warming up (default 0.3; traceable).
      min_seq_length: the first length (default 8).
      max_seq_length: the final length, ``>= min_seq_length`` (default 1024).
      step_size: the increment, ``>= 1`` (default 8: a multiple of 8 for tensor cores).

    Returns:
      A :class:`StaircaseRamp` schedule (its repr and config show this call).

    Raises:
      ValueError: an argument out of range or not an integer.
      TypeError: a non-numeric argument.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.seq_length_warmup(100, 0.3, 8, 64, 8)  # W=30, U=7, E=4
      >>> [int(s.evaluate(k)) for k in (0, 3, 4, 27, 28, 99)]
      [8, 8, 16, 56, 64, 64]

    Equivalents:
      Composer ``SeqLengthWarmup(duration, min_seq_length, max_seq_length, step_size)`` (config
      ``composer.seq_length_warmup``). DeepSpeed's ``fixed_linear`` curriculum is
      :func:`root_curriculum`.
    """
    n = v.integer("total_steps", total_steps, ge=0)
    d = v.real("duration", duration, ge=0, le=1)
    lo = _int_arg("min_seq_length", min_seq_length, 0)
    hi = _int_arg("max_seq_length", max_seq_length, 0)
    step = _int_arg("step_size", step_size, 1)
    if not v.is_traced(lo) and not v.is_traced(hi) and int(hi) < int(lo):
        raise ValueError(f"`max_seq_length` must be >= `min_seq_length` ({int(lo)}), got {int(hi)}")
    return staircase_ramp(lo, hi, step, _composer_every(n, d, lo, hi, step))

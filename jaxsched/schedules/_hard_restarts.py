"""Equal hard cosine restarts inside a horizon, after a linear warmup from 0 (HF's schedule).

Public names are re-exported by :mod:`jaxsched.schedules.restarts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched import validate as v
from jaxsched._math import cosine_tail, safe_den
from jaxsched.base import Schedule, schedule_class, steps_field, value_field
from jaxsched.config import register

__all__ = ["CosineHardRestarts", "cosine_hard_restarts"]


@schedule_class("cosine_hard_restarts")
class CosineHardRestarts(Schedule):
    """Warmup from 0, then ``num_cycles`` equal cosine cycles, then ``end_value``.

    See :func:`cosine_hard_restarts`.
    """

    init_value: Any = value_field()
    total_steps: Any = steps_field()
    num_cycles: Any = steps_field()
    warmup_steps: Any = steps_field()
    end_value: Any = value_field()

    def _formula(self, c, *, init_value, total_steps, num_cycles, warmup_steps, end_value):
        xp = c.xp
        zero = c.const(0.0)
        w = c.as_float(warmup_steps)
        warm = init_value * c.t / safe_den(c, w)
        in_warmup = xp.logical_not(c.ge(warmup_steps))
        done = c.ge(total_steps)
        local = c.shift(warmup_steps)
        if c.is_int(total_steps) and c.is_int(warmup_steps) and c.is_int(num_cycles):
            span = xp.maximum(total_steps - warmup_steps, xp.zeros_like(total_steps))
            rem = _remaining_int(c, local.n, span, num_cycles)
        else:
            span = xp.maximum(c.as_float(total_steps) - w, zero)
            rem = _remaining_float(c, local.t, span, c.as_float(num_cycles))
        span_f = c.as_float(span)
        out = end_value + (init_value - end_value) * cosine_tail(c, rem, span_f)
        out = xp.where(done, end_value + xp.zeros_like(out), out)
        return xp.where(in_warmup, warm, out)


def _remaining_float(c, tau, span, cycles):
    """Steps left in the current cycle, in units where a cycle lasts ``span`` (float path)."""
    xp = c.xp
    zero = c.const(0.0)
    s = safe_den(c, span)
    x = xp.minimum(tau, s) * cycles  # phase * span
    r = x - xp.floor(x / s) * s
    return xp.minimum(xp.maximum(s - r, zero), s)


def _remaining_int(c, n, span, cycles):
    """Exact ``span - (tau * cycles mod span)`` while ``span * cycles`` fits, else the float form."""
    xp = c.xp
    one = xp.ones_like(span)
    s = xp.where(span > 0, span, one)
    k = xp.where(cycles > 0, cycles, xp.ones_like(cycles))
    top = int(xp.iinfo(c.int_dtype).max)
    fits = s <= top // k
    tau = xp.minimum(n, s)
    x = xp.where(fits, tau, xp.zeros_like(tau)) * xp.where(fits, k, xp.ones_like(k))
    exact = c.as_float(s - x % s)
    approx = _remaining_float(c, c.as_float(tau), c.as_float(s), c.as_float(k))
    return xp.where(fits, exact, approx)


@register("cosine_hard_restarts")
def cosine_hard_restarts(
    init_value: Any,
    total_steps: Any,
    num_cycles: Any = 1,
    warmup_steps: Any = 0,
    end_value: Any = 0.0,
) -> CosineHardRestarts:
    r"""Linear warmup from 0, then ``num_cycles`` equal hard cosine restarts up to ``total_steps``.

    With :math:`D = N - W` and the phase :math:`\phi = (c\,(t - W)/D) \bmod 1`:

    .. math::
      f(t) = \begin{cases}
        I\, t / W, & t < W \\
        E + (I - E)\,\tfrac12\bigl(1 + \cos \pi\phi\bigr), & W \le t < N \\
        E, & t \ge N
      \end{cases}

    The phase is exact for integer counts while :math:`D \cdot c < 2^{31}` (integer arithmetic),
    and the factor is computed from the steps left in the cycle (float32 tails keep precision).

    Args:
      init_value: ``I``, the peak at the start of every cycle (traceable).
      total_steps: ``N >= W``, the horizon in optimizer steps; ``end_value`` from ``N`` on.
      num_cycles: ``c > 0`` equal cycles between ``W`` and ``N`` (default 1; fractions allowed,
        as in HF; traceable).
      warmup_steps: ``W >= 0`` steps of linear warmup from 0 to ``I`` (default 0).
      end_value: ``E``, the value each cycle anneals to and the value after ``N`` (default 0).

    Returns:
      A :class:`CosineHardRestarts` schedule.

    Raises:
      ValueError: ``total_steps < warmup_steps``, ``num_cycles <= 0``, a negative step count, a
        non-finite value.
      TypeError: a number of the wrong type (bool, string).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.cosine_hard_restarts(1.0, total_steps=10, num_cycles=2, warmup_steps=2)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(12), np)]
      [0.0, 0.5, 1.0, 0.853553, 0.5, 0.146447, 1.0, 0.853553, 0.5, 0.146447, 0.0, 0.0]

    Equivalents:
      HF: ``get_cosine_with_hard_restarts_schedule_with_warmup(opt, W, N, num_cycles=c)``
      (``cosine_with_restarts``; ``I`` is the optimizer's lr, ``E = 0``). Update ``s`` uses
      ``lr * lambda(s)`` there as here. HF's only difference: with ``N = W`` it gives ``I`` for
      one step at ``W`` before 0; jaxsched gives ``E`` from ``W`` on. For restarts that go on
      past a horizon, with growing periods, see :func:`cosine_restarts`.
    """
    w = v.steps("warmup_steps", warmup_steps)
    n = v.steps("total_steps", total_steps)
    if not v.is_traced(w) and not v.is_traced(n) and np.any(np.asarray(n) < np.asarray(w)):
        raise ValueError(
            f"`total_steps` must be >= `warmup_steps` ({w!r}), got {n!r}; total_steps includes "
            "the warmup"
        )
    return CosineHardRestarts(
        v.real("init_value", init_value),
        n,
        v.real("num_cycles", num_cycles, gt=0),
        w,
        v.real("end_value", end_value),
    )

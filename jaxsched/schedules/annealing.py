"""Annealing curves between a start and an end value: Keras' cycling polynomial, timm's tanh.

Re-exported by :mod:`jaxsched.schedules.decay`. The ends are computed from exact quantities:
the steps left in a polynomial cycle are integer arithmetic for integer counts (no overflow near
``2**31 - 1``), and the tanh factor uses a form without cancellation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.core import validate as v
from jaxsched.core.arrays import nonneg_div, nonneg_rem
from jaxsched.core.numerics import safe_den, safe_pow
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value
from jaxsched.schedules.polynomial import Polynomial, polynomial_schedule

__all__ = ["PolynomialDecay", "TanhDecay", "polynomial_decay", "tanh_decay"]


def _cycle(c, decay_steps):
    """``(k, left)``: ``k = max(ceil(t / D), 1)`` cycles so far and ``left = k D - t`` (floats).

    Exact integer arithmetic for integer counts and ``D`` (no overflow near ``2**31 - 1``).
    """
    xp = c.xp
    if c.is_int(decay_steps):
        d = xp.where(decay_steps > 0, decay_steps, xp.ones_like(decay_steps))
        rem = nonneg_rem(xp, c.n, d)  # n >= 0, d >= 1
        k = xp.astype(nonneg_div(xp, c.n, d), c.dtype) + xp.where(rem > 0, c.const(1.0),
                                                                  c.const(0.0))
        left = xp.where(rem > 0, d - rem, xp.where(c.n == 0, d, xp.zeros_like(rem)))
        return xp.maximum(k, c.const(1.0)), xp.astype(left, c.dtype)
    d = safe_den(c, c.as_float(decay_steps))
    k = xp.maximum(xp.ceil(c.t / d), c.const(1.0))
    return k, xp.maximum(k * d - c.t, c.const(0.0))


@schedule_class("polynomial_decay")
class PolynomialDecay(Schedule):
    """Keras' polynomial decay; with ``cycle`` the period grows to ``D ceil(t/D)``."""

    init_value: Any = value_field()
    decay_steps: Any = steps_field()
    end_value: Any = value_field()
    power: Any = value_field()
    cycle: bool = static_field()

    def _formula(self, c, *, init_value, decay_steps, end_value, power, cycle):
        xp = c.xp
        total = c.as_float(decay_steps)
        if cycle:
            k, left = _cycle(c, decay_steps)
            frac = left / safe_den(c, k * total)
        else:
            frac = xp.maximum(total - c.t, c.const(0.0)) / safe_den(c, total)
        return (init_value - end_value) * safe_pow(c, frac, power) + end_value


@schedule_class("tanh_decay")
class TanhDecay(Schedule):
    """timm's tanh curve over ``decay_steps``, then ``end_value``. See :func:`tanh_decay`."""

    init_value: Any = value_field()
    decay_steps: Any = steps_field()
    end_value: Any = value_field()
    lower: Any = value_field()
    upper: Any = value_field()

    def _formula(self, c, *, init_value, decay_steps, end_value, lower, upper):
        xp = c.xp
        zero = c.const(0.0)
        x = lower + (upper - lower) * (c.t / safe_den(c, c.as_float(decay_steps)))
        # (1 - tanh(x)) / 2 = 1 / (1 + exp(2x)), from whichever side keeps exp() <= 1
        pos = x >= 0
        e_pos = xp.exp(-2.0 * xp.where(pos, x, zero))
        e_neg = xp.exp(2.0 * xp.where(pos, zero, x))
        h = xp.where(pos, e_pos / (1.0 + e_pos), 1.0 / (1.0 + e_neg))
        curve = end_value + (init_value - end_value) * h
        return xp.where(c.ge(decay_steps), end_value + xp.zeros_like(c.t), curve)


@register("polynomial_decay")
def polynomial_decay(
    init_value: Value,
    decay_steps: Steps,
    end_value: Value = 0.0,
    power: Value = 1.0,
    cycle: bool = False,
) -> Polynomial | PolynomialDecay:
    r"""Keras' polynomial decay from ``init_value`` to ``end_value``, optionally cycling.

    .. math::
      f(t) = (I - E)\left(1 - \frac{t'}{D'}\right)^{p} + E, \qquad
      \begin{cases} t' = \min(t, D),\ D' = D & \text{(no cycle)} \\
      t' = t,\ D' = D \max(\lceil t / D \rceil, 1) & \text{(cycle)} \end{cases}

    With ``cycle`` the value reaches ``E`` at every multiple of ``D`` and restarts one step
    later on a longer period (``D' = 2D, 3D, ...``), from a lower value.

    Args:
      init_value: value at step 0 (real; traceable).
      decay_steps: ``D > 0`` optimizer steps of the first decay (traceable).
      end_value: ``E`` (real; traceable; default 0, where Keras' default is ``1e-4``).
      power: ``p >= 0`` (default 1; traceable).
      cycle: restart on growing periods instead of holding ``E`` (static; default False).

    Returns:
      A :class:`PolynomialDecay` schedule when ``cycle``, else the same
      :class:`~jaxsched.Polynomial` as :func:`~jaxsched.polynomial_schedule`.

    Raises:
      ValueError: ``decay_steps <= 0``, ``power < 0`` or a non-finite value.
      TypeError: a non-numeric argument, or a non-bool ``cycle``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.polynomial_decay(1.0, 4, cycle=True)
      >>> [float(x) for x in s.evaluate(np.arange(10), np)]
      [1.0, 0.75, 0.5, 0.25, 0.0, 0.375, 0.25, 0.125, 0.0, 0.25]

    Equivalents:
      Keras: ``PolynomialDecay(I, D, end_learning_rate=E, power=p, cycle)``. Cerebras:
      ``PolynomialLR(I, E, total_iters=D, power=p)`` (its ``cycle`` has no effect).
      torch: ``PolynomialLR(total_iters=D, power=p)`` with ``E = 0``. optax:
      ``polynomial_schedule(I, E, p, D)`` (no cycle).
    """
    if not v.boolean("cycle", cycle):
        return polynomial_schedule(
            init_value, end_value, power, v.steps("decay_steps", decay_steps, positive=True)
        )
    return PolynomialDecay(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps, positive=True),
        v.real("end_value", end_value),
        v.real("power", power, ge=0),
        True,
    )


@register("tanh_decay")
def tanh_decay(
    init_value: Value,
    decay_steps: Steps,
    end_value: Value = 0.0,
    lower: Value = -7.0,
    upper: Value = 3.0,
) -> TanhDecay:
    r"""timm's hyperbolic-tangent decay from about ``init_value`` to ``end_value``.

    .. math::
      f(t) = \begin{cases}
        E + \tfrac12 (I - E)\bigl(1 - \tanh(l (1 - t/T) + u\, t/T)\bigr), & t < T \\
        E, & t \ge T
      \end{cases}

    The curve's ends are not exact, and are kept as timm has them: with the default bounds
    the factor is ``0.99999917`` at step 0 and about ``0.0025`` just before ``T``, after which
    the value is ``E`` exactly (timm's ``lr_min`` after its one cycle). The factor is computed
    as ``1 / (1 + exp(2x))`` on the side where the exponential is at most 1, which keeps full
    relative precision in float32 and finite gradients.

    Args:
      init_value: ``I`` (real; traceable).
      decay_steps: ``T > 0`` optimizer steps of the curve (traceable).
      end_value: ``E``, the value from step ``T`` on (real; default 0; traceable).
      lower: ``l``, the tanh argument at step 0 (default -7; traceable).
      upper: ``u > l``, the tanh argument at step ``T`` (default 3; traceable).

    Returns:
      A :class:`TanhDecay` schedule.

    Raises:
      ValueError: ``decay_steps <= 0``, ``upper <= lower`` or a non-finite value.
      TypeError: a non-numeric argument.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.tanh_decay(1.0, 10)
      >>> [round(float(x), 6) for x in s.evaluate(np.array([0, 5, 9, 10, 20]), np)]
      [0.999999, 0.982014, 0.017986, 0.0, 0.0]

    Equivalents:
      timm: ``TanhLRScheduler(t_initial=T, lb=l, ub=u, lr_min=E)`` with one cycle, no warmup
      and the base lr as ``I`` (timm's ``cycle_*``, warmup and noise are the cycle, warmup and
      noise wrappers of jaxsched).
    """
    lo = v.real("lower", lower)
    hi = v.real("upper", upper)
    if not v.is_traced(lo) and not v.is_traced(hi) and not np.all(np.asarray(hi) > np.asarray(lo)):
        raise ValueError(f"`upper` must be > `lower` ({lo!r}), got {hi!r}")
    return TanhDecay(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps, positive=True),
        v.real("end_value", end_value),
        lo,
        hi,
    )

"""Cosine with warm restarts (SGDR) and equal hard cosine restarts (HF's schedule).

Cycle ``i`` lasts ``T_i = P m^i`` steps and starts at ``S_i = P (m^i - 1)/(m - 1)``. The cycle
index is computed exactly (see :mod:`jaxsched.schedules.cycles`): integer periods and
multipliers restart exactly on the integer boundaries for integer counts up to ``2**31 - 1``.
Restarting any schedule is :func:`jaxsched.repeat`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jaxsched.core import validate as v
from jaxsched.core.numerics import (
    cosine_tail,
    known_positive,
    known_product,
    known_to_equal,
    mul_divmod,
    safe_den,
    safe_pow,
)
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value
from jaxsched.schedules.cycles import locate

__all__ = ["CosineRestarts", "CosineHardRestarts", "cosine_restarts", "cosine_hard_restarts"]


def _cycle_args(period: Any, period_mult: Any, decay: Any, cycle_limit: Any) -> tuple:
    return (
        v.steps("period", period, positive=True),
        v.real("period_mult", period_mult, ge=1, hint=" (cycles may only grow)"),
        v.real("decay", decay, ge=0),
        v.integer(
            "cycle_limit", cycle_limit, ge=1, allow_none=True,
            hint=" (None repeats forever; for a constant use constant_schedule)",
        ),
    )


@schedule_class("cosine_restarts")
class CosineRestarts(Schedule):
    """Cosine annealing with warm restarts (SGDR). See :func:`cosine_restarts`."""

    init_value: Any = value_field()
    period: Any = steps_field()
    period_mult: Any = steps_field()
    end_value: Any = value_field()
    decay: Any = value_field()
    cycle_limit: Any = steps_field()
    k_decay: Any = value_field()
    decay_mode: str = static_field()

    def _formula(
        self, c, *, init_value, period, period_mult, end_value, decay, cycle_limit, k_decay,
        decay_mode,
    ):
        xp = c.xp
        # hyperparameters known at trace time skip work they make unnecessary (equal cycles,
        # k = 1, no decay, a floor of 0); traced ones take the general path, same values
        cyc = locate(c, period, period_mult, cycle_limit,
                     flat=known_to_equal(self.period_mult, 1),
                     period_positive=known_positive(self.period),
                     raw=(self.period, self.period_mult))
        u = xp.clip(cyc.remaining / cyc.length, 0.0, 1.0)  # 1 - p, from the steps left
        if known_to_equal(self.k_decay, 1.0):
            left = u  # 1 - p**1
        else:
            early = u < 1
            us = xp.where(early, u, c.const(0.0))
            # 1 - p**k, from the remaining fraction (keeps relative precision as p -> 1)
            left = xp.where(early, -xp.expm1(k_decay * xp.log1p(-us)), c.const(1.0))
        s = xp.sin((math.pi / 2) * left)
        if known_to_equal(self.decay, 1.0):
            amp = init_value - end_value  # d**i = 1, both modes
        else:
            g = safe_pow(c, decay, cyc.index)
            amp = (g * (init_value - end_value) if decay_mode == "amplitude"
                   else g * init_value - end_value)
        if known_to_equal(self.end_value, 0.0):
            return amp * (s * s)
        return end_value + amp * (s * s)


@register("cosine_restarts")
def cosine_restarts(
    init_value: Value,
    period: Steps,
    period_mult: Steps = 1,
    end_value: Value = 0.0,
    decay: Value = 1.0,
    cycle_limit: Steps | None = None,
    k_decay: Value = 1.0,
    decay_mode: str = "amplitude",
) -> CosineRestarts:
    r"""Cosine annealing with warm restarts (SGDR), with growing periods and decaying peaks.

    Cycle :math:`i` lasts :math:`T_i = P m^i` steps from :math:`S_i = P(m^i - 1)/(m - 1)`;
    with :math:`\tau = t - S_i` and :math:`C(x) = \tfrac12(1 + \cos \pi x)`:

    .. math::
      f(t) = E + A_i\, C\!\left((\tau / T_i)^k\right), \qquad
      A_i = \begin{cases} d^{\,i}(I - E) & \text{amplitude} \\ d^{\,i} I - E & \text{peak}
      \end{cases}

    After ``cycle_limit`` cycles it holds ``end_value``. The factor is computed as
    ``sin(pi/2 (1 - p^k))**2`` from the remaining steps, so it keeps relative precision in
    float32 at the end of long cycles.

    Args:
      init_value: ``I``, the value at the start of the first cycle (traceable).
      period: ``P > 0``, length of the first cycle in optimizer steps (traceable).
      period_mult: ``m >= 1``, cycle-length growth (default 1; traceable). Integers restart
        exactly on the integer boundaries up to ``2**31 - 1`` (torch's ``step(epoch)`` closed
        form misses some, e.g. ``T_0=1, T_mult=3`` at step 121); an integral float such as
        Keras's ``2.0`` (traced or not) takes the same exact integer path with an integer
        ``period``; fractions follow timm's formula, their (real) boundaries located to the
        float dtype's rounding.
      end_value: ``E``, the value each cycle anneals to (default 0; traceable).
      decay: ``d >= 0``, per-cycle decay (default 1; traceable).
      cycle_limit: ``L >= 1`` cycles, then ``end_value`` held; ``None`` (default) restarts
        forever.
      k_decay: ``k > 0``, timm's k-decay exponent of the phase (default 1; traceable).
      decay_mode: ``"amplitude"`` (default; cycle ``i`` spans :math:`E + d^i(I - E)` to
        :math:`E`, Keras ``m_mul``) or ``"peak"`` (cycle ``i`` spans :math:`d^i I` to
        :math:`E`, timm ``cycle_decay``). Both agree when ``E = 0`` or ``d = 1``.

    Returns:
      A :class:`CosineRestarts` schedule.

    Raises:
      ValueError: ``period <= 0``, ``period_mult < 1``, ``decay < 0``, ``k_decay <= 0``,
        ``cycle_limit < 1``, an unknown ``decay_mode``, a non-finite value.
      TypeError: a number of the wrong type (bool, string).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.cosine_restarts(1.0, period=3, period_mult=2)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(10), np)]
      [1.0, 0.75, 0.25, 1.0, 0.933013, 0.75, 0.5, 0.25, 0.066987, 1.0]

    Equivalents:
      torch: ``CosineAnnealingWarmRestarts(T_0=P, T_mult=m, eta_min=E)`` with ``lr=I`` (its
      stepped form; integer ``T_mult`` only). timm: ``CosineLRScheduler(t_initial=P,
      lr_min=E, cycle_mul=m, cycle_decay=d, cycle_limit=L, k_decay=k)`` with
      ``decay_mode="peak"`` (timm's default ``cycle_limit=1`` is one cycle; add its warmup with
      a warmup wrapper). Keras: ``CosineDecayRestarts(I, first_decay_steps=P, t_mul=m,
      m_mul=d, alpha=E/I)`` (``decay_mode="amplitude"``). optax: ``sgdr_schedule`` lists the
      cycles one by one. Composer's ``CosineAnnealingWarmRestartsScheduler`` truncates each
      fractional period to an integer; this does not. timm's tanh and poly cycles: see
      :func:`repeat`.
    """
    period, period_mult, decay, cycle_limit = _cycle_args(period, period_mult, decay, cycle_limit)
    return CosineRestarts(
        v.real("init_value", init_value),
        period,
        period_mult,
        v.real("end_value", end_value),
        decay,
        cycle_limit,
        v.real("k_decay", k_decay, gt=0),
        v.choice("decay_mode", decay_mode, ("amplitude", "peak")),
    )


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
            rem = _remaining_int(c, local.n, span, num_cycles,
                                 known_product(self.total_steps, self.num_cycles))
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


def _remaining_int(c, n, span, cycles, bound=None):
    """Exact ``span - (tau * cycles mod span)``, ``tau = min(n, span)``: no product is formed
    unless ``bound`` (of ``span * cycles``, known at trace time) shows it fits."""
    xp = c.xp
    s = xp.where(span > 0, span, xp.ones_like(span))
    k = xp.where(cycles > 0, cycles, xp.ones_like(cycles))
    tau = xp.minimum(n, s)
    _, r = mul_divmod(c, tau, k, s, bound)
    return c.as_float(s - r)


@register("cosine_hard_restarts")
def cosine_hard_restarts(
    init_value: Value,
    total_steps: Steps,
    num_cycles: Steps = 1,
    warmup_steps: Steps = 0,
    end_value: Value = 0.0,
) -> CosineHardRestarts:
    r"""Linear warmup from 0, then ``num_cycles`` equal hard cosine restarts up to ``total_steps``.

    With :math:`D = N - W` and the phase :math:`\phi = (c\,(t - W)/D) \bmod 1`:

    .. math::
      f(t) = \begin{cases}
        I\, t / W, & t < W \\
        E + (I - E)\,\tfrac12\bigl(1 + \cos \pi\phi\bigr), & W \le t < N \\
        E, & t \ge N
      \end{cases}

    The phase is exact for integer counts and integer ``N``, ``W``, ``c`` up to ``2**31 - 1``
    (``c (t - W) mod D`` in integers without forming the product), and the factor is computed
    from the steps left in the cycle (float32 tails keep precision).

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

"""Restarts: repeat any schedule periodically; cosine with warm restarts (SGDR); HF hard restarts.

Cycle ``i`` lasts ``T_i = P m^i`` steps and starts at ``S_i = P (m^i - 1)/(m - 1)``. The cycle
index is computed exactly (see :mod:`jaxsched.schedules._cycles`): integer periods and
multipliers restart exactly on the integer boundaries for integer counts up to ``2**31 - 1``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from jaxsched import validate as v
from jaxsched._math import safe_pow
from jaxsched.base import (
    Schedule,
    child_field,
    schedule_class,
    static_field,
    steps_field,
    value_field,
)
from jaxsched.config import register
from jaxsched.join import Function
from jaxsched.schedules._cycles import locate
from jaxsched.schedules._hard_restarts import CosineHardRestarts, cosine_hard_restarts

__all__ = [
    "Repeat",
    "CosineRestarts",
    "CosineHardRestarts",
    "repeat",
    "cosine_restarts",
    "cosine_hard_restarts",
]


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


@schedule_class("repeat")
class Repeat(Schedule):
    """A schedule restarted every cycle, with growing cycles and decaying amplitude. See :func:`repeat`."""

    schedule: Schedule = child_field()
    period: Any = steps_field()
    period_mult: Any = steps_field()
    decay: Any = value_field()
    cycle_limit: Any = steps_field()
    floor: Any = value_field()
    peak: Any = value_field()
    end_value: Any = value_field()
    stretch: bool = static_field()

    def _eval(self, c):
        xp = c.xp
        cyc = locate(c, c.steps(self.period), c.steps(self.period_mult), c.steps(self.cycle_limit))
        local = cyc.local
        if self.stretch:
            local = dataclasses.replace(c, n=None, t=local.t / cyc.scale)
        val = self.schedule._eval(local)
        floor = c.value(self.floor)
        g = safe_pow(c, c.value(self.decay), cyc.index)
        if self.peak is None:
            factor = g
        else:
            peak = c.value(self.peak)
            den = peak - floor
            ok = den != 0
            factor = xp.where(ok, (g * peak - floor) / xp.where(ok, den, xp.ones_like(den)), g)
        out = floor + factor * (val - floor)
        if self.end_value is not None and cyc.held is not None:
            out = xp.where(cyc.held, c.value(self.end_value), out)
        return out


@register("repeat")
def repeat(
    schedule: Callable,
    period: Any,
    period_mult: Any = 1,
    decay: Any = 1.0,
    cycle_limit: Any = None,
    floor: Any = 0.0,
    peak: Any = None,
    end_value: Any = None,
    stretch: bool = False,
) -> Repeat:
    r"""Restart any schedule periodically, with growing cycles and decaying amplitude.

    Cycle :math:`i` lasts :math:`T_i = P m^i` steps from :math:`S_i = P(m^i - 1)/(m - 1)`
    (:math:`S_i = iP` for :math:`m = 1`); in it the child runs on its local time
    :math:`\tau = t - S_i` (or :math:`\tau / m^i` with ``stretch``, so every cycle shows the
    child's first :math:`P` steps, stretched to :math:`T_i`), and its distance to ``floor`` is
    decayed:

    .. math::
      f(t) = F + a_i\,\bigl(s(\tau) - F\bigr), \qquad
      a_i = \begin{cases} d^{\,i} & \text{peak} = \text{None (amplitude decay)} \\
      \dfrac{d^{\,i} Q - F}{Q - F} & \text{peak} = Q \text{ (peak decay)} \end{cases}

    Amplitude decay (the default) scales the child's distance to ``floor``, so the floor is
    kept and everything above it shrinks by :math:`d^i` (Keras ``m_mul`` with ``floor = alpha *
    I``). Peak decay maps the value ``peak`` to :math:`d^i Q` and keeps ``floor`` fixed, the
    rest linearly (timm ``cycle_decay``, which scales ``lr_max`` but not ``lr_min``). With
    ``floor = 0`` and no ``peak`` the cycle is simply scaled by :math:`d^i`.

    After ``cycle_limit`` cycles the value is held: at ``end_value`` when given, else at the end
    of the last cycle (the child at local time :math:`T_{L-1}`, decayed by :math:`d^{L-1}`),
    so a cosine child holds its end value, as timm holds ``lr_min``.

    Args:
      schedule: the child schedule (a jaxsched Schedule, or a callable ``count -> value``
        written with ``jax.numpy``). With ``period_mult > 1`` and no ``stretch`` the child
        holds its final value for the rest of each longer cycle.
      period: ``P > 0``, length of the first cycle in optimizer steps (traceable).
      period_mult: ``m >= 1``, growth factor of the cycle length (default 1; traceable).
        Integers (with an integer ``period``) restart exactly on the integer boundaries for
        counts up to ``2**31 - 1``; an integral float such as ``2.0`` gives the same
        boundaries, exact up to ``2**24`` in float32; a fraction follows timm's continuous
        formula ``T_i = P m^i`` (no truncation per restart, unlike Composer).
      decay: ``d >= 0``, decay per cycle (default 1; traceable).
      cycle_limit: ``L >= 1`` cycles before holding, or ``None`` (default) to repeat forever.
      floor: ``F``, the value that amplitude decay keeps (default 0; traceable).
      peak: ``Q != F`` for peak decay, or ``None`` (default) for amplitude decay (traceable).
      end_value: value held after ``cycle_limit`` cycles (needs ``cycle_limit``); ``None``
        (default) holds the end of the last cycle.
      stretch: evaluate the child at :math:`\tau / m^i` (a fractional local time) so that each
        cycle replays the child's first ``period`` steps at a slower pace (default False).

    Returns:
      A :class:`Repeat` schedule.

    Raises:
      ValueError: ``period <= 0``, ``period_mult < 1``, ``decay < 0``, ``cycle_limit < 1``,
        ``peak == floor``, ``end_value`` without ``cycle_limit``, a non-finite value.
      TypeError: ``schedule`` is not callable, a number has the wrong type, ``stretch`` is not
        a bool.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.repeat(jaxsched.linear_schedule(1.0, 0.0, 4), period=4, decay=0.5)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(10), np)]
      [1.0, 0.75, 0.5, 0.25, 0.5, 0.375, 0.25, 0.125, 0.25, 0.1875]

    Equivalents:
      No peer restarts an arbitrary schedule. timm's tanh and poly schedulers with cycles are
      ``repeat(child, t_initial, cycle_mul, cycle_decay, cycle_limit, floor=lr_min,
      peak=lr, end_value=lr_min, stretch=True)`` with the tanh (or polynomial) child from
      ``lr`` to ``lr_min`` over ``t_initial``. Keras ``PolynomialDecay(cycle=True)`` differs
      (it stretches the decay to the next multiple of ``decay_steps``). For cosine cycles use
      :func:`cosine_restarts`.
    """
    v.callable_("schedule", schedule)
    child = schedule if isinstance(schedule, Schedule) else Function(schedule)
    period, period_mult, decay, cycle_limit = _cycle_args(period, period_mult, decay, cycle_limit)
    floor = v.real("floor", floor)
    peak = v.real("peak", peak, allow_none=True)
    if peak is not None and not v.is_traced(peak) and not v.is_traced(floor):
        if np.any(np.asarray(peak) == np.asarray(floor)):
            raise ValueError(
                f"`peak` must differ from `floor` ({floor!r}), got {peak!r}; use peak=None for "
                "amplitude decay"
            )
    end_value = v.real("end_value", end_value, allow_none=True)
    if end_value is not None and cycle_limit is None:
        raise ValueError(
            f"`end_value` needs `cycle_limit`, got end_value={end_value!r} and cycle_limit=None "
            "(a schedule repeated forever never ends)"
        )
    stretch = v.boolean("stretch", stretch)
    return Repeat(child, period, period_mult, decay, cycle_limit, floor, peak, end_value, stretch)


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
        cyc = locate(c, period, period_mult, cycle_limit)
        u = xp.clip(cyc.remaining / cyc.length, 0.0, 1.0)  # 1 - p, from the steps left
        early = u < 1
        us = xp.where(early, u, c.const(0.0))
        # 1 - p**k, from the remaining fraction (keeps relative precision as p -> 1)
        left = xp.where(early, -xp.expm1(k_decay * xp.log1p(-us)), c.const(1.0))
        s = xp.sin((math.pi / 2) * left)
        g = safe_pow(c, decay, cyc.index)
        amp = g * (init_value - end_value) if decay_mode == "amplitude" else g * init_value - end_value
        return end_value + amp * (s * s)


@register("cosine_restarts")
def cosine_restarts(
    init_value: Any,
    period: Any,
    period_mult: Any = 1,
    end_value: Any = 0.0,
    decay: Any = 1.0,
    cycle_limit: Any = None,
    k_decay: Any = 1.0,
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
        ``2.0`` is exact up to ``2**24`` in float32; fractions follow timm's formula.
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

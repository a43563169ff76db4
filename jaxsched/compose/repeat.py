"""Repeat any schedule periodically, with growing cycles and decaying amplitude.

Cycle ``i`` lasts ``T_i = P m^i`` steps and starts at ``S_i = P (m^i - 1)/(m - 1)``; the cycle
index is computed exactly by :mod:`jaxsched.schedules.cycles`, as for
:func:`jaxsched.cosine_restarts`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.core import validate as v
from jaxsched.core.numerics import safe_pow
from jaxsched.core.registry import register
from jaxsched.core.schedule import (
    Schedule,
    child_field,
    schedule_class,
    static_field,
    steps_field,
    value_field,
)
from jaxsched.core.sequence import Function
from jaxsched.core.types import ScheduleFn, Steps, Value
from jaxsched.schedules.cycles import locate
from jaxsched.schedules.restarts import _cycle_args

__all__ = ["Repeat", "repeat"]


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
        cyc = locate(c, c.steps(self.period), c.steps(self.period_mult), c.steps(self.cycle_limit),
                     raw=(self.period, self.period_mult))
        local = cyc.local
        if self.stretch:
            local = c.replace(t=local.t / cyc.scale, n=None)
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
    schedule: ScheduleFn,
    period: Steps,
    period_mult: Steps = 1,
    decay: Value = 1.0,
    cycle_limit: Steps | None = None,
    floor: Value = 0.0,
    peak: Value | None = None,
    end_value: Value | None = None,
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

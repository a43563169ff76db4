"""DeepSpeed's one-cycle: one triangle (optionally in stairs), then an inverse-time decay.

The schedule is the value that DeepSpeed's ``OneCycle`` applies to optimizer update ``k``
(after ``k`` calls of ``step()``): DeepSpeed's internal ``+1`` on its batch index cancels its
construction at index ``-1``, so ``jaxsched`` count ``k`` is DeepSpeed update ``k`` with no offset.
"""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import int_sum_exceeds, known_product, mul_divmod, safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = [
    "OneCycleWithDecay",
    "OneCycleWithDecayMomentum",
    "one_cycle_with_decay",
    "one_cycle_with_decay_momentum",
]


def _height(c, s1, s2, n1, n2, bound=None):
    """The triangle's height in ``[0, 1]`` for ``t <= S1 + S2`` (stairs where the count is > 0)."""
    xp = c.xp
    if all(c.is_int(x) for x in (s1, s2, n1, n2)):
        long = int_sum_exceeds(c, s1, s2)  # S1 + S2 beyond the integer dtype: beyond any count
        k = xp.where(long, c.n, xp.minimum(c.n, xp.where(long, s1, s1 + s2)))
        first = k <= s1
        # steps from the nearest end of the triangle (S2 - (k - S1) on the way down), exact
        num = xp.where(first, k, s2 - xp.where(first, s2, k - s1))
        den = xp.where(first, s1, s2)
        cnt = xp.where(first, n1, n2)
        # exact floor(num * cnt / den), num <= den; the product formed when it surely fits
        stair, _ = mul_divmod(c, num, cnt, den, bound)
        stair = c.as_float(stair)
        num, den, cnt = c.as_float(num), c.as_float(den), c.as_float(cnt)
    else:
        s1, s2 = c.as_float(s1), c.as_float(s2)
        total = s1 + s2
        k = xp.minimum(c.t, total)
        first = k <= s1
        num = xp.where(first, k, total - k)
        den = xp.where(first, s1, s2)
        cnt = xp.where(first, c.as_float(n1), c.as_float(n2))
        stair = xp.floor(num * cnt / safe_den(c, den))
    smooth = num / safe_den(c, den)
    return xp.where(cnt > 0, stair / safe_den(c, cnt), smooth)


def _stair_bound(sch) -> int | None:
    """A bound of ``num * cnt`` (at most ``max(S1, S2) * max(n1, n2)``) from the raw
    hyperparameters, when they are known at trace time (see ``mul_divmod``)."""
    sizes = (sch.cycle_first_step_size, sch.cycle_second_step_size)
    counts = (sch.cycle_first_stair_count, sch.cycle_second_stair_count)
    bounds = [known_product(s, n) for s in sizes for n in counts]
    return None if None in bounds else max(bounds)


def _phases(c, s1, s2, n1, n2, decay_step_size, bound=None):
    """(inside the triangle, its height, decay progress ``(t - C) / decay_step_size``)."""
    xp = c.xp
    span = c.as_float(decay_step_size)
    if c.is_int(s1) and c.is_int(s2):
        long = int_sum_exceeds(c, s1, s2)  # the triangle outlasts every count
        total = xp.where(long, xp.zeros_like(s1), s1 + s2)
        inside = long | xp.logical_not(c.ge(total))
    else:
        total = c.as_float(s1) + c.as_float(s2)
        inside = xp.logical_not(c.ge(total))
    after = c.shift(total).t  # max(t - C, 0), exact for integers (used only past the triangle)
    progress = xp.where(span > 0, after / safe_den(c, span), c.const(0.0))
    return inside, _height(c, s1, s2, n1, n2, bound), progress


@schedule_class("one_cycle_with_decay")
class OneCycleWithDecay(Schedule):
    """DeepSpeed's ``OneCycle`` learning rate. See :func:`one_cycle_with_decay`."""

    cycle_min_lr: Any = value_field()
    cycle_max_lr: Any = value_field()
    decay_lr_rate: Any = value_field()
    cycle_first_step_size: Any = steps_field()
    cycle_second_step_size: Any = steps_field()
    cycle_first_stair_count: Any = steps_field()
    cycle_second_stair_count: Any = steps_field()
    decay_step_size: Any = steps_field()

    def _formula(self, c, *, cycle_min_lr, cycle_max_lr, decay_lr_rate, cycle_first_step_size,
                 cycle_second_step_size, cycle_first_stair_count, cycle_second_stair_count,
                 decay_step_size):
        inside, h, progress = _phases(c, cycle_first_step_size, cycle_second_step_size,
                                      cycle_first_stair_count, cycle_second_stair_count,
                                      decay_step_size, _stair_bound(self))
        decayed = cycle_min_lr / safe_den(c, 1.0 + decay_lr_rate * progress)
        return c.xp.where(inside, cycle_min_lr + (cycle_max_lr - cycle_min_lr) * h, decayed)


@schedule_class("one_cycle_with_decay_momentum")
class OneCycleWithDecayMomentum(Schedule):
    """DeepSpeed's ``OneCycle`` beta1, kept below 1. See :func:`one_cycle_with_decay_momentum`."""

    cycle_min_mom: Any = value_field()
    cycle_max_mom: Any = value_field()
    decay_mom_rate: Any = value_field()
    cycle_first_step_size: Any = steps_field()
    cycle_second_step_size: Any = steps_field()
    cycle_first_stair_count: Any = steps_field()
    cycle_second_stair_count: Any = steps_field()
    decay_step_size: Any = steps_field()
    first_value: Any = value_field(default=None)

    def _formula(self, c, *, cycle_min_mom, cycle_max_mom, decay_mom_rate, cycle_first_step_size,
                 cycle_second_step_size, cycle_first_stair_count, cycle_second_stair_count,
                 decay_step_size, first_value):
        xp = c.xp
        inside, h, progress = _phases(c, cycle_first_step_size, cycle_second_step_size,
                                      cycle_first_stair_count, cycle_second_stair_count,
                                      decay_step_size, _stair_bound(self))
        m = xp.where(inside, cycle_max_mom - (cycle_max_mom - cycle_min_mom) * h,
                     cycle_max_mom * (1.0 + decay_mom_rate * progress))
        if first_value is not None:  # update 0 (counts below 1) uses first_value
            m = xp.where(c.t < 1.0, first_value, m)
        below_one = 1.0 - float(xp.finfo(c.dtype).eps) / 2  # the largest float < 1 of the dtype
        return xp.minimum(xp.maximum(m, c.const(0.0)), c.const(below_one))


def _shape_args(first, second, first_stairs, second_stairs, decay_step_size):
    s1 = v.integer("cycle_first_step_size", first, gt=0)
    s2 = s1 if second is None else v.integer("cycle_second_step_size", second, ge=0)
    hint = (" (the number of stairs of a half cycle; 0 keeps it continuous; DeepSpeed's CLI "
            "default -1, continuous there too, is 0 here)")
    n1 = v.integer("cycle_first_stair_count", first_stairs, ge=0, hint=hint)
    n2 = n1 if second_stairs is None else v.integer("cycle_second_stair_count", second_stairs,
                                                      ge=0, hint=hint)
    d = v.steps("decay_step_size", decay_step_size, hint=" (0 disables the decay)")
    return s1, s2, n1, n2, d


@register("one_cycle_with_decay")
def one_cycle_with_decay(
    cycle_min_lr: Value,
    cycle_max_lr: Value,
    decay_lr_rate: Value = 0.0,
    cycle_first_step_size: Steps = 2000,
    cycle_second_step_size: Steps | None = None,
    cycle_first_stair_count: Steps = 0,
    cycle_second_stair_count: Steps | None = None,
    decay_step_size: Steps = 0,
) -> OneCycleWithDecay:
    r"""DeepSpeed's one-cycle: ``min -> max -> min`` over ``S1 + S2`` steps, then ``min / (1 + r d/D)``.

    With ``C = S1 + S2`` and ``h(t) = t / S1`` for ``t <= S1``, ``(C - t) / S2`` after (with
    ``n > 0`` stairs in a half: ``h = floor(n t / S1) / n``, resp. ``floor(n (C - t) / S2) / n``):

    .. math::
      f(t) = \begin{cases} m + (M - m)\, h(t), & t < C \\
        \dfrac{m}{1 + r\,(t - C)/D}, & t \ge C \end{cases}

    The decay is continuous (not stepped); ``D = 0`` or ``r = 0`` holds ``m``.

    Args:
      cycle_min_lr: ``m``, the start and end of the triangle (real; traceable).
      cycle_max_lr: ``M``, its top at step ``S1`` (real; traceable).
      decay_lr_rate: ``r >= 0`` (traceable; default 0).
      cycle_first_step_size: ``S1 >= 1`` optimizer steps up (integer; default 2000).
      cycle_second_step_size: ``S2 >= 0`` optimizer steps down (integer; default ``None``: S1).
      cycle_first_stair_count: ``n1 >= 0`` stairs on the way up (0: continuous; default 0).
      cycle_second_stair_count: ``n2 >= 0`` stairs on the way down (default ``None``: n1).
      decay_step_size: ``D >= 0`` optimizer steps per unit of decay (default 0: no decay).

    Returns:
      A :class:`OneCycleWithDecay` schedule.

    Raises:
      ValueError: ``S1 <= 0``, a negative count or rate, a non-integer step size or stair
        count, a non-finite value.
      TypeError: an argument is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.one_cycle_with_decay(0.1, 1.0, decay_lr_rate=0.5, cycle_first_step_size=2,
      ...                                   cycle_second_step_size=3, decay_step_size=2)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(9), np)]
      [0.1, 0.55, 1.0, 0.7, 0.4, 0.1, 0.08, 0.066667, 0.057143]

    Equivalents:
      DeepSpeed: ``OneCycle(optimizer, cycle_min_lr, cycle_max_lr, decay_lr_rate,
      cycle_first_step_size, cycle_second_step_size, cycle_first_stair_count,
      cycle_second_stair_count, decay_step_size)``: ``f(k)`` is the lr of update ``k`` (after
      ``k`` calls of ``step()``), no offset. Stairs as in DeepSpeed >= 0.19.4 (older versions
      ignore the stair counts: pass 0). DeepSpeed treats a stair count ``<= 0`` (its CLI
      default is ``-1``) as continuous; here the stair counts must be ``>= 0``: pass 0 for
      DeepSpeed's ``-1`` (the ``"deepspeed.OneCycle"`` config name maps ``<= 0`` to 0 itself).
      Momentum: :func:`one_cycle_with_decay_momentum`.
    """
    s1, s2, n1, n2, d = _shape_args(cycle_first_step_size, cycle_second_step_size,
                                    cycle_first_stair_count, cycle_second_stair_count,
                                    decay_step_size)
    return OneCycleWithDecay(
        v.real("cycle_min_lr", cycle_min_lr),
        v.real("cycle_max_lr", cycle_max_lr),
        v.real("decay_lr_rate", decay_lr_rate, ge=0),
        s1, s2, n1, n2, d,
    )


@register("one_cycle_with_decay_momentum")
def one_cycle_with_decay_momentum(
    cycle_min_mom: Value = 0.8,
    cycle_max_mom: Value = 0.9,
    decay_mom_rate: Value = 0.0,
    cycle_first_step_size: Steps = 2000,
    cycle_second_step_size: Steps | None = None,
    cycle_first_stair_count: Steps = 0,
    cycle_second_stair_count: Steps | None = None,
    decay_step_size: Steps = 0,
    first_value: Value | None = None,
) -> OneCycleWithDecayMomentum:
    r"""DeepSpeed's one-cycle momentum: ``max -> min -> max``, then ``max (1 + r d/D)``, kept < 1.

    With ``C``, ``h(t)`` and ``D`` as in :func:`one_cycle_with_decay`:

    .. math::
      m(t) = \mathrm{clip}\left(\begin{cases} M_m - (M_m - m_m)\, h(t), & t < C \\
        M_m\,(1 + r\,(t - C)/D), & t \ge C \end{cases},\ 0,\ 1^-\right)

    where ``1^-`` is the largest float below 1 of the evaluation dtype (``1 - 2**-24`` in
    float32, ``1 - 2**-53`` in float64). DeepSpeed lets the momentum grow past 1 in the decay
    phase (an invalid Adam beta1); jaxsched equals DeepSpeed wherever DeepSpeed's value is in
    ``[0, 1)`` and never returns a momentum ``>= 1``. With ``first_value`` set, update 0 (counts
    below 1) uses ``first_value`` instead of ``m(0) = M_m``.

    Args:
      cycle_min_mom: ``m_m`` in ``[0, 1)``, the momentum at the lr peak (traceable; 0.8).
      cycle_max_mom: ``M_m`` in ``[0, 1)``, at the start and end of the triangle (traceable; 0.9).
      decay_mom_rate: ``r``, growth of the momentum after the triangle (real; traceable; 0; a
        negative rate lowers it, held at 0).
      cycle_first_step_size, cycle_second_step_size, cycle_first_stair_count,
        cycle_second_stair_count, decay_step_size: as in :func:`one_cycle_with_decay`.
      first_value: the momentum of update 0 in ``[0, 1)``, or ``None`` (default) for the
        formula's ``M_m``. DeepSpeed's value is ``cycle_min_mom`` (traceable).

    Returns:
      A :class:`OneCycleWithDecayMomentum` schedule.

    Raises:
      ValueError: a momentum outside ``[0, 1)``, and the errors of :func:`one_cycle_with_decay`.
      TypeError: an argument is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> m = jaxsched.one_cycle_with_decay_momentum(0.8, 0.9, decay_mom_rate=0.1,
      ...     cycle_first_step_size=2, decay_step_size=2)
      >>> [round(float(x), 6) for x in m.evaluate(np.arange(7), np)]
      [0.9, 0.85, 0.8, 0.85, 0.9, 0.945, 0.99]
      >>> float(m(7)) < 1.0  # DeepSpeed: 0.9 * 1.15 = 1.035
      True
      >>> ds = jaxsched.one_cycle_with_decay_momentum(0.8, 0.9, cycle_first_step_size=2,
      ...                                             first_value=0.8)
      >>> [round(float(x), 6) for x in ds.evaluate(np.arange(5), np)]
      [0.8, 0.85, 0.8, 0.85, 0.9]

    Equivalents:
      DeepSpeed: the ``betas[0]`` that ``OneCycle(..., cycle_momentum=True, cycle_min_mom,
      cycle_max_mom, decay_mom_rate)`` writes after ``k`` calls of ``step()``, for ``k >= 1``.
      At construction (update 0) DeepSpeed writes ``cycle_min_mom``, not the formula's
      ``cycle_max_mom``: pass ``first_value=cycle_min_mom`` to reproduce every update (the
      ``"deepspeed.OneCycle"`` config name does). DeepSpeed also always sets
      ``betas[1] = 0.99``, and cycles nothing for optimizers without ``betas`` (SGD).
    """
    s1, s2, n1, n2, d = _shape_args(cycle_first_step_size, cycle_second_step_size,
                                    cycle_first_stair_count, cycle_second_stair_count,
                                    decay_step_size)
    hint = " (a momentum or beta1 must lie in [0, 1))"
    return OneCycleWithDecayMomentum(
        v.real("cycle_min_mom", cycle_min_mom, ge=0, lt=1, hint=hint),
        v.real("cycle_max_mom", cycle_max_mom, ge=0, lt=1, hint=hint),
        v.real("decay_mom_rate", decay_mom_rate),
        s1, s2, n1, n2, d,
        v.real("first_value", first_value, ge=0, lt=1, allow_none=True, hint=hint),
    )

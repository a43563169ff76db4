"""The SWA learning-rate schedule: anneal to a constant ``swa_value`` (torch's ``SWALR``)."""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import cosine_tail, safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = ["SWAAnneal", "swa_schedule"]


@schedule_class("swa_schedule")
class SWAAnneal(Schedule):
    """``swa + (I - swa) (1 - alpha(min(t, A)/A))``. See :func:`swa_schedule`."""

    init_value: Any = value_field()
    swa_value: Any = value_field()
    anneal_steps: Any = steps_field()
    anneal_strategy: str = static_field()

    def _formula(self, c, *, init_value, swa_value, anneal_steps, anneal_strategy):
        xp = c.xp
        total = c.as_float(anneal_steps)
        remaining = xp.maximum(total - c.t, c.const(0.0))  # exact: A - min(t, A)
        if anneal_strategy == "cos":
            keep = cosine_tail(c, remaining, total)  # 1 - alpha; 0 when A = 0
        else:
            keep = xp.where(total > 0, remaining / safe_den(c, total), c.const(0.0))
        return swa_value + (init_value - swa_value) * keep


@register("swa_schedule")
def swa_schedule(
    init_value: Value,
    swa_value: Value,
    anneal_steps: Steps = 10,
    anneal_strategy: str = "cos",
) -> SWAAnneal:
    r"""Anneal from ``init_value`` to ``swa_value`` over ``anneal_steps``, then hold it (SWA).

    .. math::
      f(t) = \alpha(p)\, S + (1 - \alpha(p))\, I, \qquad
      p = \begin{cases} \min(t, A)/A, & A > 0 \\ 1, & A = 0 \end{cases}, \qquad
      \alpha(p) = \begin{cases} \tfrac12(1 - \cos \pi p), & \text{cos} \\
                                 p, & \text{linear} \end{cases}

    Computed as ``S + (I - S)(1 - alpha)`` with ``1 - alpha = sin(pi/2 (A - t)/A)**2`` (cos) or
    ``(A - t)/A`` (linear), which keeps relative precision in float32 near the end.
    ``anneal_steps = 0`` gives ``swa_value`` from step 0 on.

    Args:
      init_value: ``I``, the value at step 0 (real; traceable): the learning rate the optimizer
        has when SWA starts.
      swa_value: ``S``, the value reached at step ``anneal_steps`` and held (real; traceable).
      anneal_steps: ``A >= 0`` steps of annealing (default 10, torch's; traceable). In torch the
        unit is whatever ``SWALR.step()`` is called for (usually epochs); here it is the count
        the schedule receives.
      anneal_strategy: ``"cos"`` (default) or ``"linear"`` (static).

    Returns:
      A :class:`SWAAnneal` schedule.

    Raises:
      ValueError: ``anneal_steps < 0``, a non-finite value, an unknown ``anneal_strategy``.
      TypeError: a non-numeric value, a non-string strategy.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.swa_schedule(1.0, 0.1, anneal_steps=4, anneal_strategy="linear")
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(6), np)]
      [1.0, 0.775, 0.55, 0.325, 0.1, 0.1]

    Equivalents:
      torch: ``swa_utils.SWALR(optimizer, swa_lr=S, anneal_epochs=A, anneal_strategy=...)``
      built when the group's lr is ``I``: after ``k`` calls of ``step()`` the lr is ``f(k)``
      (``A = 0`` writes ``swa_lr`` already at construction). torch reconstructs its start value
      from the current lr at every step, so outside edits of the lr carry over; jaxsched is a
      pure function of the step (compose with :func:`jaxsched.join_schedules` to start SWA
      after another schedule). torch requires an int ``A``; jaxsched accepts fractional ones.
    """
    return SWAAnneal(
        v.real("init_value", init_value),
        v.real("swa_value", swa_value),
        v.steps("anneal_steps", anneal_steps),
        v.choice("anneal_strategy", anneal_strategy, ("cos", "linear")),
    )

"""Polynomial decay with a k-decay exponent on the time (timm's ``PolyLRScheduler`` curve).

``polynomial_k_decay`` is the one curve of the timm catalog that no other native covers: the
polynomial of the *warped* progress ``(t/T)**k`` (k-decay, Zhang et al. 2020). Its cycles, decay
and warmup come from :func:`jaxsched.repeat` and the warmup/offset compositions, as for timm's
other schedulers (see :mod:`jaxsched.config.ecosystem.timm_names`).
"""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import safe_pow
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = ["PolynomialKDecay", "polynomial_k_decay"]


@schedule_class("polynomial_k_decay")
class PolynomialKDecay(Schedule):
    """``E + (I - E) (1 - (min(t, T)/T)^k)^p``. See :func:`polynomial_k_decay`."""

    init_value: Any = value_field()
    decay_steps: Any = steps_field()
    end_value: Any = value_field()
    power: Any = value_field()
    k_decay: Any = value_field()

    def _formula(self, c, *, init_value, decay_steps, end_value, power, k_decay):
        xp = c.xp
        zero, one = c.const(0.0), c.const(1.0)
        total = c.as_float(decay_steps)
        pos = total > 0
        # u = 1 - t/T from the remaining steps (exact), so the tail keeps relative precision
        u = xp.where(pos, xp.maximum(total - c.t, zero) / xp.where(pos, total, one), zero)
        early = u < 1
        us = xp.where(early, u, zero)
        # 1 - (1 - u)**k without cancellation; 1 at t = 0 (u = 1), 0 from t = T on
        left = xp.where(early, -xp.expm1(k_decay * xp.log1p(-us)), one)
        return end_value + (init_value - end_value) * safe_pow(c, left, power)


@register("polynomial_k_decay")
def polynomial_k_decay(
    init_value: Value,
    decay_steps: Steps,
    end_value: Value = 0.0,
    power: Value = 1.0,
    k_decay: Value = 1.0,
) -> PolynomialKDecay:
    r"""Polynomial decay of the k-warped progress, from ``init_value`` to ``end_value``.

    .. math::
      f(t) = E + (I - E)\left(1 - \left(\frac{\min(t, T)}{T}\right)^{k}\right)^{p}

    Held at ``E`` from step ``T`` on. ``k > 1`` keeps the value high for longer, ``k < 1``
    drops it early; ``k = 1`` is the plain polynomial decay. ``1 - (t/T)^k`` is computed as
    ``-expm1(k log1p(-u))`` from the remaining fraction ``u = (T - t)/T`` (exact in steps), so
    the tail keeps relative precision in float32.

    Args:
      init_value: ``I``, the value at step 0 (real; traceable).
      decay_steps: ``T > 0`` optimizer steps of the decay (traceable).
      end_value: ``E``, the value from step ``T`` on (real; default 0; traceable).
      power: ``p >= 0`` (default 1; traceable).
      k_decay: ``k > 0``, the exponent of the progress (default 1; traceable).

    Returns:
      A :class:`PolynomialKDecay` schedule.

    Raises:
      ValueError: ``decay_steps <= 0``, ``power < 0``, ``k_decay <= 0`` or a non-finite value.
      TypeError: a non-numeric argument (a bool, a string, ``None``).

    Example:
      >>> import jaxsched, numpy as np
      >>> from jaxsched.schedules.polynomial_k import polynomial_k_decay
      >>> s = polynomial_k_decay(1.0, 4, power=1.0, k_decay=2.0)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(6), np)]
      [1.0, 0.9375, 0.75, 0.4375, 0.0, 0.0]

    Equivalents:
      timm: ``PolyLRScheduler(t_initial=T, power=p, lr_min=E, k_decay=k)`` for one cycle
      without warmup (base lr ``I``); its cycles are :func:`jaxsched.repeat` with
      ``stretch=True`` (see ``timm.poly``). ``k = 1``: :func:`jaxsched.polynomial_schedule`
      ``(I, E, p, T)``, torch ``PolynomialLR`` (``E = 0``), Keras ``PolynomialDecay``.
    """
    return PolynomialKDecay(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps, positive=True),
        v.real("end_value", end_value),
        v.real("power", power, ge=0),
        v.real("k_decay", k_decay, gt=0),
    )

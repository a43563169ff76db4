"""A periodic cosine: anneals from ``init_value`` to ``end_value`` and back, forever.

This is the one schedule of the catalog that rises again after its decay *on purpose*: it is the
curve of torch's ``CosineAnnealingLR`` past ``T_max`` (and of HF's ``cosine``, Cerebras'
``CosineAnnealingLR`` and optimus-dl's ``cosine_annealing`` past their ends). The clamped cosine
is :func:`jaxsched.cosine_decay`; cosine cycles that restart at the top are
:func:`jaxsched.cosine_restarts`.

The half-period index and the position inside it are integer arithmetic for an integer count and
an integer ``decay_steps`` (exact for counts up to ``2**31 - 1``, no overflow of ``2 * D``), and
the factor is formed from the steps elapsed and remaining in the current half period, so it keeps
relative precision in float32 at both ends.
"""

from __future__ import annotations

from typing import Any

from jaxsched import validate as v
from jaxsched._math import cosine_pair, interpolate
from jaxsched.base import Schedule, schedule_class, steps_field, value_field
from jaxsched.config import register

__all__ = ["CosineAnnealing", "cosine_annealing"]


@schedule_class("cosine_annealing")
class CosineAnnealing(Schedule):
    """``E + (I - E) (1 + cos(pi t / D)) / 2``, not clamped. See :func:`cosine_annealing`."""

    init_value: Any = value_field()
    decay_steps: Any = steps_field()
    end_value: Any = value_field()

    def _formula(self, c, *, init_value, decay_steps, end_value):
        xp = c.xp
        if c.is_int(decay_steps):
            d = xp.where(decay_steps > 0, decay_steps, xp.ones_like(decay_steps))
            q = c.n // d  # half periods completed (q d <= n: no overflow)
            r = c.n - q * d  # position in the current half period, exact
            odd = (q % 2) == 1
            elapsed = c.as_float(r)
            remaining = c.as_float(d - r)
            total = c.as_float(d)
        else:
            total = c.as_float(decay_steps)
            q = c.floordiv(decay_steps)
            elapsed = xp.minimum(xp.maximum(c.t - q * total, c.const(0.0)), total)
            remaining = total - elapsed
            odd = (q - 2.0 * xp.floor(q / 2.0)) == 1.0
        # falling half: C = cos^2(pi r / 2D); rising half: 1 - C. Both as sin^2 of a difference.
        fall, rise = cosine_pair(c, elapsed, remaining, total)
        left = xp.where(odd, rise, fall)  # the fraction of (I - E) still above E
        done = xp.where(odd, fall, rise)
        return interpolate(c, init_value, end_value, left, done)


@register("cosine_annealing")
def cosine_annealing(init_value: Any, decay_steps: Any, end_value: Any = 0.0) -> CosineAnnealing:
    r"""Periodic cosine annealing: down to ``end_value`` over ``decay_steps``, back up, and again.

    .. math::
      f(t) = E + (I - E)\,\tfrac12\left(1 + \cos\frac{\pi t}{D}\right)

    **Periodic by design** (period ``2 D``): it reaches ``end_value`` at ``t = D, 3D, 5D, ...``
    and ``init_value`` again at ``t = 2D, 4D, ...``. For a cosine that stops at ``end_value``
    use :func:`jaxsched.cosine_decay`; for cycles that jump back to the top,
    :func:`jaxsched.cosine_restarts`.

    Computed as ``E + (I - E) sin^2(pi/2 (D - r)/D)`` on a falling half period and
    ``E + (I - E) sin^2(pi/2 r/D)`` on a rising one (``r`` the steps into the half period, exact
    integer arithmetic for integer counts and ``D``), so values near both ends keep their
    relative precision in float32.

    Args:
      init_value: ``I``, the value at ``t = 0`` and at every even multiple of ``D`` (real;
        traceable).
      decay_steps: ``D > 0``, optimizer steps from ``I`` down to ``E`` (half the period; a
        fraction is allowed, e.g. HF's ``num_cycles``; traceable).
      end_value: ``E``, the value at odd multiples of ``D`` (real; traceable; default 0).

    Returns:
      A :class:`CosineAnnealing` schedule.

    Raises:
      ValueError: ``decay_steps <= 0`` or a non-finite value.
      TypeError: an argument is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> from jaxsched.schedules.periodic import cosine_annealing
      >>> s = cosine_annealing(1.0, decay_steps=4)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(10), np)]
      [1.0, 0.853553, 0.5, 0.146447, 0.0, 0.146447, 0.5, 0.853553, 1.0, 0.853553]

    Equivalents:
      torch: ``CosineAnnealingLR(T_max=D, eta_min=E)`` with the optimizer's lr ``I``, at every
      step (torch's recursive form gives these values up to float64 rounding; see
      ``torch.CosineAnnealingLR``). Cerebras: ``CosineAnnealingLR(I, T_max=D, eta_min=E)``.
      HF: ``cosine`` after its warmup with ``num_cycles = c`` is ``D = (N - W) / (2 c)``.
      optimus-dl: ``cosine_annealing``. optax: none (``cosine_decay_schedule`` is clamped).
    """
    return CosineAnnealing(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps, positive=True,
                hint=" (the number of steps from init_value down to end_value)"),
        v.real("end_value", end_value),
    )

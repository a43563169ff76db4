"""A periodic cosine wave with any number of cycles (HF ``cosine`` past its end, torch's periodic form).

Every other cosine of jaxsched holds its end value past the horizon (DESIGN 1.3). This one is
periodic on purpose: it reproduces peers whose cosine keeps oscillating (HF ``cosine``,
``cosine_with_min_lr`` and ``cosine_warmup_with_min_lr``, ``num_cycles`` waves over the decay,
rising again after ``num_training_steps``; torch ``CosineAnnealingLR`` past ``T_max``).
"""

from __future__ import annotations

import math
from typing import Any

from jaxsched import validate as v
from jaxsched._math import interpolate, safe_den
from jaxsched.base import Schedule, schedule_class, steps_field, value_field
from jaxsched.config import register

__all__ = ["CosineWave", "cosine_wave"]


@schedule_class("cosine_wave")
class CosineWave(Schedule):
    """``E + (I - E) (1 + cos(2 pi c (t + a) / D)) / 2``, periodic. See :func:`cosine_wave`."""

    init_value: Any = value_field()
    decay_steps: Any = steps_field()
    end_value: Any = value_field()
    num_cycles: Any = value_field()
    phase_steps: Any = steps_field()

    def _formula(self, c, *, init_value, decay_steps, end_value, num_cycles, phase_steps):
        xp = c.xp
        zero = c.const(0.0)
        d = safe_den(c, c.as_float(decay_steps))
        u = num_cycles * (c.t + c.as_float(phase_steps))  # a full wave every D units of u
        m = u - xp.floor(u / d) * d  # position in the current wave, in [0, D)
        m = xp.where(m < zero, m + d, m)
        m = xp.where(m >= d, m - d, m)
        # weight of I: cos^2(pi m / D) = sin^2(pi (D/2 - m) / D), accurate near the trough;
        # weight of E: sin^2(pi m / D), from the nearer end of the wave, accurate near the crest.
        a = xp.sin(math.pi * (0.5 * d - m) / d)
        b = xp.sin(math.pi * xp.minimum(m, d - m) / d)
        return interpolate(c, init_value, end_value, a * a, b * b)


@register("cosine_wave")
def cosine_wave(
    init_value: Any,
    decay_steps: Any,
    end_value: Any = 0.0,
    num_cycles: Any = 0.5,
    phase_steps: Any = 0,
) -> CosineWave:
    r"""A periodic cosine: ``num_cycles`` full waves every ``decay_steps`` steps, never held.

    .. math::
      f(t) = E + (I - E)\,\tfrac12\Bigl(1 + \cos\frac{2\pi c\,(t + a)}{D}\Bigr)

    With the default ``c = 1/2`` it is a half-cosine from ``I`` (at ``t = 0``) to ``E`` (at
    ``t = D``) that rises back to ``I`` at ``2D``, and so on. Unlike every other jaxsched cosine
    it does **not** hold its end value: use it only to reproduce a peer that is periodic (for a
    decay that holds, see :func:`~jaxsched.cosine_decay`). Both weights are computed from the
    position in the current wave, ``m = c (t + a) mod D``, as squared sines measured from the
    nearer crest or trough, so values near ``E`` keep relative precision in float32 (the phase
    is exact for integer counts below ``2**24`` in float32).

    Args:
      init_value: ``I``, the value at the crests (real; traceable).
      decay_steps: ``D > 0`` optimizer steps in which the wave completes ``c`` cycles
        (traceable).
      end_value: ``E``, the value at the troughs (real; traceable; default 0).
      num_cycles: ``c >= 0`` waves per ``D`` steps (traceable; default 0.5: one half-cosine
        per ``D`` steps; ``c = 0`` is the constant ``I``).
      phase_steps: ``a >= 0``, steps of the wave already elapsed at count 0 (traceable;
        default 0): count ``t`` shows the wave at ``t + a``.

    Returns:
      A :class:`CosineWave` schedule.

    Raises:
      ValueError: ``decay_steps <= 0``, ``num_cycles < 0``, ``phase_steps < 0`` or a
        non-finite value.
      TypeError: a non-numeric argument.

    Example:
      >>> import jaxsched, numpy as np
      >>> from jaxsched.schedules.cosine_wave import cosine_wave
      >>> s = cosine_wave(1.0, 4, end_value=0.1)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(10), np)]
      [1.0, 0.868198, 0.55, 0.231802, 0.1, 0.231802, 0.55, 0.868198, 1.0, 0.868198]

    Equivalents:
      HF: the decay of ``get_cosine_schedule_with_warmup(W, N, num_cycles=c)`` after its
      warmup is ``cosine_wave(lr, max(1, N - W), 0, c)`` on the local step ``s - W``
      (``cosine_with_min_lr``: ``end_value = min_lr``; ``cosine_warmup_with_min_lr`` evaluates
      its decay one step ahead: ``phase_steps=1``). torch: ``CosineAnnealingLR(T_max=D,
      eta_min=E)`` (both its recursive and its closed form are periodic past ``T_max``) is
      ``cosine_wave(lr, D, E)``. Keras, optax, timm: none (their cosines hold their end).
    """
    return CosineWave(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps, positive=True),
        v.real("end_value", end_value),
        v.real("num_cycles", num_cycles, ge=0),
        v.steps("phase_steps", phase_steps),
    )

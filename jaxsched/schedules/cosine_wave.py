"""The periodic cosine: ``num_cycles`` waves every ``decay_steps`` steps, never held.

Every other cosine of jaxsched holds its end value past the horizon (DESIGN 1.3). This one is
periodic on purpose: it reproduces the peers whose cosine keeps oscillating (torch's, Cerebras'
and optimus-dl's ``CosineAnnealingLR`` / ``cosine_annealing`` past ``T_max``; HF ``cosine``,
``cosine_with_min_lr`` and ``cosine_warmup_with_min_lr``, ``num_cycles`` waves over the decay,
rising again after ``num_training_steps``). One class, :class:`CosineWave`, with two
constructors: :func:`cosine_wave` (any number of cycles, a phase) and :func:`cosine_annealing`
(torch's half-cosine per ``decay_steps``, i.e. ``num_cycles=0.5``).

The count's position in the wave is integer arithmetic for an integer count, integer
``decay_steps`` and ``phase_steps`` and a ``num_cycles`` that is a multiple of 1/2 (exact for
counts up to ``2**31 - 1``, with no overflow of ``count + phase_steps`` or ``2 * decay_steps``),
and the factor is formed from the steps elapsed and remaining in the current half wave, so it
keeps relative precision in float32 at crests and troughs alike.
"""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.arrays import nonneg_div
from jaxsched.core.numerics import cosine_pair, interpolate, known_product, mul_divmod, safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = ["CosineWave", "cosine_wave", "cosine_annealing"]


def _clip(c, x, total):
    xp = c.xp
    return xp.minimum(xp.maximum(x, c.const(0.0)), total)


def _wave_float(c, k, q, r, total):
    """(odd, elapsed) of the half wave reached after ``k (q D + r) / D`` half waves, in floats.

    ``q`` (whole periods ``D``) and ``r`` (steps into the current one) come separately, so the
    rounding is ``eps * k * q`` half waves at worst; ``k q`` is split into its parity and a
    fraction carried into the position. ``d elapsed / d k`` is ``q D + r`` (the local time).
    """
    xp = c.xp
    kq = k * q
    a = kq - 2.0 * xp.floor(kq / 2.0)  # k q mod 2 half waves
    whole = xp.floor(a)
    pos = (a - whole) * total + k * r  # in steps of the half-wave length D
    q2 = xp.floor(pos / total)
    elapsed = _clip(c, pos - q2 * total, total)
    par = whole + q2
    return (par - 2.0 * xp.floor(par / 2.0)) == 1.0, elapsed


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
        k = 2.0 * num_cycles  # half waves (crest to trough) per D steps
        if c.is_int(decay_steps) and c.is_int(phase_steps):
            d = xp.where(decay_steps > 0, decay_steps, xp.ones_like(decay_steps))
            # count + a = q d + r, 0 <= r < d, without forming count + a (int32 overflow)
            # n >= 0; a traced phase is not range-checked at construction: floor division
            qn, qa = nonneg_div(xp, c.n, d), phase_steps // d
            rn, ra = c.n - qn * d, phase_steps - qa * d
            s = rn - (d - ra)
            carry = s >= 0
            r = s + xp.where(carry, xp.zeros_like(d), d)
            ci = xp.astype(carry, c.int_dtype)
            total = c.as_float(d)
            q = c.as_float(qn) + c.as_float(qa) + c.as_float(ci)
            odd_f, elapsed_f = _wave_float(c, k, q, c.as_float(r), total)
            # 2c an integer: k (q d + r) = (k q) d + k r, k r = q2 d + r2 in integers without
            # forming k r (exact for every k, r < d up to 2**31 - 1)
            exact = (k == xp.floor(k)) & (k < 2.0**31)
            ki = xp.astype(xp.where(exact, k, c.const(0.0)), c.int_dtype)
            q2, r2 = mul_divmod(c, r, ki, d, known_product(self.decay_steps, 2 * self.num_cycles))
            odd_i = ((ki % 2) * ((qn % 2 + qa % 2 + ci) % 2) + q2 % 2) % 2 == 1
            # + (k - floor(k)) (t + a): zero, but gives d elapsed / d c its true value
            grad = (k - xp.floor(k)) * (c.t + c.as_float(phase_steps))
            elapsed_i = c.as_float(r2) + grad
            odd = xp.where(exact, odd_i, odd_f)
            elapsed = xp.where(exact, elapsed_i, elapsed_f)
            remaining = xp.where(exact, c.as_float(d - r2) - grad, total - elapsed_f)
        else:
            total = safe_den(c, c.as_float(decay_steps))
            u = c.t + c.as_float(phase_steps)
            q = xp.floor(u / total)
            odd, elapsed = _wave_float(c, k, q, _clip(c, u - q * total, total), total)
            remaining = total - elapsed
        # falling half: weight of I = cos^2(pi r / 2D) = sin^2(pi/2 (D - r)/D); rising: swapped.
        fall, rise = cosine_pair(c, elapsed, remaining, total)
        left = xp.where(odd, rise, fall)  # the fraction of (I - E) still above E
        done = xp.where(odd, fall, rise)
        return interpolate(c, init_value, end_value, left, done)


@register("cosine_wave")
def cosine_wave(
    init_value: Value,
    decay_steps: Steps,
    end_value: Value = 0.0,
    num_cycles: Value = 0.5,
    phase_steps: Steps = 0,
) -> CosineWave:
    r"""A periodic cosine: ``num_cycles`` full waves every ``decay_steps`` steps, never held.

    .. math::
      f(t) = E + (I - E)\,\tfrac12\Bigl(1 + \cos\frac{2\pi c\,(t + a)}{D}\Bigr)

    With the default ``c = 1/2`` it is a half-cosine from ``I`` (at ``t = 0``) to ``E`` (at
    ``t = D``) that rises back to ``I`` at ``2D``, and so on (:func:`cosine_annealing`). Unlike
    every other jaxsched cosine it does **not** hold its end value: use it only to reproduce a
    peer that is periodic (for a decay that holds, see :func:`~jaxsched.cosine_decay`; for
    cycles that jump back to the top, :func:`~jaxsched.cosine_restarts`).

    The value is formed from the steps elapsed and remaining in the current half wave, as
    ``E + (I - E) sin^2(pi/2 (D - r)/D)`` on a falling half and ``E + (I - E) sin^2(pi/2 r/D)``
    on a rising one, so values near ``I`` and near ``E`` keep relative precision in float32.
    For an integer count, integer ``D`` and ``a`` and ``2c`` an integer (below ``2**31``)
    ``r`` is exact integer arithmetic for every count up to ``2**31 - 1``;
    otherwise the wave index is formed in floats from the exact ``(t + a) // D`` and
    ``(t + a) % D``, off by about ``2**-24 c (t + a) / D`` waves in float32.

    Args:
      init_value: ``I``, the value at the crests (real; traceable).
      decay_steps: ``D > 0`` optimizer steps in which the wave completes ``c`` cycles
        (a fraction is allowed; traceable).
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
      >>> s = jaxsched.cosine_wave(1.0, 4, end_value=0.1)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(10), np)]
      [1.0, 0.868198, 0.55, 0.231802, 0.1, 0.231802, 0.55, 0.868198, 1.0, 0.868198]

    Equivalents:
      HF: the decay of ``get_cosine_schedule_with_warmup(W, N, num_cycles=c)`` after its
      warmup is ``cosine_wave(lr, max(1, N - W), 0, c)`` on the local step ``s - W``
      (``cosine_with_min_lr``: ``end_value = min_lr``; ``cosine_warmup_with_min_lr`` evaluates
      its decay one step ahead: ``phase_steps=1``). torch: ``CosineAnnealingLR(T_max=D,
      eta_min=E)`` (periodic past ``T_max``) is ``cosine_wave(lr, D, E)``
      (:func:`cosine_annealing`). Keras, optax, timm: none (their cosines hold their end).
    """
    return CosineWave(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps, positive=True,
                hint=" (the steps in which the wave completes num_cycles cycles)"),
        v.real("end_value", end_value),
        v.real("num_cycles", num_cycles, ge=0),
        v.steps("phase_steps", phase_steps),
    )


@register("cosine_annealing")
def cosine_annealing(init_value: Value, decay_steps: Steps, end_value: Value = 0.0) -> CosineWave:
    r"""Periodic cosine annealing: down to ``end_value`` over ``decay_steps``, back up, and again.

    .. math::
      f(t) = E + (I - E)\,\tfrac12\left(1 + \cos\frac{\pi t}{D}\right)

    **Periodic by design** (period ``2 D``): it reaches ``end_value`` at ``t = D, 3D, 5D, ...``
    and ``init_value`` again at ``t = 2D, 4D, ...``. It is :func:`cosine_wave` with
    ``num_cycles=0.5`` and ``phase_steps=0`` (equal to that schedule; its repr and config
    show this call, ``"cosine_annealing"``). Exact integer phase arithmetic for integer
    counts and ``D``, and relative precision at both ends, as described there. For a cosine
    that stops at ``end_value`` use :func:`jaxsched.cosine_decay`; for cycles that jump back to
    the top, :func:`jaxsched.cosine_restarts`.

    Args:
      init_value: ``I``, the value at ``t = 0`` and at every even multiple of ``D`` (real;
        traceable).
      decay_steps: ``D > 0``, optimizer steps from ``I`` down to ``E`` (half the period; a
        fraction is allowed; traceable).
      end_value: ``E``, the value at odd multiples of ``D`` (real; traceable; default 0).

    Returns:
      A :class:`CosineWave` schedule.

    Raises:
      ValueError: ``decay_steps <= 0`` or a non-finite value.
      TypeError: an argument is not a real number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.cosine_annealing(1.0, decay_steps=4)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(10), np)]
      [1.0, 0.853553, 0.5, 0.146447, 0.0, 0.146447, 0.5, 0.853553, 1.0, 0.853553]

    Equivalents:
      torch: ``CosineAnnealingLR(T_max=D, eta_min=E)`` with the optimizer's lr ``I``, at every
      step (torch's recursive form gives these values up to float64 rounding; see
      ``torch.CosineAnnealingLR``). Cerebras: ``CosineAnnealingLR(I, T_max=D, eta_min=E)``.
      HF: ``cosine`` after its warmup with ``num_cycles = c`` is ``D = (N - W) / (2 c)`` (or
      :func:`cosine_wave` with ``num_cycles``). optimus-dl: ``cosine_annealing``. optax: none
      (``cosine_decay_schedule`` is clamped).
    """
    return CosineWave(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps, positive=True,
                hint=" (the number of steps from init_value down to end_value)"),
        v.real("end_value", end_value),
        0.5,
        0,
    )

"""Inverse time and inverse square root decays (Keras, Cerebras, HF).

Re-exported by :mod:`jaxsched.schedules.decay`. The staircase floor of inverse time decay and
the local time after the warmup of inverse square root decay are integer arithmetic for integer
counts, exact up to ``2**31 - 1``.
"""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import safe_den, safe_pow
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = [
    "InverseTimeDecay", "InverseSqrtDecay", "InversePowerDecay", "PowerLawDecay",
    "inverse_time_decay", "inverse_sqrt_decay", "inverse_power_decay", "power_law_decay",
]

_HF_DEFAULT_TIMESCALE = 10000.0


@schedule_class("inverse_time_decay")
class InverseTimeDecay(Schedule):
    """``I / (1 + r q)``, ``q = t^k / T`` (floored if ``staircase``). See :func:`inverse_time_decay`."""

    init_value: Any = value_field()
    decay_steps: Any = steps_field()
    decay_rate: Any = value_field()
    staircase: bool = static_field()
    step_exponent: Any = value_field()

    def _formula(self, c, *, init_value, decay_steps, decay_rate, staircase, step_exponent):
        xp = c.xp
        q = safe_pow(c, c.t, step_exponent) / safe_den(c, c.as_float(decay_steps))
        if staircase:  # k == 1 floors with integer arithmetic (exact up to 2**31 - 1)
            q = xp.where(step_exponent == 1, c.floordiv(decay_steps), xp.floor(q))
        return init_value / (c.const(1.0) + decay_rate * q)


@schedule_class("inverse_sqrt_decay")
class InverseSqrtDecay(Schedule):
    """Linear warmup, then ``I sqrt(tau / (t - W + tau))``. See :func:`inverse_sqrt_decay`."""

    init_value: Any = value_field()
    timescale: Any = value_field()
    warmup_steps: Any = steps_field()
    warmup_init_value: Any = value_field()

    def _formula(self, c, *, init_value, timescale, warmup_steps, warmup_init_value):
        xp = c.xp
        w = c.as_float(warmup_steps)
        if timescale is None:  # HF: the warmup length, or 10000 without warmup
            timescale = xp.where(w > 0, w, c.const(_HF_DEFAULT_TIMESCALE))
        tau = safe_den(c, timescale)
        decay = init_value * xp.sqrt(tau / (c.shift(warmup_steps).t + tau))
        warm = warmup_init_value + (init_value - warmup_init_value) * (c.t / safe_den(c, w))
        return xp.where(c.ge(warmup_steps), decay, warm)


@schedule_class("inverse_power_decay")
class InversePowerDecay(Schedule):
    """``I (1 + t / tau)^-p``. See :func:`inverse_power_decay`."""

    init_value: Any = value_field()
    timescale: Any = value_field()
    power: Any = value_field()

    def _formula(self, c, *, init_value, timescale, power):
        xp = c.xp
        # (1 + t/tau)^-p as exp(-p log1p(t/tau)): exact 1 at t = 0, no overflow of the base
        return init_value * xp.exp(-power * xp.log1p(c.t / safe_den(c, timescale)))


@schedule_class("power_law_decay")
class PowerLawDecay(Schedule):
    """``min(P, a (t x)^b)``. See :func:`power_law_decay`."""

    peak_value: Any = value_field()
    amplitude: Any = value_field()
    exponent: Any = value_field()
    tokens_per_step: Any = value_field()

    def _formula(self, c, *, peak_value, amplitude, exponent, tokens_per_step):
        xp = c.xp
        x = c.t * tokens_per_step
        pos = x > 0
        # a x^b as a exp(b log x): no overflow of x^b; x = 0 (b < 0) is the peak
        law = amplitude * xp.exp(exponent * xp.log(xp.where(pos, x, xp.ones_like(x))))
        return xp.where(pos, xp.minimum(peak_value, law), peak_value + xp.zeros_like(c.t))


@register("inverse_time_decay")
def inverse_time_decay(
    init_value: Value,
    decay_steps: Steps,
    decay_rate: Value,
    staircase: bool = False,
    step_exponent: Value = 1.0,
) -> InverseTimeDecay:
    r"""Inverse time decay: ``init_value / (1 + decay_rate * t**k / decay_steps)``.

    .. math::
      f(t) = \frac{I}{1 + r\, q(t)}, \qquad
      q(t) = \frac{t^k}{T} \quad \left(\left\lfloor \frac{t^k}{T} \right\rfloor
      \text{ when staircase}\right)

    With ``k = 1`` the staircase floor is integer arithmetic (exact up to ``2**31 - 1``).

    Args:
      init_value: value at step 0 (real; traceable).
      decay_steps: ``T > 0`` optimizer steps per unit of ``q`` (traceable).
      decay_rate: ``r >= 0`` (``r = 0`` is a constant; traceable).
      staircase: floor ``q``, so that the value changes only when ``t**k`` crosses a multiple
        of ``T`` (static; default False).
      step_exponent: ``k > 0``, the power of the step count (default 1; traceable).

    Returns:
      An :class:`InverseTimeDecay` schedule.

    Raises:
      ValueError: ``decay_steps <= 0``, ``decay_rate < 0``, ``step_exponent <= 0`` or a
        non-finite value.
      TypeError: a non-numeric argument, or a non-bool ``staircase``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.inverse_time_decay(1.0, 2, 0.5, staircase=True)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(5), np)]
      [1.0, 1.0, 0.666667, 0.666667, 0.5]

    Equivalents:
      Keras: ``InverseTimeDecay(I, T, r, staircase)`` (``k = 1``). Cerebras:
      ``InverseExponentialTimeDecayLR(I, step_exponent=k, total_iters=T, decay_rate=r,
      staircase)`` (it floors the same inner term ``t**k / T``).
    """
    return InverseTimeDecay(
        v.real("init_value", init_value),
        v.steps("decay_steps", decay_steps, positive=True),
        v.real("decay_rate", decay_rate, ge=0),
        v.boolean("staircase", staircase),
        v.real("step_exponent", step_exponent, gt=0),
    )


@register("inverse_sqrt_decay")
def inverse_sqrt_decay(
    init_value: Value,
    timescale: Value | None = None,
    warmup_steps: Steps = 0,
    warmup_init_value: Value = 0.0,
) -> InverseSqrtDecay:
    r"""Linear warmup to ``init_value``, then decay as the inverse square root of the step.

    .. math::
      f(t) = \begin{cases}
        w_0 + (I - w_0)\, t / W, & t < W \\
        I \sqrt{\dfrac{\tau}{t - W + \tau}}, & t \ge W
      \end{cases}

    With ``tau = W`` the decay is ``I sqrt(W / t)``. Setting ``warmup_init_value =
    init_value`` holds the value flat during the warmup instead of ramping (Cerebras' form).

    Args:
      init_value: ``I``, the value at the end of the warmup (real; traceable).
      timescale: ``tau > 0`` in optimizer steps: the value halves ``3 tau`` steps after the
        warmup (traceable). Default ``None``: ``W``, or 10000 when ``W = 0`` (HF's rule).
      warmup_steps: ``W >= 0`` optimizer steps of linear warmup (default 0; traceable).
      warmup_init_value: ``w_0``, the value at step 0 when ``W > 0`` (default 0; traceable).

    Returns:
      An :class:`InverseSqrtDecay` schedule.

    Raises:
      ValueError: ``timescale <= 0``, ``warmup_steps < 0`` or a non-finite value.
      TypeError: a non-numeric argument.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.inverse_sqrt_decay(1.0, warmup_steps=2)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(6), np)]
      [0.0, 0.5, 1.0, 0.816497, 0.707107, 0.632456]

    Equivalents:
      HF: ``inverse_sqrt`` / ``get_inverse_sqrt_schedule(W, timescale)`` is
      ``inverse_sqrt_decay(lr, timescale, W)`` (``timescale`` cannot be passed through HF's
      ``get_scheduler``, so there it is always the default). Cerebras:
      ``InverseSquareRootDecayLR(I, scale, warmup_steps=W)``, ``I scale / sqrt(max(W, t))``,
      is ``inverse_sqrt_decay(P, W, W, warmup_init_value=P)`` with ``P = I scale / sqrt(W)``
      for ``W > 0`` (float ``W`` allowed). With ``W = 0`` Cerebras divides by zero at step 0
      (``inf``); ``W = 1`` gives its values from step 1 on.
    """
    return InverseSqrtDecay(
        v.real("init_value", init_value),
        v.real("timescale", timescale, gt=0, allow_none=True),
        v.steps("warmup_steps", warmup_steps),
        v.real("warmup_init_value", warmup_init_value),
    )


@register("inverse_power_decay")
def inverse_power_decay(init_value: Value, timescale: Value, power: Value = 0.5) -> InversePowerDecay:
    r"""Inverse power decay: ``init_value * (1 + t / timescale) ** -power``.

    .. math::
      f(t) = I \left(1 + \frac{t}{\tau}\right)^{-p}

    ``f(0) = I``; ``p = 0.5`` is the reciprocal square root (``inverse_sqrt_decay(I, tau)``
    without warmup), ``p = 1`` the inverse time decay ``I / (1 + t / tau)``.

    Args:
      init_value: ``I``, the value at step 0 (real; traceable).
      timescale: ``tau > 0`` in optimizer steps (traceable).
      power: ``p >= 0`` (default 0.5; traceable).

    Returns:
      An :class:`InversePowerDecay` schedule.

    Raises:
      ValueError: ``timescale <= 0``, ``power < 0`` or a non-finite value.
      TypeError: a non-numeric argument.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.inverse_power_decay(1.0, 3.0, 0.3)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(3), np)]
      [1.0, 0.917315, 0.857917]

    Equivalents:
      timm: the ``rsqrt`` and ``power`` stable functions of ``WSDLRScheduler``
      (``(1 + t_s / stable_timescale) ** -stable_power``); Big Vision's ``rsqrt`` schedule;
      the Power scheduler's stable phase. optax: none.
    """
    return InversePowerDecay(
        v.real("init_value", init_value),
        v.real("timescale", timescale, gt=0),
        v.real("power", power, ge=0),
    )


@register("power_law_decay")
def power_law_decay(
    peak_value: Value, amplitude: Value, exponent: Value, tokens_per_step: Value = 1.0
) -> PowerLawDecay:
    r"""A power law in the tokens (or samples) trained on, capped at a peak: ``min(P, a x**b)``.

    .. math::
      f(t) = \min\left(P,\ a\, x^{b}\right), \qquad x = t \cdot \texttt{tokens\_per\_step}

    ``f(0) = P`` (``x^b`` grows without bound at 0 for ``b < 0``). ``a x^b`` is computed as
    ``a exp(b log x)``. Under a varying batch size, drive it by the tokens actually consumed
    (:func:`jaxsched.by_tokens` with ``tokens_per_step=1``).

    Args:
      peak_value: ``P``, the cap (real; traceable).
      amplitude: ``a > 0`` (traceable).
      exponent: ``b < 0`` (traceable).
      tokens_per_step: tokens (or samples) per optimizer step, ``> 0`` (traceable; default 1:
        the count is already in tokens).

    Returns:
      A :class:`PowerLawDecay` schedule.

    Raises:
      ValueError: ``amplitude <= 0``, ``exponent >= 0``, ``tokens_per_step <= 0`` or a
        non-finite value.
      TypeError: a non-numeric value.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.power_law_decay(0.5, 2.0, -0.5, tokens_per_step=4.0)
      >>> [round(float(x), 6) for x in s.evaluate(np.array([0, 1, 4, 16]), np)]
      [0.5, 0.5, 0.5, 0.25]

    Equivalents:
      Levanter ``lr_schedule: {type: power, batch_size: B, seq_length: L, a: a, b: b}``
      (``src/levanter/optim/config.py``, ``PowerLrSchedule``: ``min(lr, B a (k B L)**b)``) is
      ``power_law_decay(lr, B * a, b, tokens_per_step=B * L)``. The Power scheduler (Shen et al.
      2024, ``a = 4.6``, ``b = -0.51``) before its decay phase; IBM's ``power`` scheduler.
    """
    return PowerLawDecay(
        v.real("peak_value", peak_value),
        v.real("amplitude", amplitude, gt=0),
        v.real("exponent", exponent, lt=0),
        v.real("tokens_per_step", tokens_per_step, gt=0),
    )

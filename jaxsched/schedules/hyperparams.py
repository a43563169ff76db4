"""Schedules for hyperparameters other than the learning rate: EMA decay and weight decay.

``ema_warmup`` (timm's ``ModelEmaV3`` warmup), ``cosine_momentum`` (BYOL's target-network
momentum) and ``weight_decay_increment`` (Megatron-LM's ``start_weight_decay`` ->
``end_weight_decay``). They are ordinary schedules: pass them to
:func:`jaxsched.scheduled_optimizer`, evaluate them in a train step, or drive a torch object with
:class:`jaxsched.torch.ValueScheduler`.
"""

from __future__ import annotations

from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.numerics import cosine_tail, safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value
from jaxsched.schedules.ramps import until

__all__ = [
    "EMAWarmup", "CosineMomentum", "WeightDecayIncrement", "ema_warmup", "cosine_momentum",
    "weight_decay_increment",
]

INCREMENT_STYLES = ("linear", "cosine", "constant")


@schedule_class("ema_warmup")
class EMAWarmup(Schedule):
    """``clip(1 - (1 + s / gamma)^-p, min_decay, decay)``, ``s = k - A``. See :func:`ema_warmup`."""

    decay: Any = value_field()
    warmup_gamma: Any = value_field()
    warmup_power: Any = value_field()
    min_decay: Any = value_field()
    update_after_step: Any = steps_field()
    use_warmup: bool = static_field()

    def _formula(self, c, *, decay, warmup_gamma, warmup_power, min_decay, update_after_step,
                 use_warmup):
        xp = c.xp
        zero = c.const(0.0)
        local = c.shift(update_after_step)  # s = max(k - A, 0), exact
        if use_warmup:
            # 1 - (1 + s/gamma)^-p as -expm1(-p log1p(s/gamma)): exact relative precision near 0
            warm = -xp.expm1(-warmup_power * xp.log1p(local.t / safe_den(c, warmup_gamma)))
            value = xp.maximum(xp.minimum(warm, decay), min_decay)
        else:
            value = decay + xp.zeros_like(c.t)
        return xp.where(local.t > zero, value, zero)


@schedule_class("cosine_momentum")
class CosineMomentum(Schedule):
    """``E - (E - b0) (1 + cos(pi t / T)) / 2``, held at ``E``. See :func:`cosine_momentum`."""

    base_value: Any = value_field()
    total_steps: Any = steps_field()
    end_value: Any = value_field()

    def _formula(self, c, *, base_value, total_steps, end_value):
        factor = cosine_tail(c, until(c, total_steps), c.as_float(total_steps))
        return end_value - (end_value - base_value) * factor


@schedule_class("weight_decay_increment")
class WeightDecayIncrement(Schedule):
    """``S + (E - S) g(t / N)``, held at ``E``. See :func:`weight_decay_increment`."""

    start_value: Any = value_field()
    end_value: Any = value_field()
    total_steps: Any = steps_field()
    style: str = static_field()

    def _formula(self, c, *, start_value, end_value, total_steps, style):
        xp = c.xp
        n = c.as_float(total_steps)
        left = until(c, total_steps)  # N - t, exact
        if style == "constant":
            return end_value + xp.zeros_like(c.t)
        if style == "linear":
            rest = xp.where(n > 0, left / safe_den(c, n), c.const(0.0))
        else:  # cosine: 1 - g = (1 + cos(pi r)) / 2 = sin(pi/2 (N - t)/N)^2
            rest = cosine_tail(c, left, n)
        return end_value + (start_value - end_value) * rest


@register("ema_warmup")
def ema_warmup(
    decay: Value = 0.9999,
    warmup_gamma: Value = 1.0,
    warmup_power: Value = 2.0 / 3.0,
    min_decay: Value = 0.0,
    update_after_step: Steps = 0,
    use_warmup: bool = True,
) -> EMAWarmup:
    r"""EMA decay with timm's warmup: ``1 - (1 + s / gamma)**(-power)``, clipped to the decay.

    For EMA update ``k`` (0-based) and ``s = k - A`` (``A = update_after_step``):

    .. math::
      f(k) = \begin{cases}
        0, & s \le 0 \quad(\text{the EMA copies the weights}) \\
        \min\!\left(\max\!\left(1 - (1 + s/\gamma)^{-p},\ m\right),\ d\right), & s > 0
      \end{cases}

    (``d`` for ``s > 0`` when ``use_warmup=False``). ``1 - (1 + x)^{-p}`` is computed as
    ``-expm1(-p log1p(x))``. ``p = 2/3`` reaches 0.999 near 31k steps, ``p = 3/4`` reaches
    0.9999 near 215k (timm's notes).

    Args:
      decay: ``d``, the decay the warmup is capped at (real in ``[0, 1]``; traceable).
      warmup_gamma: ``gamma > 0``, the warmup's time scale in updates (traceable).
      warmup_power: ``p > 0`` (traceable; default 2/3, timm's).
      min_decay: ``m`` in ``[0, 1]``, the floor of the warmed-up decay (traceable; default 0).
      update_after_step: ``A >= 0`` updates before the EMA starts averaging (traceable).
      use_warmup: apply the warmup (static; default True; timm's default is False).

    Returns:
      An :class:`EMAWarmup` schedule.

    Raises:
      ValueError: a value outside its range or non-finite.
      TypeError: a non-numeric value or a non-bool ``use_warmup``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.ema_warmup(0.999, warmup_gamma=1.0, warmup_power=1.0)
      >>> [round(float(x), 6) for x in s.evaluate(np.array([0, 1, 3, 10**6]), np)]
      [0.0, 0.5, 0.75, 0.999]

    Equivalents:
      timm ``ModelEmaV3(model, decay=d, min_decay=m, update_after_step=A, use_warmup=True,
      warmup_gamma=gamma, warmup_power=p)``: its ``get_decay(step)`` with ``step = k + 1``, the
      step timm's ``train.py`` passes to ``update`` after ``k`` optimizer updates. diffusers
      ``EMAModel(use_ema_warmup=True, inv_gamma=gamma, power=p)`` has the same curve.
    """
    return EMAWarmup(
        v.real("decay", decay, ge=0, le=1),
        v.real("warmup_gamma", warmup_gamma, gt=0),
        v.real("warmup_power", warmup_power, gt=0),
        v.real("min_decay", min_decay, ge=0, le=1),
        v.steps("update_after_step", update_after_step),
        v.boolean("use_warmup", use_warmup),
    )


@register("cosine_momentum")
def cosine_momentum(
    base_value: Value, total_steps: Steps, end_value: Value = 1.0
) -> CosineMomentum:
    r"""BYOL's target momentum: from ``base_value`` up to ``end_value`` along a half cosine.

    .. math::
      \tau(t) = E - (E - b_0)\, \frac{1 + \cos(\pi \min(t, T) / T)}{2}

    ``E = 1`` is BYOL's ``1 - (1 - b0) (cos(pi k / K) + 1) / 2``. The factor is computed as
    ``sin(pi/2 (T - t)/T)**2`` from the steps left (exact relative precision of ``E - tau``
    near the end). ``T = 0`` is ``E`` throughout.

    Args:
      base_value: ``b_0``, the momentum at step 0 (real; traceable).
      total_steps: ``T >= 0`` steps to reach ``E`` (traceable); ``E`` is held from ``T``.
      end_value: ``E`` (real; traceable; default 1).

    Returns:
      A :class:`CosineMomentum` schedule.

    Raises:
      ValueError: ``total_steps < 0`` or a non-finite value.
      TypeError: a non-numeric value.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.cosine_momentum(0.996, 4)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(6), np)]
      [0.996, 0.996586, 0.998, 0.999414, 1.0, 1.0]

    Equivalents:
      BYOL (Grill et al. 2020), DINO's ``cosine_scheduler(momentum_teacher, 1, epochs,
      niter_per_ep)`` per iteration, solo-learn's ``cosine_scheduler``: ``b0 = 0.996``,
      ``T`` the total training steps. It is also ``cosine_decay(b0, T, E)``.
    """
    return CosineMomentum(
        v.real("base_value", base_value),
        v.steps("total_steps", total_steps),
        v.real("end_value", end_value),
    )


@register("weight_decay_increment")
def weight_decay_increment(
    start_value: Value, end_value: Value, total_steps: Steps, style: str = "linear"
) -> WeightDecayIncrement:
    r"""Weight decay moved from ``start_value`` to ``end_value`` over a run (Megatron-LM).

    With ``r = min(t, N) / N``:

    .. math::
      f(t) = S + (E - S)\, g(r), \qquad g(r) = \begin{cases}
        r & \texttt{linear} \\
        \tfrac12\left(\cos(\pi (1 - r)) + 1\right) & \texttt{cosine} \\
        1 & \texttt{constant}
      \end{cases}

    ``E`` is held from ``N`` on. The remaining part ``1 - g`` is computed from the steps left
    ``N - t`` (``sin(pi/2 (N - t)/N)**2`` for the cosine). ``N = 0`` is ``E`` throughout.

    Args:
      start_value: ``S``, the weight decay at step 0 (real ``>= 0``; traceable).
      end_value: ``E``, the weight decay from step ``N`` on (real ``>= 0``; traceable).
      total_steps: ``N >= 0``, the length of the increment in optimizer steps (traceable).
      style: ``"linear"`` (default), ``"cosine"`` or ``"constant"`` (``E`` throughout;
        Megatron requires ``S = E`` there) (static).

    Returns:
      A :class:`WeightDecayIncrement` schedule.

    Raises:
      ValueError: a negative or non-finite value, an unknown ``style``, or ``style="constant"``
        with ``start_value != end_value`` (concrete values).
      TypeError: a non-numeric value or a non-string ``style``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.weight_decay_increment(0.0, 0.1, 4, "cosine")
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(6), np)]
      [0.0, 0.014645, 0.05, 0.085355, 0.1, 0.1]

    Equivalents:
      Megatron-LM ``--start-weight-decay S --end-weight-decay E --weight-decay-incr-style
      {linear,cosine,constant}`` with ``N = --lr-decay-iters`` (its
      ``OptimizerParamScheduler.get_wd`` after ``k`` calls of ``step(1)``; samples via
      ``--lr-decay-samples`` and :class:`jaxsched.config.units.Timeline`). optax/torch: none
      (torch: a ``ValueScheduler`` target ``"weight_decay"``, or ``Scheduler(weight_decay=...)``).
    """
    style = v.choice("style", style, INCREMENT_STYLES)
    s = v.real("start_value", start_value, ge=0)
    e = v.real("end_value", end_value, ge=0)
    if style == "constant" and not (v.is_traced(s) or v.is_traced(e)):
        import numpy as np

        if not np.all(np.asarray(s) == np.asarray(e)):
            raise ValueError(f"`start_value` must equal `end_value` for style='constant' "
                             f"(Megatron asserts it), got {s!r} and {e!r}")
    return WeightDecayIncrement(s, e, v.steps("total_steps", total_steps), style)

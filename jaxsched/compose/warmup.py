"""A warmup in front of any schedule: linear, cosine, exponential, log and 1-sqrt ramps.

``warmup(schedule, W)`` ramps from ``init_value`` to the schedule's value at its own step 0 over
``W`` steps, then runs the schedule on its local time ``t - W`` (the schedule starts after the
warmup, like optax's ``join_schedules`` or timm's ``warmup_prefix=True``). The ramp shapes are
:mod:`jaxsched.schedules.ramps`, shared with :func:`jaxsched.warmup_stable_decay`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import known_positive
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
from jaxsched.core.types import ScheduleLike, Steps, Value
from jaxsched.schedules.polynomial import constant_schedule
from jaxsched.schedules.ramps import WARMUP_SHAPES, ramp

__all__ = ["Warmup", "warmup"]


def host_value_at_zero(schedule: Schedule) -> float | None:
    """The schedule's value at step 0 on the host, or None when it cannot be known yet."""
    if v.has_traced_leaf(schedule):
        return None
    try:
        return float(np.asarray(schedule.evaluate(0, np)))
    except Exception:  # a user function that cannot run on NumPy: checked nowhere else either
        return None


@schedule_class("warmup")
class Warmup(Schedule):
    """A ramp from ``init_value`` to ``schedule(0)`` over ``warmup_steps``, then ``schedule``.

    See :func:`warmup`.
    """

    schedule: Any = child_field()
    warmup_steps: Any = steps_field()
    init_value: Any = value_field()
    shape: str = static_field()
    skip_zero: bool = static_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        w = c.steps(self.warmup_steps)
        init = c.value(self.init_value)
        after = self.schedule._eval(c.shift(w))
        target = self.schedule._start_value(c)  # an init_value leaf: no second evaluation
        if target is None:
            at_zero = c.replace(t=xp.zeros_like(c.t), n=None if c.n is None else xp.zeros_like(c.n))
            target = self.schedule._eval(at_zero)
        warm = ramp(c, w, init, target, self.shape, self.skip_zero,
                    known_positive(self.warmup_steps), self.init_value)
        return xp.where(c.ge(w), after, warm)


def _as_schedule(schedule: Any) -> Schedule:
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, (str, bytes, bool, np.bool_)) or schedule is None:
        raise TypeError(
            "`schedule` must be a Schedule, a callable `count -> value` or a number, got "
            f"{schedule!r} of type {type(schedule).__name__}"
        )
    if callable(schedule):
        return Function(schedule)
    return constant_schedule(
        v.real("schedule", schedule, hint=" (a number is a constant schedule)")
    )


@register("warmup")
def warmup(
    schedule: ScheduleLike,
    warmup_steps: Steps,
    init_value: Value = 0.0,
    *,
    shape: str = "linear",
    skip_zero: bool = False,
) -> Warmup:
    r"""Put a warmup of ``warmup_steps`` in front of any schedule.

    The value ramps from ``init_value`` to the target ``P = schedule(0)`` (so the curve is
    continuous), then the schedule runs on its local time: update ``t >= W`` uses
    ``schedule(t - W)``.

    .. math::
      f(t) = \begin{cases}
        I + (P - I)\,u(t), & t < W \quad(\text{exponential: } I\,(P/I)^{q}) \\
        s(t - W), & t \ge W
      \end{cases}
      \qquad q = \frac{t + e}{W + e},\; e = [\text{skip\_zero}]

    with the shapes ``linear`` :math:`u = q`; ``cosine`` :math:`u = \tfrac12(1 - \cos\pi q)`;
    ``1-sqrt`` :math:`u = 1 - \sqrt{1 - q}`; ``exponential`` (geometric)
    :math:`I\,(P/I)^q`; ``log`` :math:`u = \log(t + e + 1)/\log(W + e)` (DeepSpeed's form;
    it reaches ``P`` at ``t = W - 1``, one step early, as DeepSpeed's does; the denominator
    uses ``max(W + e, 2)``).

    ``skip_zero=False`` (default): update 0 uses exactly ``init_value`` (HF, optax, timm).
    ``skip_zero=True``: the ramp is the one of length ``W + 1`` evaluated from its step 1, so
    update 0 already moves (linear: ``I + (P - I)/(W + 1)``), the ramp values are evenly spaced
    and ``P`` is reached at ``t = W`` as without it; the same rule applies to every shape.

    Args:
      schedule: the schedule that follows the warmup: a jaxsched Schedule, a callable
        ``count -> value`` written with ``jax.numpy`` (then the result evaluates with
        ``jax.numpy`` only), or a number (a constant schedule; traceable).
      warmup_steps: ``W >= 0`` optimizer steps of warmup (traceable). ``W = 0``: no warmup,
        the schedule runs from step 0.
      init_value: value at step 0 (real; traceable; default 0). ``exponential`` needs ``> 0``.
      shape: ``"linear"`` (default), ``"cosine"``, ``"exponential"``, ``"log"`` or
        ``"1-sqrt"`` (static).
      skip_zero: start the ramp one step in, so the first update is not wasted at
        ``init_value`` (static bool; default False).

    Returns:
      A :class:`Warmup` schedule.

    Raises:
      ValueError: negative or non-finite ``warmup_steps``, non-finite ``init_value``, unknown
        ``shape``; for ``shape="exponential"``, ``init_value <= 0`` or ``schedule(0) <= 0``.
      TypeError: ``schedule`` is not a schedule, callable or number; a non-numeric step count
        or value; a non-bool ``skip_zero``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.warmup(jaxsched.cosine_decay(1.0, 4, end_value=0.1), 2)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(8), np)]
      [0.0, 0.5, 1.0, 0.868198, 0.55, 0.231802, 0.1, 0.1]
      >>> s = jaxsched.warmup(1.0, 3, skip_zero=True)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(5), np)]
      [0.25, 0.5, 0.75, 1.0, 1.0]

    Equivalents:
      optax: ``warmup_constant_schedule(I, P, W)`` is ``warmup(P, W, I)``;
      ``warmup_cosine_decay_schedule(I, P, W, D, E)`` is
      ``warmup(cosine_decay(P, D - W, E), W, I)`` (optax's ``decay_steps`` includes the warmup);
      ``warmup_exponential_decay_schedule`` likewise. optax warmups are linear only.
      torch: ``SequentialLR([LinearLR(start_factor=I/lr, total_iters=W), X], milestones=[W])``
      is ``warmup(X, W, I)``; ``LinearLR`` needs ``start_factor > 0`` so it cannot start at 0.
      DeepSpeed: ``WarmupLR(warmup_min_lr=I, warmup_max_lr=P, warmup_num_steps=W,
      warmup_type="log"|"linear")`` applies ``warmup(P, max(W, 2), I, shape=...)`` at
      ``max(k - 1, 0)``: it uses the minimum for two updates and raises ``W < 2`` to 2.
      HF: every ``*_with_warmup`` is the linear default (update 0 at ``lr * 0``); WSD's warmup
      starts at ``min_lr_ratio`` (``init_value = m * lr``) and offers ``cosine``/``1-sqrt``;
      ``cosine_warmup_with_min_lr``'s ramp ``(s + 1)/W`` is ``warmup(X, W - 1, skip_zero=True)``
      and with ``warmup_lr_rate=r`` it is ``warmup(X, W - 1, r * lr)`` (peak at ``W - 1``).
      timm: ``warmup_t=W, warmup_lr_init=I, warmup_prefix=True`` (linear); without the prefix
      timm overlays the warmup on the curve and never reaches its peak. Composer:
      ``*WithWarmupScheduler(t_warmup=W)`` (linear from 0; ``scale_warmup`` is whether ``W``
      follows the schedule scale ratio: pass the scaled ``W``). Keras:
      ``CosineDecay(I, D, alpha, warmup_target=P, warmup_steps=W)`` is
      ``warmup(cosine_decay(P, D, alpha * P), W, I)``.
    """
    child = _as_schedule(schedule)
    shape = v.choice("shape", shape, WARMUP_SHAPES)
    skip = v.boolean("skip_zero", skip_zero)
    w = v.steps("warmup_steps", warmup_steps)
    if shape == "exponential":
        hint = " (shape='exponential' is geometric, I * (P/I)**q; use e.g. init_value=P/100)"
        init = v.real("init_value", init_value, gt=0, hint=hint)
        target = host_value_at_zero(child)
        if target is not None and not target > 0:
            raise ValueError(
                "`schedule` must start at a value > 0 for shape='exponential' (the warmup "
                f"target is schedule(0)), got schedule(0) = {target!r}"
            )
    else:
        init = v.real("init_value", init_value)
    return Warmup(child, w, init, shape, skip)

"""HuggingFace transformers' schedulers by their ``SchedulerType`` names: ``hf.<name>``.

Parameters are ``get_scheduler``'s own (``num_warmup_steps``, ``num_training_steps``) plus each
scheduler's specific kwargs (``lr_scheduler_kwargs`` of the Trainer), and ``lr``: the
optimizer's lr, which HF's ``LambdaLR`` multiplies by ``lambda(s)`` (default 1.0: the schedule
is ``lambda`` itself, a multiplier of the optimizer's lr). Count ``k`` gives what the Trainer
applies to optimizer update ``k`` (as of transformers 5.23): ``lr * lambda(k)``, stepped after
each applied update. So every warmup uses **lr 0 for update 0** (``lambda(0) = 0``; the first
update is wasted), as HF does; ``jaxsched.warmup(..., skip_zero=True)`` is the native
alternative whose first update already moves. ``cosine``, ``cosine_with_min_lr`` and
``cosine_warmup_with_min_lr`` are periodic past ``num_training_steps`` (they rise again), as HF
is; the native cosines hold their end instead.

One parameter group. For several, HF applies ``group_lr * lambda(s)`` to each group, with
``lambda`` computed from ``optimizer.defaults['lr']`` where it depends on an lr (``polynomial``'s
``lr_init``, ``min_lr`` turned into a rate): build the schedule with ``lr=defaults_lr`` and
``jaxsched.scale`` it by ``group_lr / defaults_lr`` for each group (``jaxsched.torch.Scheduler.
from_config`` does so from the optimizer it is given).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from jaxsched.compose.warmup import warmup
from jaxsched.config.ecosystem.deepspeed_names import maximum
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import boundary_list, join_schedules
from jaxsched.schedules.cosine_wave import cosine_wave
from jaxsched.schedules.inverse import inverse_sqrt_decay
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule, polynomial_schedule
from jaxsched.schedules.restarts import cosine_hard_restarts
from jaxsched.schedules.wsd import warmup_stable_decay

__all__ = [
    "hf_linear", "hf_cosine", "hf_cosine_with_restarts", "hf_polynomial", "hf_constant",
    "hf_constant_with_warmup", "hf_inverse_sqrt", "hf_cosine_with_min_lr",
    "hf_cosine_warmup_with_min_lr", "hf_warmup_stable_decay",
]

_SHAPES = ("linear", "cosine", "1-sqrt")


def _concrete(*xs: Any) -> bool:
    return not any(v.is_traced(x) for x in xs)


def _lr(lr: Any) -> Any:
    return v.real("lr", lr, ge=0, hint=" (the optimizer's learning rate)")


def _wn(num_warmup_steps: Any, num_training_steps: Any) -> tuple[Any, Any]:
    return (v.integer("num_warmup_steps", num_warmup_steps, ge=0),
            v.integer("num_training_steps", num_training_steps, ge=0))


def _then(lr: Any, w: Any, after: Schedule) -> Schedule:
    """HF's linear warmup ``lr * s / W`` for ``s < W``, then ``after`` on the local step ``s - W``."""
    return join_schedules([warmup(lr, w), after], boundary_list(w))


def _min_lr(min_lr: Any, min_lr_rate: Any, lr: Any) -> Any:
    """The floor ``min_lr`` (or ``min_lr_rate * lr``); exactly one must be given, as in HF."""
    if (min_lr is None) == (min_lr_rate is None):
        raise ValueError(
            "exactly one of `min_lr` and `min_lr_rate` must be given, got "
            + ("both" if min_lr is not None else "neither")
            + " (min_lr is an absolute lr, min_lr_rate a fraction of `lr`)"
        )
    if min_lr is not None:
        return v.real("min_lr", min_lr, ge=0)
    return v.real("min_lr_rate", min_lr_rate, ge=0) * lr


@register("hf.linear")
def hf_linear(num_warmup_steps: Any, num_training_steps: Any, lr: Any = 1.0) -> Schedule:
    r"""HF ``linear``: warmup ``lr s / W`` from 0, then linear to 0 at ``N``, held.

    ``lambda(s) = max(0, (N - s) / max(1, N - W))`` after the warmup: a
    ``linear_schedule(lr, 0, N - W)`` joined at ``W``; ``N <= W`` gives 0 right after it.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "hf.linear", "params": {
      ...     "num_warmup_steps": 2, "num_training_steps": 10}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(12), np)]
      [0.0, 0.5, 1.0, 0.875, 0.75, 0.625, 0.5, 0.375, 0.25, 0.125, 0.0, 0.0]
    """
    w, n = _wn(num_warmup_steps, num_training_steps)
    lr = _lr(lr)
    return _then(lr, w, linear_schedule(lr, 0.0, maximum(n - w, 0)))


@register("hf.cosine")
def hf_cosine(
    num_warmup_steps: Any, num_training_steps: Any, num_cycles: Any = 0.5, lr: Any = 1.0
) -> Schedule:
    r"""HF ``cosine``: warmup, then ``num_cycles`` cosine waves over ``N - W`` steps, periodic.

    ``lambda(s) = (1 + cos(2 pi c p)) / 2``, ``p = (s - W) / max(1, N - W)``: the native
    :func:`~jaxsched.schedules.cosine_wave.cosine_wave` ``(lr, max(1, N - W), 0, c)`` after
    ``warmup(..., W)``. HF does not clamp ``p``: past ``N`` the lr rises again (reproduced; for
    a decay that holds 0 use ``warmup(cosine_decay(lr, N - W), W)``).
    """
    w, n = _wn(num_warmup_steps, num_training_steps)
    lr = _lr(lr)
    c = v.real("num_cycles", num_cycles, ge=0)
    return warmup(cosine_wave(lr, maximum(n - w, 1), 0.0, c), w)


@register("hf.cosine_with_restarts")
def hf_cosine_with_restarts(
    num_warmup_steps: Any, num_training_steps: Any, num_cycles: Any = 1, lr: Any = 1.0
) -> Schedule:
    r"""HF ``cosine_with_restarts``: :func:`jaxsched.cosine_hard_restarts` ``(lr, N, c, W)``.

    ``num_cycles`` equal hard-restart half-cosines from ``W`` to ``N``, then 0 (clamped, as in
    HF). ``N <= W`` (a degenerate HF config) gives ``lr`` at step ``W`` and 0 after, as HF
    does: the horizon passed on is ``max(N, W + 1)``. ``num_cycles`` must be ``> 0``.
    """
    w, n = _wn(num_warmup_steps, num_training_steps)
    return cosine_hard_restarts(_lr(lr), maximum(n, w + 1), num_cycles, w, 0.0)


@register("hf.polynomial")
def hf_polynomial(
    num_warmup_steps: Any,
    num_training_steps: Any,
    lr_end: Any = 1e-7,
    power: Any = 1.0,
    lr: Any = 1.0,
) -> Schedule:
    r"""HF ``polynomial``: warmup, then ``lr_end + (lr - lr_end) (1 - (s - W)/(N - W))**power``.

    A ``polynomial_schedule(lr, lr_end, power, N - W)`` joined at ``W``; ``lr_end`` from ``N``
    on (``lr_end`` is an absolute lr; HF's ``lr_init`` is ``optimizer.defaults['lr']``, here
    ``lr``). As HF: ``lr_end < lr`` is required; ``N < W`` gives ``lr_end`` right after the
    warmup. HF divides by zero at step ``W`` when ``N == W``: jaxsched raises at construction.
    ``power`` must be ``> 0`` (HF's ``power=0`` is a constant lr that drops to ``lr_end``
    after ``N``).
    """
    w, n = _wn(num_warmup_steps, num_training_steps)
    lr = _lr(lr)
    end = v.real("lr_end", lr_end, ge=0)
    p = v.real("power", power, gt=0)
    if _concrete(lr, end) and np.any(np.asarray(end) >= np.asarray(lr)):
        raise ValueError(f"`lr_end` must be < `lr` ({lr!r}, the optimizer's initial lr), got {end!r}")
    if _concrete(w, n) and np.any(np.asarray(n) == np.asarray(w)):
        raise ValueError(
            f"`num_training_steps` must differ from `num_warmup_steps` ({w!r}), got {n!r}; HF "
            "divides by zero at step num_warmup_steps when they are equal"
        )
    return _then(lr, w, polynomial_schedule(lr, end, p, maximum(n - w, 0)))


def _ignored_steps(**counts: Any) -> None:
    """Check step counts a schedule ignores (as HF's ``get_scheduler`` does): ``None`` or an
    integer ``>= 0``, so that a NaN, a string or a negative count is refused by name."""
    for name, x in counts.items():
        v.integer(name, x, ge=0, allow_none=True)


@register("hf.constant")
def hf_constant(
    num_warmup_steps: Any = None, num_training_steps: Any = None, lr: Any = 1.0
) -> Schedule:
    r"""HF ``constant``: ``lr`` throughout; the step counts are ignored, as ``get_scheduler`` does
    (but checked: a NaN or a negative count is refused, used or not)."""
    _ignored_steps(num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps)
    return constant_schedule(_lr(lr))


@register("hf.constant_with_warmup")
def hf_constant_with_warmup(
    num_warmup_steps: Any, num_training_steps: Any = None, lr: Any = 1.0
) -> Schedule:
    r"""HF ``constant_with_warmup``: ``warmup(lr, W)`` (``lr s / W``, then ``lr``).

    ``num_training_steps`` is ignored, as ``get_scheduler`` does (but checked).
    """
    _ignored_steps(num_training_steps=num_training_steps)
    return warmup(_lr(lr), v.integer("num_warmup_steps", num_warmup_steps, ge=0))


@register("hf.inverse_sqrt")
def hf_inverse_sqrt(
    num_warmup_steps: Any, timescale: Any = None, num_training_steps: Any = None, lr: Any = 1.0
) -> Schedule:
    r"""HF ``inverse_sqrt``: :func:`jaxsched.inverse_sqrt_decay` ``(lr, timescale, W)``.

    ``lambda(s) = 1 / sqrt((s - W + tau) / tau)`` after the warmup; ``timescale`` (``tau``)
    defaults to ``W``, or 10000 when ``W = 0``. ``num_training_steps`` is ignored (but checked).
    """
    _ignored_steps(num_training_steps=num_training_steps)
    w = v.integer("num_warmup_steps", num_warmup_steps, ge=0)
    return inverse_sqrt_decay(_lr(lr), timescale, w)


@register("hf.cosine_with_min_lr")
def hf_cosine_with_min_lr(
    num_warmup_steps: Any,
    num_training_steps: Any,
    num_cycles: Any = 0.5,
    min_lr: Any = None,
    min_lr_rate: Any = None,
    lr: Any = 1.0,
) -> Schedule:
    r"""HF ``cosine_with_min_lr``: ``cosine`` with a floor: ``cosine_wave(lr, N - W, min, c)``.

    Exactly one of ``min_lr`` (absolute) and ``min_lr_rate`` (of ``lr``). Periodic past ``N``.
    """
    w, n = _wn(num_warmup_steps, num_training_steps)
    lr = _lr(lr)
    floor = _min_lr(min_lr, min_lr_rate, lr)
    c = v.real("num_cycles", num_cycles, ge=0)
    return warmup(cosine_wave(lr, maximum(n - w, 1), floor, c), w)


@register("hf.cosine_warmup_with_min_lr")
def hf_cosine_warmup_with_min_lr(
    num_warmup_steps: Any,
    num_training_steps: Any,
    num_cycles: Any = 0.5,
    min_lr: Any = None,
    min_lr_rate: Any = None,
    warmup_lr_rate: Any = None,
    lr: Any = 1.0,
) -> Schedule:
    r"""HF ``cosine_warmup_with_min_lr``: a warmup that starts above 0, then a floored cosine.

    Warmup (``s < W``): ``lr (s + 1) / W``, or with ``warmup_lr_rate=r``
    ``lr (r + (1 - r) s / max(1, W - 1))`` (a ``linear_schedule``); the peak is reached at
    ``W - 1``. Then ``cosine_wave(lr, max(1, N - W), min, c, phase_steps=1)`` from ``W``: HF
    evaluates its decay at ``(s - W + 1) / max(1, N - W)``, one step ahead (so with ``W = 0``
    update 0 is already below ``lr``). Exactly one of ``min_lr``/``min_lr_rate``. Periodic past
    ``N``.
    """
    w, n = _wn(num_warmup_steps, num_training_steps)
    lr = _lr(lr)
    floor = _min_lr(min_lr, min_lr_rate, lr)
    c = v.real("num_cycles", num_cycles, ge=0)
    if warmup_lr_rate is None:
        ramp = linear_schedule(lr / maximum(w, 1), lr, maximum(w - 1, 0))
    else:
        r = v.real("warmup_lr_rate", warmup_lr_rate, ge=0)
        ramp = linear_schedule(r * lr, lr, maximum(w - 1, 1))
    decay = cosine_wave(lr, maximum(n - w, 1), floor, c, phase_steps=1)
    return join_schedules([ramp, decay], boundary_list(w))


@register("hf.warmup_stable_decay")
def hf_warmup_stable_decay(
    num_warmup_steps: Any,
    num_decay_steps: Any,
    num_training_steps: Any = None,
    num_stable_steps: Any = None,
    warmup_type: str = "linear",
    decay_type: str = "cosine",
    min_lr_ratio: Any = 0.0,
    num_cycles: Any = 0.5,
    lr: Any = 1.0,
) -> Schedule:
    r"""HF ``warmup_stable_decay``: :func:`jaxsched.warmup_stable_decay` with HF's names.

    ``warmup_stable_decay(lr, W + S + D, W, decay_steps=D, init_value=m lr, end_value=m lr,
    warmup_shape=warmup_type, decay_shape=decay_type)`` with ``m = min_lr_ratio``: the warmup
    starts at ``m lr``, not 0 (as HF). ``S = num_stable_steps``, or ``N - W - D`` from
    ``num_training_steps``; when both are given ``num_stable_steps`` wins, as in HF (a
    ``UserWarning`` if they disagree). ``num_cycles`` is passed on (HF's cosine decay
    ``(1 + cos(2 pi c q)) / 2``, e.g. rising back for ``c = 1``). HF starts the decay inside
    the warmup window when ``W + D > N`` (a negative stable phase); jaxsched raises.
    """
    wt = v.choice("warmup_type", warmup_type, _SHAPES)
    dt = v.choice("decay_type", decay_type, _SHAPES)
    w = v.integer("num_warmup_steps", num_warmup_steps, ge=0)
    d = v.integer("num_decay_steps", num_decay_steps, ge=0)
    n = v.integer("num_training_steps", num_training_steps, ge=0, allow_none=True)
    s = v.integer("num_stable_steps", num_stable_steps, ge=0, allow_none=True)
    if n is None and s is None:
        raise ValueError("one of `num_training_steps` and `num_stable_steps` must be given, got neither")
    if s is None:
        s = n - w - d
        if _concrete(s) and np.any(np.asarray(s) < 0):
            raise ValueError(
                f"`num_training_steps` must be >= num_warmup_steps + num_decay_steps = {w + d!r}, "
                f"got {n!r}; HF would start the decay inside the warmup (a negative stable phase)"
            )
    elif n is not None and _concrete(n, w, s, d) and np.any(np.asarray(n) != np.asarray(w + s + d)):
        warnings.warn(
            f"both `num_training_steps` ({n!r}) and `num_stable_steps` ({s!r}) are given and "
            f"disagree; num_stable_steps wins, as in HF (the schedule ends at {w + s + d!r})",
            UserWarning,
            stacklevel=2,
        )
    lr = _lr(lr)
    m = v.real("min_lr_ratio", min_lr_ratio, ge=0)
    c = v.real("num_cycles", num_cycles, ge=0)
    floor = m * lr
    return warmup_stable_decay(lr, w + s + d, w, decay_steps=d, init_value=floor, end_value=floor,
                               warmup_shape=wt, decay_shape=dt, num_cycles=c)

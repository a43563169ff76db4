"""Shared pieces of the timm names: warmup (prefix or overlay), the update-0 value, cycles, noise.

timm's scheduler at update ``k`` applies ``_get_lr(k)`` (plus noise), except at update 0, which
uses the value written at construction: the base lr, or ``warmup_lr_init`` with a warmup. The
warmup is a linear ramp ``warmup_lr_init + t (target - warmup_lr_init) / warmup_t`` for
``t < warmup_t``; after it the curve runs at ``t - warmup_t`` (``warmup_prefix=True``) or at
the absolute ``t`` (``False``: the warmup *overlays* the start of the curve).

Every timm name builds the same structure whatever the numbers (so a schedule passed to a jitted
function never recompiles when a hyperparameter changes): ``first`` for
``t < max(warmup_t, 1)`` and the curve after it, joined by :func:`overlay` (a sum of two products
with 0/1 step indicators, all native schedules). Three corner cases change the structure and are
checked with concrete values only: ``cycle_limit=0`` (the curve is ``lr_min`` after the warmup),
``lr == lr_min`` for tanh and poly (a flat curve), and a noise range that never applies.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.compose import add, offset, product
from jaxsched.compose.repeat import repeat
from jaxsched.core import validate as v
from jaxsched.core.schedule import Schedule
from jaxsched.schedules.decay import piecewise_constant_values
from jaxsched.schedules.noise import with_noise
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule

__all__ = ["overlay", "value_at", "assemble", "noisy", "cycled", "cycle_args"]


def _traced(*xs: Any) -> bool:
    return any(v.is_traced(x) for x in xs)


def _where(cond: Any, a: Any, b: Any) -> Any:
    if _traced(cond, a, b):
        import jax.numpy as jnp

        return jnp.where(cond, a, b)
    if any(isinstance(x, np.ndarray) for x in (cond, a, b)):
        return np.where(cond, a, b)
    return a if cond else b


def _maximum(a: Any, b: Any) -> Any:
    if _traced(a, b):
        import jax.numpy as jnp

        return jnp.maximum(jnp.asarray(a), jnp.asarray(b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.maximum(a, b)
    return max(a, b)


def overlay(first: Schedule, rest: Schedule, boundary: Any) -> Schedule:
    """``first(t)`` for ``t < boundary``, ``rest(t)`` (absolute time, no shift) from it on."""
    before = piecewise_constant_values([boundary], [1.0, 0.0])
    after = piecewise_constant_values([boundary], [0.0, 1.0])
    return add([product([first, before]), product([rest, after])])


def value_at(s: Schedule, t: Any) -> Any:
    """``s(t)``: float64 on the host when everything is concrete, else a JAX value."""
    if _traced(t) or v.has_traced_leaf(s):
        return s(t)
    return float(np.asarray(s.evaluate(t, np)))


def assemble(
    lr: Any, curve: Schedule, warmup_t: Any, warmup_lr_init: Any, warmup_prefix: bool,
    target: Any = None,
) -> Schedule:
    """timm's value at update ``k``: warmup ramp (or the base lr at update 0), then ``curve``.

    ``target`` is the end of the ramp (default: the base lr); ``curve`` is timm's ``_get_lr``
    after the warmup, at local time (prefix) or absolute time (no prefix).
    """
    w = warmup_t
    warm = w > 0
    target = lr if target is None else target
    first = linear_schedule(_where(warm, warmup_lr_init, lr), _where(warm, target, lr), w)
    main = offset(curve, w) if warmup_prefix else curve
    return overlay(first, main, _maximum(w, 1))


def cycle_args(t_initial: Any, cycle_mul: Any, cycle_decay: Any, cycle_limit: Any) -> tuple:
    """timm's cycle arguments, checked under timm's names."""
    return (
        v.steps("t_initial", t_initial, positive=True),
        v.real("cycle_mul", cycle_mul, ge=1,
               hint=" (timm also accepts shrinking cycles, cycle_mul < 1; jaxsched does not)"),
        v.real("cycle_decay", cycle_decay, ge=0),
        v.integer("cycle_limit", cycle_limit, ge=0),
    )


def cycled(
    child: Schedule, lr: Any, lr_min: Any, t_initial: Any, cycle_mul: Any, cycle_decay: Any,
    cycle_limit: Any,
) -> Schedule:
    """timm's cycles of a curve from ``lr`` to ``lr_min`` over ``t_initial`` (tanh, poly).

    Cycle ``i`` spans ``lr * cycle_decay**i`` down to ``lr_min`` over ``t_initial *
    cycle_mul**i`` steps (the child stretched), ``lr_min`` after ``cycle_limit`` cycles.
    """
    if not _traced(lr, lr_min) and np.all(np.asarray(lr) == np.asarray(lr_min)):
        # the curve is flat at lr in cycle 0; later cycles would dip below lr_min
        if _traced(cycle_decay, cycle_limit) or (cycle_decay != 1 and cycle_limit > 1):
            raise ValueError(
                f"`lr_min` must differ from `lr` ({lr!r}) when cycles decay (cycle_decay="
                f"{cycle_decay!r}, cycle_limit={cycle_limit!r}), got lr_min={lr_min!r}"
            )
        return constant_schedule(lr)
    return repeat(child, t_initial, cycle_mul, cycle_decay, _maximum(cycle_limit, 1),
                  floor=lr_min, peak=lr, end_value=lr_min, stretch=True)


def noisy(
    s: Schedule, noise_range_t: Any, noise_pct: Any, noise_std: Any, noise_seed: Any,
) -> Schedule:
    """timm's noise on ``[lo, hi)`` (a pair) or ``t >= n`` (a number); never at update 0.

    The noise parameters are checked even without ``noise_range_t`` (a config that sets them
    unused is still refused when they are not numbers in range: issue 14)."""
    seed = v.integer("noise_seed", noise_seed)
    if not v.is_traced(seed) and not -(2**31) <= seed <= 2**31 - 1:
        raise ValueError(f"`noise_seed` must be in [-2**31, 2**31 - 1], got {seed!r}")
    v.real("noise_pct", noise_pct, ge=0, le=1, scalar=True)
    v.real("noise_std", noise_std, gt=0, scalar=True)
    if noise_range_t is None:
        return s
    if isinstance(noise_range_t, (list, tuple)):
        if len(noise_range_t) != 2:
            raise ValueError(
                f"`noise_range_t` must be a number or a pair [start, end), got {v.describe(noise_range_t)}"
            )
        lo = v.steps("noise_range_t[0]", noise_range_t[0])
        hi = v.steps("noise_range_t[1]", noise_range_t[1])
        if not _traced(lo, hi) and hi < lo:
            raise ValueError(f"`noise_range_t` must have start <= end, got {noise_range_t!r}")
    else:
        lo, hi = v.steps("noise_range_t", noise_range_t), None
    start = _maximum(lo, 1)  # update 0 uses the value written at construction, without noise
    if hi is not None and not _traced(start, hi) and hi <= start:
        return s  # the range holds no update that timm perturbs
    return with_noise(s, noise_pct, noise_std, "normal", seed, start, hi)

"""timm's schedulers by timm's names: ``timm.cosine``, ``tanh``, ``step``, ``multistep``, ``poly``.

Each is also registered under its class name (``timm.CosineLRScheduler``, ...) and takes the
class's own arguments and defaults, plus ``lr``, the optimizer's (group's) base lr, which timm
reads from the param group. The native schedule gives, at count ``k``, the lr that timm's
``train.py`` applies (reproduced as of timm 1.0.31):

- **Stepping.** Per update (``t_in_epochs=False``; ``step_update(num_updates)`` after each
  update): the count is the number of optimizer updates, the schedule plugs into optax as it is.
  Per epoch (``t_in_epochs=True``, timm's default; ``step(epoch + 1)`` at each epoch end): the
  value of epoch ``e`` is the same function at ``e``, so evaluate the schedule at the epoch
  index (e.g. ``schedule(count // updates_per_epoch)``). ``t_in_epochs`` does not change the
  function; it is accepted so that timm configs load unchanged.
- **Update 0** uses the value written at construction: the base lr (``warmup_lr_init`` with a
  warmup), not the curve at 0 (they differ for ``tanh``, whose curve starts at 0.99999917 lr,
  and for ``multistep`` with a milestone ``<= 1``). Noise never applies to update 0.
- **Warmup** (linear from ``warmup_lr_init``): with ``warmup_prefix=True`` the curve starts
  after it; with ``False`` (the default of cosine, tanh, poly) the warmup *overlays* the start
  of the curve, which then runs at absolute ``t``: cosine and poly jump at ``warmup_t`` and
  never reach their peak; tanh's ramp targets the curve's value at ``warmup_t`` (continuous).
- **Noise** (``noise_range_t``, ``noise_pct``, ``noise_std``, ``noise_seed``) maps to
  :func:`jaxsched.with_noise` (normal noise truncated to ``|n| < noise_pct``, timm's
  distribution): the same distribution, *different numbers* (timm draws from a
  ``torch.Generator`` seeded with ``noise_seed + t``, which no jit-able generator reproduces).
- **Per-group scaling**: timm multiplies every written value by a group's ``lr_scale``: use
  ``jaxsched.scale(schedule, lr_scale)`` for that group.

Deliberate differences: restarts with a fractional ``cycle_mul`` are located exactly (timm's
float ``log`` could misplace one on an exact boundary); ``cycle_mul < 1`` is rejected; timm's
``initialize`` is accepted and ignored. ``WSDLRScheduler`` (``timm.wsd``) is mapped with its
string stable and decay functions (a callable ``decay_fn`` is refused: a config holds data).
``PlateauLRScheduler`` (metric-driven) is ``timm.plateau`` in
:mod:`jaxsched.config.ecosystem.plateau_names`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.compose import add, floor, product, scale
from jaxsched.config.ecosystem._timm_parts import assemble, cycle_args, cycled, noisy, value_at
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import join_schedules
from jaxsched.schedules.annealing import tanh_decay
from jaxsched.schedules.cosine import cosine_decay_schedule
from jaxsched.schedules.decay import multistep_decay, step_decay
from jaxsched.schedules.exponential import exponential_decay
from jaxsched.schedules.inverse import inverse_power_decay
from jaxsched.schedules.polynomial import constant_schedule
from jaxsched.schedules.polynomial_k import polynomial_k_decay
from jaxsched.schedules.restarts import cosine_restarts

__all__ = ["cosine", "tanh", "step", "multistep", "poly", "wsd"]

_STABLE_FNS = ("constant", "rsqrt", "power")
_DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")


def _common(lr, warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs, initialize) -> tuple:
    v.boolean("t_in_epochs", t_in_epochs)
    v.boolean("initialize", initialize)
    return (
        v.real("lr", lr),
        v.steps("warmup_t", warmup_t),
        v.real("warmup_lr_init", warmup_lr_init),
        v.boolean("warmup_prefix", warmup_prefix),
    )


def _finish(lr, curve, warmup, noise, target=None) -> Schedule:
    w, init, prefix = warmup
    return noisy(assemble(lr, curve, w, init, prefix, target), *noise)


@register("timm.cosine", "timm.CosineLRScheduler")
def cosine(
    lr: Any, t_initial: Any, lr_min: Any = 0.0, cycle_mul: Any = 1.0, cycle_decay: Any = 1.0,
    cycle_limit: Any = 1, warmup_t: Any = 0, warmup_lr_init: Any = 0.0,
    warmup_prefix: bool = False, t_in_epochs: bool = True, noise_range_t: Any = None,
    noise_pct: Any = 0.67, noise_std: Any = 1.0, noise_seed: Any = 42, k_decay: Any = 1.0,
    initialize: bool = True,
) -> Schedule:
    """timm ``CosineLRScheduler``: cosine cycles with k-decay, warmup and noise.

    Cycle ``i`` (``t_initial * cycle_mul**i`` steps) anneals from ``lr * cycle_decay**i`` to
    ``lr_min`` (not decayed) as :func:`jaxsched.cosine_restarts` with ``decay_mode="peak"``;
    ``lr_min`` from ``cycle_limit`` cycles on (default 1: one cycle). See the module docstring
    for the stepping, warmup, update-0 and noise conventions.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "timm.cosine", "params": {
      ...     "lr": 1.0, "t_initial": 4, "lr_min": 0.1, "warmup_t": 2, "t_in_epochs": False}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(6), np)]
      [0.0, 0.5, 0.55, 0.2318, 0.1, 0.1]
    """
    lr, w, init, prefix = _common(lr, warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs,
                                  initialize)
    t0, mul, decay, limit = cycle_args(t_initial, cycle_mul, cycle_decay, cycle_limit)
    lr_min = v.real("lr_min", lr_min, ge=0)
    if not v.is_traced(limit) and np.all(np.asarray(limit) == 0):
        curve: Schedule = constant_schedule(lr_min)
    else:
        curve = cosine_restarts(lr, t0, mul, lr_min, decay, limit,
                                v.real("k_decay", k_decay, gt=0), "peak")
    return _finish(lr, curve, (w, init, prefix), (noise_range_t, noise_pct, noise_std, noise_seed))


@register("timm.tanh", "timm.TanhLRScheduler")
def tanh(
    lr: Any, t_initial: Any, lb: Any = -7.0, ub: Any = 3.0, lr_min: Any = 0.0,
    cycle_mul: Any = 1.0, cycle_decay: Any = 1.0, cycle_limit: Any = 1, warmup_t: Any = 0,
    warmup_lr_init: Any = 0.0, warmup_prefix: bool = False, t_in_epochs: bool = True,
    noise_range_t: Any = None, noise_pct: Any = 0.67, noise_std: Any = 1.0,
    noise_seed: Any = 42, initialize: bool = True,
) -> Schedule:
    """timm ``TanhLRScheduler``: tanh cycles (:func:`jaxsched.tanh_decay` in :func:`jaxsched.repeat`).

    Cycle ``i`` is ``lr_min + (lr cycle_decay**i - lr_min)(1 - tanh(lb (1 - r) + ub r))/2``
    with ``r`` the fraction of the cycle, ``lr_min`` from ``cycle_limit`` cycles on. Update 0
    uses the base lr exactly (timm writes it at construction; the curve at 0 is 0.99999917 lr).
    Without ``warmup_prefix`` the warmup ramps to the curve's value at ``warmup_t``.
    ``lr == lr_min`` with decaying cycles raises (timm's curve would dip below ``lr_min``).
    """
    lr, w, init, prefix = _common(lr, warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs,
                                  initialize)
    t0, mul, decay, limit = cycle_args(t_initial, cycle_mul, cycle_decay, cycle_limit)
    lr_min = v.real("lr_min", lr_min, ge=0)
    lb, ub = v.real("lb", lb), v.real("ub", ub)
    if not v.is_traced(lb) and not v.is_traced(ub) and not np.all(np.asarray(lb) < ub):
        raise ValueError(f"`ub` must be > `lb` ({lb!r}), got {ub!r}")
    if not v.is_traced(limit) and np.all(np.asarray(limit) == 0):
        curve: Schedule = constant_schedule(lr_min)
    else:
        curve = cycled(tanh_decay(lr, t0, lr_min, lb, ub), lr, lr_min, t0, mul, decay, limit)
    target = None if prefix else value_at(curve, w)  # the curve at warmup_t (absolute time)
    return _finish(lr, curve, (w, init, prefix), (noise_range_t, noise_pct, noise_std, noise_seed),
                   target)


@register("timm.step", "timm.StepLRScheduler")
def step(
    lr: Any, decay_t: Any, decay_rate: Any = 1.0, warmup_t: Any = 0, warmup_lr_init: Any = 0.0,
    warmup_prefix: bool = True, t_in_epochs: bool = True, noise_range_t: Any = None,
    noise_pct: Any = 0.67, noise_std: Any = 1.0, noise_seed: Any = 42, initialize: bool = True,
) -> Schedule:
    """timm ``StepLRScheduler``: ``lr * decay_rate**floor(t / decay_t)`` (:func:`jaxsched.step_decay`).

    ``decay_t`` may be a float (the floor of ``t / decay_t``); ``decay_rate`` defaults to 1
    (constant). ``warmup_prefix`` defaults to True here.
    """
    lr, w, init, prefix = _common(lr, warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs,
                                  initialize)
    curve = step_decay(lr, v.steps("decay_t", decay_t, positive=True),
                       v.real("decay_rate", decay_rate, ge=0))
    return _finish(lr, curve, (w, init, prefix), (noise_range_t, noise_pct, noise_std, noise_seed))


@register("timm.multistep", "timm.MultiStepLRScheduler")
def multistep(
    lr: Any, decay_t: Any, decay_rate: Any = 1.0, warmup_t: Any = 0, warmup_lr_init: Any = 0.0,
    warmup_prefix: bool = True, t_in_epochs: bool = True, noise_range_t: Any = None,
    noise_pct: Any = 0.67, noise_std: Any = 1.0, noise_seed: Any = 42, initialize: bool = True,
) -> Schedule:
    """timm ``MultiStepLRScheduler``: decays by ``decay_rate`` **one step early**, at ``m - 1``.

    timm counts the milestones ``<= t + 1``, so each milestone ``m`` of ``decay_t`` applies
    from step ``m - 1`` (``0`` for ``m <= 1``; update 0 still uses the base lr):
    :func:`jaxsched.multistep_decay` with ``milestones = max(m - 1, 0)``. A milestone listed
    twice decays twice. ``decay_t`` must be sorted (timm assumes it); ``warmup_prefix``
    defaults to True here.
    """
    lr, w, init, prefix = _common(lr, warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs,
                                  initialize)
    ms = v.sorted_steps("decay_t", decay_t, hint=" (timm assumes the milestones sorted)")
    if v.is_traced(ms) or not isinstance(ms, np.ndarray):
        import jax.numpy as jnp

        early = jnp.maximum(jnp.asarray(ms) - 1, 0)
    else:
        early = np.maximum(ms - 1, 0)
    curve = multistep_decay(lr, early, v.real("decay_rate", decay_rate, ge=0))
    return _finish(lr, curve, (w, init, prefix), (noise_range_t, noise_pct, noise_std, noise_seed))


@register("timm.poly", "timm.PolyLRScheduler")
def poly(
    lr: Any, t_initial: Any, power: Any = 0.5, lr_min: Any = 0.0, cycle_mul: Any = 1.0,
    cycle_decay: Any = 1.0, cycle_limit: Any = 1, warmup_t: Any = 0, warmup_lr_init: Any = 0.0,
    warmup_prefix: bool = False, t_in_epochs: bool = True, noise_range_t: Any = None,
    noise_pct: Any = 0.67, noise_std: Any = 1.0, noise_seed: Any = 42, k_decay: Any = 1.0,
    initialize: bool = True,
) -> Schedule:
    """timm ``PolyLRScheduler``: polynomial cycles with k-decay, warmup and noise.

    Cycle ``i`` is ``lr_min + (lr cycle_decay**i - lr_min)(1 - (r)**k_decay)**power`` with
    ``r`` the fraction of the cycle (``polynomial_k_decay`` in :func:`jaxsched.repeat`),
    ``lr_min`` from ``cycle_limit`` cycles on. The default ``power`` is 0.5 (timm's factory
    passes its ``decay_rate``, default 0.1, as the power). ``lr == lr_min`` with decaying
    cycles raises (timm's curve would dip below ``lr_min``).
    """
    lr, w, init, prefix = _common(lr, warmup_t, warmup_lr_init, warmup_prefix, t_in_epochs,
                                  initialize)
    t0, mul, decay, limit = cycle_args(t_initial, cycle_mul, cycle_decay, cycle_limit)
    lr_min = v.real("lr_min", lr_min, ge=0)
    p = v.real("power", power, ge=0)
    k = v.real("k_decay", k_decay, gt=0)
    if not v.is_traced(limit) and np.all(np.asarray(limit) == 0):
        curve: Schedule = constant_schedule(lr_min)
    else:
        curve = cycled(polynomial_k_decay(lr, t0, lr_min, p, k), lr, lr_min, t0, mul, decay, limit)
    return _finish(lr, curve, (w, init, prefix), (noise_range_t, noise_pct, noise_std, noise_seed))


def _wsd_decay(decay_fn: str, decay_t: Any, decay_power: Any, decay_ratio: Any) -> Schedule:
    """timm's decay factor ``decay(frac)`` from 1 to 0 over ``decay_t`` local steps."""
    if decay_fn == "cosine":
        return cosine_decay_schedule(1.0, decay_t)
    if decay_fn == "exp":  # (r**frac - r) / (1 - r)
        r = decay_ratio
        return scale(add([exponential_decay(1.0, decay_t, r), constant_schedule(-r)]), 1.0 / (1.0 - r))
    k = {"linear": 1.0, "1-sqrt": 0.5}.get(decay_fn, decay_power)  # 1 - frac**k
    return polynomial_k_decay(1.0, decay_t, 0.0, 1.0, k)


@register("timm.wsd", "timm.WSDLRScheduler")
def wsd(
    lr: Any, t_initial: Any, decay_t: Any, lr_min: Any = 0.0, stable_fn: str = "constant",
    stable_timescale: Any = None, stable_power: Any = 0.5, decay_fn: str = "1-sqrt",
    decay_power: Any = 0.5, decay_ratio: Any = 0.1, warmup_t: Any = 0, warmup_lr_init: Any = 0.0,
    t_in_epochs: bool = True, noise_range_t: Any = None, noise_pct: Any = 0.67,
    noise_std: Any = 1.0, noise_seed: Any = 42, initialize: bool = True,
) -> Schedule:
    r"""timm ``WSDLRScheduler``: warmup (always a prefix), stable phase, decay to ``lr_min``.

    With ``t_s = t - warmup_t`` and the decay progress ``frac = min((t_s - (t_initial -
    decay_t)) / decay_t, 1)`` (``<= 0``: the stable phase),

    .. math::
      \mathrm{lr}(t) = m + (\max(\mathrm{lr}\,\sigma(t_s), m) - m)\, d(\mathrm{frac})

    with ``m = lr_min``, ``sigma`` the stable function (``constant``: 1; ``rsqrt``/``power``:
    :func:`jaxsched.inverse_power_decay`, ``(1 + t_s / stable_timescale)**-p``) and ``d`` the
    decay function (``linear``, ``1-sqrt``, ``power``: ``1 - frac**k`` by
    :func:`jaxsched.polynomial_k_decay`; ``cosine``: :func:`jaxsched.cosine_decay_schedule`;
    ``exp``: ``(r**frac - r) / (1 - r)`` from :func:`jaxsched.exponential_decay`), joined at
    ``t_initial - decay_t`` and ``t_initial`` (``lr_min`` after). ``stable_timescale`` defaults to
    ``warmup_t``. See the module docstring for the stepping, update-0 and noise conventions.

    Raises:
      ValueError: timm's own checks (``t_initial > 0``, ``decay_t`` in ``(0, t_initial]``,
        ``lr_min >= 0``, ``decay_ratio`` in (0, 1), ``decay_power``, ``stable_power`` > 0, a
        positive ``stable_timescale`` for ``rsqrt``/``power``), naming the parameter.
      TypeError: a callable ``decay_fn`` (not mappable to a native schedule) or a bad type.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "timm.wsd", "params": {
      ...     "lr": 1.0, "t_initial": 6, "decay_t": 2, "decay_fn": "linear", "t_in_epochs": False}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(8), np)]
      [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.0, 0.0]

    Equivalents:
      HF: ``warmup_stable_decay`` (:func:`jaxsched.warmup_stable_decay`, constant stable phase).
      Big Vision: ``rsqrt`` with a linear cooldown is ``stable_fn="rsqrt", decay_fn="linear"``.
    """
    lr, w, init, prefix = _common(lr, warmup_t, warmup_lr_init, True, t_in_epochs, initialize)
    if callable(decay_fn):
        raise TypeError("`decay_fn` must be one of " + ", ".join(_DECAY_FNS) + "; a callable cannot "
                        "be mapped to a native (serialisable, jit-able) schedule")
    stable_fn = v.choice("stable_fn", stable_fn, _STABLE_FNS)
    decay_fn = v.choice("decay_fn", decay_fn, _DECAY_FNS)
    t0 = v.steps("t_initial", t_initial, positive=True)
    d = v.steps("decay_t", decay_t, positive=True)
    if not v.is_traced(t0) and not v.is_traced(d) and not np.all(np.asarray(d) <= np.asarray(t0)):
        raise ValueError(f"`decay_t` must be in (0, t_initial] (t_initial={t0!r}), got {d!r}")
    lr_min = v.real("lr_min", lr_min, ge=0)
    ratio = v.real("decay_ratio", decay_ratio, gt=0, lt=1)
    dpow = v.real("decay_power", decay_power, gt=0)
    spow = v.real("stable_power", stable_power, gt=0)
    # checked even for stable_fn="constant", which ignores it (None: timm's default, warmup_t)
    v.real("stable_timescale", stable_timescale, gt=0, allow_none=True)
    if stable_fn == "constant":
        stable: Schedule = constant_schedule(lr)
    else:
        tau = w if stable_timescale is None else stable_timescale
        tau = v.real("stable_timescale", tau, gt=0,
                     hint=f" (stable_fn={stable_fn!r}; it defaults to warmup_t={w!r}: set it "
                          "explicitly when there is no warmup)")
        stable = inverse_power_decay(lr, tau, 0.5 if stable_fn == "rsqrt" else spow)
    factor = join_schedules(
        [constant_schedule(1.0), _wsd_decay(decay_fn, d, dpow, ratio), constant_schedule(0.0)],
        [t0 - d, t0],
    )
    above = add([floor(stable, lr_min), constant_schedule(-lr_min)])  # max(lr sigma, m) - m
    curve = add([constant_schedule(lr_min), product([above, factor])])
    return _finish(lr, curve, (w, init, prefix), (noise_range_t, noise_pct, noise_std, noise_seed))

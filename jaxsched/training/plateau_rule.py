"""The plateau state machine, written once against the Python array API.

:func:`plateau_init` and :func:`plateau_update` are pure functions of a :class:`PlateauConfig`
(a frozen dataclass pytree: numeric options are leaves, ``mode`` and ``semantics`` are static)
and a :class:`PlateauState` (a NamedTuple of 0-d arrays). They use only array-API operations
(``where``, ``maximum``, ``isfinite``, ``abs``, ``astype``, ...) and no Python ``if`` on a
value, so the same code runs with ``jax.numpy`` (under ``jit``, ``vmap`` and ``lax.scan``),
NumPy (float64), torch and ``array_api_strict``. The optax transformation and the torch bridge
both run it. Public documentation lives in :mod:`jaxsched.training.plateau`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from jaxsched.core import after_jax
from jaxsched.core import arrays as _xp
from jaxsched.core.types import Value

__all__ = ["HostPlateau", "PlateauConfig", "PlateauState", "plateau_init", "plateau_update"]

_LEAVES = ("factor", "patience", "rtol", "atol", "cooldown", "min_scale", "min_lr", "base_lr",
           "eps", "window", "skip")
_GREEDY_LEAVES = ("max_lr", "warmup", "reset_start")


@dataclasses.dataclass(frozen=True)
class PlateauConfig:
    """Options of the plateau state machine (build it with :func:`jaxsched.plateau_config`).

    Numeric fields are pytree leaves (Python numbers, arrays or tracers; array leaves broadcast,
    e.g. one entry per torch param group); ``mode`` and ``semantics`` are static. The threshold
    is held as ``rtol`` and ``atol`` (torch's ``threshold_mode`` sets one of them); ``min_lr``
    and ``eps`` are in learning-rate units, i.e. ``min_lr / base_lr`` and ``eps / base_lr`` in
    scale units. ``skip`` reports are ignored at the start (timm's plateau warmup: its plateau is
    stepped only after ``warmup_t`` epochs); ``None`` (the default, no pytree leaf, so configs
    batched for ``vmap`` need not batch it) ignores none. ``max_lr`` (lr units), ``warmup``
    and ``reset_start`` are read by ``semantics="greedy"`` only (``None`` elsewhere: no leaf).
    ``smooth_window`` (static: it sets the shape of the state) is greedy's rolling mean of the
    last ``smooth_window`` reports (``GreedyLR(smooth=True, window_size=...)``); ``None`` (the
    default) reports the metric as it is. No validation happens here (JAX rebuilds instances
    with tracers).
    """

    factor: Any = 0.1
    patience: Any = 10
    rtol: Any = 1e-4
    atol: Any = 0.0
    cooldown: Any = 0
    min_scale: Any = 0.0
    min_lr: Any = 0.0
    base_lr: Any = 1.0
    eps: Any = 0.0
    window: Any = 1
    skip: Any = None
    max_lr: Any = None
    warmup: Any = None
    reset_start: Any = None
    mode: str = "min"
    semantics: str = "native"
    smooth_window: int | None = None


def _register() -> None:
    import jax

    jax.tree_util.register_dataclass(
        PlateauConfig, data_fields=[*_LEAVES, *_GREEDY_LEAVES],
        meta_fields=["mode", "semantics", "smooth_window"],
    )


after_jax.when_imported(_register)  # now, or when JAX is imported


class PlateauState(NamedTuple):
    """State of the plateau state machine (a pytree of 0-d arrays, or of the config's shape).

    Attributes:
      scale: the current multiplier of the updates (float; starts at 1).
      best: the best evaluated metric so far (float; starts at +inf in min mode, -inf in max).
      num_bad: consecutive bad evaluations (int). ``semantics="greedy"``: consecutive bad
        evaluations when >= 0, minus the consecutive good ones when < 0.
      cooldown_counter: evaluations of cooldown left (int); greedy: of cooldown or warmup.
      avg: running mean of the reports of the current averaging window (float); greedy with
        ``smooth_window``: the running sum of its rolling window.
      window_count: reports in the current averaging window (int); greedy (no averaging
        window): reductions that ended with every lr at ``min_lr`` since the last increase.
      num_reports: reports received since init (int).
      window_values: greedy with ``smooth_window`` ``W`` only (else ``None``, no leaf): the last
        ``W`` reports, oldest first, newest last (float, shape ``(W,)``; the first
        ``W - window_fill`` entries are unused). ``avg`` then holds their running sum, updated
        as the peer does (add the new report, then subtract the one that leaves the window).
      window_fill: greedy with ``smooth_window`` only: reports in the rolling window (int, at
        most ``W``); a reset empties the window.
    """

    scale: Any
    best: Any
    num_bad: Any
    cooldown_counter: Any
    avg: Any
    window_count: Any
    num_reports: Any
    window_values: Any = None
    window_fill: Any = None


def _default_dtypes(xp: Any, dtype: Any) -> tuple[Any, Any]:
    if _xp.is_jax_namespace(xp):
        import jax

        x64 = jax.config.jax_enable_x64
        fdt = xp.float64 if x64 else xp.float32
        return (fdt if dtype is None else dtype), (xp.int64 if x64 else xp.int32)
    return (xp.float64 if dtype is None else dtype), xp.int64


def plateau_init(config: PlateauConfig, *, xp: ModuleType | None = None, dtype: object = None,
                 device: object = None) -> PlateauState:
    """The initial state: scale 1, best = +inf (min mode) or -inf (max mode), counters 0.

    Args:
      config: a :class:`PlateauConfig` (only its static ``mode`` and ``smooth_window`` are
        read).
      xp: the array namespace (``jax.numpy`` when ``None``; ``numpy``, ``torch``,
        ``array_api_strict`` or their ``array_api_compat`` wrappers).
      dtype: the float dtype of the state. Default: float32 for ``jax.numpy`` (float64 under
        ``jax_enable_x64``), float64 otherwise (torch's own plateau computes in Python floats).
      device: where to create the arrays (torch); ignored for ``jax.numpy``.

    Returns:
      A :class:`PlateauState` of 0-d arrays (and greedy's rolling window of shape
      ``(smooth_window,)``).
    """
    if xp is None:
        import jax.numpy as jnp

        xp = jnp
    xp = _xp.resolve_namespace(xp)
    fdt, idt = _default_dtypes(xp, dtype)
    kw = {} if device is None or _xp.is_jax_namespace(xp) else {"device": device}
    best = math.inf if config.mode == "min" else -math.inf
    f = lambda v: xp.asarray(v, dtype=fdt, **kw)  # noqa: E731
    i = lambda v: xp.asarray(v, dtype=idt, **kw)  # noqa: E731
    state = PlateauState(f(1.0), f(best), i(0), i(0), f(0.0), i(0), i(0))
    if config.smooth_window is None:
        return state
    values = xp.zeros((int(config.smooth_window),), dtype=fdt, **kw)
    return state._replace(window_values=values, window_fill=i(0))


#: ``xp.isdtype(dtype, "integral")`` per dtype (a property of the dtype alone): a report
#: converts about 25 numbers, and NumPy's ``isdtype`` costs microseconds a call. Keyed with the
#: dtype's class first, so dtypes of two libraries are never compared with each other.
_INTEGRAL: dict[tuple[type, Any], bool] = {}


def _integral(xp: Any, dtype: Any) -> bool:
    key = (type(dtype), dtype)
    found = _INTEGRAL.get(key)
    if found is None:
        found = _INTEGRAL[key] = bool(xp.isdtype(dtype, "integral"))
    return found


def _convert(xp: Any, x: Any, dtype: Any, device: Any) -> Any:
    """A config leaf or metric as an array of ``dtype`` on ``device``."""
    kw = {} if device is None else {"device": device}
    if type(x) is int or type(x) is float:  # most calls: the rule's own constants
        return xp.asarray(int(x) if _integral(xp, dtype) else x, dtype=dtype, **kw)
    if hasattr(x, "detach"):
        x = x.detach()  # a torch tensor that requires grad
    if (hasattr(x, "shape") and not isinstance(x, np.ndarray) and not _xp.is_jax_namespace(xp)
            and _xp.resolve_namespace(None, x) is not xp):
        x = np.asarray(x).copy()  # a jax (or other foreign) array used with another namespace
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return xp.asarray(int(x) if _integral(xp, dtype) else x, dtype=dtype, **kw)
    return xp.astype(xp.asarray(x, **kw), dtype)


def plateau_update(config: PlateauConfig, state: PlateauState, metric: Value, *,
                   xp: ModuleType | None = None) -> PlateauState:
    """Report one metric value; every ``window``-th report evaluates the window's mean.

    The first ``config.skip`` reports (counted by ``state.num_reports``) are ignored: only the
    report count advances.

    Args:
      config: a :class:`PlateauConfig`.
      state: the current :class:`PlateauState`.
      metric: the reported value (a number or a 0-d array; arrays broadcast).
      xp: the array namespace; inferred from ``state.scale`` when ``None``.

    Returns:
      The next :class:`PlateauState`. See :mod:`jaxsched.training.plateau` for the semantics.

    Example (host float64; the same call runs under ``jax.jit`` and ``lax.scan``):
      >>> import numpy as np
      >>> from jaxsched.training.plateau import plateau_config, plateau_init, plateau_update
      >>> cfg = plateau_config(factor=0.5, patience=1, semantics="torch")
      >>> state = plateau_init(cfg, xp=np)
      >>> for metric in [1.0, 1.0, 1.0, 0.5]:
      ...     state = plateau_update(cfg, state, metric)
      >>> round(float(state.scale), 6), int(state.num_bad)
      (0.5, 0)
    """
    xp = _xp.resolve_namespace(xp, state.scale)
    dev = None if _xp.is_jax_namespace(xp) else _xp._device_of(state.scale)
    fdt, idt = state.scale.dtype, state.num_bad.dtype
    f = lambda v: _convert(xp, v, fdt, dev)  # noqa: E731
    i = lambda v: _convert(xp, v, idt, dev)  # noqa: E731
    if config.semantics == "greedy":
        return _update_greedy(xp, config, state, metric, f, i)

    # running mean of the window, in optax's form: (k * avg + value) / (k + 1)
    # reports before `skip` are ignored (num_reports still counts them)
    live = state.num_reports >= i(0 if config.skip is None else config.skip)
    n = state.window_count + i(1)
    avg = (xp.astype(state.window_count, fdt) * state.avg + f(metric)) / xp.astype(n, fdt)
    done = xp.logical_and(live, n >= i(config.window))
    scale, best, num_bad, cooldown = _evaluate(xp, config, state, avg, f, i)
    pick = lambda new, old: xp.where(done, new, old)  # noqa: E731
    return PlateauState(
        scale=pick(scale, state.scale),
        best=pick(best, state.best),
        num_bad=pick(num_bad, state.num_bad),
        cooldown_counter=pick(cooldown, state.cooldown_counter),
        avg=xp.where(live, pick(f(0.0), avg), state.avg),
        window_count=xp.where(live, pick(i(0), n), state.window_count),
        num_reports=state.num_reports + i(1),
    )


def _threshold(xp: Any, config: PlateauConfig, best: Any, f: Any) -> Any:
    """The value a metric must beat (strictly) to count as an improvement over ``best``."""
    sign = 1.0 if config.mode == "max" else -1.0
    finite = xp.isfinite(best)
    b = xp.where(finite, best, f(0.0))  # no inf arithmetic in either branch
    if config.semantics == "native":
        # sign-correct: the relative margin is taken on |best|
        thr = b + sign * (f(config.rtol) * xp.abs(b) + f(config.atol))
        return xp.where(finite, thr, best)
    if config.semantics == "paddle":
        # Paddle's order: best -/+ best*rtol ("rel"), best -/+ atol ("abs"; rtol is then 0)
        rtol = f(config.rtol)
        thr = (b + sign * (b * rtol)) + sign * f(config.atol)
        # best = +-inf: inf - inf*rtol is NaN for rtol > 0 in min mode (kept in max mode)
        at_inf = xp.where(xp.logical_or(rtol == f(0.0), sign * rtol > f(0.0)), best, f(math.nan))
        return xp.where(finite, thr, at_inf)
    # torch and optax: best * (1 -/+ rtol) -/+ atol (the relative part flips for best < 0)
    m = f(1.0 + sign * config.rtol)  # computed on the leaf, as the peers do in Python floats
    thr = b * m + sign * f(config.atol)
    # +-inf * m, without a warning: same sign for m > 0, flipped for m < 0, NaN for m == 0
    at_inf = xp.where(m > f(0.0), best, xp.where(m < f(0.0), -best, f(math.nan)))
    return xp.where(finite, thr, at_inf)


def _evaluate(xp: Any, config: PlateauConfig, state: PlateauState, avg: Any, f: Any,
              i: Any) -> tuple[Any, Any, Any, Any]:
    """One evaluation of ``avg``: the next (scale, best, num_bad, cooldown_counter)."""
    if config.semantics == "keras":
        return _evaluate_keras(xp, config, state, avg, f, i)
    if config.semantics == "paddle":
        return _evaluate_paddle(xp, config, state, avg, f, i)
    thr = _threshold(xp, config, state.best, f)
    improved = avg > thr if config.mode == "max" else avg < thr  # NaN never improves
    best = xp.where(improved, avg, state.best)
    bad = xp.where(improved, i(0), state.num_bad + i(1))
    in_cooldown = state.cooldown_counter > i(0)
    cooldown = xp.where(in_cooldown, state.cooldown_counter - i(1), state.cooldown_counter)
    num_bad = xp.where(in_cooldown, i(0), bad)  # bad evaluations in cooldown are ignored
    patience = i(config.patience)
    if config.semantics == "optax":  # the patience-th bad evaluation, outside cooldown
        trigger = xp.logical_and(xp.logical_not(in_cooldown), bad == patience)
    else:  # torch and native: the (patience+1)-th bad evaluation
        trigger = num_bad > patience
    num_bad = xp.where(trigger, i(0), num_bad)
    cooldown = xp.where(trigger, i(config.cooldown), cooldown)

    scale = state.scale
    factor, base_lr, min_lr = f(config.factor), f(config.base_lr), f(config.min_lr)
    if config.semantics == "optax":  # max(scale * factor, floor), floor applied outside cooldown
        floor = xp.maximum(f(config.min_scale), min_lr / base_lr)
        reduced = xp.maximum(xp.where(trigger, scale * factor, scale), floor)
        return xp.where(in_cooldown, scale, reduced), best, num_bad, cooldown
    if config.semantics == "torch":  # in lr units: new = max(old * factor, min_lr) if old - new > eps
        return _torch_scale(xp, config, scale, trigger, f), best, num_bad, cooldown
    floor = xp.maximum(f(config.min_scale), min_lr / base_lr)
    new = xp.maximum(scale * factor, floor)
    apply = xp.logical_and(trigger, (scale - new) * base_lr > f(config.eps))
    return xp.where(apply, new, scale), best, num_bad, cooldown


def _torch_scale(xp: Any, config: PlateauConfig, scale: Any, trigger: Any, f: Any) -> Any:
    """torch's (and Paddle's) lowering in lr units: ``new = max(lr*factor, min_lr)`` applied iff
    ``lr - new > eps``, with ``lr = scale*base_lr``."""
    base_lr = f(config.base_lr)
    old = scale * base_lr
    new = xp.maximum(old * f(config.factor), xp.maximum(f(config.min_lr), f(config.min_scale) * base_lr))
    apply = xp.logical_and(trigger, old - new > f(config.eps))
    return xp.where(apply, new / base_lr, scale)


def _evaluate_paddle(xp: Any, config: PlateauConfig, state: PlateauState, avg: Any, f: Any,
                     i: Any) -> tuple[Any, Any, Any, Any]:
    """Paddle's ``ReduceOnPlateau.step``: an evaluation in cooldown only counts the cooldown down
    (``best`` and the bad count kept); otherwise the first evaluation sets ``best`` (whatever its
    value, NaN included), later ones improve on Paddle's threshold, and more than ``patience``
    bad ones start the cooldown, clear the count and lower the lr (torch's rule in lr units)."""
    first = state.num_reports == i((0 if config.skip is None else config.skip) + config.window - 1)
    thr = _threshold(xp, config, state.best, f)  # best -/+ best*rtol -/+ atol
    better = avg > thr if config.mode == "max" else avg < thr  # NaN never improves
    improved = xp.logical_or(first, better)
    in_cooldown = state.cooldown_counter > i(0)
    free = xp.logical_not(in_cooldown)
    best = xp.where(xp.logical_and(free, improved), avg, state.best)
    bad = xp.where(improved, i(0), state.num_bad + i(1))
    num_bad = xp.where(in_cooldown, state.num_bad, bad)
    trigger = xp.logical_and(free, num_bad > i(config.patience))
    cooldown = xp.where(in_cooldown, state.cooldown_counter - i(1),
                        xp.where(trigger, i(config.cooldown), state.cooldown_counter))
    num_bad = xp.where(trigger, i(0), num_bad)
    return _torch_scale(xp, config, state.scale, trigger, f), best, num_bad, cooldown


def _evaluate_keras(xp: Any, config: PlateauConfig, state: PlateauState, avg: Any, f: Any,
                    i: Any) -> tuple[Any, Any, Any, Any]:
    """Keras' ``ReduceLROnPlateau.on_epoch_end``: the cooldown counts down first (and clears the
    wait), the metric improves on ``best -/+ atol``, a bad epoch outside the (remaining)
    cooldown adds to the wait, and the ``patience``-th one lowers the lr if it lies above
    ``min_lr``; only a lowering restarts the wait and the cooldown."""
    thr = _threshold(xp, config, state.best, f)  # native form: best -/+ (rtol|best| + atol)
    improved = avg > thr if config.mode == "max" else avg < thr  # NaN never improves
    best = xp.where(improved, avg, state.best)
    in_cooldown = state.cooldown_counter > i(0)
    cooldown = xp.where(in_cooldown, state.cooldown_counter - i(1), state.cooldown_counter)
    wait = xp.where(in_cooldown, i(0), state.num_bad)
    still = cooldown > i(0)  # keras re-reads in_cooldown() after the decrement
    wait = xp.where(improved, i(0), xp.where(still, wait, wait + i(1)))
    trigger = xp.logical_and(xp.logical_not(xp.logical_or(improved, still)),
                             wait >= i(config.patience))
    base_lr = f(config.base_lr)
    old = state.scale * base_lr
    low = xp.maximum(f(config.min_lr), f(config.min_scale) * base_lr)
    apply = xp.logical_and(trigger, old > low)
    new = xp.maximum(old * f(config.factor), low)
    scale = xp.where(apply, new / base_lr, state.scale)
    wait = xp.where(apply, i(0), wait)
    cooldown = xp.where(apply, i(config.cooldown), cooldown)
    return scale, best, wait, cooldown


def _update_greedy(xp: Any, config: PlateauConfig, state: PlateauState, metric: Any, f: Any,
                   i: Any) -> PlateauState:
    """HF ``GreedyLR.step`` (no smoothing): see :mod:`jaxsched.training.plateau`.

    A held report (cooldown or warmup left) counts the hold down and clears the counts, ``best``
    kept. Otherwise the metric is compared with ``best`` (torch's threshold), the good or bad
    run grows, and more than ``patience`` good ones raise the lr to ``min(lr/factor, max_lr)``
    (then ``warmup`` held reports), more than ``patience`` bad ones lower it to
    ``max(lr*factor, min_lr)`` (then ``cooldown``); each applied only if it moves the lr by
    more than ``eps``. A lowering that leaves every element at ``min_lr`` counts towards
    ``reset_start``; reaching it restores scale 1 and clears ``best`` and the counts, after
    which the cooldown still starts (as the peer sets it after its reset).
    """
    m = f(metric)
    window = None
    if config.smooth_window is not None:  # the rolling mean of the last W reports
        m, window = _rolling_mean(xp, config.smooth_window, state, m, i)
    thr = _threshold(xp, config, state.best, f)  # torch's: best*(1 -/+ rtol) -/+ atol
    improved = m > thr if config.mode == "max" else m < thr  # NaN never improves
    n = state.num_bad
    zero = i(0)
    n_eval = xp.where(improved, xp.minimum(n, zero) - i(1), xp.maximum(n, zero) + i(1))
    patience = i(config.patience)
    hold = state.cooldown_counter > zero
    free = xp.logical_not(hold)
    inc = xp.logical_and(free, -n_eval > patience)
    red = xp.logical_and(xp.logical_and(free, xp.logical_not(inc)), n_eval > patience)
    best = xp.where(xp.logical_and(free, improved), m, state.best)
    num = xp.where(xp.logical_or(hold, xp.logical_or(inc, red)), zero, n_eval)
    cd = xp.where(hold, state.cooldown_counter - i(1),
                  xp.where(inc, i(config.warmup), xp.where(red, i(config.cooldown), zero)))

    base, eps = f(config.base_lr), f(config.eps)
    old = state.scale * base
    up = xp.minimum(old / f(config.factor), f(config.max_lr))
    down = xp.maximum(old * f(config.factor), f(config.min_lr))
    up_ok = xp.logical_and(inc, up - old > eps)
    down_ok = xp.logical_and(red, old - down > eps)
    scale = xp.where(up_ok, up / base, xp.where(down_ok, down / base, state.scale))
    at_min = xp.all(scale <= f(config.min_lr) / base)  # over the elements (param groups)
    count = xp.where(at_min, state.window_count + i(1), state.window_count)
    reset = xp.logical_and(red, xp.logical_and(at_min, count >= i(config.reset_start)))
    count = xp.where(xp.logical_or(inc, reset), zero, xp.where(red, count, state.window_count))
    init = math.inf if config.mode == "min" else -math.inf
    out = PlateauState(
        scale=xp.where(reset, f(1.0), scale),
        best=xp.where(reset, f(init), best),
        num_bad=num,  # a reset clears the counts, as a trigger does
        cooldown_counter=cd,  # after a reset the peer still starts the cooldown
        avg=state.avg,
        window_count=count,
        num_reports=state.num_reports + i(1),
    )
    if window is None:
        return out
    total, values, fill = window  # a reset empties the window (the peer makes a new one)
    reset_any = xp.any(reset)
    return out._replace(avg=xp.where(reset_any, f(0.0), total),
                        window_values=xp.where(reset_any, f(0.0), values),
                        window_fill=xp.where(reset_any, i(0), fill))


def _rolling_mean(xp: Any, size: int, state: PlateauState, m: Any, i: Any) -> tuple[Any, tuple]:
    """HF ``StreamingAverage.streamavg``: the mean of the last ``size`` reports.

    The running sum (``state.avg``) adds the report, then subtracts the one that leaves the
    full window, and is divided by the reports held (the peer's order of float operations).
    The window shifts by one: oldest first, the new report last.

    Returns:
      ``(mean, (sum, values, fill))``.
    """
    values, fill = state.window_values, state.window_fill
    full = fill >= i(size)
    total = state.avg + m
    total = xp.where(full, total - values[..., 0], total)
    m_row = xp.reshape(xp.astype(m, values.dtype), (*m.shape, 1))
    values = xp.concat([values[..., 1:], xp.broadcast_to(m_row, (*values.shape[:-1], 1))], axis=-1)
    fill = xp.where(full, fill, fill + i(1))
    return total / xp.astype(fill, total.dtype), (total, values, fill)


# ---------------------------------------------------------------------------------------------
# The same rule in Python floats (the torch bridge's host mode: microseconds per report)


def _max(a: float, b: float) -> float:
    """``numpy.maximum`` on two floats: NaN if either is NaN."""
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


def _div(a: float, b: float) -> float:
    """IEEE division of floats (as float64 NumPy: no ZeroDivisionError)."""
    if b == 0.0:
        if a != a or a == 0.0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _element_params(config: PlateauConfig, n: int | None) -> list[tuple]:
    """The numeric options as Python numbers, one tuple per broadcast element.

    Integer options are truncated as the array rule's ``astype(int64)`` does; ``1 +/- rtol``
    is computed on the leaf, as there.
    """
    leaves = {name: np.asarray(getattr(config, name)) for name in _LEAVES}
    shape = np.broadcast_shapes(*(x.shape for x in leaves.values()))
    if len(shape) > 1:
        raise ValueError(f"plateau options must be scalars or 1-d, got shape {shape}")
    m = shape[0] if shape else 1
    if n is not None and m not in (1, n):
        raise ValueError(f"plateau options hold {m} entries, expected 1 or {n}")
    sign = 1.0 if config.mode == "max" else -1.0
    out = []
    flat = {name: x.reshape(-1).tolist() for name, x in leaves.items()}
    for j in range(m):
        def get(name: str, j: int = j) -> Any:
            x = flat[name]
            return x[j if len(x) > 1 else 0]

        rtol = get("rtol")
        out.append((
            float(get("factor")), int(get("patience")), float(rtol), float(get("atol")),
            int(get("cooldown")), float(get("min_scale")), float(get("min_lr")),
            float(get("base_lr")), float(get("eps")), int(get("window")),
            float(np.float64(1.0 + sign * rtol)),
        ))
    return out


def _trigger_rule(tp: tuple, mode_max: bool, semantics: str, skip: int) -> Callable[..., tuple]:
    """The shared part of one element's rule, as a function ``rule(t, metric) -> (t, what)``:
    the window's mean and, when the window is full, the comparison with ``best`` and the
    patience/cooldown counters (the options are bound once, here).

    Args:
      tp: ``(patience, rtol, atol, cooldown, window, m)`` with ``m = 1 -/+ rtol``.
      skip: reports ignored at the start (only counted).

    ``t`` is ``(best, num_bad, cooldown_counter, avg, window_count, num_reports)``. ``what``
    says what the scale rule must do: 0 nothing (a skipped report, or the window not full), 1
    an evaluation without a reduction, 2 an evaluation that triggers one; ``+ 4`` when the
    evaluation was in cooldown (optax keeps the scale there).
    """
    patience, rtol, atol, cooldown_n, window, m = tp
    if semantics == "paddle":
        return _paddle_rule(tp, mode_max, skip)
    native, optax = semantics == "native", semantics == "optax"
    isfinite = math.isfinite
    sign = 1.0 if mode_max else -1.0
    signed_atol = sign * atol
    if native:
        at_inf = None  # the threshold is best itself
    else:  # best * m at best = +-inf, without a warning: kept for m > 0, flipped for m < 0
        at_inf = 1.0 if m > 0.0 else (-1.0 if m < 0.0 else math.nan)

    def rule(t: tuple, metric: float) -> tuple[tuple, int]:
        best, num_bad, cd, avg, wc, nrep = t
        if nrep < skip:
            return (best, num_bad, cd, avg, wc, nrep + 1), 0
        n = wc + 1
        avg = (wc * avg + metric) / n
        if n < window:
            return (best, num_bad, cd, avg, n, nrep + 1), 0
        # the threshold a metric must beat
        if isfinite(best):
            thr = best + sign * (rtol * abs(best) + atol) if native else best * m + signed_atol
        elif native:
            thr = best
        else:
            thr = best * at_inf if at_inf == at_inf else math.nan
        improved = avg > thr if mode_max else avg < thr
        if improved:
            best = avg
        bad = 0 if improved else num_bad + 1
        in_cooldown = cd > 0
        if in_cooldown:
            cd -= 1
        num_bad = 0 if in_cooldown else bad
        trigger = (not in_cooldown and bad == patience) if optax else num_bad > patience
        if trigger:
            num_bad = 0
            cd = cooldown_n
        return (best, num_bad, cd, 0.0, 0, nrep + 1), (2 if trigger else 1) + (4 if in_cooldown else 0)

    return rule


def _paddle_rule(tp: tuple, mode_max: bool, skip: int) -> Callable[..., tuple]:
    """:func:`_evaluate_paddle`'s counters in Python floats (see :func:`_trigger_rule`)."""
    patience, rtol, atol, cooldown_n, window, _ = tp
    sign = 1.0 if mode_max else -1.0
    first_at = skip + window - 1
    keep_inf = rtol == 0.0 or sign * rtol > 0.0  # best -/+ best*rtol at best = +-inf

    def rule(t: tuple, metric: float) -> tuple[tuple, int]:
        best, num_bad, cd, avg, wc, nrep = t
        if nrep < skip:
            return (best, num_bad, cd, avg, wc, nrep + 1), 0
        n = wc + 1
        avg = (wc * avg + metric) / n
        if n < window:
            return (best, num_bad, cd, avg, n, nrep + 1), 0
        if cd > 0:
            return (best, num_bad, cd - 1, 0.0, 0, nrep + 1), 1
        if math.isfinite(best):
            thr = (best + sign * (best * rtol)) + sign * atol
        else:
            thr = best if keep_inf else math.nan
        if nrep == first_at or (avg > thr if mode_max else avg < thr):
            best, num_bad = avg, 0
        else:
            num_bad += 1
        if num_bad > patience:
            return (best, 0, cooldown_n, 0.0, 0, nrep + 1), 2
        return (best, num_bad, cd, 0.0, 0, nrep + 1), 1

    return rule


def _keras_rule(p: tuple, mode_max: bool, skip: int) -> Callable[..., tuple]:
    """One element's whole keras rule in Python floats (its counters depend on its scale: only
    a lowering restarts the wait and the cooldown): ``rule(row, metric) -> row`` on a
    :class:`PlateauState` row of Python numbers."""
    factor, patience, rtol, atol, cooldown_n, min_scale, min_lr, base_lr, _, window, _ = p
    sign = 1.0 if mode_max else -1.0
    low = _max(min_lr, min_scale * base_lr)

    def rule(row: tuple, metric: float) -> tuple:
        scale, best, wait, cd, avg, wc, nrep = row
        if nrep < skip:
            return (scale, best, wait, cd, avg, wc, nrep + 1)
        n = wc + 1
        avg = (wc * avg + metric) / n
        if n < window:
            return (scale, best, wait, cd, avg, n, nrep + 1)
        thr = best + sign * (rtol * abs(best) + atol) if math.isfinite(best) else best
        improved = avg > thr if mode_max else avg < thr
        if cd > 0:
            cd -= 1
            wait = 0
        if improved:
            best = avg
            wait = 0
        elif cd == 0:
            wait += 1
            old = scale * base_lr
            if wait >= patience and old > low:
                scale = _div(_max(old * factor, low), base_lr)
                wait = 0
                cd = cooldown_n
        return (scale, best, wait, cd, 0.0, 0, nrep + 1)

    return rule


def _host_scale(sp: tuple, scale: float, what: int, semantics: str) -> float:
    """The element's next scale after an evaluation (``what`` from :func:`_trigger_rule`).

    Args:
      sp: ``(factor, min_scale, min_lr, base_lr, eps)``.
    """
    factor, min_scale, min_lr, base_lr, eps = sp
    trigger = what & 3 == 2
    if semantics == "optax":
        if what & 4:  # in cooldown: the scale is kept
            return scale
        floor = _max(min_scale, _div(min_lr, base_lr))
        return _max(scale * factor if trigger else scale, floor)
    if not trigger:
        return scale
    if semantics in ("torch", "paddle"):
        old = scale * base_lr
        new = _max(old * factor, _max(min_lr, min_scale * base_lr))
        return _div(new, base_lr) if old - new > eps else scale
    new = _max(scale * factor, _max(min_scale, _div(min_lr, base_lr)))
    return new if (scale - new) * base_lr > eps else scale


def _trigger_params(p: tuple) -> tuple:
    """``(patience, rtol, atol, cooldown, window, m)`` of an :func:`_element_params` tuple:
    the options that decide when an evaluation triggers (elements that share them share one
    counter state)."""
    return (p[1], p[2], p[3], p[4], p[9], p[10])


def _scale_params(p: tuple) -> tuple:
    """``(factor, min_scale, min_lr, base_lr, eps)`` of an :func:`_element_params` tuple."""
    return (p[0], p[5], p[6], p[7], p[8])


def _greedy_host_step(g: dict, t: tuple, scales: list[float], metric: float,
                      mode_max: bool) -> tuple[tuple, list[float], bool]:
    """:func:`_update_greedy` in Python floats on shared counters ``t`` and per-element scales
    (``metric`` already smoothed); returns ``(t, scales, reset)``.

    ``g`` holds the options: ``patience``, ``m`` (``1 -/+ rtol``), ``atol``, ``cooldown``,
    ``warmup``, ``reset_start`` and per-element lists ``factor``, ``base``, ``min_lr``,
    ``max_lr``, ``eps``.
    """
    best, n, cd, avg, count, nrep = t
    nrep += 1
    if cd > 0:
        return (best, 0, cd - 1, avg, count, nrep), scales, False
    if math.isfinite(best):
        thr = best * g["m"] + (1.0 if mode_max else -1.0) * g["atol"]
    else:
        thr = best if g["m"] > 0.0 else (-best if g["m"] < 0.0 else math.nan)
    improved = metric > thr if mode_max else metric < thr
    if improved:
        best = metric
        n = min(n, 0) - 1
    else:
        n = max(n, 0) + 1
    patience = g["patience"]
    if -n > patience:  # raise
        new = []
        for s, f, b, hi, e in zip(scales, g["factor"], g["base"], g["max_lr"], g["eps"]):
            old = s * b
            up = min(_div(old, f), hi) if not math.isnan(hi) else math.nan
            new.append(_div(up, b) if up - old > e else s)
        return (best, 0, g["warmup"], avg, 0, nrep), new, False
    if n > patience:  # lower
        new = []
        for s, f, b, lo, e in zip(scales, g["factor"], g["base"], g["min_lr"], g["eps"]):
            old = s * b
            down = _max(old * f, lo)
            new.append(_div(down, b) if old - down > e else s)
        if all(s <= _div(lo, b) for s, b, lo in zip(new, g["base"], g["min_lr"])):
            count += 1
            if count >= g["reset_start"]:
                best = -math.inf if mode_max else math.inf
                return (best, 0, g["cooldown"], avg, 0, nrep), [1.0] * len(new), True
        return (best, 0, g["cooldown"], avg, count, nrep), new, False
    return (best, n, 0, avg, count, nrep), scales, False


class HostPlateau:
    """The plateau state machine of :func:`plateau_update` in plain Python floats.

    The torch bridge's host mode reports one metric per call; the array rule costs a
    millisecond of NumPy dispatch per report, this one well under a microsecond. It computes
    the same float64 values (``tests/training/test_plateau_host.py`` checks equality on random
    metric streams). Array options broadcast: one element per param group.

    The counters (``best``, ``num_bad``, cooldown, the window's mean, the report count) depend
    only on the metrics and on the options that decide a trigger (``patience``, the threshold,
    ``cooldown``, ``window``). When every element has the same such options and the same
    counters (always, unless a loaded state differs per element), the elements share one
    counter state, updated once per report; only the scales are per element, and they are
    computed only after an evaluation that can change them (torch and native semantics: a
    trigger).

    Args:
      config: a :class:`PlateauConfig` (leaves: numbers or 1-d arrays).
      n: the number of param groups an array option must match (``None``: any length).
    """

    def __init__(self, config: PlateauConfig, n: int | None = None) -> None:
        self.config = config
        self.params = _element_params(config, n)
        self._max = config.mode == "max"
        self._semantics = config.semantics
        self._skip = 0 if config.skip is None else int(config.skip)
        # which evaluations may change a scale: any (optax: the floor), else a trigger
        self._need = 3 if self._semantics == "optax" else 2
        self._tp = [_trigger_params(p) for p in self.params]
        self._sp = [_scale_params(p) for p in self.params]
        # keras: the counters depend on the scale, so each element keeps its own
        self._shareable = self._semantics != "keras" and all(tp == self._tp[0] for tp in self._tp)
        self._greedy = None
        if self._semantics == "greedy":
            self._greedy = self._greedy_options(config, len(self.params))
        self._make_rules()
        best = -math.inf if self._max else math.inf
        self._set_rows([(1.0, best, 0, 0, 0.0, 0, 0)] * len(self.params))
        # greedy's rolling window, shared by the elements: (values, oldest first; fill)
        w = config.smooth_window
        self._window: tuple[list[float], int] | None = None if w is None else ([0.0] * int(w), 0)

    def _greedy_options(self, config: PlateauConfig, m: int) -> dict:
        """The greedy options (see :func:`_greedy_host_step`); the counters are shared, so
        the options that decide a trigger must be the same for every element."""
        if not self._shareable:
            raise ValueError("semantics='greedy' needs one `patience`, `threshold` and "
                             "`cooldown` for all param groups (its counters are shared)")
        def col(name: str) -> list[float]:
            return [float(x) for x in np.broadcast_to(np.asarray(getattr(config, name)), (m,))]

        for name in ("warmup", "reset_start"):
            if np.ndim(getattr(config, name)) != 0:
                raise ValueError(f"`{name}` must be a scalar with semantics='greedy', got shape "
                                 f"{np.shape(getattr(config, name))}")
        p = self.params[0]
        return {"patience": p[1], "m": p[10], "atol": p[3], "cooldown": p[4],
                "warmup": int(config.warmup), "reset_start": int(config.reset_start),
                "factor": col("factor"), "base": col("base_lr"), "min_lr": col("min_lr"),
                "max_lr": col("max_lr"), "eps": col("eps")}

    def _make_rules(self) -> None:
        if self._semantics == "keras":
            self._rules = [_keras_rule(p, self._max, self._skip) for p in self.params]
            self._rule = self._rules[0]
            return
        rules: dict[tuple, Callable[..., tuple]] = {}
        for tp in self._tp:
            if tp not in rules:
                rules[tp] = _trigger_rule(tp, self._max, self._semantics, self._skip)
        self._rules = [rules[tp] for tp in self._tp]
        self._rule = self._rules[0]  # the rule of shared counters

    def __getstate__(self) -> dict[str, Any]:  # the rules are closures: rebuilt on load
        return {k: x for k, x in self.__dict__.items() if k not in ("_rules", "_rule")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._make_rules()

    def _set_rows(self, rows: list[tuple]) -> None:
        """Hold the per-element state ``rows``, sharing their counters where they agree."""
        self.scales = [r[0] for r in rows]
        self._idle: tuple = (None, None)  # (what, scales) of an evaluation that changed nothing
        first = rows[0][1:]
        if self._shareable and all(r[1:] == first for r in rows):
            self._t: tuple | None = first  # the shared counters
            self._rows: list[tuple] | None = None
        else:  # per-element counters (a loaded state that differs per element)
            self._t = None
            self._rows = [r[1:] for r in rows]

    @property
    def states(self) -> list[tuple]:
        """The per-element states, :class:`PlateauState` rows of Python numbers."""
        rows = [self._t] * len(self.scales) if self._rows is None else self._rows
        return [(s, *r) for s, r in zip(self.scales, rows)]

    def update(self, metric: float) -> bool:
        """Report ``metric``; returns whether any element's scale changed."""
        if self._greedy is not None:
            if self._t is None:  # a loaded state with per-element counters: greedy shares them
                self._t, self._rows = self._rows[0], None
            old = self.scales
            metric = float(metric)
            win = self.__dict__.get("_window")
            if win is not None:  # the rolling mean (HF StreamingAverage), sum held in avg
                values, fill = win
                t = self._t
                total = t[3] + metric
                if fill >= len(values):
                    total -= values[0]
                else:
                    fill += 1
                values = [*values[1:], metric]
                self._t = (*t[:3], total, *t[4:])
                self._window = (values, fill)
                metric = total / fill
            self._t, self.scales, reset = _greedy_host_step(self._greedy, self._t, old, metric,
                                                            self._max)
            if reset and win is not None:  # the peer starts a new window
                self._t = (*self._t[:3], 0.0, *self._t[4:])
                self._window = ([0.0] * len(win[0]), 0)
            return self.scales != old
        t = self._t
        if t is None:
            return self._update_each(metric)
        # the counters are shared: one rule, then the scales if they may change
        self._t, what = self._rule(t, metric)
        return self._rescale(what) if what & self._need else False

    def _rescale(self, what: int) -> bool:
        """The scales after an evaluation of kind ``what``; whether one changed.

        The scale rule is a function of the scale and ``what`` alone, so an evaluation that
        left the scales as they were (a floor reached: ``min_lr``, ``eps``) leaves them again:
        remembered, not recomputed.
        """
        old = self.scales
        if what == self._idle[0] and old is self._idle[1]:
            return False
        sem = self._semantics
        new = [_host_scale(sp, s, what, sem) for sp, s in zip(self._sp, old)]
        if new == old:
            self._idle = (what, old)
            return False
        self.scales = new
        return True

    def _update_each(self, metric: float) -> bool:
        """:meth:`update` with per-element counters."""
        assert self._rows is not None
        if self._semantics == "keras":
            old = self.scales
            self._set_rows([rule((s, *r), metric)
                            for rule, s, r in zip(self._rules, old, self._rows)])
            return self.scales != old
        rows = []
        for rule, sp, s, r in zip(self._rules, self._sp, self.scales, self._rows):
            r, what = rule(r, metric)
            rows.append((_host_scale(sp, s, what, self._semantics) if what & self._need else s, *r))
        old = self.scales
        self._set_rows(rows)
        return self.scales != old

    def state(self) -> PlateauState:
        """The state as a :class:`PlateauState` of Python numbers (lists when broadcast; greedy's
        rolling window as a list)."""
        states = self.states
        cols = list(zip(*states))
        if len(states) == 1:
            out = PlateauState(*(c[0] for c in cols))
        else:
            out = PlateauState(*(list(c) for c in cols))
        win = self.__dict__.get("_window")
        if win is None:
            return out
        return out._replace(window_values=list(win[0]), window_fill=win[1])

    def load(self, state: PlateauState) -> None:
        """Take the values of ``state`` (any arrays or numbers, broadcast to the elements)."""
        m = len(self.params)
        cols = []
        if self.__dict__.get("_window") is not None:
            values = [float(e) for e in np.asarray(state.window_values, np.float64).reshape(-1).tolist()]
            if len(values) != len(self._window[0]):
                raise ValueError(f"`window_values` must hold {len(self._window[0])} entries, "
                                 f"got {len(values)}")
            self._window = (values, int(state.window_fill))
        for name, x in zip(PlateauState._fields[:7], state[:7]):
            a = np.broadcast_to(np.asarray(x), (m,)) if np.ndim(x) else np.full((m,), np.asarray(x))
            integral = name in ("num_bad", "cooldown_counter", "window_count", "num_reports")
            cols.append([int(e) if integral else float(e) for e in a.tolist()])
        self._set_rows([tuple(row) for row in zip(*cols)])

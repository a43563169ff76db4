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
from typing import Any, NamedTuple

import numpy as np

from jaxsched.core import arrays as _xp

__all__ = ["PlateauConfig", "PlateauState", "plateau_init", "plateau_update"]

_LEAVES = ("factor", "patience", "rtol", "atol", "cooldown", "min_scale", "min_lr", "base_lr",
           "eps", "window", "skip")


@dataclasses.dataclass(frozen=True)
class PlateauConfig:
    """Options of the plateau state machine (build it with :func:`jaxsched.plateau_config`).

    Numeric fields are pytree leaves (Python numbers, arrays or tracers; array leaves broadcast,
    e.g. one entry per torch param group); ``mode`` and ``semantics`` are static. The threshold
    is held as ``rtol`` and ``atol`` (torch's ``threshold_mode`` sets one of them); ``min_lr``
    and ``eps`` are in learning-rate units, i.e. ``min_lr / base_lr`` and ``eps / base_lr`` in
    scale units. ``skip`` reports are ignored at the start (timm's plateau warmup: its plateau is
    stepped only after ``warmup_t`` epochs); ``None`` (the default, no pytree leaf, so configs
    batched for ``vmap`` need not batch it) ignores none. No validation happens here (JAX
    rebuilds instances with tracers).
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
    mode: str = "min"
    semantics: str = "native"


def _register() -> None:
    import jax

    jax.tree_util.register_dataclass(
        PlateauConfig, data_fields=list(_LEAVES), meta_fields=["mode", "semantics"]
    )


_register()


class PlateauState(NamedTuple):
    """State of the plateau state machine (a pytree of 0-d arrays, or of the config's shape).

    Attributes:
      scale: the current multiplier of the updates (float; starts at 1).
      best: the best evaluated metric so far (float; starts at +inf in min mode, -inf in max).
      num_bad: consecutive bad evaluations (int).
      cooldown_counter: evaluations of cooldown left (int).
      avg: running mean of the reports of the current averaging window (float).
      window_count: reports in the current averaging window (int).
      num_reports: reports received since init (int).
    """

    scale: Any
    best: Any
    num_bad: Any
    cooldown_counter: Any
    avg: Any
    window_count: Any
    num_reports: Any


def _default_dtypes(xp: Any, dtype: Any) -> tuple[Any, Any]:
    if _xp.is_jax_namespace(xp):
        import jax

        x64 = jax.config.jax_enable_x64
        fdt = xp.float64 if x64 else xp.float32
        return (fdt if dtype is None else dtype), (xp.int64 if x64 else xp.int32)
    return (xp.float64 if dtype is None else dtype), xp.int64


def plateau_init(config: PlateauConfig, *, xp: Any = None, dtype: Any = None,
                 device: Any = None) -> PlateauState:
    """The initial state: scale 1, best = +inf (min mode) or -inf (max mode), counters 0.

    Args:
      config: a :class:`PlateauConfig` (only its static ``mode`` is read).
      xp: the array namespace (``jax.numpy`` when ``None``; ``numpy``, ``torch``,
        ``array_api_strict`` or their ``array_api_compat`` wrappers).
      dtype: the float dtype of the state. Default: float32 for ``jax.numpy`` (float64 under
        ``jax_enable_x64``), float64 otherwise (torch's own plateau computes in Python floats).
      device: where to create the arrays (torch); ignored for ``jax.numpy``.

    Returns:
      A :class:`PlateauState` of 0-d arrays.
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
    return PlateauState(f(1.0), f(best), i(0), i(0), f(0.0), i(0), i(0))


def _convert(xp: Any, x: Any, dtype: Any, device: Any) -> Any:
    """A config leaf or metric as an array of ``dtype`` on ``device``."""
    if hasattr(x, "detach"):
        x = x.detach()  # a torch tensor that requires grad
    if (hasattr(x, "shape") and not isinstance(x, np.ndarray) and not _xp.is_jax_namespace(xp)
            and _xp.resolve_namespace(None, x) is not xp):
        x = np.asarray(x).copy()  # a jax (or other foreign) array used with another namespace
    kw = {} if device is None else {"device": device}
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        if xp.isdtype(dtype, "integral"):
            x = int(x)
        return xp.asarray(x, dtype=dtype, **kw)
    return xp.astype(xp.asarray(x, **kw), dtype)


def plateau_update(config: PlateauConfig, state: PlateauState, metric: Any, *,
                   xp: Any = None) -> PlateauState:
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
    # torch and optax: best * (1 -/+ rtol) -/+ atol (the relative part flips for best < 0)
    m = f(1.0 + sign * config.rtol)  # computed on the leaf, as the peers do in Python floats
    thr = b * m + sign * f(config.atol)
    # +-inf * m, without a warning: same sign for m > 0, flipped for m < 0, NaN for m == 0
    at_inf = xp.where(m > f(0.0), best, xp.where(m < f(0.0), -best, f(math.nan)))
    return xp.where(finite, thr, at_inf)


def _evaluate(xp: Any, config: PlateauConfig, state: PlateauState, avg: Any, f: Any,
              i: Any) -> tuple[Any, Any, Any, Any]:
    """One evaluation of ``avg``: the next (scale, best, num_bad, cooldown_counter)."""
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
        old = scale * base_lr
        new = xp.maximum(old * factor, xp.maximum(min_lr, f(config.min_scale) * base_lr))
        apply = xp.logical_and(trigger, old - new > f(config.eps))
        return xp.where(apply, new / base_lr, scale), best, num_bad, cooldown
    floor = xp.maximum(f(config.min_scale), min_lr / base_lr)
    new = xp.maximum(scale * factor, floor)
    apply = xp.logical_and(trigger, (scale - new) * base_lr > f(config.eps))
    return xp.where(apply, new, scale), best, num_bad, cooldown

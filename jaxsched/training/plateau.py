r"""Metric-driven learning-rate reduction: a jit-able state machine and an optax transformation.

The state (:class:`PlateauState`: scale, best, bad-evaluation count, cooldown count, averaging
window, report count) is a pytree and the update (:func:`plateau_update`) is a pure function
written once against the Python array API, so it runs under ``jax.jit``, ``jax.vmap`` (over
options and over metrics) and ``lax.scan``, and with NumPy, torch or ``array_api_strict`` (the
torch bridge runs the same code). :func:`reduce_on_plateau` wraps it as an optax
``GradientTransformationExtraArgs`` that takes the metric as ``value=`` and multiplies the
updates by the scale, so it composes with any time-based schedule::

    tx = optax.chain(optax.adamw(jaxsched.warmup_cosine_decay_schedule(...)),
                     jaxsched.reduce_on_plateau(patience=5))
    updates, state = tx.update(grads, state, params, value=val_loss)

An evaluation happens on every ``window``-th report, on the mean of the ``window`` reports
since the last one (disjoint blocks, as optax's ``accumulation_size``). ``semantics`` picks the
rules (min mode shown; max mode mirrors every inequality; ``s`` is the scale):

- ``"native"`` (default): ``m`` improves iff ``m < best - rtol*|best| - atol`` (sign-correct);
  the (patience+1)-th consecutive bad evaluation triggers (as torch, timm, HF: ``patience`` bad
  evaluations are tolerated); ``new = max(s*factor, floor)``, applied iff
  ``(s - new)*base_lr > eps`` (``eps`` defaults to 0).
- ``"torch"``: ``ReduceLROnPlateau`` exactly: ``m < best*(1 - rtol) - atol`` (``threshold``
  is ``rtol`` or ``atol``); the (patience+1)-th bad evaluation triggers; in learning-rate units,
  ``new = max(lr*factor, min_lr)`` applied iff ``lr - new > eps`` (default 1e-8), with
  ``lr = s*base_lr``.
- ``"optax"``: ``contrib.reduce_on_plateau`` exactly: ``avg < best*(1 - rtol) - atol`` with
  both terms; the patience-th bad evaluation triggers; ``s = max(s*factor, floor)``.
- ``"keras"``: Keras 3's ``callbacks.ReduceLROnPlateau`` exactly (absolute ``threshold``, its
  ``min_delta``): ``m < best - atol``; a cooldown step counts down first and clears the wait;
  a bad evaluation outside the remaining cooldown adds one, and the patience-th lowers the lr
  to ``max(lr*factor, min_lr)`` if ``lr > min_lr``; only a lowering restarts the wait and the
  cooldown (at the floor every further bad evaluation triggers, changing nothing). Keras holds
  the lr in a float32 variable; here it is the float scale times ``base_lr``.
- ``"greedy"``: HF ``GreedyLR`` (transformers >= 5.2), which raises the lr too: a report
  with cooldown or warmup left only counts it down (counts cleared, ``best`` kept); otherwise
  torch's threshold decides, more than ``patience`` consecutive good reports give
  ``lr = min(lr/factor, max_lr)`` then ``warmup`` held reports, more than ``patience`` bad
  ones ``lr = max(lr*factor, min_lr)`` then ``cooldown``, each applied iff it moves the lr by
  more than ``eps``; after ``reset_start`` lowerings that leave every lr at ``min_lr`` (counted
  since the last raise) the scale returns to 1 and ``best`` and the counts are cleared. With
  ``smooth_window=W`` (:func:`plateau_config`; its ``smooth=True``) the rule sees the mean of
  the last ``W`` reports, every report entering the window, held ones included; a reset
  empties it.
- ``"paddle"``: Paddle's ``ReduceOnPlateau`` exactly: an evaluation with cooldown left only
  counts it down (``best`` and the bad count kept, unlike torch); the first evaluation sets
  ``best`` whatever its value; ``m < best - best*rtol`` (``rel``) or ``m < best - atol``
  (``abs``); more than ``patience`` bad evaluations lower the lr as torch does.

``floor = max(min_scale, min_lr / base_lr)``. In every semantics a NaN metric is a bad
evaluation (paddle: unless it is the first, which becomes ``best``), ``best`` is updated during
cooldown while bad evaluations are ignored (paddle: neither; greedy: both held), and a trigger
resets the bad count and starts the cooldown even when the floor or ``eps`` blocks the
reduction (as torch). With ``best < 0`` the torch and optax rule ``best*(1 - rtol)`` lies
*above* ``best``: a constant negative loss counts as improving forever and the scale never
drops (optax#1767; torch in ``rel`` mode alike). ``native`` takes the margin on ``|best|``.
The metric passed with update ``k`` acts on update ``k`` (as optax); torch's ``lr`` after
``step(m_k)`` equals the scale after the report ``m_k`` times ``base_lr``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from jaxsched.core import validate as v
from jaxsched.core.types import Steps, Value, Values
from jaxsched.training.plateau_rule import PlateauConfig, PlateauState, plateau_init, plateau_update

if TYPE_CHECKING:
    import jax
    import optax

__all__ = [
    "PlateauConfig",
    "PlateauSchedule",
    "PlateauState",
    "plateau_config",
    "plateau_from_optax",
    "plateau_from_torch",
    "plateau_init",
    "plateau_scale",
    "plateau_transform",
    "plateau_update",
    "reduce_on_plateau",
]

_SEMANTICS = ("native", "torch", "optax", "keras", "greedy", "paddle")


def plateau_config(
    factor: Value = 0.1,
    patience: Steps = 10,
    threshold: Value = 1e-4,
    threshold_mode: str = "rel",
    cooldown: Steps = 0,
    mode: str = "min",
    min_scale: Value = 0.0,
    min_lr: Value | Values | None = None,
    base_lr: Value | Values | None = None,
    window: Steps = 1,
    semantics: str = "native",
    eps: Value | None = None,
    skip: Steps = 0,
    *,
    max_lr: Value | Values | None = None,
    warmup: Steps | None = None,
    reset_start: Steps | None = None,
    smooth_window: int | None = None,
) -> PlateauConfig:
    """A validated :class:`PlateauConfig`; the arguments are those of :func:`reduce_on_plateau`.

    ``semantics="greedy"`` (HF ``GreedyLR``, which also raises the lr) also takes ``max_lr``
    (lr units, > 0; needs ``base_lr``), ``warmup`` (reports held after a raise, >= 0; default
    0), ``reset_start`` (lowerings at ``min_lr`` before a reset, >= 0; default 500) and
    ``smooth_window`` (``GreedyLR(smooth=True, window_size=W)``: the rule sees the mean of the
    last ``W`` reports, fewer at the start, every report fed, held ones included; a reset
    empties the window. A Python int >= 1, static: it sets the state's shape; ``None``, the
    default, does not smooth); it needs ``window=1`` and ``skip=0``. Other semantics refuse
    them.

    Use it with :func:`plateau_init` / :func:`plateau_update` (or a torch bridge). Array
    arguments broadcast into the state (e.g. one ``min_lr`` and ``base_lr`` per param group);
    ``min_lr`` and ``base_lr`` also take lists (one entry per param group, as torch's
    ``ReduceLROnPlateau(min_lr=[...])``). The torch bridge checks that such entries number its
    param groups.

    Raises:
      ValueError: an argument out of range (naming it); ``min_lr`` without ``base_lr``; list
        ``min_lr`` and ``base_lr`` of different lengths.
    """
    semantics = v.choice("semantics", semantics, _SEMANTICS)
    mode = v.choice("mode", mode, ("min", "max"))
    threshold_mode = v.choice("threshold_mode", threshold_mode, ("rel", "abs"))
    threshold = v.real("threshold", threshold, ge=0)
    if semantics == "optax":
        threshold = v.real("threshold", threshold, gt=0, le=1 if threshold_mode == "rel" else None,
                           hint=" (semantics='optax': rtol in (0, 1] or atol > 0)")
    if semantics == "keras" and threshold_mode != "abs":
        raise ValueError(f"semantics='keras' takes an absolute threshold (keras' `min_delta`): "
                         f"`threshold_mode` must be 'abs', got {threshold_mode!r}")
    rtol, atol = (threshold, 0.0) if threshold_mode == "rel" else (0.0, threshold)
    config = _build(factor, patience, rtol, atol, cooldown, mode, min_scale, min_lr, base_lr,
                    window, semantics, eps, skip)
    greedy = {"max_lr": max_lr, "warmup": warmup, "reset_start": reset_start,
              "smooth_window": smooth_window}
    if semantics != "greedy":
        for name, x in greedy.items():
            if x is not None:
                raise ValueError(f"`{name}` is used by semantics='greedy' only, got {name}={x!r} "
                                 f"with semantics={semantics!r}")
        return config
    if not v.is_traced(window) and np.ndim(window) == 0 and int(window) != 1:
        raise ValueError(f"`window` must be 1 with semantics='greedy' (GreedyLR's `smooth` is "
                         f"a rolling mean: pass `smooth_window`), got {window!r}")
    if config.skip is not None:
        raise ValueError(f"`skip` must be 0 with semantics='greedy', got {skip!r}")
    if max_lr is None or base_lr is None:
        raise ValueError(f"semantics='greedy' needs `max_lr` and `base_lr` (lr units), got "
                         f"max_lr={max_lr!r}, base_lr={base_lr!r}")
    max_lr = v.real("max_lr", _per_group_list("max_lr", max_lr), gt=0)
    warmup = v.integer("warmup", 0 if warmup is None else warmup, ge=0)
    reset_start = v.integer("reset_start", 500 if reset_start is None else reset_start, ge=0)
    if smooth_window is not None:
        smooth_window = v.integer("smooth_window", smooth_window, ge=1)
        if v.is_traced(smooth_window) or np.ndim(smooth_window) != 0:
            raise TypeError(f"`smooth_window` must be a Python int (it sets the state's shape), "
                            f"got {v.describe(smooth_window)}")
        smooth_window = int(smooth_window)
    return dataclasses.replace(config, max_lr=max_lr, warmup=warmup, reset_start=reset_start,
                               smooth_window=smooth_window)


def _build(factor: Any, patience: Any, rtol: Any, atol: Any, cooldown: Any, mode: str,
           min_scale: Any, min_lr: Any, base_lr: Any, window: Any, semantics: str,
           eps: Any, skip: Any = 0) -> PlateauConfig:
    factor = v.real("factor", factor, gt=0, lt=1)
    low = 1 if semantics == "optax" else 0
    patience = v.integer("patience", patience, ge=low, hint=" (semantics='optax' reduces on the "
                         "patience-th bad evaluation)" if low else "")
    cooldown = v.integer("cooldown", cooldown, ge=0)
    window = v.integer("window", window, ge=1)
    skip = v.integer("skip", skip, ge=0)
    if not v.is_traced(skip) and np.ndim(skip) == 0 and int(skip) == 0:
        skip = None  # no pytree leaf: configs batched for vmap need not batch it
    min_scale = v.real("min_scale", min_scale, ge=0, le=1)
    base_lr = v.real("base_lr", _per_group_list("base_lr", base_lr), gt=0, allow_none=True)
    min_lr = v.real("min_lr", _per_group_list("min_lr", min_lr), ge=0, allow_none=True)
    if min_lr is not None and base_lr is None:
        raise ValueError(f"`min_lr` needs `base_lr` (the floor is the scale min_lr / base_lr), got "
                         f"min_lr={min_lr!r} and base_lr=None; or give `min_scale` instead")
    if np.ndim(min_lr) == 1 and np.ndim(base_lr) == 1 and np.shape(min_lr) != np.shape(base_lr):
        raise ValueError(f"`min_lr` must have one entry per param group: got {np.shape(min_lr)[0]} "
                         f"entries and {np.shape(base_lr)[0]} in `base_lr`")
    eps = v.real("eps", eps, ge=0, allow_none=True)
    if semantics in ("optax", "keras") and eps is not None:
        raise ValueError(f"`eps` is not used with semantics={semantics!r}, got eps={eps!r}")
    if eps is None:
        eps = 1e-8 if semantics in ("torch", "greedy", "paddle") else 0.0
    return PlateauConfig(factor=factor, patience=patience, rtol=rtol, atol=atol, cooldown=cooldown,
                         min_scale=min_scale, min_lr=0.0 if min_lr is None else min_lr,
                         base_lr=1.0 if base_lr is None else base_lr, eps=eps, window=window,
                         skip=skip, mode=mode, semantics=semantics)


def _per_group_list(name: str, x: Any) -> Any:
    """A list or tuple (one entry per param group, as torch's ``min_lr=[...]``) as a float64
    array; anything else unchanged."""
    if not isinstance(x, (list, tuple)):
        return x
    if not x:
        raise ValueError(f"`{name}` must not be an empty list")
    return np.asarray([v.real(f"{name}[{i}]", e) for i, e in enumerate(x)], dtype=np.float64)


def plateau_transform(config: PlateauConfig) -> optax.GradientTransformationExtraArgs:
    """The optax transformation of a :class:`PlateauConfig` (see :func:`reduce_on_plateau`)."""
    import jax
    import jax.numpy as jnp
    import optax

    if not isinstance(config, PlateauConfig):
        raise TypeError(f"`config` must be a PlateauConfig, got {type(config).__name__}")
    for name in ("factor", "patience", "rtol", "atol", "cooldown", "min_scale", "min_lr",
                 "base_lr", "eps", "window", "skip", "max_lr", "warmup", "reset_start"):
        if np.ndim(getattr(config, name)) != 0:
            raise ValueError(f"`{name}` must be a scalar for the optax transformation (one scale "
                             f"for all updates), got shape {np.shape(getattr(config, name))}")

    def init_fn(params: Any) -> PlateauState:
        del params
        return plateau_init(config, xp=jnp)

    def update_fn(updates: Any, state: PlateauState, params: Any = None, *, value: Any,
                  **extra_args: Any) -> tuple[Any, PlateauState]:
        del params, extra_args
        state = plateau_update(config, state, value, xp=jnp)
        scale = state.scale
        def mul(g: Any) -> Any:  # multiply in the wider dtype, cast back (strict promotion safe)
            wider = jnp.issubdtype(g.dtype, jnp.floating) and g.dtype.itemsize < scale.dtype.itemsize
            dt = scale.dtype if wider else g.dtype
            return (g.astype(dt) * scale.astype(dt)).astype(g.dtype)

        updates = jax.tree.map(mul, updates)
        return updates, state

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def reduce_on_plateau(
    factor: Value = 0.1,
    patience: Steps = 10,
    threshold: Value = 1e-4,
    threshold_mode: str = "rel",
    cooldown: Steps = 0,
    mode: str = "min",
    min_scale: Value = 0.0,
    min_lr: Value | Values | None = None,
    base_lr: Value | Values | None = None,
    window: Steps = 1,
    semantics: str = "native",
    eps: Value | None = None,
    skip: Steps = 0,
) -> optax.GradientTransformationExtraArgs:
    r"""Multiply the updates by a scale that drops by ``factor`` when a metric stops improving.

    In min mode (max mode mirrors every inequality), with ``r = rtol`` and ``a = atol`` (one of
    them is ``threshold``, by ``threshold_mode``), an evaluated metric ``m`` improves when

    .. math::
        m < \mathrm{best} - r\,|\mathrm{best}| - a \quad (\text{native}), \qquad
        m < \mathrm{best}\,(1 - r) - a \quad (\text{torch, optax}),

    and after ``patience + 1`` consecutive bad evaluations (``patience`` for ``optax``)
    outside cooldown, :math:`s \leftarrow \max(s \cdot \mathrm{factor}, \mathrm{floor})` with
    :math:`\mathrm{floor} = \max(\mathrm{min\_scale}, \mathrm{min\_lr}/\mathrm{base\_lr})`.
    The module docstring tabulates the three semantics.

    Args:
      factor: multiplier of a reduction, in (0, 1). Default 0.1.
      patience: bad evaluations tolerated; the next one reduces (native, torch). Integer >= 0
        (>= 1 for ``optax``, which reduces on the ``patience``-th). Default 10.
      threshold: improvement margin, >= 0 (``optax``: > 0, and <= 1 in ``rel`` mode).
      threshold_mode: ``"rel"`` (``threshold`` is ``rtol``) or ``"abs"`` (it is ``atol``).
      cooldown: evaluations after a reduction during which bad evaluations are ignored (>= 0).
      mode: ``"min"`` (a lower metric is better) or ``"max"``.
      min_scale: lowest scale, in [0, 1]. Default 0.
      min_lr: lowest learning rate (>= 0); needs ``base_lr``; the floor is ``min_lr/base_lr``.
      base_lr: the learning rate that scale 1 stands for (> 0); ``None`` means 1.
      window: reports averaged per evaluation (>= 1); evaluations on every ``window``-th report.
      semantics: ``"native"`` (sign-correct), ``"torch"``, ``"optax"``, ``"keras"`` or
        ``"paddle"`` (exact peers; ``"keras"`` needs ``threshold_mode="abs"``). ``"greedy"``
        (HF ``GreedyLR``) needs :func:`plateau_config`'s ``max_lr``:
        ``plateau_transform(plateau_config(...))``.
      eps: a reduction smaller than ``eps`` (lr units) is skipped. ``None``: 1e-8 for torch,
        paddle and greedy, 0 for native; not used by optax and keras.
      skip: reports ignored at the start (>= 0; default 0, held as ``None``), as timm's
        ``PlateauLRScheduler`` ignores the metrics of its ``warmup_t`` warmup epochs.

    Returns:
      An ``optax.GradientTransformationExtraArgs``; its ``update`` needs ``value=`` (the metric)
      and returns the updates times the new scale (cast back to each update's dtype). Its state
      is a :class:`PlateauState`; read the scale with :func:`plateau_scale`.

    Raises:
      ValueError: an argument out of range (naming it), ``min_lr`` without ``base_lr``.
      TypeError: a non-numeric number argument or a non-string option.

    Example:
      >>> import jax.numpy as jnp, optax
      >>> from jaxsched.training.plateau import reduce_on_plateau, plateau_scale
      >>> tx = optax.chain(optax.sgd(0.1), reduce_on_plateau(factor=0.5, patience=2))
      >>> params = jnp.zeros(2)
      >>> state = tx.init(params)
      >>> scales = []
      >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0]:
      ...     _, state = tx.update(jnp.ones(2), state, params, value=loss)
      ...     scales.append(round(float(plateau_scale(state)), 6))
      >>> scales
      [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]

    Equivalents:
      torch: ``ReduceLROnPlateau(opt, mode, factor, patience, threshold, threshold_mode,
      cooldown, min_lr, eps)`` is ``semantics="torch"`` with ``base_lr=lr`` (see
      :func:`plateau_from_torch`): torch's ``lr / base_lr`` equals the scale. optax:
      ``contrib.reduce_on_plateau(factor, patience, rtol, atol, cooldown, accumulation_size,
      min_scale)`` is ``semantics="optax"`` (:func:`plateau_from_optax`). Keras
      ``ReduceLROnPlateau(factor, patience, min_delta, cooldown, min_lr)`` is
      ``semantics="keras"`` with ``threshold_mode="abs"`` and ``base_lr=lr``
      (``from_config`` name ``keras.ReduceLROnPlateau``). Deliberate differences: ``factor``
      must lie in (0, 1) (torch accepts <= 0), ``min_scale`` in [0, 1], ``patience >= 1`` for ``optax``
      (optax's ``patience=0`` reduces on every improvement).
    """
    return plateau_transform(plateau_config(factor, patience, threshold, threshold_mode, cooldown,
                                            mode, min_scale, min_lr, base_lr, window, semantics,
                                            eps, skip))


def plateau_from_torch(
    mode: str = "min",
    factor: Value = 0.1,
    patience: Steps = 10,
    threshold: Value = 1e-4,
    threshold_mode: str = "rel",
    cooldown: Steps = 0,
    min_lr: Value | Values = 0.0,
    eps: Value = 1e-8,
    *,
    lr: Value | Values = 1.0,
) -> optax.GradientTransformationExtraArgs:
    """torch's ``ReduceLROnPlateau`` with its parameter names and defaults, as a transformation.

    ``lr`` is the optimizer's learning rate (the scale is torch's ``lr / lr_0``; ``min_lr`` and
    ``eps`` are in its units). Same as ``reduce_on_plateau(semantics="torch", base_lr=lr, ...)``;
    torch reduces on the ``patience + 1``-th bad evaluation. A per-group ``min_lr`` list needs
    :func:`plateau_config` with array arguments. Raises as :func:`reduce_on_plateau`.

    Example (anchors: ``patience=2``, constant metric, lrs ``[1, 1, 1, .5, .5, .5, .25]``):
      >>> import jax.numpy as jnp
      >>> from jaxsched.training.plateau import plateau_from_torch
      >>> tx = plateau_from_torch(factor=0.5, patience=2, lr=0.1)
      >>> state = tx.init(jnp.zeros(1))
      >>> for metric in [1.0] * 7:
      ...     updates, state = tx.update(jnp.ones(1), state, value=metric)
      >>> round(float(state.scale) * 0.1, 6)
      0.025
    """
    return reduce_on_plateau(factor, patience, threshold, threshold_mode, cooldown, mode,
                             0.0, min_lr, lr, 1, "torch", eps)


def plateau_from_optax(
    factor: Value = 0.1,
    patience: Steps = 10,
    rtol: Value = 1e-4,
    atol: Value = 0.0,
    cooldown: Steps = 0,
    accumulation_size: Steps = 1,
    min_scale: Value = 0.0,
) -> optax.GradientTransformationExtraArgs:
    """``optax.contrib.reduce_on_plateau`` with its parameter names and defaults (exact).

    A drop-in replacement: the same scale sequence, improvement ``avg < (1 - rtol)*best - atol``
    (both terms, not sign-correct), reduction on the ``patience``-th bad evaluation (>= 1
    here). ``accumulation_size`` is ``window``. Raises as optax does (``rtol`` in [0, 1],
    ``atol >= 0``, not both 0), naming the parameter.

    Example (anchors: ``patience=2``, constant value, scales ``[1, 1, .5, .5, .25]``):
      >>> import jax.numpy as jnp
      >>> from jaxsched.training.plateau import plateau_from_optax
      >>> tx = plateau_from_optax(factor=0.5, patience=2)
      >>> state = tx.init(jnp.zeros(1))
      >>> for value in [1.0] * 5:
      ...     updates, state = tx.update(jnp.ones(1), state, value=value)
      >>> round(float(updates[0]), 6)
      0.25
    """
    rtol = v.real("rtol", rtol, ge=0, le=1)
    atol = v.real("atol", atol, ge=0)
    if not (v.is_traced(rtol) or v.is_traced(atol)) and np.all(np.asarray(rtol) == 0) and np.all(
            np.asarray(atol) == 0):
        raise ValueError("`rtol` and `atol` must not both be 0, got rtol=0 and atol=0")
    window = v.integer("accumulation_size", accumulation_size, ge=1)
    return plateau_transform(_build(factor, patience, rtol, atol, cooldown, "min", min_scale, None,
                                    None, window, "optax", None))


def plateau_scale(state: optax.OptState) -> jax.Array:
    """The current scale held by a :class:`PlateauState` anywhere in an optax state pytree.

    Raises:
      ValueError: ``state`` holds no :class:`PlateauState`, or more than one.
    """
    import jax

    found = [s for s in jax.tree_util.tree_leaves(state, is_leaf=lambda x: isinstance(x, PlateauState))
             if isinstance(s, PlateauState)]
    if len(found) != 1:
        raise ValueError(f"`state` must hold exactly one PlateauState, found {len(found)}")
    return found[0].scale


class PlateauSchedule(NamedTuple):
    """A metric-driven scheduler: a time-based ``schedule`` times the scale of a ``plateau``.

    What :func:`jaxsched.from_config` returns for the metric-driven names
    (``torch.ReduceLROnPlateau``, ``hf.reduce_lr_on_plateau``, ``timm.plateau``). The learning
    rate of update ``k`` is ``schedule(k) * scale``, the scale after the metrics reported so far
    (``plateau.base_lr`` is the lr that scale 1 stands for).

    Attributes:
      schedule: the learning rate without reductions (a constant ``lr``, or timm's warmup then
        ``lr``).
      plateau: the :class:`PlateauConfig` of the reductions.

    Example:
      >>> import jax.numpy as jnp, optax, jaxsched
      >>> spec = jaxsched.from_config({"type": "torch.ReduceLROnPlateau",
      ...                              "params": {"lr": 0.1, "factor": 0.5, "patience": 0}})
      >>> tx = optax.chain(optax.sgd(spec.schedule), spec.transform())
      >>> params = jnp.zeros(1)
      >>> state = tx.init(params)
      >>> for loss in [1.0, 1.0]:
      ...     updates, state = tx.update(jnp.ones(1), state, params, value=loss)
      >>> round(float(updates[0]), 6)
      -0.05

    Equivalents:
      torch: ``ReduceLROnPlateau(opt, ...)`` is ``jaxsched.torch.Scheduler.from_config(opt,
      cfg)`` (``Scheduler(opt, spec.schedule, plateau=spec.plateau)``, ``step(metric)``).
    """

    schedule: Any
    plateau: PlateauConfig

    def transform(self) -> Any:
        """The optax transformation of :attr:`plateau` (:func:`plateau_transform`); chain it
        after an optimizer driven by :attr:`schedule`."""
        return plateau_transform(self.plateau)

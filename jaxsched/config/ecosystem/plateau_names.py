"""Metric-driven schedulers by their peers' names: torch, HF, timm and Keras reduce-on-plateau.

``torch.ReduceLROnPlateau``, ``hf.reduce_lr_on_plateau``, ``timm.plateau`` (also
``timm.PlateauLRScheduler``) and ``keras.ReduceLROnPlateau`` (the callback's rules) take their
home library's parameter names and defaults, plus ``lr`` (the optimizer's, or its group's,
learning rate; default 1.0: the schedule is then a multiplier). A metric-driven scheduler is no
function of the step alone, so :func:`jaxsched.from_config` returns a
:class:`jaxsched.PlateauSchedule`: the time-based ``schedule`` (the constant ``lr``; timm: its
warmup, then ``lr``) and the ``plateau`` (:class:`jaxsched.PlateauConfig`,
``semantics="torch"``, Keras: ``"keras"``, with ``base_lr=lr``: the state machine that
:func:`jaxsched.reduce_on_plateau` and the torch bridge run). The learning rate after the
metrics ``m_0 .. m_{k-1}`` is ``schedule(k) * scale``:

- optax: ``optax.chain(optax.sgd(spec.schedule), spec.transform())`` with
  ``update(..., value=metric)``;
- torch: ``jaxsched.torch.Scheduler.from_config(optimizer, cfg)`` gives a bridge whose
  ``step(metric)`` writes the lr that the peer's ``step(metric)`` writes (for timm, whose
  ``step(epoch + 1, metric)`` is called at each epoch end, ``step(metric)`` once per epoch).

A per-group ``min_lr`` list (torch, HF) gives one :class:`~jaxsched.PlateauSchedule` per group
from ``from_config`` (:mod:`jaxsched.config.groups`); the torch bridge joins them into one
plateau with per-group ``base_lr`` and ``min_lr`` arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.sequence import join_schedules
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule
from jaxsched.training.plateau import PlateauSchedule, plateau_config

__all__ = ["torch_reduce_lr_on_plateau", "hf_reduce_lr_on_plateau", "timm_plateau",
           "keras_reduce_lr_on_plateau", "hf_greedy"]


def _given(peer: str, **params: Any) -> None:
    """Refuse ``None`` for parameters whose peer has no "not given" value (its default is a
    number): :func:`jaxsched.reduce_on_plateau` reads ``None`` as its own per-semantics default,
    which would hide the mistake."""
    for name, x in params.items():
        if x is None:
            raise TypeError(f"`{name}` must be a number, got None ({peer} has no None for it)")


def _torch(lr: Any, mode: str, factor: Any, patience: Any, threshold: Any, threshold_mode: str,
           cooldown: Any, min_lr: Any, eps: Any) -> PlateauSchedule:
    _given("torch's ReduceLROnPlateau", min_lr=min_lr, eps=eps)
    lr = v.real("lr", lr, gt=0, hint=" (the optimizer's learning rate)")
    plateau = plateau_config(factor, patience, threshold, threshold_mode, cooldown, mode,
                             min_lr=min_lr, base_lr=lr, semantics="torch", eps=eps)
    return PlateauSchedule(constant_schedule(lr), plateau)


@register("torch.ReduceLROnPlateau")
def torch_reduce_lr_on_plateau(
    mode: str = "min", factor: Any = 0.1, patience: Any = 10, threshold: Any = 1e-4,
    threshold_mode: str = "rel", cooldown: Any = 0, min_lr: Any = 0.0, eps: Any = 1e-8,
    lr: Any = 1.0,
) -> PlateauSchedule:
    """torch ``ReduceLROnPlateau``: ``lr`` reduced by ``factor`` when the metric plateaus.

    The (``patience`` + 1)-th consecutive bad metric outside ``cooldown`` sets
    ``lr = max(lr * factor, min_lr)`` if that lowers it by more than ``eps`` (torch 2.13,
    ``semantics="torch"`` of :func:`jaxsched.reduce_on_plateau`). ``min_lr`` may be a list,
    one entry per param group.

    Raises:
      ValueError: an argument out of range, naming it (``factor`` must lie in (0, 1); torch
        also accepts ``factor <= 0``).
      TypeError: a non-numeric number or a non-string option.

    Example:
      >>> import jaxsched
      >>> spec = jaxsched.from_config({"type": "torch.ReduceLROnPlateau",
      ...                              "params": {"lr": 0.1, "patience": 2}})
      >>> spec.plateau.semantics, spec.plateau.patience, round(float(spec.schedule(5)), 6)
      ('torch', 2, 0.1)

    Equivalents:
      torch: ``ReduceLROnPlateau(opt, mode, factor, patience, threshold, threshold_mode,
      cooldown, min_lr, eps)``. jaxsched: :func:`jaxsched.plateau_from_torch`.
    """
    return _torch(lr, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps)


@register("hf.reduce_lr_on_plateau")
def hf_reduce_lr_on_plateau(
    num_warmup_steps: Any = None, num_training_steps: Any = None, mode: str = "min",
    factor: Any = 0.1, patience: Any = 10, threshold: Any = 1e-4, threshold_mode: str = "rel",
    cooldown: Any = 0, min_lr: Any = 0.0, eps: Any = 1e-8, lr: Any = 1.0,
) -> PlateauSchedule:
    """HF ``reduce_lr_on_plateau``: torch's ``ReduceLROnPlateau`` with the scheduler kwargs.

    ``get_scheduler`` passes ``scheduler_specific_kwargs`` (the Trainer's
    ``lr_scheduler_kwargs``) to ``ReduceLROnPlateau`` and ignores the step counts, as here; the
    Trainer steps it with the evaluation metric (``metric_for_best_model``). See
    :func:`torch_reduce_lr_on_plateau`.

    Equivalents:
      HF: ``get_scheduler("reduce_lr_on_plateau", opt, scheduler_specific_kwargs={...})``.
      torch: ``ReduceLROnPlateau(opt, **kwargs)``.
    """
    for name, x in (("num_warmup_steps", num_warmup_steps), ("num_training_steps", num_training_steps)):
        v.integer(name, x, ge=0, allow_none=True)  # ignored, as HF does, but checked
    return _torch(lr, mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps)


@register("timm.plateau", "timm.PlateauLRScheduler")
def timm_plateau(
    decay_rate: Any = 0.1, patience_t: Any = 10, verbose: bool = True, threshold: Any = 1e-4,
    cooldown_t: Any = 0, warmup_t: Any = 0, warmup_lr_init: Any = 0.0, lr_min: Any = 0.0,
    mode: str = "max", noise_range_t: Any = None, noise_type: str = "normal",
    noise_pct: Any = 0.67, noise_std: Any = 1.0, noise_seed: Any = None, initialize: bool = True,
    lr: Any = 1.0,
) -> PlateauSchedule:
    """timm ``PlateauLRScheduler``: a linear warmup, then torch's ``ReduceLROnPlateau``.

    timm (1.0.31, ``timm/scheduler/plateau_lr.py``) writes ``warmup_lr_init`` at construction
    and, at ``step(epoch, metric)``, the ramp ``warmup_lr_init + epoch (lr - warmup_lr_init) /
    warmup_t`` while ``epoch <= warmup_t`` (the metric unused); after it, torch's
    ``ReduceLROnPlateau(factor=decay_rate, patience=patience_t, threshold=threshold,
    cooldown=cooldown_t, mode=mode, min_lr=lr_min)`` steps with the metric. Here the schedule is
    the ramp then ``lr``, and the plateau ignores the first ``warmup_t`` reports (``skip``): one
    report per epoch, the metric of epoch ``e`` reported after it, as timm's
    ``step(e + 1, metric)``. ``mode`` defaults to ``"max"`` (an accuracy). ``verbose`` (older
    timm) and ``initialize`` are accepted and ignored.

    Raises:
      ValueError: ``noise_range_t`` set: timm's noise perturbs the lr written after each step
        and is removed before the next reduction, which no product of a schedule and a plateau
        scale reproduces (not mapped); an argument out of range, naming it.

    Equivalents:
      timm: ``PlateauLRScheduler(opt, decay_rate, patience_t, ...)``, ``create_scheduler`` with
      ``sched="plateau"``. torch: ``ReduceLROnPlateau`` after a warmup.
    """
    v.boolean("verbose", verbose)
    v.boolean("initialize", initialize)
    if noise_range_t is not None:
        raise ValueError(
            f"`noise_range_t` is not supported for timm.plateau (got {v.describe(noise_range_t)}): timm "
            "perturbs the written lr and restores it before the next plateau step, which jaxsched "
            "does not map; leave noise_range_t=None"
        )
    # the noise options, unused without noise_range_t, are checked as timm's Scheduler takes them
    v.choice("noise_type", noise_type, ("normal", "uniform"))
    v.real("noise_pct", noise_pct, ge=0, le=1)
    v.real("noise_std", noise_std, gt=0)
    v.integer("noise_seed", noise_seed, allow_none=True)  # timm: noise_seed=None, any int seeds
    _given("timm's PlateauLRScheduler", lr_min=lr_min)
    v.real("lr_min", lr_min, scalar=True, hint=" (timm's lr_min is one float)")
    lr = v.real("lr", lr, gt=0, hint=" (the optimizer's learning rate)")
    w = v.integer("warmup_t", warmup_t, ge=0)
    init = v.real("warmup_lr_init", warmup_lr_init)
    schedule = join_schedules([linear_schedule(init, lr, w), constant_schedule(lr)], [w])
    with v.renamed({"factor": "decay_rate", "patience": "patience_t", "cooldown": "cooldown_t",
                    "min_lr": "lr_min"}):
        plateau = plateau_config(decay_rate, patience_t, threshold, "rel", cooldown_t, mode,
                                 min_lr=lr_min, base_lr=lr, semantics="torch", skip=w)
    return PlateauSchedule(schedule, plateau)


@register("keras.ReduceLROnPlateau")
def keras_reduce_lr_on_plateau(
    monitor: str = "val_loss", factor: Any = 0.1, patience: Any = 10, verbose: Any = 0,
    mode: str = "auto", min_delta: Any = 1e-4, cooldown: Any = 0, min_lr: Any = 0.0,
    lr: Any = 1.0,
) -> PlateauSchedule:
    """Keras ``callbacks.ReduceLROnPlateau``: the lr lowered on the ``patience``-th bad epoch.

    Keras 3 (``keras/src/callbacks/reduce_lr_on_plateau.py``), at each epoch end with the
    monitored metric ``m``: a cooldown epoch counts the cooldown down and clears the wait; ``m``
    improves iff ``m < best - min_delta`` (``"max"``: ``m > best + min_delta``; absolute, no
    relative margin); otherwise, outside the remaining cooldown, the wait grows by one and at
    ``wait >= patience`` the lr becomes ``max(lr * factor, min_lr)`` if ``lr > min_lr``, which
    alone restarts the wait and the cooldown. ``mode="auto"`` is ``"max"`` when ``"acc"`` is in
    ``monitor``, else ``"min"``. The plateau is ``semantics="keras"`` with ``base_lr=lr``
    (:func:`jaxsched.reduce_on_plateau`); report one metric per epoch. Keras holds the lr in a
    float32 variable; here it is computed in the state's float dtype (float64 on the host).

    Args:
      monitor: the metric's name (only read by ``mode="auto"``).
      factor: multiplier of a reduction, in (0, 1) (keras refuses ``>= 1``).
      patience: bad epochs that trigger a reduction (integer >= 0; 0 acts as 1).
      verbose: accepted and ignored.
      mode: ``"auto"``, ``"min"`` or ``"max"``.
      min_delta: absolute improvement margin, >= 0.
      cooldown: epochs after a reduction in which bad epochs are not counted (>= 0).
      min_lr: lowest learning rate (>= 0).
      lr: the optimizer's learning rate (> 0; default 1: the schedule is a multiplier).

    Raises:
      ValueError: an argument out of range or an unknown ``mode``, naming it (keras warns and
        falls back to ``"auto"`` for an unknown mode; refused here).
      TypeError: a non-string ``monitor`` or ``mode``, a non-numeric number.

    Example:
      >>> import jaxsched
      >>> spec = jaxsched.from_config({"type": "keras.ReduceLROnPlateau", "params": {
      ...     "monitor": "val_accuracy", "patience": 2, "lr": 0.01}})
      >>> spec.plateau.semantics, spec.plateau.mode, float(spec.plateau.atol)
      ('keras', 'max', 0.0001)

    Equivalents:
      keras: ``ReduceLROnPlateau(monitor, factor, patience, verbose, mode, min_delta, cooldown,
      min_lr)``. torch: ``ReduceLROnPlateau(threshold_mode="abs", patience=patience - 1)``
      differs in the cooldown and the reset at the floor. optax:
      ``contrib.reduce_on_plateau(rtol=0, atol=min_delta)`` is close (its wait resets at the
      floor).
    """
    if not isinstance(monitor, str):
        raise TypeError(f"`monitor` must be a string (the metric's name), got {monitor!r}")
    v.integer("verbose", verbose, ge=0, hint=" (keras: 0 quiet, 1 update messages)")
    _given("keras' ReduceLROnPlateau", min_lr=min_lr)
    v.real("min_lr", min_lr, scalar=True, hint=" (keras takes one float, no per-group list)")
    min_delta = v.real("min_delta", min_delta, ge=0, hint=" (keras' absolute margin)")
    mode = v.choice("mode", mode, ("auto", "min", "max"))
    if mode == "auto":
        mode = "max" if "acc" in monitor else "min"
    lr = v.real("lr", lr, gt=0, hint=" (the optimizer's learning rate)")
    plateau = plateau_config(factor, patience, min_delta, "abs", cooldown, mode, min_lr=min_lr,
                             base_lr=lr, semantics="keras")
    return PlateauSchedule(constant_schedule(lr), plateau)


@register("hf.greedy", "hf.GreedyLR")
def hf_greedy(
    num_warmup_steps: Any = None, num_training_steps: Any = None, mode: str = "min",
    factor: Any = 0.95, patience: Any = 10, threshold: Any = 1e-6, threshold_mode: str = "abs",
    cooldown: Any = 0, warmup: Any = 0, min_lr: Any = 1e-3, max_lr: Any = 1.0, eps: Any = 1e-8,
    verbose: bool = False, smooth: bool = False, window_size: Any = 50, reset_start: Any = 500,
    lr: Any = 1.0,
) -> PlateauSchedule:
    """HF ``GreedyLR`` (``get_scheduler("greedy")``): the lr raised and lowered by the metric.

    transformers (5.24, ``src/transformers/optimization.py``, ``GreedyLR.step``): while a
    cooldown or warmup is left, a report only counts it down (good and bad counts cleared,
    ``best`` kept). Otherwise the metric improves on ``best`` as in torch's
    ``ReduceLROnPlateau`` (``threshold_mode``); after more than ``patience`` consecutive good
    reports ``lr = min(lr / factor, max_lr)`` and ``warmup`` reports are held; after more than
    ``patience`` bad ones ``lr = max(lr * factor, min_lr)`` and ``cooldown`` reports are held;
    a change is applied only if it moves the lr by more than ``eps``. A lowering that leaves
    every param group at ``min_lr`` counts down ``reset_start`` (a raise restores it); at 0 the
    lrs return to their initial values and ``best`` and the counts are cleared (the cooldown
    still starts: the peer sets it after its reset). The plateau is ``semantics="greedy"`` with
    ``base_lr=lr`` (:func:`jaxsched.plateau_config`); report one metric per evaluation. The
    step counts are accepted and ignored, as ``get_scheduler`` does. ``smooth=True`` feeds
    the rule the rolling mean of the last ``window_size`` reports (``smooth_window`` of the
    plateau: a fixed-size window in the state, so it runs under ``jit`` and ``lax.scan`` and
    resumes from a checkpoint).

    Args:
      mode: ``"min"`` or ``"max"``.
      factor: multiplier of a lowering, divisor of a raise, in (0, 1). Default 0.95.
      patience: consecutive good (bad) reports tolerated before a raise (lowering), >= 0.
      threshold: improvement margin, >= 0; ``threshold_mode``: ``"abs"`` (default) or ``"rel"``.
      cooldown: reports held after a lowering (>= 0); warmup: after a raise (>= 0).
      min_lr: lowest lr (>= 0, default 1e-3); max_lr: highest lr (> 0, default 1.0); lists
        give one entry per param group.
      eps: smallest change applied (lr units, >= 0).
      verbose: accepted and ignored.
      smooth: feed the rule the rolling mean of the last ``window_size`` reports (fewer at
        the start) instead of the report: the peer's ``StreamingAverage`` (a running sum that
        adds the report, then subtracts the one leaving the window, divided by the reports
        held); every report enters it, held ones included, and a reset empties it.
      window_size: reports in the rolling mean (integer >= 1; static: it sets the state's
        shape); unused without ``smooth``.
      reset_start: lowerings at ``min_lr`` before the reset (integer >= 0, default 500; the
        peer's negative values act as 0).
      lr: the optimizer's learning rate (> 0; default 1).

    Raises:
      ValueError: an argument out of range, naming it (``window_size < 1``, where the peer
        divides by zero).
      TypeError: a non-numeric number or a non-string option.

    Example:
      >>> import jaxsched
      >>> spec = jaxsched.from_config({"type": "hf.greedy", "params": {
      ...     "lr": 0.01, "patience": 2, "min_lr": 1e-4, "max_lr": 0.1}})
      >>> spec.plateau.semantics, float(spec.plateau.max_lr), spec.plateau.reset_start
      ('greedy', 0.1, 500)

    Equivalents:
      HF: ``get_scheduler("greedy", opt, scheduler_specific_kwargs={...})``,
      ``GreedyLR(opt, ...)``; the Trainer steps it with ``metric_for_best_model``. torch and
      optax have no scheduler that raises the lr on improvement.
    """
    for name, x in (("num_warmup_steps", num_warmup_steps), ("num_training_steps", num_training_steps)):
        v.integer(name, x, ge=0, allow_none=True)  # ignored, as HF does, but checked
    v.boolean("verbose", verbose)
    v.boolean("smooth", smooth)
    window_size = v.integer("window_size", window_size, ge=1)
    if v.is_traced(window_size) or np.ndim(window_size) != 0:
        raise TypeError(f"`window_size` must be a Python int (it sets the plateau state's shape), "
                        f"got {v.describe(window_size)}")
    lr = v.real("lr", lr, gt=0, hint=" (the optimizer's learning rate)")
    _given("transformers' GreedyLR", warmup=warmup, min_lr=min_lr, eps=eps, reset_start=reset_start)
    plateau = plateau_config(factor, patience, threshold, threshold_mode, cooldown, mode,
                             min_lr=min_lr, base_lr=lr, semantics="greedy", eps=eps,
                             max_lr=max_lr, warmup=warmup, reset_start=reset_start,
                             smooth_window=int(window_size) if smooth else None)
    return PlateauSchedule(constant_schedule(lr), plateau)

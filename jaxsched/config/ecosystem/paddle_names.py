"""PaddlePaddle's lr schedulers by their names: ``paddle.<Name>`` (``paddle.optimizer.lr``).

Parameters are each class's own (``learning_rate``, ``T_max``, ``end_lr``, ...) with Paddle's
defaults (paddlepaddle 3.3.1, ``python/paddle/optimizer/lr.py``); ``last_epoch`` must be -1 and
``verbose`` is accepted and ignored.

**Step convention.** A Paddle ``LRScheduler`` calls ``step()`` once when built (``last_epoch``
becomes 0 and ``last_lr = get_lr()``), the optimizer reads ``last_lr``, and the training loop
calls ``scheduler.step()`` after each ``optimizer.step()`` (per iteration, or per epoch). So
update ``k`` uses ``get_lr()`` at ``last_epoch = k``: count ``k`` is Paddle's ``last_epoch``
(for a per-epoch scheduler, count epochs, or put the schedule on an epoch clock).

**Quirks reproduced.** ``NoamDecay`` is 0 at step 0 (``min(1, 0)``). ``PiecewiseDecay`` takes
the last of ``values`` after the last boundary (extra values in between are never used).
``PolynomialDecay(cycle=True)`` reaches ``end_lr`` at every multiple of ``decay_steps`` and
restarts on a longer period (TensorFlow's rule). ``LinearWarmup`` ramps from ``start_lr`` to
``end_lr`` over ``warmup_steps``, then jumps to its ``learning_rate`` (a number, or a scheduler
config run on ``k - warmup_steps``). ``CosineAnnealingDecay`` is torch's periodic cosine
(Paddle steps the same recursion). ``LinearLR``, ``CyclicLR``, ``MultiplicativeDecay``,
``CosineAnnealingWarmRestarts`` equal torch's ``LinearLR`` (``total_steps`` for
``total_iters``), ``CyclicLR`` (without momentum), ``MultiplicativeLR`` and
``CosineAnnealingWarmRestarts``. ``OneCycleLR`` is torch's with ``divide_factor`` and an
absolute ``end_learning_rate`` (default 1e-4).

**Deliberate differences**, each raising at construction (naming the parameter) unless noted:
values Paddle accepts but that make a learning rate negative, infinite or undefined at some
update (``gamma < 0``; ``NoamDecay(warmup_steps=0)``, where Paddle divides by zero; unsorted
``PiecewiseDecay`` boundaries); a custom ``CyclicLR.scale_fn``; a ``ReduceOnPlateau`` inside
``LinearWarmup``. ``OneCycleLR`` holds ``end_learning_rate`` from
``total_steps - 1`` on (Paddle extrapolates at ``total_steps`` and raises after it), and
``end_learning_rate=0`` is taken as ``final_div_factor = 1e30`` (an end value of 1e-30 times
the start value ``M / divide_factor``, finite in float32).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from jaxsched.config.ecosystem import torch_names
from jaxsched.config.ecosystem.fairseq_names import _concrete
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import boundary_list, join_schedules
from jaxsched.schedules.annealing import polynomial_decay
from jaxsched.schedules.cyclic import cyclic_schedule
from jaxsched.schedules.decay import multistep_decay, piecewise_constant_values, step_decay
from jaxsched.schedules.exponential import exponential_decay
from jaxsched.schedules.inverse import inverse_sqrt_decay, inverse_time_decay
from jaxsched.schedules.onecycle import one_cycle
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule
from jaxsched.training.plateau import PlateauSchedule, plateau_config

__all__ = [
    "paddle_noam_decay", "paddle_piecewise_decay", "paddle_natural_exp_decay",
    "paddle_inverse_time_decay", "paddle_polynomial_decay", "paddle_linear_warmup",
    "paddle_exponential_decay", "paddle_multi_step_decay", "paddle_step_decay",
    "paddle_lambda_decay", "paddle_multiplicative_decay", "paddle_one_cycle_lr",
    "paddle_cyclic_lr", "paddle_cosine_annealing_decay", "paddle_linear_lr",
    "paddle_cosine_annealing_warm_restarts", "paddle_reduce_on_plateau",
]


# ---------------------------------------------------------------------------------- helpers
def _fresh(last_epoch: Any, verbose: Any) -> None:
    v.boolean("verbose", verbose)
    e = v.integer("last_epoch", last_epoch)
    if v.is_traced(e) or e != -1:
        raise ValueError(
            f"`last_epoch` must be -1 (a fresh scheduler), got {e!r}; a jaxsched schedule is a "
            "function of the optimizer count: to resume, restore the optimizer state (its count)"
        )


def _lr(x: Any, name: str = "learning_rate") -> Any:
    return v.real(name, x, ge=0, scalar=True, hint=" (Paddle raises 'Invalid learning rate')")


def _gamma(gamma: Any, *, gt: float | None = None, ge: float | None = None,
           lt: float | None = None) -> Any:
    return v.real("gamma", gamma, gt=gt, ge=ge, lt=lt)


def _positive_int(name: str, x: Any) -> Any:
    return v.integer(name, x, gt=0, hint=" (Paddle asserts a positive integer)")


# ---------------------------------------------------------------------------------- names
@register("paddle.NoamDecay")
def paddle_noam_decay(d_model: Any, warmup_steps: Any, learning_rate: Any = 1.0,
                      last_epoch: Any = -1, verbose: bool = False) -> Schedule:
    r"""Paddle ``NoamDecay``: ``lr d_model**-0.5 min(k**-0.5, k W**-1.5)``, 0 at ``k = 0``.

    Linear ``lr d_model**-0.5 W**-1.5 k`` up to the peak ``lr (d_model W)**-0.5`` at ``k = W``,
    then ``lr (d_model k)**-0.5``. Paddle evaluates ``min(1, 0) = 0`` at step 0. Built as
    ``join_schedules([linear_schedule(0, q W**-1.5 (W + 1), W + 1), inverse_sqrt_decay(q (W +
    1)**-0.5, W + 1)], [W + 1])`` with ``q = lr d_model**-0.5``.

    Args:
      d_model: the model width (``> 0``).
      warmup_steps: ``W``, an integer ``>= 1`` (Paddle divides by ``W**1.5``; 0 raises there).
      learning_rate: the factor ``lr`` (``>= 0``; default 1.0).
      last_epoch: must be -1. verbose: ignored.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "paddle.NoamDecay", "params": {
      ...     "d_model": 4, "warmup_steps": 4, "learning_rate": 2.0}})
      >>> [float(x) for x in s.evaluate(np.array([0, 2, 4, 16]), np)]
      [0.0, 0.25, 0.5, 0.25]

    Equivalents:
      paddle: ``paddle.optimizer.lr.NoamDecay(d_model, warmup_steps, learning_rate)``.
      NeMo: ``NoamAnnealing`` (which uses ``max(1, k)``).
    """
    _fresh(last_epoch, verbose)
    d = v.real("d_model", d_model, gt=0, hint=" (Paddle: 'd_model should be grater than 0')")
    w = v.integer("warmup_steps", warmup_steps, gt=0,
                  hint=" (Paddle computes warmup_steps**-1.5 and fails for 0)")
    q = _lr(learning_rate) * d ** -0.5
    ramp = linear_schedule(0.0, q * w ** -1.5 * (w + 1), w + 1)
    return join_schedules([ramp, inverse_sqrt_decay(q * (w + 1) ** -0.5, w + 1)],
                          boundary_list(w + 1))


@register("paddle.PiecewiseDecay")
def paddle_piecewise_decay(boundaries: Any, values: Any, last_epoch: Any = -1,
                           verbose: bool = False) -> Schedule:
    r"""Paddle ``PiecewiseDecay``: ``values[i]`` for ``boundaries[i-1] <= k < boundaries[i]``.

    After the last boundary Paddle returns ``values[-1]`` (so with more than
    ``len(boundaries) + 1`` values the ones in between are never used). Boundaries must be
    sorted (Paddle takes the first ``i`` with ``k < boundaries[i]``, which for unsorted lists is
    no piecewise schedule). Native: ``piecewise_constant_values(boundaries, values[:n] +
    values[-1:])``.

    Equivalents:
      paddle: ``PiecewiseDecay(boundaries, values)``. optax:
      ``piecewise_constant_schedule``. Keras: ``PiecewiseConstantDecay``.
    """
    _fresh(last_epoch, verbose)
    if isinstance(boundaries, (str, bytes)) or not hasattr(boundaries, "__len__"):
        raise TypeError(f"`boundaries` must be a list of steps, got {v.describe(boundaries)}")
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise TypeError(f"`values` must be a list of learning rates, got {v.describe(values)}")
    boundaries = v.sequence("boundaries", boundaries)
    n = len(boundaries)
    if n == 0:
        raise ValueError("`boundaries` must not be empty, got [] (Paddle raises)")
    if len(values) <= n:
        raise ValueError(
            f"`values` must have more elements than boundaries ({n}), got {len(values)} (Paddle "
            "raises)"
        )
    vals = list(values)
    return piecewise_constant_values(list(boundaries), vals[:n] + vals[-1:])


@register("paddle.NaturalExpDecay")
def paddle_natural_exp_decay(learning_rate: Any, gamma: Any, last_epoch: Any = -1,
                             verbose: bool = False) -> Schedule:
    r"""Paddle ``NaturalExpDecay``: ``lr exp(-gamma k)`` (``gamma > 0``, as Paddle asserts).

    Native: ``exponential_decay(lr, 1, exp(-gamma))``.

    Equivalents:
      paddle: ``NaturalExpDecay(learning_rate, gamma)``.
    """
    _fresh(last_epoch, verbose)
    g = _gamma(gamma, gt=0)
    if _concrete(g):
        rate = np.exp(-np.asarray(g, np.float64))
        rate = float(rate) if np.ndim(rate) == 0 else rate
    else:
        import jax.numpy as jnp

        rate = jnp.exp(-g)
    return exponential_decay(_lr(learning_rate), 1, rate)


@register("paddle.InverseTimeDecay")
def paddle_inverse_time_decay(learning_rate: Any, gamma: Any, last_epoch: Any = -1,
                              verbose: bool = False) -> Schedule:
    r"""Paddle ``InverseTimeDecay``: ``lr / (1 + gamma k)`` (``gamma >= 0``).

    Native: ``inverse_time_decay(lr, 1, gamma)``.

    Equivalents:
      paddle: ``InverseTimeDecay(learning_rate, gamma)``. Keras: ``InverseTimeDecay``.
    """
    _fresh(last_epoch, verbose)
    g = _gamma(gamma, ge=0)
    return inverse_time_decay(_lr(learning_rate), 1, g)


@register("paddle.PolynomialDecay")
def paddle_polynomial_decay(learning_rate: Any, decay_steps: Any, end_lr: Any = 0.0001,
                            power: Any = 1.0, cycle: bool = False, last_epoch: Any = -1,
                            verbose: bool = False) -> Schedule:
    r"""Paddle ``PolynomialDecay``: ``(lr - end_lr)(1 - k'/D')**power + end_lr``.

    Without ``cycle``: ``k' = min(k, D)``, ``D' = D``. With ``cycle``: ``k' = k`` and
    ``D' = D ceil(k / D)`` (``D`` at ``k = 0``): ``end_lr`` at every multiple of ``D``, then a
    restart on a longer period. ``decay_steps`` an integer ``>= 1``, ``power > 0`` (Paddle's
    asserts). Native: ``polynomial_decay(lr, D, end_lr, power, cycle)``.

    Equivalents:
      paddle: ``PolynomialDecay(learning_rate, decay_steps, end_lr, power, cycle)``. Keras:
      ``PolynomialDecay``.
    """
    _fresh(last_epoch, verbose)
    d = _positive_int("decay_steps", decay_steps)
    p = v.real("power", power, gt=0)
    return polynomial_decay(_lr(learning_rate), d, v.real("end_lr", end_lr), p,
                            v.boolean("cycle", cycle))


def _inner(learning_rate: Any) -> Schedule:
    if isinstance(learning_rate, Mapping):
        from jaxsched.config import from_config

        learning_rate = from_config(learning_rate)
    if isinstance(learning_rate, PlateauSchedule):
        raise ValueError(
            "`learning_rate` must not be a ReduceOnPlateau: Paddle's LinearWarmup steps its "
            "scheduler with step(epoch), which ReduceOnPlateau takes as the metric"
        )
    if isinstance(learning_rate, Schedule):
        return learning_rate
    return constant_schedule(_lr(learning_rate))


@register("paddle.LinearWarmup")
def paddle_linear_warmup(learning_rate: Any, warmup_steps: Any, start_lr: Any, end_lr: Any,
                         last_epoch: Any = -1, verbose: bool = False) -> Schedule:
    r"""Paddle ``LinearWarmup``: ``start_lr`` to ``end_lr`` over ``W`` steps, then ``learning_rate``.

    ``start_lr + (end_lr - start_lr) k / W`` for ``k < W``; from ``W`` on the value of
    ``learning_rate``: a number, or a scheduler (a config such as ``{"type":
    "paddle.CosineAnnealingDecay", "params": {...}}``, or a schedule) evaluated at ``k - W``
    (Paddle calls its ``step(k - W)``). Paddle asserts ``end_lr > start_lr`` and an integer
    ``W >= 1``. Native: ``join_schedules([linear_schedule(start_lr, end_lr, W), inner], [W])``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "paddle.LinearWarmup", "params": {
      ...     "learning_rate": 0.5, "warmup_steps": 2, "start_lr": 0.0, "end_lr": 1.0}})
      >>> [float(x) for x in s.evaluate(np.arange(4), np)]
      [0.0, 0.5, 0.5, 0.5]

    Equivalents:
      paddle: ``LinearWarmup(learning_rate, warmup_steps, start_lr, end_lr)``.
    """
    _fresh(last_epoch, verbose)
    w = _positive_int("warmup_steps", warmup_steps)
    lo, hi = v.real("start_lr", start_lr), v.real("end_lr", end_lr)
    if _concrete(lo, hi) and not np.all(np.asarray(hi) > np.asarray(lo)):
        raise ValueError(f"`end_lr` must be > start_lr ({lo!r}), got {hi!r} (Paddle asserts it)")
    inner = _inner(learning_rate)
    return join_schedules([linear_schedule(lo, hi, w), inner], boundary_list(w))


@register("paddle.ExponentialDecay")
def paddle_exponential_decay(learning_rate: Any, gamma: Any, last_epoch: Any = -1,
                             verbose: bool = False) -> Schedule:
    r"""Paddle ``ExponentialDecay``: ``lr gamma**k`` (``0 < gamma < 1``, Paddle's assert).

    Native: ``exponential_decay(lr, 1, gamma)``.

    Equivalents:
      paddle: ``ExponentialDecay(learning_rate, gamma)``. torch: ``ExponentialLR``.
    """
    _fresh(last_epoch, verbose)
    return exponential_decay(_lr(learning_rate), 1, _gamma(gamma, gt=0, lt=1))


@register("paddle.MultiStepDecay")
def paddle_multi_step_decay(learning_rate: Any, milestones: Any, gamma: Any = 0.1,
                            last_epoch: Any = -1, verbose: bool = False) -> Schedule:
    r"""Paddle ``MultiStepDecay``: ``lr gamma**(number of milestones <= k)``.

    Milestones strictly increasing, ``0 <= gamma < 1`` (Paddle raises for ``gamma >= 1``).
    Native: ``multistep_decay(lr, milestones, gamma)``.

    Equivalents:
      paddle: ``MultiStepDecay(learning_rate, milestones, gamma)``. torch: ``MultiStepLR``.
    """
    _fresh(last_epoch, verbose)
    if isinstance(milestones, (str, bytes, Mapping)) or not isinstance(milestones, (list, tuple)):
        raise TypeError(f"`milestones` must be a list or tuple of steps, got {milestones!r} of "
                        f"type {type(milestones).__name__} (Paddle raises)")
    ms = v.sorted_steps("milestones", list(milestones), strict=True)
    return multistep_decay(_lr(learning_rate), ms, _gamma(gamma, ge=0, lt=1))


@register("paddle.StepDecay")
def paddle_step_decay(learning_rate: Any, step_size: Any, gamma: Any = 0.1, last_epoch: Any = -1,
                      verbose: bool = False) -> Schedule:
    r"""Paddle ``StepDecay``: ``lr gamma**(k // step_size)`` (integer ``step_size >= 1``,
    ``0 <= gamma < 1``). Native: ``step_decay(lr, step_size, gamma)``.

    Equivalents:
      paddle: ``StepDecay(learning_rate, step_size, gamma)``. torch: ``StepLR``.
    """
    _fresh(last_epoch, verbose)
    s = _positive_int("step_size", step_size)
    return step_decay(_lr(learning_rate), s, _gamma(gamma, ge=0, lt=1))


@register("paddle.LambdaDecay")
def paddle_lambda_decay(learning_rate: Any, lr_lambda: Callable[[Any], Any], last_epoch: Any = -1,
                        verbose: bool = False) -> Schedule:
    r"""Paddle ``LambdaDecay``: ``lr * lr_lambda(k)``; ``lr_lambda`` must use array operations
    (see ``torch.LambdaLR``). The result does not serialise.

    Equivalents:
      paddle: ``LambdaDecay(learning_rate, lr_lambda)``. torch: ``LambdaLR``.
    """
    _fresh(last_epoch, verbose)
    return torch_names.lambda_lr(_lr(learning_rate), lr_lambda)


@register("paddle.MultiplicativeDecay")
def paddle_multiplicative_decay(learning_rate: Any, lr_lambda: Any, last_epoch: Any = -1,
                                verbose: bool = False) -> Schedule:
    r"""Paddle ``MultiplicativeDecay`` with a constant factor ``f``: ``lr f**k``.

    Paddle multiplies ``lr_lambda(1) ... lr_lambda(k)``; a number, or a callable returning one
    constant, is accepted (as ``torch.MultiplicativeLR``).

    Equivalents:
      paddle: ``MultiplicativeDecay(learning_rate, lr_lambda)``. torch: ``MultiplicativeLR``.
    """
    _fresh(last_epoch, verbose)
    return torch_names.multiplicative_lr(_lr(learning_rate), lr_lambda)


@register("paddle.OneCycleLR")
def paddle_one_cycle_lr(max_learning_rate: Any, total_steps: Any, divide_factor: Any = 25.0,
                        end_learning_rate: Any = 0.0001, phase_pct: Any = 0.3,
                        anneal_strategy: str = "cos", three_phase: bool = False,
                        last_epoch: Any = -1, verbose: bool = False) -> Schedule:
    r"""Paddle ``OneCycleLR``: ``M / divide_factor`` up to ``M``, then down to ``end_learning_rate``.

    torch's one-cycle (phase ends ``p N - 1``, ``2 p N - 2``, ``N - 1``) with Paddle's names and
    an absolute end value: ``one_cycle(M, N, pct_start=p, anneal_strategy, div_factor,
    final_div_factor=M / (divide_factor E), three_phase)``. From ``N - 1`` on ``E`` is held.

    Equivalents:
      paddle: ``OneCycleLR(max_learning_rate, total_steps, divide_factor, end_learning_rate,
      phase_pct, anneal_strategy, three_phase)``. torch: ``OneCycleLR``.
    """
    _fresh(last_epoch, verbose)
    m = _lr(max_learning_rate, "max_learning_rate")
    e = _lr(end_learning_rate, "end_learning_rate")
    n = _positive_int("total_steps", total_steps)
    d = v.real("divide_factor", divide_factor, gt=0)
    p = v.real("phase_pct", phase_pct, ge=0, le=1)
    three = v.boolean("three_phase", three_phase)
    if three and _concrete(p) and p >= 0.5:
        raise ValueError(f"`phase_pct` must be < 0.5 with three_phase=True, got {p!r} (Paddle raises)")
    v.choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
    if _concrete(m, e, d) and np.ndim(e) == 0 and (e == 0 or m == 0):
        final = 1e30  # E = 0 (or M = 0): the end value is 1e-30 of the start value
    else:
        final = m / (d * e)
    return one_cycle(m, n, pct_start=p, anneal_strategy=anneal_strategy, div_factor=d,
                     final_div_factor=final, three_phase=three)


@register("paddle.CyclicLR")
def paddle_cyclic_lr(base_learning_rate: Any, max_learning_rate: Any, step_size_up: Any,
                     step_size_down: Any = None, mode: str = "triangular", exp_gamma: Any = 1.0,
                     scale_fn: Any = None, scale_mode: str = "cycle", last_epoch: Any = -1,
                     verbose: bool = False) -> Schedule:
    r"""Paddle ``CyclicLR``: triangles between ``base_learning_rate`` and ``max_learning_rate``.

    Torch's cyclic rule (``mode`` triangular, triangular2 or exp_range with ``exp_gamma``),
    without momentum. Native: ``cyclic_schedule(base, max, step_size_up, step_size_down, mode,
    exp_gamma)``. A custom ``scale_fn`` is not supported (raises).

    Equivalents:
      paddle: ``CyclicLR(base_learning_rate, max_learning_rate, step_size_up, ...)``.
      torch: ``CyclicLR(cycle_momentum=False)``.
    """
    _fresh(last_epoch, verbose)
    if scale_fn is not None:
        raise ValueError(f"`scale_fn` must be None, got {scale_fn!r}: a custom scale function is "
                         "not supported; use mode='triangular'|'triangular2'|'exp_range'")
    mode = v.choice("mode", mode, ("triangular", "triangular2", "exp_range"))
    v.choice("scale_mode", scale_mode, ("cycle", "iterations"))
    g = v.real("exp_gamma", exp_gamma, ge=0, le=1 if mode == "exp_range" else None)
    up = _positive_int("step_size_up", step_size_up)
    down = None if step_size_down is None else _positive_int("step_size_down", step_size_down)
    base = _lr(base_learning_rate, "base_learning_rate")
    top = _lr(max_learning_rate, "max_learning_rate")
    return cyclic_schedule(base, top, up, down, mode, g if mode == "exp_range" else 1.0, None)


@register("paddle.CosineAnnealingDecay")
def paddle_cosine_annealing_decay(learning_rate: Any, T_max: Any, eta_min: Any = 0,  # noqa: N803
                                  last_epoch: Any = -1, verbose: bool = False) -> Schedule:
    r"""Paddle ``CosineAnnealingDecay``: ``eta_min + (lr - eta_min)(1 + cos(pi k / T_max))/2``.

    Periodic past ``T_max``, as Paddle's recursion (torch's) is. Native:
    ``cosine_annealing(lr, T_max, eta_min)``.

    Equivalents:
      paddle: ``CosineAnnealingDecay(learning_rate, T_max, eta_min)``. torch:
      ``CosineAnnealingLR``.
    """
    _fresh(last_epoch, verbose)
    t = _positive_int("T_max", T_max)
    return torch_names.cosine_annealing_lr(_lr(learning_rate), t, v.real("eta_min", eta_min))


@register("paddle.LinearLR")
def paddle_linear_lr(learning_rate: Any, total_steps: Any, start_factor: Any = 1.0 / 3,
                     end_factor: Any = 1.0, last_epoch: Any = -1, verbose: bool = False) -> Schedule:
    r"""Paddle ``LinearLR``: ``lr start_factor`` to ``lr end_factor`` over ``total_steps``, held.

    ``0 < start_factor <= 1``, ``0 <= end_factor <= 1``, ``total_steps >= 1`` (Paddle's checks).
    Native: ``linear_schedule(lr start_factor, lr end_factor, total_steps)``.

    Equivalents:
      paddle: ``LinearLR(learning_rate, total_steps, start_factor, end_factor)``. torch:
      ``LinearLR(total_iters=total_steps)``.
    """
    _fresh(last_epoch, verbose)
    n = _positive_int("total_steps", total_steps)
    s = v.real("start_factor", start_factor, gt=0, le=1)
    e = v.real("end_factor", end_factor, ge=0, le=1)
    lr = _lr(learning_rate)
    return linear_schedule(lr * s, lr * e, n)


@register("paddle.CosineAnnealingWarmRestarts")
def paddle_cosine_annealing_warm_restarts(learning_rate: Any, T_0: Any, T_mult: Any = 1,  # noqa: N803
                                          eta_min: Any = 0, last_epoch: Any = -1,
                                          verbose: bool = False) -> Schedule:
    r"""Paddle ``CosineAnnealingWarmRestarts``: cosine cycles of ``T_0 T_mult**i`` steps.

    Integer ``T_0 >= 1`` and ``T_mult >= 1``. Native: ``cosine_restarts(lr, T_0, T_mult,
    eta_min)``.

    Equivalents:
      paddle: ``CosineAnnealingWarmRestarts(learning_rate, T_0, T_mult, eta_min)``. torch:
      ``CosineAnnealingWarmRestarts``.
    """
    _fresh(last_epoch, verbose)
    t0 = _positive_int("T_0", T_0)
    tm = v.integer("T_mult", T_mult, ge=1)
    return torch_names.cosine_annealing_warm_restarts(_lr(learning_rate), t0, tm,
                                                      v.real("eta_min", eta_min))


@register("paddle.ReduceOnPlateau")
def paddle_reduce_on_plateau(
    learning_rate: Any, mode: str = "min", factor: Any = 0.1, patience: Any = 10,
    threshold: Any = 1e-4, threshold_mode: str = "rel", cooldown: Any = 0, min_lr: Any = 0,
    epsilon: Any = 1e-8, verbose: bool = False,
) -> PlateauSchedule:
    r"""Paddle ``ReduceOnPlateau``: ``lr`` times ``factor`` after more than ``patience`` bad metrics.

    Paddle 3.3.1 (``python/paddle/optimizer/lr.py``, ``ReduceOnPlateau.step``), at each
    ``step(metric)``: with cooldown left, the cooldown counts down and the metric is ignored
    (``best`` and the bad count kept; torch compares it with ``best``). Otherwise the first
    metric becomes ``best`` whatever its value; later ones improve iff ``m < best - best *
    threshold`` (``"rel"``) or ``m < best - threshold`` (``"abs"``; ``"max"`` mirrors), which
    clears the bad count, else it grows; more than ``patience`` bad metrics start the
    ``cooldown``, clear the count and set ``lr = max(lr * factor, min_lr)`` if that lowers it
    by more than ``epsilon``. A :class:`jaxsched.PlateauSchedule` with ``semantics="paddle"``
    (:func:`jaxsched.plateau_config`, ``base_lr=learning_rate``), fed one metric per
    ``step(metric)``. One difference: after an infinite first metric, ``"rel"`` mode with
    ``threshold=0`` compares with ``best`` (Paddle computes ``inf - inf * 0``, NaN: nothing
    improves).

    Args:
      learning_rate: the initial lr (a number > 0).
      mode: ``"min"`` or ``"max"`` (any case).
      factor: multiplier of a lowering, in (0, 1) (Paddle accepts <= 0).
      patience: bad metrics tolerated (integer >= 0).
      threshold: improvement margin (>= 0); threshold_mode: ``"rel"`` or ``"abs"``.
      cooldown: metrics ignored after a lowering (integer >= 0).
      min_lr: lowest lr (>= 0); epsilon: smallest change applied (>= 0).
      verbose: accepted and ignored.

    Raises:
      ValueError: an argument out of range or an unknown mode, naming it.
      TypeError: a non-numeric number or a non-string option.

    Example:
      >>> import jaxsched
      >>> spec = jaxsched.from_config({"type": "paddle.ReduceOnPlateau", "params": {
      ...     "learning_rate": 0.1, "patience": 1, "cooldown": 2}})
      >>> spec.plateau.semantics, spec.plateau.cooldown
      ('paddle', 2)

    Equivalents:
      paddle: ``ReduceOnPlateau(learning_rate, mode, factor, patience, threshold,
      threshold_mode, cooldown, min_lr, epsilon)``. torch: ``ReduceLROnPlateau``.
    """
    v.boolean("verbose", verbose)
    lr = v.real("learning_rate", learning_rate, gt=0, scalar=True)
    mode = v.choice("mode", mode.lower() if isinstance(mode, str) else mode, ("min", "max"))
    tm = v.choice("threshold_mode", threshold_mode.lower() if isinstance(threshold_mode, str)
                  else threshold_mode, ("rel", "abs"))
    for name, x in (("min_lr", min_lr), ("epsilon", epsilon)):
        if x is None:
            raise TypeError(f"`{name}` must be a number, got None (paddle's ReduceOnPlateau has no "
                            "None for it)")
    v.real("min_lr", min_lr, scalar=True, hint=" (paddle's min_lr is one float)")
    with v.renamed({"eps": "epsilon"}):
        plateau = plateau_config(factor, patience, threshold, tm, cooldown, mode, min_lr=min_lr,
                                 base_lr=lr, semantics="paddle", eps=epsilon)
    return PlateauSchedule(constant_schedule(lr), plateau)

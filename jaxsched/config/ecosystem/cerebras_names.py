"""Cerebras' learning-rate schedulers by their own names: ``cerebras.CosineDecayLR``, ...

Each name takes the class's own arguments (cerebras_pytorch 2.10, the ``*LR`` classes; the
optimizer argument dropped) and returns the native schedule whose value at count ``k`` is the
lr Cerebras applies to optimizer update ``k``: the scheduler steps after each optimizer update
and evaluates its closed form at ``last_epoch = k``. ``param_group_tags`` is accepted (checked
as Cerebras does) and does not change the schedule: it selects the parameter groups the
schedule applies to, which is the caller's choice (e.g. ``optax.multi_transform``).

Cerebras' documented intent is implemented where its code does otherwise (each is noted in the
name's docstring): ``PolynomialLR``/``LinearLR`` ``cycle`` (a no-op in Cerebras) cycles as
Keras does; ``LambdaLR`` is ``I * lr_lambda(t)`` (Cerebras multiplies ``I`` in once per
lambda); ``CosineAnnealingWarmRestarts`` is torch's (Cerebras' formula is a square wave past
``T_0`` and only takes ``T_mult=1``); ``OneCycleLR`` holds its final value past
``total_steps`` (Cerebras' formula rises again). ``SequentialLR`` derives its milestones from
the children's ``total_iters`` when they are not given, as the modelzoo YAML validator does.
``ScalePerParamLR`` is in :mod:`~jaxsched.config.ecosystem.cerebras_composites`, the
weight-decay twins (``cerebras.*WD``) in :mod:`~jaxsched.config.ecosystem.cerebras_wd`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxsched.compose import product, scale
from jaxsched.config.ecosystem.cerebras_spec import check_tags, meta, tag  # noqa: F401
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.schedules.annealing import polynomial_decay
from jaxsched.schedules.cosine import cosine_decay
from jaxsched.schedules.cosine_wave import cosine_annealing
from jaxsched.schedules.cyclic import cyclic_schedule
from jaxsched.schedules.decay import (
    inverse_sqrt_decay,
    inverse_time_decay,
    multiplicative_decay,
    multistep_decay,
    piecewise_constant_values,
    step_decay,
)
from jaxsched.schedules.exponential import exponential_decay
from jaxsched.schedules.onecycle import one_cycle
from jaxsched.schedules.polynomial import constant_schedule, polynomial_schedule
from jaxsched.schedules.restarts import cosine_restarts

__all__ = [
    "constant_lr", "polynomial_lr", "linear_lr", "exponential_lr", "inverse_exponential_lr",
    "inverse_sqrt_lr", "cosine_decay_lr", "piecewise_constant_lr", "multistep_lr", "step_lr",
    "cosine_annealing_lr", "cosine_warm_restarts_lr", "multiplicative_lr", "lambda_lr", "cyclic_lr",
    "one_cycle_lr",
]

def _lr(name: str, x: Any) -> Any:
    return v.real(name, x)


@register("cerebras.ConstantLR")
def constant_lr(learning_rate: Any, total_iters: Any = None, param_group_tags: Any = None) -> Schedule:
    """Cerebras ``ConstantLR``: ``learning_rate`` at every step (``total_iters`` only sizes it in a
    ``SequentialLR``)."""
    check_tags(param_group_tags)
    total = v.integer("total_iters", total_iters, ge=0, allow_none=True)
    return tag(constant_schedule(_lr("learning_rate", learning_rate)), None, total)


@register("cerebras.PolynomialLR")
def polynomial_lr(
    initial_learning_rate: Any, end_learning_rate: Any, total_iters: Any, power: Any = 1.0,
    cycle: bool = False, param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``PolynomialLR``: ``(I - E)(1 - t/T)**power + E`` for ``t < T``, then ``E``.

    :func:`jaxsched.polynomial_schedule` ``(I, E, power, T)``. ``cycle=True`` has no effect in
    Cerebras (its ``t >= T`` branch returns ``E`` first); here it implements the documented
    intent as Keras does (:func:`jaxsched.polynomial_decay` with ``cycle=True``: the decay is
    stretched to the next multiple of ``T``, ``E`` at every multiple, restarting one step later).
    """
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    end = _lr("end_learning_rate", end_learning_rate)
    p = v.real("power", power, ge=0)
    if v.boolean("cycle", cycle):
        total = v.steps("total_iters", total_iters, positive=True)
        return tag(polynomial_decay(init, total, end, p, cycle=True), init, total)
    total = v.steps("total_iters", total_iters)
    return tag(polynomial_schedule(init, end, p, total), init, total)


@register("cerebras.LinearLR")
def linear_lr(
    initial_learning_rate: Any, end_learning_rate: Any, total_iters: Any, cycle: bool = False,
    param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``LinearLR``: ``PolynomialLR`` with ``power=1`` (``cycle`` as there)."""
    return polynomial_lr(initial_learning_rate, end_learning_rate, total_iters, 1.0, cycle,
                         param_group_tags)


@register("cerebras.ExponentialLR")
def exponential_lr(
    initial_learning_rate: Any, total_iters: Any, decay_rate: Any, staircase: bool = False,
    param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``ExponentialLR``: ``I * decay_rate**(t / total_iters)`` (floored if staircase).

    :func:`jaxsched.exponential_decay` ``(I, total_iters, decay_rate, staircase=staircase)``;
    no start delay and no bound, as in Cerebras.
    """
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    total = v.steps("total_iters", total_iters, positive=True)
    s = exponential_decay(init, total, v.real("decay_rate", decay_rate, ge=0),
                          staircase=v.boolean("staircase", staircase))
    return tag(s, init, total)


@register("cerebras.InverseExponentialTimeDecayLR")
def inverse_exponential_lr(
    initial_learning_rate: Any, step_exponent: Any, total_iters: Any, decay_rate: Any,
    staircase: bool = False, param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``InverseExponentialTimeDecayLR``: ``I / (1 + decay_rate * t**step_exponent / T)``.

    :func:`jaxsched.inverse_time_decay` ``(I, T, decay_rate, staircase, step_exponent)``; with
    ``staircase`` the inner term ``t**step_exponent / T`` is floored, as in Cerebras.
    """
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    total = v.steps("total_iters", total_iters, positive=True)
    s = inverse_time_decay(init, total, v.real("decay_rate", decay_rate, ge=0),
                           v.boolean("staircase", staircase),
                           v.real("step_exponent", step_exponent, gt=0))
    return tag(s, init, total)


@register("cerebras.InverseSquareRootDecayLR")
def inverse_sqrt_lr(
    initial_learning_rate: Any = 1.0, scale: Any = 1.0, warmup_steps: Any = 1.0,
    param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``InverseSquareRootDecayLR``: ``I * scale / sqrt(max(warmup_steps, t))``.

    Flat at ``P = I scale / sqrt(W)`` up to ``W`` (no ramp), then ``I scale / sqrt(t)``:
    :func:`jaxsched.inverse_sqrt_decay` ``(P, timescale=W, warmup_steps=W,
    warmup_init_value=P)``. ``warmup_steps`` must be ``> 0`` (Cerebras divides by 0 at step 0).
    """
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    sc = v.real("scale", scale)
    w = v.steps("warmup_steps", warmup_steps, positive=True,
                hint=" (Cerebras returns inf at step 0 for warmup_steps=0)")
    peak = init * sc / w**0.5
    return tag(inverse_sqrt_decay(peak, w, w, peak), init, None)


@register("cerebras.CosineDecayLR")
def cosine_decay_lr(
    initial_learning_rate: Any, end_learning_rate: Any, total_iters: Any,
    param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``CosineDecayLR``: half-cosine from ``I`` to ``E`` over ``total_iters``, then ``E``.

    :func:`jaxsched.cosine_decay` ``(I, total_iters, E)`` (clamped, as in Cerebras).
    """
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    total = v.steps("total_iters", total_iters, positive=True)
    return tag(cosine_decay(init, total, _lr("end_learning_rate", end_learning_rate)), init, total)


@register("cerebras.PiecewiseConstantLR")
def piecewise_constant_lr(
    learning_rates: Any, milestones: Any, param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``PiecewiseConstantLR``: ``learning_rates[i]`` from ``milestones[i-1]`` on.

    The new value applies *at* its milestone: :func:`jaxsched.piecewise_constant_values`
    ``(milestones, learning_rates)``; ``len(learning_rates) = len(milestones) + 1``.
    """
    check_tags(param_group_tags)
    ms = v.sorted_steps("milestones", milestones, hint=" (Cerebras requires them increasing)")
    if isinstance(learning_rates, (list, tuple)) and len(learning_rates) != np.shape(ms)[0] + 1:
        raise ValueError(
            f"`learning_rates` must have len(`milestones`) + 1 = {np.shape(ms)[0] + 1} entries, "
            f"got {len(learning_rates)}"
        )
    with v.renamed({"values": "learning_rates", "boundaries": "milestones"}):
        return tag(piecewise_constant_values(ms, learning_rates))


@register("cerebras.MultiStepLR")
def multistep_lr(
    initial_learning_rate: Any, gamma: Any, milestones: Any, param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``MultiStepLR``: ``I * gamma**(number of milestones <= t)``.

    :func:`jaxsched.multistep_decay`; the milestones are sorted first (Cerebras' value does not
    depend on their order), a repeated milestone decays twice.
    """
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    if isinstance(milestones, (list, tuple)) and not any(v.is_traced(m) for m in milestones):
        milestones = sorted(v.steps(f"milestones[{i}]", m) for i, m in enumerate(milestones))
    ms = v.sorted_steps("milestones", milestones)
    return tag(multistep_decay(init, ms, v.real("gamma", gamma, ge=0)), init, None)


@register("cerebras.StepLR")
def step_lr(
    initial_learning_rate: Any, step_size: Any, gamma: Any, param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``StepLR``: ``I * gamma**floor(t / step_size)`` (:func:`jaxsched.step_decay`)."""
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    s = step_decay(init, v.steps("step_size", step_size, positive=True),
                   v.real("gamma", gamma, ge=0))
    return tag(s, init, None)


@register("cerebras.CosineAnnealingLR")
def cosine_annealing_lr(
    initial_learning_rate: Any, T_max: Any, eta_min: Any = 0.0,  # noqa: N803
    param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``CosineAnnealingLR``: ``eta_min + (I - eta_min)(1 + cos(pi t / T_max))/2``.

    **Not clamped**, as in Cerebras and torch: periodic with period ``2 T_max``
    (``jaxsched.cosine_annealing``). For a cosine that stops at ``eta_min``
    use ``cerebras.CosineDecayLR``.
    """
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    t_max = v.steps("T_max", T_max, positive=True)
    return tag(cosine_annealing(init, t_max, _lr("eta_min", eta_min)), init, None)


@register("cerebras.CosineAnnealingWarmRestarts")
def cosine_warm_restarts_lr(
    initial_learning_rate: Any, T_0: Any, T_mult: Any = 1, eta_min: Any = 0.0,  # noqa: N803
    param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``CosineAnnealingWarmRestarts``, as documented: torch's SGDR.

    :func:`jaxsched.cosine_restarts` ``(I, T_0, T_mult, eta_min)``: cycle ``i`` lasts
    ``T_0 * T_mult**i`` steps, annealing from ``I`` to ``eta_min`` and restarting at ``I``.
    Cerebras' own formula is wrong past ``T_0`` (its ``T_cur = T_0 (floor(t/T_0) - 1)`` gives a
    square wave) and it raises for ``T_mult != 1``; here ``T_mult`` is an integer ``>= 1`` as in
    torch.
    """
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    t0 = v.integer("T_0", T_0, gt=0)
    mult = v.integer("T_mult", T_mult, ge=1, hint=" (torch's integer T_mult)")
    return tag(cosine_restarts(init, t0, mult, _lr("eta_min", eta_min)), init, None)


@register("cerebras.MultiplicativeLR")
def multiplicative_lr(
    initial_learning_rate: Any, coefficient: Any, param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``MultiplicativeLR``: ``I * coefficient**t`` (:func:`jaxsched.multiplicative_decay`)."""
    check_tags(param_group_tags)
    init = _lr("initial_learning_rate", initial_learning_rate)
    return tag(multiplicative_decay(init, v.real("coefficient", coefficient, ge=0)), init, None)


@register("cerebras.LambdaLR")
def lambda_lr(
    initial_learning_rate: Any, lr_lambda: Callable | list, param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``LambdaLR``, as documented: ``I * lr_lambda(t)``.

    ``lr_lambda`` is a function of the step written with ``jax.numpy`` (it receives the integer
    count; the schedule then evaluates with ``jax.numpy``, or with NumPy where the function
    accepts NumPy arrays), or a list of them (multiplied). Cerebras takes the lambdas from an
    overridden ``set_value_lambda`` and multiplies ``I`` in once *per lambda* (``I**2`` for its
    two default lambdas); jaxsched multiplies it once. Not serialisable (it holds a function).
    """
    check_tags(param_group_tags)
    init = v.real("initial_learning_rate", initial_learning_rate)
    fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda]
    if not fns:
        raise ValueError("`lr_lambda` must be a function or a non-empty list of functions, got []")
    for i, f in enumerate(fns):
        v.callable_("lr_lambda" if len(fns) == 1 else f"lr_lambda[{i}]", f)
    body = scale(fns[0], init) if len(fns) == 1 else scale(product(fns), init)
    return tag(body, init, None)


@register("cerebras.CyclicLR")
def cyclic_lr(
    base_lr: Any, max_lr: Any, step_size_up: Any = 2000, step_size_down: Any = None,
    mode: str = "triangular", gamma: Any = 1.0, scale_mode: str = "cycle",
    param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``CyclicLR``: torch's cyclic closed form without momentum.

    :func:`jaxsched.cyclic_schedule` ``(base_lr, max_lr, step_size_up, step_size_down, mode,
    gamma)``. As in Cerebras the mode decides the scaling (``triangular``/``triangular2`` per
    cycle, ``exp_range`` per iteration): ``scale_mode`` is checked and ignored. An unknown
    ``mode`` raises (Cerebras silently treats it as ``exp_range``).
    """
    check_tags(param_group_tags)
    v.choice("scale_mode", scale_mode, ("cycle", "iterations"))
    m = v.choice("mode", mode, ("triangular", "triangular2", "exp_range"),
                 hint=" (Cerebras treats any other mode as 'exp_range')")
    s = cyclic_schedule(v.real("base_lr", base_lr), v.real("max_lr", max_lr), step_size_up,
                        step_size_down, m, gamma, None)
    return tag(s)


@register("cerebras.OneCycleLR")
def one_cycle_lr(
    initial_learning_rate: Any, max_lr: Any, total_steps: Any = 1000, pct_start: Any = 0.3,
    final_div_factor: Any = 1e4, three_phase: bool = False, anneal_strategy: str = "cos",
    param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``OneCycleLR``: torch's phases with the initial lr ``I`` given directly.

    :func:`jaxsched.one_cycle` ``(max_lr, total_steps, pct_start, anneal_strategy,
    div_factor=max_lr / I, final_div_factor, three_phase)``: up from ``I`` to ``max_lr``, down
    to ``I / final_div_factor`` (through ``I`` with ``three_phase``); no momentum. Past
    ``total_steps`` the final value is held (Cerebras' formula goes on: the cosine rises again,
    the linear anneal goes negative). ``I`` and ``max_lr`` must be ``> 0``.
    """
    check_tags(param_group_tags)
    init = v.real("initial_learning_rate", initial_learning_rate, gt=0)
    peak = v.real("max_lr", max_lr, gt=0)
    s = one_cycle(peak, total_steps, pct_start=pct_start, anneal_strategy=anneal_strategy,
                  div_factor=peak / init, final_div_factor=final_div_factor,
                  three_phase=three_phase)
    return tag(s, init, None)

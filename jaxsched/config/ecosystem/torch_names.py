"""PyTorch's schedulers by their own names: ``torch.<ClassName>`` with torch's parameters.

``jaxsched.from_config({"type": "torch.StepLR", "params": {"lr": 0.1, "step_size": 30}})``
builds the native schedule whose value at count ``k`` is the ``group["lr"]`` that torch's
scheduler gives update ``k`` when ``scheduler.step()`` follows ``optimizer.step()`` (torch 2.13;
the lr after ``k`` calls of ``step()``). Schedulers that are relative to the optimizer's learning
rate take it as ``lr`` (``optimizer.param_groups[0]["lr"]`` when the scheduler is built); every
``torch.*`` name accepts ``lr`` (``CyclicLR`` and ``OneCycleLR`` ignore it, as torch does).
Per-group lists where torch takes them (``lr_lambda=[f, g]``, ``CyclicLR(base_lr=[...])``,
``OneCycleLR(max_lr=[...])``, ``SWALR(swa_lr=[...])``, and a per-group ``lr``) make
``from_config`` return one schedule per group (:mod:`jaxsched.config.groups`);
``jaxsched.torch.Scheduler.from_config`` gives each param group its own.

Every name is a closed form of the step (no recursion): torch's stepped values agree to float64
rounding (verified against live torch), without torch's float32 drift for tensor lrs and without
compounding with outside edits of ``group["lr"]``. Step counts that torch compares with ``==``
(``step_size``, ``total_iters``, ``T_max``, milestones) must be integers, and ``total_iters`` and
``T_max`` must be ``>= 1`` (torch divides by zero, or holds its first value forever, otherwise).

``CyclicLR`` and ``OneCycleLR`` are in :mod:`jaxsched.config.ecosystem.torch_cyclic`;
``SequentialLR`` and ``ChainedScheduler`` in :mod:`jaxsched.config.ecosystem.torch_composites`. Each
name records its torch name and arguments on the schedule it returns (a private attribute,
not part of the schedule's value, config or pytree), so that those two can apply torch's rules
for their children.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from jaxsched.compose import scale
from jaxsched.config.ecosystem.torch_spec import BUILDERS, spec, tag, torch_name  # noqa: F401
from jaxsched.core import validate as v
from jaxsched.core.schedule import Schedule
from jaxsched.schedules.cosine_wave import cosine_annealing
from jaxsched.schedules.decay import (
    multiplicative_decay,
    multistep_decay,
    piecewise_constant_values,
    step_decay,
)
from jaxsched.schedules.polynomial import linear_schedule, polynomial_schedule
from jaxsched.schedules.restarts import cosine_restarts
from jaxsched.schedules.swa import swa_schedule

__all__: list[str] = []

#: The hint of a non-scalar ``lr``: torch's names build one parameter group's schedule.
_ONE_LR = " (the learning rate of one parameter group; build one schedule per group)"

def _steps(name: str, x: Any, ge: int) -> Any:
    return v.integer(name, x, ge=ge, hint=" (torch compares the step count with it exactly)")


def _total_iters(x: Any) -> Any:
    return v.integer(
        "total_iters", x, ge=1,
        hint=" (with total_iters=0 torch holds its first value forever when stepped, or divides "
        "by zero in its closed form)",
    )


@torch_name("torch.LambdaLR")
def lambda_lr(lr: Any, lr_lambda: Callable[[Any], Any]) -> Schedule:
    """torch ``LambdaLR``: ``lr * lr_lambda(k)``. ``lr_lambda`` receives the integer count as an
    array and must use array operations (``jax.numpy``-traceable; ``schedule.evaluate(k, np)``
    passes a NumPy array): ``lambda k: 0.95 ** k`` works, a Python ``if`` on ``k`` does not. The
    result holds a user function, so it does not serialise (``to_config`` raises). One lambda
    here; torch's per-group list ``lr_lambda=[f, g]`` goes through ``from_config``, which
    returns one schedule per group.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "torch.LambdaLR",
      ...                           "params": {"lr": 0.5, "lr_lambda": lambda k: 1 / (1 + k)}})
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(4), np)]
      [0.5, 0.25, 0.166667, 0.125]
    """
    if isinstance(lr_lambda, (list, tuple)):
        raise TypeError(
            f"`lr_lambda` must be one function (one parameter group), got a {type(lr_lambda).__name__}"
            " of functions; give per-group lists to jaxsched.from_config (one schedule per group)"
        )
    v.callable_("lr_lambda", lr_lambda)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.LambdaLR", scale(lr_lambda, lr), lr=lr, lr_lambda=lr_lambda)


def constant_factor(lr_lambda: Any) -> Any:
    """The constant factor of a ``MultiplicativeLR``: a number, or a callable returning one."""
    if isinstance(lr_lambda, (numbers.Real, np.ndarray, np.generic)) or v.is_traced(lr_lambda) or (
        hasattr(lr_lambda, "shape") and hasattr(lr_lambda, "dtype")
    ):
        return v.real("lr_lambda", lr_lambda, ge=0)
    if not callable(lr_lambda):
        raise TypeError(
            f"`lr_lambda` must be a number or a callable returning a constant factor, got "
            f"{lr_lambda!r} of type {type(lr_lambda).__name__}"
        )
    probes = (0, 1, 2, 3, 10, 100, 1000)
    vals = [float(np.asarray(lr_lambda(k))) for k in probes]
    if any(x != vals[0] for x in vals):
        raise ValueError(
            "`lr_lambda` must return a constant factor, got "
            f"{dict(zip(probes, vals))} at the counts probed; a factor that changes with the step "
            "is a product over all past steps, which jaxsched does not build: use torch.LambdaLR "
            "with the cumulative product, or a native schedule"
        )
    return v.real("lr_lambda", vals[0], ge=0)


@torch_name("torch.MultiplicativeLR")
def multiplicative_lr(lr: Any, lr_lambda: Any) -> Schedule:
    """torch ``MultiplicativeLR`` with a constant factor ``f``: ``lr * f**k``. ``lr_lambda`` is a
    number ``f >= 0`` or a callable that returns the same ``f`` at every count (probed at a few
    counts; a step-dependent factor raises ``ValueError``). Native: ``multiplicative_decay``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "torch.MultiplicativeLR",
      ...                           "params": {"lr": 1.0, "lr_lambda": 0.5}})
      >>> [float(x) for x in s.evaluate(np.arange(4), np)]
      [1.0, 0.5, 0.25, 0.125]
    """
    f = constant_factor(lr_lambda)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.MultiplicativeLR", multiplicative_decay(lr, f), lr=lr, lr_lambda=f)


@torch_name("torch.StepLR")
def step_lr(lr: Any, step_size: Any, gamma: Any = 0.1) -> Schedule:
    """torch ``StepLR``: ``lr * gamma**(k // step_size)`` (integer ``step_size >= 1``,
    ``gamma >= 0``). Native: ``step_decay(lr, step_size, gamma)``."""
    s = _steps("step_size", step_size, 1)
    g = v.real("gamma", gamma, ge=0)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.StepLR", step_decay(lr, s, g), lr=lr, step_size=s, gamma=g)


def sorted_milestones(milestones: Any) -> Any:
    """torch's milestone multiset, sorted (each an integer ``>= 0``; traced arrays are sorted)."""
    if v.is_traced(milestones):
        import jax.numpy as jnp

        return jnp.sort(milestones)
    if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
        raise TypeError(
            f"`milestones` must be a list of step counts, got {milestones!r} of type "
            f"{type(milestones).__name__}"
        )
    items = [_steps(f"milestones[{i}]", m, 0) for i, m in enumerate(np.asarray(milestones).tolist()
             if hasattr(milestones, "shape") else milestones)]
    if any(v.is_traced(m) for m in items):
        import jax.numpy as jnp

        return jnp.sort(jnp.stack([jnp.asarray(m) for m in items]))
    return sorted(items)


@torch_name("torch.MultiStepLR")
def multi_step_lr(lr: Any, milestones: Any, gamma: Any = 0.1) -> Schedule:
    """torch ``MultiStepLR``: ``lr * gamma**(number of milestones <= k)``. As in torch, the
    milestones are a multiset (a duplicate applies ``gamma**2`` there) and need not be sorted.
    Native: ``multistep_decay(lr, sorted(milestones), gamma)``."""
    ms = sorted_milestones(milestones)
    g = v.real("gamma", gamma, ge=0)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.MultiStepLR", multistep_decay(lr, ms, g), lr=lr, milestones=ms, gamma=g)


@torch_name("torch.ConstantLR")
def constant_lr(lr: Any, factor: Any = 1.0 / 3, total_iters: Any = 5) -> Schedule:
    """torch ``ConstantLR``: ``lr * factor`` for ``k < total_iters``, then ``lr``
    (``0 <= factor <= 1`` as torch requires; integer ``total_iters >= 1``). With ``factor=0``
    torch's recursion divides by zero at ``total_iters``; jaxsched gives ``lr`` there. Native:
    ``piecewise_constant_values([total_iters], [lr * factor, lr])``."""
    f = v.real("factor", factor, ge=0, le=1,
               hint=" (torch's ConstantLR multiplies the lr by a factor between 0 and 1)")
    n = _total_iters(total_iters)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.ConstantLR", piecewise_constant_values([n], [lr * f, lr]), lr=lr, factor=f,
               total_iters=n)


@torch_name("torch.LinearLR")
def linear_lr(lr: Any, start_factor: Any = 1.0 / 3, end_factor: Any = 1.0,
              total_iters: Any = 5) -> Schedule:
    """torch ``LinearLR``: from ``lr * start_factor`` to ``lr * end_factor`` linearly over
    ``total_iters`` steps, then held. torch's constraints: ``0 < start_factor <= 1`` (it cannot
    warm up from 0: use ``jaxsched.warmup`` for that) and ``0 <= end_factor <= 1``. Native:
    ``linear_schedule(lr * start_factor, lr * end_factor, total_iters)``."""
    s = v.real("start_factor", start_factor, gt=0, le=1,
               hint=" (torch's LinearLR multiplies the lr by start_factor at step 0, so it "
               "cannot start from 0; for a warmup from 0 use jaxsched.warmup)")
    e = v.real("end_factor", end_factor, ge=0, le=1,
               hint=" (torch's LinearLR ends at a fraction of the lr between 0 and 1)")
    n = _total_iters(total_iters)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.LinearLR", linear_schedule(lr * s, lr * e, n), lr=lr, start_factor=s,
               end_factor=e, total_iters=n)


@torch_name("torch.ExponentialLR")
def exponential_lr(lr: Any, gamma: Any) -> Schedule:
    """torch ``ExponentialLR``: ``lr * gamma**k`` (``gamma >= 0``; torch does not check it).
    Native: ``multiplicative_decay(lr, gamma)``."""
    g = v.real("gamma", gamma, ge=0)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.ExponentialLR", multiplicative_decay(lr, g), lr=lr, gamma=g)


@torch_name("torch.PolynomialLR")
def polynomial_lr(lr: Any, total_iters: Any = 5, power: Any = 1.0) -> Schedule:
    """torch ``PolynomialLR``: ``lr * (1 - min(k, total_iters)/total_iters)**power``, which always
    ends at 0 (``power >= 0``; integer ``total_iters >= 1``). Native:
    ``polynomial_schedule(lr, 0.0, power, total_iters)``."""
    n = _total_iters(total_iters)
    p = v.real("power", power, ge=0)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.PolynomialLR", polynomial_schedule(lr, 0.0, p, n), lr=lr, total_iters=n,
               power=p)


@torch_name("torch.CosineAnnealingLR")
def cosine_annealing_lr(lr: Any, T_max: Any, eta_min: Any = 0.0) -> Schedule:  # noqa: N803
    """torch ``CosineAnnealingLR``: ``eta_min + (lr - eta_min)(1 + cos(pi k / T_max))/2``,
    **periodic past** ``T_max`` as torch's is (back at ``lr`` at ``2 T_max``). torch steps a
    recursion with a special branch at ``k = T_max + 1 (mod 2 T_max)``; its values are this
    closed form to float64 rounding (checked over several periods). For a cosine that stops at
    ``eta_min`` use ``jaxsched.cosine_decay``. Native: ``cosine_annealing(lr, T_max, eta_min)``.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.from_config({"type": "torch.CosineAnnealingLR",
      ...                           "params": {"lr": 1.0, "T_max": 10, "eta_min": 0.1}})
      >>> [round(float(s.evaluate(k)), 12) for k in (10, 11, 20)]
      [0.1, 0.122024567667, 1.0]
    """
    t = v.integer("T_max", T_max, gt=0, hint=" (torch divides by T_max; an integer number of steps)")
    e = v.real("eta_min", eta_min)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.CosineAnnealingLR", cosine_annealing(lr, t, e), lr=lr, T_max=t, eta_min=e)


@torch_name("torch.CosineAnnealingWarmRestarts")
def cosine_annealing_warm_restarts(lr: Any, T_0: Any, T_mult: Any = 1,  # noqa: N803
                                   eta_min: Any = 0.0) -> Schedule:
    """torch ``CosineAnnealingWarmRestarts`` as stepped by ``step()`` (integer ``T_0 >= 1`` and
    ``T_mult >= 1``): cosine cycles from ``lr`` to ``eta_min`` of ``T_0 * T_mult**i`` steps.
    Restarts fall exactly on the integer boundaries (torch's ``step(epoch)`` closed form misses
    some through float ``log``). Native: ``cosine_restarts(lr, T_0, T_mult, eta_min)``."""
    t0 = v.integer("T_0", T_0, gt=0)
    tm = v.integer("T_mult", T_mult, ge=1)
    e = v.real("eta_min", eta_min)
    lr = v.real("lr", lr, scalar=True, hint=_ONE_LR)
    return tag("torch.CosineAnnealingWarmRestarts", cosine_restarts(lr, t0, tm, e), lr=lr, T_0=t0,
               T_mult=tm, eta_min=e)


@torch_name("torch.SWALR")
def swalr(lr: Any, swa_lr: Any, anneal_epochs: Any = 10, anneal_strategy: str = "cos") -> Schedule:
    """torch ``swa_utils.SWALR`` built when the group's lr is ``lr``: anneals to ``swa_lr`` over
    ``anneal_epochs`` (integer ``>= 0``; 0 gives ``swa_lr`` from step 0, as torch writes it at
    construction) with ``"cos"`` or ``"linear"``, then holds it. torch rebuilds its start from
    the current lr at each step (outside edits carry over); this is a function of the step.
    Inside ``torch.SequentialLR`` after a milestone it anneals from the value before the
    milestone, as torch's does. Native: ``swa_schedule(lr, swa_lr, anneal_epochs, ...)``."""
    a = v.integer("anneal_epochs", anneal_epochs, ge=0)
    if not isinstance(anneal_strategy, str) or anneal_strategy not in ("cos", "linear"):
        got = (anneal_strategy if isinstance(anneal_strategy, str) and len(anneal_strategy) <= 100
               else v.describe(anneal_strategy))  # torch's words; a huge value shortened
        raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {got} "
                         "(`anneal_strategy` of torch.SWALR)")
    strategy = v.choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
    lr, swa = v.real("lr", lr, scalar=True, hint=_ONE_LR), v.real("swa_lr", swa_lr, scalar=True)
    return tag("torch.SWALR", swa_schedule(lr, swa, a, strategy), lr=lr, swa_lr=swa,
               anneal_epochs=a, anneal_strategy=strategy)

"""Cerebras' composite and cyclic schedulers: ``SequentialLR``, ``ChainedLR``, ``LambdaLR``, ...

Part of :mod:`jaxsched.ecosystem.cerebras_names` (see its docstring for the conventions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxsched import validate as v
from jaxsched.base import Schedule
from jaxsched.compose import product, scale
from jaxsched.config import register
from jaxsched.ecosystem.cerebras_names import check_tags, meta, tag
from jaxsched.join import join_schedules
from jaxsched.schedules.cyclic import cyclic_schedule, one_cycle

__all__ = ["sequential_lr", "chained_lr", "lambda_lr", "cyclic_lr", "one_cycle_lr"]


def _children(name: str, schedulers: Any) -> list[Schedule]:
    if isinstance(schedulers, (str, bytes, Schedule)) or not isinstance(schedulers, (list, tuple)):
        raise TypeError(
            f"`{name}` must be a list of schedules (e.g. cerebras.* configs), got "
            f"{type(schedulers).__name__}"
        )
    if not schedulers:
        raise ValueError(f"`{name}` must contain at least one scheduler, got []")
    for i, s in enumerate(schedulers):
        if not isinstance(s, Schedule):
            raise TypeError(
                f"`{name}[{i}]` must be a schedule (a cerebras.* config or a jaxsched "
                f"Schedule), got {s!r} of type {type(s).__name__}"
            )
    return list(schedulers)


def _derived_milestones(kids: list[Schedule]) -> list[Any] | None:
    """The modelzoo rule: cumulative ``total_iters`` of all children but the last (or None)."""
    out, total = [], 0
    for s in kids[:-1]:
        m = meta(s)
        if m is None or m["total_iters"] is None:
            return None
        total = total + m["total_iters"]
        out.append(total)
    return out


@register("cerebras.SequentialLR")
def sequential_lr(
    schedulers: Any, milestones: Any = None, last_epoch: Any = -1, param_group_tags: Any = None,
) -> Schedule:
    """Cerebras ``SequentialLR``: child ``i`` from ``milestones[i-1]`` on, on its local time.

    :func:`jaxsched.join_schedules` ``(schedulers, milestones)``; the value at a milestone
    belongs to the next child, at its local step 0. Without ``milestones`` they are derived as
    the modelzoo YAML validator does, from the children's ``total_iters`` (cumulative, all but
    the last child); given ones must then equal that sum. ``last_epoch`` must be -1 (resume by
    restoring the optimizer count).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "cerebras.SequentialLR", "params": {"schedulers": [
      ...     {"type": "cerebras.LinearLR", "params": {"initial_learning_rate": 0.0,
      ...      "end_learning_rate": 1.0, "total_iters": 2}},
      ...     {"type": "cerebras.CosineDecayLR", "params": {"initial_learning_rate": 1.0,
      ...      "end_learning_rate": 0.1, "total_iters": 4}}]}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(8), np)]
      [0.0, 0.5, 1.0, 0.8682, 0.55, 0.2318, 0.1, 0.1]
    """
    check_tags(param_group_tags)
    it = v.integer("last_epoch", last_epoch)
    if v.is_traced(it) or it != -1:
        raise ValueError(
            f"`last_epoch` must be -1 (a fresh scheduler), got {it!r}; a jaxsched schedule is a "
            "function of the optimizer count: to resume, restore the optimizer state"
        )
    kids = _children("schedulers", schedulers)
    derived = _derived_milestones(kids)
    if milestones is None:
        if derived is None:
            raise ValueError(
                "`milestones` is None and cannot be derived: every scheduler but the last needs "
                "`total_iters` (give `milestones`, one per boundary between the schedulers)"
            )
        milestones = derived
    ms = v.sorted_steps("milestones", milestones, length=len(kids) - 1,
                        hint=f" (one milestone between each pair of the {len(kids)} schedulers)")
    if derived is not None and not v.is_traced(ms) and not any(v.is_traced(d) for d in derived):
        if not np.array_equal(np.asarray(ms, dtype=np.float64), np.asarray(derived, np.float64)):
            raise ValueError(
                f"`milestones` must equal the cumulative `total_iters` of the schedulers, "
                f"{derived!r}, got {list(np.asarray(ms).tolist())!r}"
            )
    return tag(join_schedules(kids, ms))


@register("cerebras.ChainedLR", "cerebras.ChainedScheduler")
def chained_lr(schedulers: Any, param_group_tags: Any = None) -> Schedule:
    """Cerebras ``ChainedLR``: ``f_0(t) * prod_{i>=1} f_i(t) / I_i``, all at the same step.

    A closed-form product (:func:`jaxsched.product`), each later child normalised by its own
    ``initial_learning_rate`` ``I_i`` (Cerebras' ``initial_val``). Later children must be
    ``cerebras.*`` schedulers that have one (not ``ConstantLR``, ``CyclicLR``,
    ``PiecewiseConstantLR``, ``SequentialLR`` or ``ChainedLR``, which fail in Cerebras too).
    """
    check_tags(param_group_tags)
    kids = _children("schedulers", schedulers)
    parts = [kids[0]]
    for i, s in enumerate(kids[1:], start=1):
        m = meta(s)
        if m is None or m["initial"] is None:
            raise ValueError(
                f"`schedulers[{i}]` has no initial learning rate to normalise by: ChainedLR "
                "divides every scheduler after the first by its `initial_learning_rate`; use a "
                "cerebras.* scheduler that has one (Cerebras fails here too)"
            )
        if not v.is_traced(m["initial"]) and np.any(np.asarray(m["initial"]) == 0):
            raise ValueError(
                f"`schedulers[{i}]` has initial_learning_rate 0, which ChainedLR divides by"
            )
        parts.append(scale(s, 1.0 / m["initial"]))
    return tag(parts[0] if len(parts) == 1 else product(parts))


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

"""Cerebras' composite and cyclic schedulers: ``SequentialLR``, ``ChainedLR``, ``LambdaLR``, ...

Part of :mod:`jaxsched.config.ecosystem.cerebras_names` (see its docstring for the conventions).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.compose import product, scale
from jaxsched.config.ecosystem.cerebras_spec import check_tags, meta, tag
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import join_schedules

__all__ = ["sequential_lr", "chained_lr", "scale_per_param_lr"]


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


@register("cerebras.ScalePerParamLR")
def scale_per_param_lr(scheduler: Any, adjust_learning_rate: Any = None,
                       param_group_tags: Any = None) -> Schedule:
    """Cerebras ``ScalePerParamLR``: the wrapped scheduler times each group's multiplier.

    Cerebras (``ScalePerParamScheduler``) reads each param group's ``"adjust_learning_rate"``
    (else ``"adjust_val"``, else 1.0; muP's per-group multipliers) and writes
    ``a_g * f(t)``. A config does not see the param groups, so the multiplier is an argument
    here: ``adjust_learning_rate`` (a number, or a list with one entry per group, which gives
    one schedule per group from ``from_config``); ``None`` (the default) gives the wrapped
    schedule itself, for a caller that applies the group multipliers (the torch bridge:
    ``Scheduler.from_config(opt, cfg, scale_key="adjust_learning_rate")`` reads them from the
    groups as Cerebras does). The value at ``t`` is :func:`jaxsched.scale` ``(f, a_g)``.

    Raises:
      TypeError: ``scheduler`` not a schedule (a nested config), naming it.
      ValueError: a non-finite or negative multiplier, naming ``adjust_learning_rate``.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.from_config({"type": "cerebras.ScalePerParamLR", "params": {
      ...     "scheduler": {"type": "cerebras.ConstantLR", "params": {"learning_rate": 0.1}},
      ...     "adjust_learning_rate": [1.0, 0.25]}})
      >>> [round(float(g(3)), 6) for g in s]
      [0.1, 0.025]

    Equivalents:
      Cerebras: ``ScalePerParamLR(optimizer, scheduler)`` with ``adjust_learning_rate`` in the
      groups. timm: ``lr_scale`` group keys.
    """
    check_tags(param_group_tags)
    if not isinstance(scheduler, Schedule):
        raise TypeError(f"`scheduler` must be a schedule (a cerebras.* config or a jaxsched "
                        f"Schedule), got {scheduler!r} of type {type(scheduler).__name__}")
    kid = scheduler
    if adjust_learning_rate is None:
        return kid
    # a multiplier of the lr (muP's per-group factor): >= 0, as the torch bridge's group scales;
    # a negative one would turn the group's update into gradient ascent
    a = v.real("adjust_learning_rate", adjust_learning_rate, ge=0,
               hint=" (a per-group multiplier of the scheduled value)")
    if not v.is_traced(a) and not np.all(np.isfinite(np.asarray(a))):
        raise ValueError(f"`adjust_learning_rate` must be finite, got {adjust_learning_rate!r}")
    return scale(kid, a)

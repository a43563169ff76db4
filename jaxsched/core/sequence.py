"""Sequences of schedules (``join_schedules``) and schedules over a user function.

A sequence evaluates child ``i`` at local time ``t - b_i`` for ``b_i <= t < b_{i+1}``; the value
at a boundary belongs to the next phase. The graph does not grow with the number of pieces:
children that share one pytree structure are stacked and gathered by piece index, so each kind
of child is traced once.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence as SequenceABC
from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, child_field, function_field, schedule_class, steps_field
from jaxsched.core.types import ScheduleFn, Steps, StepsList, Value

__all__ = ["Sequence", "Function", "join_schedules", "boundary_list", "lambda_schedule"]


def boundary_list(*xs: Any) -> Any:
    """Boundaries as a list, or as one JAX array when any of them is traced."""
    if any(v.is_traced(x) for x in xs):
        import jax.numpy as jnp

        return jnp.stack([jnp.asarray(x) for x in xs])
    return list(xs)


@schedule_class(None)
class Function(Schedule):
    """A schedule over a user function ``fn(count) -> value`` written with ``jax.numpy``.

    The function receives the (clamped) integer count when the count is an integer, else the
    float count. It is not serialisable (``to_config`` raises).
    """

    fn: Callable[[Any], Any] = function_field()

    def _formula(self, c, *, fn):
        xp = c.xp
        out = fn(c.n if c.n is not None else c.t)
        if not _xp._owned(xp, out):
            out = np.asarray(out)
        return xp.asarray(out, dtype=c.dtype, device=c.device) if c.device is not None else (
            xp.asarray(out, dtype=c.dtype)
        )


def lambda_schedule(fn: Callable[[Steps], Value]) -> Function:
    r"""A schedule over your own function of the step, ``f(t) = fn(t)``.

    ``fn`` receives the (clamped at 0) integer count and must be written with ``jax.numpy`` to
    be jit-able (under ``evaluate(count, np)`` it receives NumPy arrays and may use ``jnp`` or
    ``np``). It composes with every other schedule, but is not serialisable (``to_config``
    raises) and does not pickle if ``fn`` is a lambda.

    Args:
      fn: a callable ``count -> value``.

    Returns:
      A :class:`Function` schedule.

    Example:
      >>> import jaxsched, jax.numpy as jnp
      >>> s = jaxsched.lambda_schedule(lambda k: 0.1 * 0.95 ** k)
      >>> round(float(s(2)), 6)
      0.09025

    Equivalents:
      torch: ``LambdaLR(opt, lr_lambda)`` (with the base lr folded into ``fn``). Cerebras:
      ``LambdaLR``. optax: any callable is a schedule.
    """
    return Function(v.callable_("fn", fn))


#: Sequences of up to this many pieces select with ``where``; longer ones search and gather,
#: so that their graph does not grow with the number of pieces.
FEW_PIECES = 8


@schedule_class("join_schedules")
class Sequence(Schedule):
    """Children joined at ``boundaries``, each on its local time. See :func:`join_schedules`."""

    schedules: tuple = child_field()
    boundaries: Any = steps_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        children = self.schedules
        if len(children) == 1:
            return children[0]._eval(c)
        if len(children) <= FEW_PIECES:
            # a few pieces: each on its own local time, picked by a chain of `where`s (a
            # smaller, faster graph than a search and gathers, which pay off for many pieces);
            # boundaries known at trace time enter as scalars, not as a table to slice
            host = _host_bounds(self.boundaries)
            bounds = [c.steps(b) for b in host] if host is not None else c.steps(self.boundaries)
            out = children[0]._eval(c)
            for i in range(1, len(children)):
                b = bounds[i - 1]
                out = xp.where(c.ge(b), children[i]._eval(c.shift(b)), out)
            return out
        bounds = c.steps(self.boundaries)
        piece = c.searchsorted(bounds)  # index of the active child
        zero = xp.zeros((1,), dtype=bounds.dtype, device=c.device) if c.device is not None else (
            xp.zeros((1,), dtype=bounds.dtype))
        starts = xp.concat([zero, bounds])
        local = c.shift(_xp.take(xp, starts, piece))
        groups = _groups(children)
        if len(groups) == 1:
            return _eval_group(c, local, children, groups[0], piece)
        gid = np.zeros(len(children), dtype=np.int64)
        for g, members in enumerate(groups):
            gid[members] = g
        which = _xp.take(xp, c.table(gid, integer=True), piece)
        out = None
        for g, members in enumerate(groups):
            val = _eval_group(c, local, children, members, piece)
            out = val if out is None else xp.where(which == g, val, out)
        return out


def _host_bounds(boundaries: Any) -> list | None:
    """The boundaries as Python numbers when they are known at trace time, else None."""
    if isinstance(boundaries, (list, tuple)) and all(
            isinstance(b, (int, np.integer)) and not isinstance(b, bool) for b in boundaries):
        return [int(b) for b in boundaries]
    if isinstance(boundaries, np.ndarray) and np.issubdtype(boundaries.dtype, np.integer):
        return [int(b) for b in boundaries.reshape(-1)]
    return None


def _groups(children: tuple) -> list[list[int]]:
    """Indices of the children grouped by pytree structure (static: shapes, options, kinds)."""
    import jax

    by_def: dict[Any, list[int]] = {}
    for i, ch in enumerate(children):
        leaves, treedef = jax.tree_util.tree_flatten(ch)
        shapes = tuple(np.shape(x) for x in leaves)
        by_def.setdefault((treedef, shapes), []).append(i)
    return list(by_def.values())


def _leaf_kinds(s: Schedule) -> list[str]:
    """The conversion kind ("value"/"steps") of each leaf of ``s``, in flatten order."""
    import dataclasses

    import jax

    from jaxsched.core.schedule import _kind

    kinds: list[str] = []
    for f in dataclasses.fields(s):
        k = _kind(f)
        if k in ("static", "function"):
            continue
        val = getattr(s, f.name)
        if k == "child":
            for ch in val if isinstance(val, tuple) else (val,):
                kinds.extend(_leaf_kinds(ch))
        else:
            kinds.extend([k] * len(jax.tree_util.tree_leaves(val)))
    return kinds


def _eval_group(c, local, children, members, piece):
    """Evaluate the children ``members`` (one pytree structure) at once by gathering leaves."""
    import jax

    xp = c.xp
    if len(members) == 1:
        return children[members[0]]._eval(local)
    flat = [jax.tree_util.tree_flatten(children[m]) for m in members]
    treedef = flat[0][1]
    columns = list(zip(*[leaves for leaves, _ in flat])) if flat[0][0] else []
    if any(np.ndim(col[0]) != 0 for col in columns):
        # leaves that are arrays themselves (nested sequences, piecewise tables): evaluate each.
        out = None
        for m in members:
            val = children[m]._eval(local)
            out = val if out is None else xp.where(piece == m, val, out)
        return out
    pos = np.zeros(len(children), dtype=np.int64)
    pos[members] = np.arange(len(members))
    j = _xp.take(xp, c.table(pos, integer=True), piece)
    kinds = _leaf_kinds(children[members[0]])
    gathered = [_xp.take(xp, _stack(c, col, kind), j) for col, kind in zip(columns, kinds)]
    template = jax.tree_util.tree_unflatten(treedef, gathered)
    return template._eval(local)


def _stack(c: _xp.Count, col: tuple, kind: str) -> Any:
    xp = c.xp
    if all(isinstance(x, (int, float, np.integer, np.floating, np.ndarray)) for x in col):
        arr = np.asarray([np.asarray(x) for x in col])
        return c.steps(arr) if kind == "steps" else c.value(arr)
    items = [c.steps(x) if kind == "steps" else c.value(x) for x in col]
    if any(xp.isdtype(x.dtype, "real floating") for x in items):
        items = [xp.astype(x, c.dtype) for x in items]
    return xp.stack(items)


def _flatten(schedules: list, boundaries: Any) -> tuple[list, Any]:
    """Inline children that are concrete sequences themselves (same values, flat structure)."""
    if not any(isinstance(s, Sequence) for s in schedules) or v.is_traced(boundaries):
        return schedules, boundaries
    if any(isinstance(s, Sequence) and v.is_traced(s.boundaries) for s in schedules):
        return schedules, boundaries
    starts = [0] + [b.item() if hasattr(b, "item") else b for b in np.asarray(boundaries).tolist()]
    out_s: list = []
    out_b: list = []
    for i, s in enumerate(schedules):
        if i > 0:
            out_b.append(starts[i])
        if isinstance(s, Sequence):
            out_s.append(s.schedules[0])
            for child, b in zip(s.schedules[1:], np.asarray(s.boundaries).tolist()):
                # an inner boundary past the next outer boundary never shows
                nb = starts[i] + b
                if i + 1 < len(starts) and nb > starts[i + 1]:
                    nb = starts[i + 1]
                out_b.append(nb)
                out_s.append(child)
        else:
            out_s.append(s)
    return out_s, v.sorted_steps("boundaries", out_b)


@register("join_schedules")
def join_schedules(
    schedules: SequenceABC[ScheduleFn], boundaries: StepsList
) -> Sequence:
    r"""Join schedules at step boundaries, each child on its local time.

    .. math::
      f(t) = s_i(t - b_i) \quad \text{for } b_i \le t < b_{i+1},
      \quad b_0 = 0,\ b_{n} = \infty

    The value at a boundary belongs to the next child (at its local step 0). The compiled graph
    does not grow with the number of children: children of one kind are gathered by index.

    Args:
      schedules: ``n`` schedules (jaxsched Schedules, or any callables ``count -> value``
        written with ``jax.numpy``; then the result is evaluable with ``jax.numpy`` only).
      boundaries: ``n - 1`` non-decreasing step counts ``>= 0`` (traceable as an array).

    Returns:
      A :class:`Sequence` schedule.

    Raises:
      ValueError: the boundaries are unsorted, negative, or not ``len(schedules) - 1``.
      TypeError: a schedule is not callable, or a boundary is not a number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.join_schedules(
      ...     [jaxsched.constant_schedule(1.0), jaxsched.linear_schedule(1.0, 0.0, 2)], [3])
      >>> [float(x) for x in s.evaluate(np.arange(6), np)]
      [1.0, 1.0, 1.0, 1.0, 0.5, 0.0]

    Equivalents:
      optax: ``join_schedules`` (optax evaluates every child at every step through a chain of
      ``where``; jaxsched gathers). torch: ``SequentialLR(schedulers, milestones)``. Cerebras:
      ``SequentialLR``.
    """
    if isinstance(schedules, (str, bytes)) or not isinstance(schedules, (SequenceABC, tuple)):
        raise TypeError(f"`schedules` must be a sequence of schedules, got {type(schedules).__name__}")
    schedules = list(schedules)
    if not schedules:
        raise ValueError("`schedules` must contain at least one schedule, got []")
    kids = []
    for i, s in enumerate(schedules):
        v.callable_(f"schedules[{i}]", s)
        kids.append(s if isinstance(s, Schedule) else Function(s))
    bounds = v.sorted_steps(
        "boundaries",
        boundaries,
        length=len(kids) - 1,
        hint=f" (one boundary between each pair of the {len(kids)} schedules)",
    )
    kids, bounds = _flatten(kids, bounds)
    return Sequence(tuple(kids), bounds)

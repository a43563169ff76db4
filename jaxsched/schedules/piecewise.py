"""Piecewise constant and piecewise interpolated schedules, and optax's one-cycle pair.

Both piecewise forms look the active piece up with ``searchsorted`` and gather its values, so
the compiled graph does not grow with the number of boundaries (optax builds a chain of
``where`` per boundary).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import (
    cosine_blend,
    cosine_pair,
    interpolate,
    linear_between,
    linear_pair,
)
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, StepsList, Value, Values

__all__ = [
    "PiecewiseConstant",
    "PiecewiseInterpolate",
    "piecewise_constant",
    "piecewise_interpolate",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "linear_onecycle_schedule",
    "cosine_onecycle_schedule",
]


def _cumulative_values(c: _xp.Count, init_value: Any, scales: Any, raw: tuple) -> Any:
    """``cumprod([init, *scales])``: on the host in float64 when concrete (no constant folding
    of a long product at compile time), else with the namespace's cumulative product."""
    raw_init, raw_scales = raw
    if isinstance(raw_init, (int, float)) and isinstance(raw_scales, np.ndarray):
        return c.value(np.cumprod(np.concatenate([[float(raw_init)], raw_scales.astype(np.float64)])))
    xp = c.xp
    head = xp.reshape(init_value, (1,))
    return xp.cumulative_prod(xp.concat([head, scales]))


@schedule_class("piecewise_constant")
class PiecewiseConstant(Schedule):
    """``init * prod(scales[i] for boundaries[i] <= t)``. See :func:`piecewise_constant`."""

    init_value: Any = value_field()
    boundaries: Any = steps_field()
    scales: Any = value_field()

    def _formula(self, c, *, init_value, boundaries, scales):
        knots = _host_steps(self.boundaries)
        host = _host_values(self.init_value, self.scales)
        if knots is not None and host is not None and len(knots) <= FEW_PIECES:
            # a few boundaries and values known at trace time: a chain of `where`s on
            # scalars (no table, no search, no gather); the last boundary reached wins
            xp = c.xp
            out = c.value(host[0]) + xp.zeros_like(c.t)
            for b, value in zip(knots, host[1:]):
                out = xp.where(c.ge(c.steps(b)), c.value(value), out)
            return out
        values = _cumulative_values(c, init_value, scales, (self.init_value, self.scales))
        return _xp.take(c.xp, values, c.searchsorted(boundaries))


@schedule_class("piecewise_interpolate")
class PiecewiseInterpolate(Schedule):
    """Linear or cosine interpolation between accumulated values at boundaries."""

    interpolate_type: str = static_field()
    init_value: Any = value_field()
    boundaries: Any = steps_field()
    scales: Any = value_field()

    def _formula(self, c, *, interpolate_type, init_value, boundaries, scales):
        xp = c.xp
        n = int(boundaries.shape[0])
        if n == 0:
            return init_value + xp.zeros_like(c.t)
        knots = _host_steps(self.boundaries)
        if knots is not None and n <= FEW_PIECES:
            return self._few(c, interpolate_type, init_value, scales, knots)
        values = _cumulative_values(c, init_value, scales, (self.init_value, self.scales))
        knots = xp.concat([xp.zeros((1,), dtype=boundaries.dtype, device=c.device), boundaries])
        idx = c.searchsorted(knots) - 1  # knots[0] = 0 <= t, so idx >= 0
        nxt = xp.minimum(idx + 1, xp.full_like(idx, n))
        lo = _xp.take(xp, knots, idx)
        span = c.as_float(_xp.take(xp, knots, nxt) - lo)
        width = xp.maximum(span, c.const(1.0))  # optax's guard against zero-length pieces
        local = xp.minimum(c.shift(lo).t, width)
        remaining = xp.maximum(width - local, c.const(0.0))
        v_lo = _xp.take(xp, values, idx)
        v_hi = _xp.take(xp, values, nxt)
        pair = linear_pair if interpolate_type == "linear" else cosine_pair
        left, done = pair(c, local, remaining, width)
        return interpolate(c, v_lo, v_hi, left, done)

    def _few(self, c, interpolate_type, init_value, scales, knots):
        """A few knots known at trace time: each piece on its own local time, picked by ``where``.

        The same values as the search path (pieces of width ``max(b_{i+1} - b_i, 1)``, the
        last value held from ``b_n`` on), with no search and no gathers; each piece forms its
        value from the end that keeps precision (values known at trace time pick it once).
        """
        xp = c.xp
        host = _host_values(self.init_value, self.scales)
        if host is not None:
            values = [c.value(x) for x in host]
        else:  # a traced value: the few products unrolled (no cumulative product to transpose)
            values = [init_value]
            for i in range(len(knots)):
                values.append(values[-1] * scales[i])
            host = [None] * len(values)
        starts = [0, *knots]
        out = None
        # the `where` chain uses piece i only for b_i <= t < b_{i+1}, where its steps done and
        # left are t - b_i and b_{i+1} - t (exact in integers): no clamp to the piece is
        # needed, and elsewhere the piece is finite and unused
        x = c.n if c.n is not None else c.t
        for i in range(len(knots)):
            width = max(starts[i + 1] - starts[i], 1)  # optax's guard on zero-length pieces
            total = c.as_float(c.steps(width))
            elapsed = c.as_float(x - starts[i] if starts[i] else x)
            remaining = c.as_float(starts[i + 1] - x)
            if interpolate_type == "linear":
                piece = linear_between(c, values[i], values[i + 1], elapsed, remaining, total,
                                       host[i], host[i + 1], total_positive=True)
            else:
                piece = cosine_blend(c, values[i], values[i + 1], elapsed, remaining, total,
                                     host[i], host[i + 1], total_positive=True)
            out = piece if out is None else xp.where(c.ge(c.steps(starts[i])), piece, out)
        return xp.where(c.ge(c.steps(knots[-1])), values[-1] + xp.zeros_like(out), out)


#: Up to this many boundaries known at trace time, a piecewise interpolation selects with
#: ``where``; more (or traced ones) search and gather, so the graph does not grow with them.
FEW_PIECES = 4


def _host_steps(boundaries: Any) -> list[int] | None:
    """The boundaries as Python ints when they are known at trace time and integral, else None."""
    if v.is_traced(boundaries):
        return None
    try:
        arr = np.asarray(boundaries)
    except Exception:  # a tensor on another device: take the search path
        return None
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        return None
    return [int(x) for x in arr]


def _host_values(init_value: Any, scales: Any) -> list[float] | None:
    """``cumprod([init, *scales])`` in float64 on the host when both are known, else None."""
    if v.is_traced(init_value) or v.is_traced(scales):
        return None
    try:
        init = np.asarray(init_value, dtype=np.float64)
        sc = np.asarray(scales, dtype=np.float64).reshape(-1)
    except Exception:  # a tensor on another device
        return None
    if init.ndim != 0:
        return None
    return [float(x) for x in np.cumprod(np.concatenate([[float(init)], sc]))]


def _split(name: str, boundaries_and_scales: Any) -> tuple[Any, Any]:
    """(boundaries, scales) from optax's dict, or from a ``(boundaries, scales)`` pair."""
    if boundaries_and_scales is None:
        return np.zeros((0,), np.int64), np.zeros((0,), np.float64)
    if isinstance(boundaries_and_scales, Mapping):
        items = []
        for k, s in boundaries_and_scales.items():
            if isinstance(k, str):
                try:
                    k = int(k)
                except ValueError:
                    raise TypeError(
                        f"`{name}` keys must be step counts, got the string {k!r}"
                    ) from None
            items.append((k, s))
        for k, _ in items:
            v.steps(f"{name} boundary", k)
        items.sort(key=lambda kv: kv[0])
        return [k for k, _ in items], [s for _, s in items]
    if isinstance(boundaries_and_scales, (tuple, list)) and len(boundaries_and_scales) == 2:
        b, s = boundaries_and_scales
        if not all(isinstance(x, (list, tuple)) or hasattr(x, "shape") for x in (b, s)):
            raise TypeError(
                f"`{name}` must be a dict {{boundary: scale}} or a (boundaries, scales) pair of "
                f"sequences, got {v.describe(boundaries_and_scales)}"
            )
        return b, s
    raise TypeError(
        f"`{name}` must be a dict {{boundary: scale}} or a (boundaries, scales) pair, got "
        f"{type(boundaries_and_scales).__name__}"
    )


def _scales(name: str, scales: Any, n: int) -> Any:
    if v.is_traced(scales):
        return scales
    if hasattr(scales, "shape") and hasattr(scales, "dtype"):
        arr = v.real(name, scales, ge=0, hint=" (scales multiply the value; use 0 to stop)")
        arr = np.asarray(arr, dtype=np.float64).reshape(-1)
        if arr.shape[0] != n:
            raise ValueError(f"`{name}` must have {n} entries (one per boundary), got {arr.shape[0]}")
        return arr
    items = v.sequence(name, scales)
    if len(items) != n:
        raise ValueError(f"`{name}` must have {n} entries (one per boundary), got {len(items)}")
    checked = [v.real(f"{name}[{i}]", s, ge=0) for i, s in enumerate(items)]
    if any(v.is_traced(s) for s in checked):
        import jax.numpy as jnp

        return jnp.stack([jnp.asarray(s, dtype=jnp.result_type(float)) for s in checked])
    return np.asarray(checked, dtype=np.float64).reshape(-1)


@register("piecewise_constant")
def piecewise_constant(init_value: Value, boundaries: StepsList, scales: Values) -> PiecewiseConstant:
    r"""Piecewise constant schedule with multiplicative scales, in array form.

    .. math:: f(t) = I \prod_{i:\ b_i \le t} s_i

    A scale takes effect *at* its boundary step.

    Args:
      init_value: value before the first boundary (real; traceable).
      boundaries: ``n`` non-decreasing step counts ``>= 0`` (a list or array; traceable as an
        array).
      scales: ``n`` factors ``>= 0``, one per boundary (traceable).

    Returns:
      A :class:`PiecewiseConstant` schedule; its graph does not grow with ``n``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.piecewise_constant(1.0, [2, 4], [0.5, 0.5])
      >>> [float(x) for x in s.evaluate(np.arange(6), np)]
      [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]

    Equivalents:
      optax: ``piecewise_constant_schedule(I, {b: s})``. torch: ``MultiStepLR(milestones,
      gamma)`` when every scale is ``gamma``. Cerebras: ``MultiStepLR``.
    """
    b = v.sorted_steps("boundaries", boundaries)
    n = int(np.shape(b)[0])
    return PiecewiseConstant(v.real("init_value", init_value), b, _scales("scales", scales, n))


@register("piecewise_interpolate")
def piecewise_interpolate(
    interpolate_type: str, init_value: Value, boundaries: StepsList, scales: Values
) -> PiecewiseInterpolate:
    r"""Interpolate between accumulated values at boundaries, linearly or with a half cosine.

    With knots ``k = [0, b_1, ..., b_n]`` and values ``v = cumprod([I, s_1, ..., s_n])``, for
    ``k_i <= t < k_{i+1}`` and ``p = (t - k_i) / max(k_{i+1} - k_i, 1)``:

    .. math::
      f(t) = \begin{cases}
        v_i + (v_{i+1} - v_i)\,p, & \text{linear} \\
        v_{i+1} + (v_i - v_{i+1})\,\tfrac12(1 + \cos \pi p), & \text{cosine}
      \end{cases}

    and ``f(t) = v_n`` for ``t >= b_n``.

    Args:
      interpolate_type: ``"linear"`` or ``"cosine"`` (static).
      init_value: value at step 0 (real; traceable).
      boundaries: ``n`` non-decreasing step counts ``>= 0`` (traceable as an array).
      scales: ``n`` factors ``>= 0`` (traceable).

    Returns:
      A :class:`PiecewiseInterpolate` schedule; its graph does not grow with ``n``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.piecewise_interpolate("linear", 1.0, [4, 8], [0.1, 0.1])
      >>> [round(float(x), 4) for x in s.evaluate(np.array([0, 2, 4, 6, 8, 10]), np)]
      [1.0, 0.55, 0.1, 0.055, 0.01, 0.01]

    Equivalents:
      optax: ``piecewise_interpolate_schedule(type, I, {b: s})``.
    """
    kind = v.choice("interpolate_type", interpolate_type, ("linear", "cosine"))
    b = v.sorted_steps("boundaries", boundaries)
    n = int(np.shape(b)[0])
    return PiecewiseInterpolate(
        kind, v.real("init_value", init_value), b, _scales("scales", scales, n)
    )


@register("piecewise_constant_schedule")
def piecewise_constant_schedule(
    init_value: Value, boundaries_and_scales: Mapping[int, Any] | None = None
) -> PiecewiseConstant:
    r"""optax's piecewise constant schedule: ``init_value`` times the scales passed so far.

    .. math:: f(t) = I \prod_{(b, s):\ b \le t} s

    Args:
      init_value: value before the first boundary (real; traceable).
      boundaries_and_scales: ``{boundary_step: scale}`` (boundaries ``>= 0``, scales ``>= 0``,
        traceable), or a ``(boundaries, scales)`` pair of arrays so that the boundaries can be
        traced too. ``None``: constant.

    Returns:
      A :class:`PiecewiseConstant` schedule.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.piecewise_constant_schedule(1.0, {2: 0.5, 4: 0.5})
      >>> [float(x) for x in s.evaluate(np.arange(6), np)]
      [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]

    Equivalents:
      optax: ``piecewise_constant_schedule`` (optax accepts negative boundaries; jaxsched
      raises). torch: ``MultiStepLR``. Keras: ``PiecewiseConstantDecay`` (absolute values,
      boundary step in the lower segment).
    """
    b, s = _split("boundaries_and_scales", boundaries_and_scales)
    return piecewise_constant(init_value, b, s)


@register("piecewise_interpolate_schedule")
def piecewise_interpolate_schedule(
    interpolate_type: str,
    init_value: Value,
    boundaries_and_scales: Mapping[int, Any] | None = None,
) -> PiecewiseInterpolate:
    r"""optax's piecewise interpolation between accumulated values (see :func:`piecewise_interpolate`).

    Args:
      interpolate_type: ``"linear"`` or ``"cosine"``.
      init_value: value at step 0 (real; traceable).
      boundaries_and_scales: ``{boundary_step: scale}`` or a ``(boundaries, scales)`` pair.

    Returns:
      A :class:`PiecewiseInterpolate` schedule.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.piecewise_interpolate_schedule("linear", 1.0, {4: 0.1, 8: 0.1})
      >>> round(float(s(6)), 4)
      0.055

    Equivalents:
      optax: ``piecewise_interpolate_schedule`` (optax gives 0 at negative counts; jaxsched
      gives ``init_value``, as counts clamp at 0).
    """
    b, s = _split("boundaries_and_scales", boundaries_and_scales)
    return piecewise_interpolate(interpolate_type, init_value, b, s)


def _onecycle_pieces(keys: list[Any], scales: list[Any]) -> tuple[Any, Any]:
    """optax builds a dict ``{key: scale}``: equal keys overwrite, keeping the later scale.

    Here every key is kept, so the number of pieces never depends on the values (concrete and
    traced hyperparameters give one tree structure, with no Python branch on a value). In a run
    of equal keys the first takes the run's last scale and the others scale by 1: the pieces
    between equal knots have zero length and are never active (the count lands after every
    equal knot), and the accumulated values at the remaining knots are optax's.
    """
    out = list(scales)
    if not any(v.is_traced(x) for x in keys):
        # knots known at trace time (traced values or not): merged here, so the schedule
        # keeps its knots on the host and selects its few pieces with `where`
        for i in range(len(keys) - 2, -1, -1):
            if keys[i] == keys[i + 1]:
                out[i], out[i + 1] = out[i + 1], 1.0
        return keys, out
    import jax.numpy as jnp

    ks = jnp.stack([jnp.asarray(k) for k in keys])
    out = [jnp.asarray(s, dtype=jnp.result_type(float)) for s in out]
    for i in range(len(keys) - 2, -1, -1):  # over positions, not values: a fixed unrolled loop
        same = ks[i] == ks[i + 1]
        out[i], out[i + 1] = jnp.where(same, out[i + 1], out[i]), jnp.where(same, 1.0, out[i + 1])
    return ks, jnp.stack(out)


def _floor_mul(pct: Any, total: Any) -> Any:
    """``floor(pct * total)`` as a step count: a Python int when both are concrete."""
    if v.is_traced(pct) or v.is_traced(total):
        import jax.numpy as jnp

        return jnp.floor(jnp.asarray(pct) * jnp.asarray(total)).astype(jnp.asarray(total).dtype)
    return int(pct * total)


def _onecycle_checks(transition_steps, peak_value, pct_start, div_factor, final_div_factor):
    t = v.steps("transition_steps", transition_steps, positive=True)
    p = v.real("peak_value", peak_value)
    ps = v.real("pct_start", pct_start, ge=0, le=1)
    d = v.real("div_factor", div_factor, gt=0)
    fd = v.real("final_div_factor", final_div_factor, gt=0)
    return t, p, ps, d, fd


@register("linear_onecycle_schedule")
def linear_onecycle_schedule(
    transition_steps: Steps,
    peak_value: Value,
    pct_start: Value = 0.3,
    pct_final: Value = 0.85,
    div_factor: Value = 25.0,
    final_div_factor: Value = 1e4,
) -> PiecewiseInterpolate:
    r"""optax's linear one-cycle: ``P/div -> P -> P/div -> P/(div * final_div)``, linearly.

    Knots at ``floor(pct_start T)``, ``floor(pct_final T)`` and ``T``:

    .. math::
      \frac{P}{d} \xrightarrow{[0,\ \lfloor p_s T\rfloor]} P
      \xrightarrow{[\cdot,\ \lfloor p_f T\rfloor]} \frac{P}{d}
      \xrightarrow{[\cdot,\ T]} \frac{P}{d\, d_f}

    Args:
      transition_steps: ``T > 0``, total optimizer steps of the cycle.
      peak_value: the peak ``P`` (real; traceable).
      pct_start: fraction ``[0, 1]`` of ``T`` spent rising (default 0.3).
      pct_final: fraction ``[pct_start, 1]`` of ``T`` at which the descent back to ``P/d`` ends
        (default 0.85).
      div_factor: ``d > 0``; the cycle starts at ``P/d`` (default 25).
      final_div_factor: ``d_f > 0``; the cycle ends at ``P/(d d_f)`` (default 1e4).

    Returns:
      A :class:`PiecewiseInterpolate` schedule.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.linear_onecycle_schedule(10, 1.0)
      >>> [round(float(s(k)), 3) for k in (0, 3, 8, 10)]
      [0.04, 1.0, 0.04, 0.0]

    Equivalents:
      optax: ``linear_onecycle_schedule``. torch: ``OneCycleLR(anneal_strategy="linear",
      three_phase=True)`` (torch peaks one step earlier).
    """
    t, p, ps, d, fd = _onecycle_checks(transition_steps, peak_value, pct_start, div_factor,
                                       final_div_factor)
    pf = v.real("pct_final", pct_final, ge=0, le=1)
    if not v.is_traced(ps) and not v.is_traced(pf) and pf < ps:
        raise ValueError(f"`pct_final` must be >= `pct_start` ({ps!r}), got {pf!r}")
    keys = [_floor_mul(ps, t), _floor_mul(pf, t), t]
    b, s = _onecycle_pieces(keys, [d, 1.0 / d, 1.0 / fd])
    return piecewise_interpolate("linear", p / d, b, s)


@register("cosine_onecycle_schedule")
def cosine_onecycle_schedule(
    transition_steps: Steps,
    peak_value: Value,
    pct_start: Value = 0.3,
    div_factor: Value = 25.0,
    final_div_factor: Value = 1e4,
) -> PiecewiseInterpolate:
    r"""optax's cosine one-cycle: ``P/div -> P -> P/(div * final_div)`` with half cosines.

    Knots at ``floor(pct_start T)`` and ``T``.

    Args:
      transition_steps: ``T > 0``, total optimizer steps of the cycle.
      peak_value: the peak ``P`` (real; traceable).
      pct_start: fraction ``[0, 1]`` of ``T`` spent rising (default 0.3).
      div_factor: ``d > 0``; the cycle starts at ``P/d`` (default 25).
      final_div_factor: ``d_f > 0``; it ends at ``P/(d d_f)`` (default 1e4).

    Returns:
      A :class:`PiecewiseInterpolate` schedule.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.cosine_onecycle_schedule(10, 1.0)
      >>> [round(float(s(k)), 6) for k in (0, 3, 5, 10)]
      [0.04, 1.0, 0.811746, 4e-06]

    Equivalents:
      optax: ``cosine_onecycle_schedule``. torch: ``OneCycleLR(total_steps=T)`` (two phases,
      cos; torch peaks at ``pct_start T - 1`` and ends at ``T - 1``, one step earlier).
    """
    t, p, ps, d, fd = _onecycle_checks(transition_steps, peak_value, pct_start, div_factor,
                                       final_div_factor)
    keys = [_floor_mul(ps, t), t]
    b, s = _onecycle_pieces(keys, [d, 1.0 / (d * fd)])
    return piecewise_interpolate("cosine", p / d, b, s)




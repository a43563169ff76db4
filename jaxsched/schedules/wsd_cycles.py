"""Multi-cycle warmup-stable-decay (Levanter's WSD-S): a WSD repeated over cycles of a run.

Cycle ``i`` runs from ``E_{i-1}`` to ``E_i`` (``E_{-1} = 0``, the last end is ``total_steps``).
The cycle index is a search over the end points (``searchsorted``), so the graph does not grow
with the number of cycles; every cycle boundary and phase length is integer arithmetic for
integer counts and step counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import _known, cosine_tail, floor_fraction, safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value

__all__ = ["WSDCycles", "wsd_cycles"]

CYCLE_DECAY_SHAPES = ("cosine", "linear", "1-sqrt")


def _bounds(c: _xp.Count, total: Any, ends: Any, cycles: int) -> tuple[Any, Any]:
    """``(starts, stops)``: each cycle's first step and end, 1-D arrays of ``cycles`` entries."""
    xp = c.xp
    exact = c.is_int(total) and (ends is None or c.is_int(ends))
    one = xp.reshape(total if exact else c.as_float(total), (1,))
    if cycles == 1:
        return xp.zeros_like(one), one
    if ends is None:  # Levanter's count form: E_i = floor(N (i + 1) / C)
        k = c.table(np.arange(1, cycles), integer=exact)
        if exact:  # floor(N k / C) = q k + floor(r k / C), no overflow of N k
            q, r = total // cycles, total % cycles
            ends = q * k + (r * k) // cycles
        else:
            ends = xp.floor(c.as_float(total) * k / cycles)
    elif not exact:
        ends = c.as_float(ends)
    starts = xp.concat([xp.zeros_like(one), ends])
    return starts, xp.concat([ends, one])


def _host_lengths(s: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Each cycle's warmup and decay lengths ``int(f L)``, as Python's float64 gives them, when
    the step counts and fractions are plain numbers (a schedule closed over, or evaluated
    eagerly); else None (traced: :func:`floor_fraction`, the exact product of the fraction
    the program holds)."""
    fracs = (s.warmup, s.rewarmup) + (() if s.decay is None else (s.decay,))
    if type(s.total_steps) is not int or not all(type(f) in (int, float) for f in fracs):
        return None
    n, cycles = s.total_steps, s.cycles
    if s.cycle_ends is not None:
        ends = _known(s.cycle_ends)
        if ends is None or ends.dtype.kind not in "iu":
            return None
        ends = [int(e) for e in ends.reshape(-1)]
    else:  # Levanter's count form, E_i = floor(N (i + 1) / C)
        ends = [n * k // cycles for k in range(1, cycles)]
    bounds = [0, *ends, n]
    lengths = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    if any(length < 0 for length in lengths):
        return None
    w = [math.floor((s.warmup if i == 0 else s.rewarmup) * length)
         for i, length in enumerate(lengths)]
    d = [length - wi if s.decay is None else math.floor(s.decay * length)
         for wi, length in zip(w, lengths)]
    return np.asarray(w, np.int64), np.asarray(d, np.int64)


@schedule_class("wsd_cycles")
class WSDCycles(Schedule):
    """Warmup-stable-decay repeated over cycles, each re-warming from the last one's end.

    See :func:`wsd_cycles`.
    """

    peak_value: Any = value_field()
    total_steps: Any = steps_field()
    cycles: int = static_field()
    warmup: Any = value_field()
    rewarmup: Any = value_field()
    decay: Any = value_field()
    init_value: Any = value_field()
    end_value: Any = value_field()
    decay_shape: str = static_field()
    cycle_ends: Any = steps_field()

    def _formula(self, c, *, peak_value, total_steps, cycles, warmup, rewarmup, decay,
                 init_value, end_value, decay_shape, cycle_ends):
        num_cycles = cycles
        xp = c.xp
        zero, one = c.const(0.0), c.const(1.0)
        starts, stops = _bounds(c, total_steps, cycle_ends, num_cycles)
        if num_cycles == 1:
            i = xp.zeros_like(c.t, dtype=c.int_dtype) if c.n is None else xp.zeros_like(c.n)
        else:
            inner = stops[:-1]
            i = c.searchsorted(inner)
            i = xp.minimum(i, xp.full_like(i, num_cycles - 1))
        start, stop = _xp.take(xp, starts, i), _xp.take(xp, stops, i)
        exact = c.is_int(stop) and c.is_int(start)
        length_i = stop - start if exact else None  # in integers: no float32 cancellation
        length = c.as_float(length_i) if exact else c.as_float(stop) - c.as_float(start)
        first = i == 0

        host = _host_lengths(self) if exact else None
        if host is not None:  # int(f L) of every cycle, computed as Levanter does (float64)
            w_i = _xp.take(xp, c.table(host[0], integer=True), i)
            d_i = _xp.take(xp, c.table(host[1], integer=True), i)
        elif exact:  # int(f L), as Levanter, in integers: exact boundaries up to 2**31 - 1
            w_i = floor_fraction(c, xp.where(first, warmup, rewarmup), length_i)
            d_i = length_i - w_i if decay is None else floor_fraction(c, decay, length_i)
        if exact:
            hold_i = w_i + xp.maximum(length_i - w_i - d_i, xp.zeros_like(w_i))
            local_c = c.shift(start)
            in_warmup, in_hold = local_c.n < w_i, local_c.n < hold_i
            w, d, hold = c.as_float(w_i), c.as_float(d_i), c.as_float(hold_i)
            local = local_c.t
        else:
            w = xp.floor(xp.where(first, warmup, rewarmup) * length)
            d = length - w if decay is None else xp.floor(decay * length)
            hold = w + xp.maximum(length - w - d, zero)  # the decay's first local step
            local = c.shift(start).t
            in_warmup, in_hold = local < w, local < hold
        if c.is_int(stop):
            left = stop - c.n
            left = xp.astype(xp.maximum(left, xp.zeros_like(left)), c.dtype)
        else:
            left = xp.maximum(c.as_float(stop) - c.t, zero)
        left = xp.minimum(left, d)  # steps left in the decay (exact)
        den = safe_den(c, d)
        if decay_shape == "linear":
            g = left / den
        elif decay_shape == "cosine":
            g = cosine_tail(c, left, d)
        else:  # 1-sqrt: (1 - sqrt q) = (1 - q) / (1 + sqrt q), no cancellation near q = 1
            done = xp.minimum(xp.maximum(local - hold, zero), d) / den
            pos = done > 0
            root = xp.where(pos, xp.sqrt(xp.where(pos, done, one)), zero)
            g = (left / den) / (one + root)
        decayed = end_value + (peak_value - end_value) * g
        prev = xp.where(first, init_value, end_value)
        warm = prev + (peak_value - prev) * (local / safe_den(c, w))
        flat = peak_value + xp.zeros_like(c.t)
        out = xp.where(in_warmup, warm, xp.where(in_hold, flat, decayed))
        return xp.where(c.ge(total_steps), end_value + xp.zeros_like(c.t), out)


def _ends(cycles: Any, n: Any) -> tuple[Any, int]:
    """``(interior end points or None, number of cycles)`` from ``cycles`` (count or list)."""
    if isinstance(cycles, bool):
        raise TypeError(f"`cycles` must be a number of cycles or a list of cycle end points, got "
                        f"{cycles!r}")
    if isinstance(cycles, (int, np.integer)):
        count = v.integer("cycles", cycles, ge=1)
        return None, int(count)
    if isinstance(cycles, Sequence) or hasattr(cycles, "shape"):
        ends = v.sorted_steps("cycles", cycles, strict=True,
                              hint=" (the end step of each cycle, increasing)")
        if isinstance(ends, np.ndarray):
            if ends.size and ends[0] <= 0:
                raise ValueError(f"`cycles` end points must be > 0, got {ends.tolist()}")
            if not v.is_traced(n):
                top = np.asarray(n)
                if ends.size and np.any(ends > top):
                    raise ValueError(f"`cycles` end points must be <= `total_steps` ({n!r}), got "
                                     f"{ends.tolist()}")
                if ends.size and np.all(ends[-1] == top):
                    ends = ends[:-1]  # the run's end closes the last cycle anyway
            if ends.size == 0:
                return None, 1
        return ends, int(ends.shape[0]) + 1
    raise TypeError(f"`cycles` must be a number of cycles or a list of cycle end points, got "
                    f"{cycles!r} of type {type(cycles).__name__}")


@register("wsd_cycles")
def wsd_cycles(
    peak_value: Value,
    total_steps: Steps,
    cycles: int | Sequence[Steps] = 1,
    *,
    warmup: Value = 0.0,
    rewarmup: Value = 0.0,
    decay: Value | None = None,
    init_value: Value = 0.0,
    end_value: Value = 0.0,
    decay_shape: str = "cosine",
    cycle_ends: Sequence[Steps] | None = None,
) -> WSDCycles:
    r"""Multi-cycle warmup-stable-decay (WSD-S): each cycle warms up, holds, decays to a floor.

    The run of ``N = total_steps`` steps is cut into cycles ``[E_{i-1}, E_i)`` (``E_{-1} = 0``,
    the last ``E = N``): ``cycles=C`` gives ``E_i = floor(N (i + 1) / C)`` (Levanter's split),
    a list gives the end points. In cycle ``i`` of length ``L_i = E_i - E_{i-1}``, at local step
    ``u = t - E_{i-1}``:

    .. math::
      W_i = \lfloor w_i L_i \rfloor,\quad D_i = \lfloor d\, L_i \rfloor \;(L_i - W_i
      \text{ when } d \text{ is None}),\quad H_i = L_i - D_i

    .. math::
      f(t) = \begin{cases}
        v_i + (P - v_i)\, u / W_i, & u < W_i \\
        P, & W_i \le u < H_i \\
        E + (P - E)\, g(q),\; q = (u - H_i) / D_i, & H_i \le u < L_i
      \end{cases}
      \qquad f(t) = E \text{ for } t \ge N

    with ``w_0 = warmup``, ``w_i = rewarmup`` for ``i > 0``, ``v_0 = init_value`` and
    ``v_i = E`` (the re-warmup ramps from where the previous cycle ended), and the decay
    shapes ``cosine`` :math:`g = \tfrac12(1 + \cos \pi q)`, ``linear`` :math:`g = 1 - q`,
    ``1-sqrt`` :math:`g = 1 - \sqrt q`, each computed from the steps left ``E_i - t`` (float32
    tails keep relative precision). Without re-warmup (``rewarmup=0``) a new cycle jumps back
    to ``P`` at ``E_{i-1}``. Cycles of length 0 (``C > N``) are skipped.

    Args:
      peak_value: ``P``, the stable value (real; traceable).
      total_steps: ``N >= 0``, the end of the last cycle (traceable); ``E`` is held from ``N``.
      cycles: the number of cycles ``C >= 1`` (static), or the increasing end points of the
        cycles (steps in ``(0, N]``, traceable; a last point equal to ``N`` may be left out).
      warmup: ``w_0`` in ``[0, 1]``, the fraction of cycle 0 spent warming up (traceable).
      rewarmup: ``w_i`` in ``[0, 1]``, the fraction of each later cycle spent re-warming from
        ``E`` to ``P`` (traceable; default 0).
      decay: ``d`` in ``[0, 1]``, the fraction of each cycle spent decaying (traceable); default
        ``None``: the whole cycle after the (re)warmup (no stable phase).
      init_value: ``v_0``, the value at step 0 (real; traceable; default 0, Levanter's).
      end_value: ``E``, the value each decay reaches (real; traceable; default 0).
      decay_shape: ``"cosine"`` (default), ``"linear"`` or ``"1-sqrt"`` (static).
      cycle_ends: with ``cycles=C`` a count, the ends of the first ``C - 1`` cycles (increasing
        steps in ``(0, N)``, traceable); the same as passing the list as ``cycles``. Default
        ``None``: Levanter's equal split.

    Returns:
      A :class:`WSDCycles` schedule.

    Raises:
      ValueError: ``cycles < 1``; end points not increasing, not ``> 0`` or past ``N``;
        fractions outside ``[0, 1]``; ``warmup + decay > 1`` or ``rewarmup + decay > 1``;
        non-finite values; an unknown ``decay_shape``.
      TypeError: a non-numeric value or a non-string shape.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.wsd_cycles(1.0, 12, 2, warmup=1/3, rewarmup=1/3, decay=1/3,
      ...                         end_value=0.1, decay_shape="linear")
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(13), np)]
      [0.0, 0.5, 1.0, 1.0, 1.0, 0.55, 0.1, 0.55, 1.0, 1.0, 1.0, 0.55, 0.1]

    Equivalents:
      Levanter (``src/levanter/optim/config.py``, ``OptimizerConfig.lr_scheduler``):
      ``learning_rate=P, min_lr_ratio=m, warmup=w0, rewarmup=w, decay=d, cycles=C or [E_0,
      ...], lr_schedule="cosine"|"linear"`` is ``wsd_cycles(P, N, C, warmup=w0, rewarmup=w,
      decay=d, end_value=m*P, decay_shape=...)`` with ``N = num_train_steps`` (Levanter's
      fractions ``<= 1``; a value ``> 1`` there counts steps of each cycle: use the fraction
      ``k / L_i`` of equal cycles). Its ``int(N / C * (i + 1))`` split is computed here exactly
      as ``floor(N (i + 1) / C)``. WSD-S (Wen et al. 2024, "river valley"): ``decay`` small,
      ``rewarmup=0``. One cycle is :func:`jaxsched.warmup_stable_decay` with fractions.
    """
    shape = v.choice("decay_shape", decay_shape, CYCLE_DECAY_SHAPES)
    p = v.real("peak_value", peak_value)
    n = v.steps("total_steps", total_steps)
    if cycle_ends is not None:
        count = v.integer("cycles", cycles, ge=1)
        with v.renamed({"cycles": "cycle_ends"}):
            ends, got = _ends(v.sequence("cycle_ends", cycle_ends), n)
        if got != count:
            raise ValueError(f"`cycle_ends` must have `cycles` - 1 = {count - 1} entries (the last "
                             f"cycle ends at `total_steps`), got {got - 1}")
    else:
        ends, count = _ends(cycles, n)
    w0 = v.real("warmup", warmup, ge=0, le=1)
    w = v.real("rewarmup", rewarmup, ge=0, le=1)
    d = v.real("decay", decay, ge=0, le=1, allow_none=True)
    if d is not None:
        for name, x in (("warmup", w0), ("rewarmup", w)):
            if not (v.is_traced(x) or v.is_traced(d)) and np.any(np.asarray(x) + d > 1):
                raise ValueError(f"`{name}` + `decay` must be <= 1 (both are fractions of a "
                                 f"cycle), got {x!r} + {d!r}")
    return WSDCycles(p, n, count, w0, w, d, v.real("init_value", init_value),
                     v.real("end_value", end_value), shape, ends)

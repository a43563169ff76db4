"""Cycle machinery shared by the restart schedules: which cycle a count falls in, exactly.

Cycle ``i`` has length ``T_i = P m^i`` and starts at ``S_i = P (m^i - 1)/(m - 1)`` (``S_i = i P``
for ``m = 1``). The index is estimated with a logarithm and then corrected against the true
boundaries, so float rounding in the log never misplaces a restart (torch's closed form does,
e.g. ``T_0=1, T_mult=3`` at step 121).

Two paths, chosen by dtype (static), never by value:

* exact integer path -- integer count, integer period and integer multiplier: every boundary
  test is done in the count's integer dtype with saturating arithmetic (no overflow, also at
  ``2**31 - 1`` with int32), so restarts land exactly on the integer boundaries;
* float path -- any of them a float: boundaries ``P (m^i - 1)/(m - 1)`` from ``pow`` (exact
  where ``m^i`` is representable, e.g. ``m = 1.5``) or, near ``m = 1``, from ``expm1``/``log1p``;
  rounded to integers when the multiplier is integral-valued.

With an integer count and period and a float multiplier (Keras's ``t_mul=2.0``, traced or not),
the exact integer path is taken where the multiplier is a whole number, so such restarts are
exact up to ``2**31 - 1`` too. A traced multiplier computes both paths and picks per element;
one known at trace time (closed over, as in a train step) traces only the path it takes. A
multiplier that is not a whole number (or a period that is not) has real boundaries. When both
are known numbers at trace time (the schedule closed over, as in a train step, or an eager
call), float32 with int32 counts locates them from a table computed in float64 at trace time
(``_boundary_table``): the same restarts as float64 at every count up to ``2**31 - 1``. Traced
ones (the schedule passed as a ``jit`` argument, a ``vmap`` over the multiplier) are float32
values themselves, and their boundaries are located to float32 rounding (a count within about
``2**-23`` of a boundary, relatively, may fall in either cycle).

Every operation is elementwise in every leaf (leaves may be arrays of the count's shape), and
both branches of every ``where`` are finite, gradients included.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from jaxsched.core.arrays import Count, _table, nonneg_div, take
from jaxsched.core.numerics import _known, safe_den

__all__ = ["Cycle", "locate"]

@dataclasses.dataclass(frozen=True)
class Cycle:
    """Where a count falls among the cycles.

    Attributes:
      index: the cycle index ``i`` as a float array (integral values); with a cycle limit ``L``
        it is at most ``L - 1``.
      local: the count at local time ``t - S_i`` (an exact integer count on the integer path);
        past the cycle limit it is held at the end of the last cycle, ``T_{L-1}``.
      length: ``T_i`` as a float array.
      remaining: ``T_i - (t - S_i)`` as a float array (exact on the integer path while ``S_{i+1}``
        fits the integer dtype).
      scale: ``m^i = T_i / P`` as a float array.
      held: a bool array, true past the cycle limit (``None`` without a limit).
    """

    index: Any
    local: Count
    length: Any
    remaining: Any
    scale: Any
    held: Any


def locate(c: Count, period: Any, mult: Any, limit: Any = None, flat: bool = False,
           period_positive: bool = False, raw: tuple[Any, Any] | None = None) -> Cycle:
    """The cycle of ``c`` for cycles of length ``period * mult**i``, at most ``limit`` of them.

    Args:
      c: the count.
      period: ``P > 0`` (converted with ``c.steps``).
      mult: ``m >= 1`` (converted with ``c.steps``).
      limit: ``L >= 1`` cycles (converted with ``c.steps``) or ``None`` for no limit.
      flat: ``m = 1`` is known at trace time (equal cycles: no powers, no correction).
      period_positive: ``P > 0`` is known at trace time (no guard).
      raw: the schedule's own ``(period, mult)`` fields, before conversion (inside a trace the
        converted values are tracers even when the fields are numbers): when both are known
        numbers and ``m`` is not integral, float32 restarts come from a table computed in
        float64 at trace time (:func:`_boundary_table`).
    """
    if flat:
        return _locate_flat(c, period, limit, period_positive)
    table = None if raw is None else _boundary_table(c, *raw)
    if table is not None:
        return _locate_table(c, table, limit)
    if c.is_int(period) and c.is_int(mult):
        return _locate_int(c, period, mult, limit)
    if c.is_int(period):
        whole = None if raw is None else _known_whole(c, raw[1])
        if whole is True:  # e.g. Keras's t_mul=2.0 closed over: the exact integer path alone
            return _locate_int(c, period, c.xp.astype(c.as_float(mult), c.int_dtype), limit)
        if whole is False:  # no element is a whole number: the float path alone
            return _locate_float(c, period, mult, limit)
        return _locate_whole(c, period, mult, limit)
    return _locate_float(c, period, mult, limit)


def _known_whole(c: Count, mult: Any) -> bool | None:
    """For a float multiplier known at trace time: True when every element, in the count's
    float dtype, is a whole number below ``2**31``, False when none is (the test
    :func:`_locate_whole` makes per element); None when traced, mixed or of another dtype (then
    :func:`_locate_whole` computes both paths and picks per element)."""
    arr = _known(mult)
    if arr is None or arr.size == 0 or arr.dtype.kind != "f" or not np.all(np.isfinite(arr)):
        return None
    bits = _float_bits(c)
    if bits not in (32, 64):
        return None
    arr = arr.astype(np.float32 if bits == 32 else np.float64)
    whole = (np.floor(arr) == arr) & (arr < 2.0**31)
    return True if whole.all() else False if not whole.any() else None


def _locate_whole(c: Count, period: Any, mult: Any, limit: Any) -> Cycle:
    """Integer count and period, float multiplier: exact where the multiplier is integral.

    Keras's ``t_mul=2.0`` (a float, maybe traced) restarts on the integer steps as an integer
    ``2`` does: where ``m`` is a whole number (below ``2**31``) the exact integer path gives the
    cycle, elsewhere the float path (non-integral boundaries ``P (m^i - 1)/(m - 1)``, located
    to the float dtype's rounding). Both are computed (the choice is by value, not static).
    """
    xp = c.xp
    m = c.as_float(mult)
    whole = (xp.floor(m) == m) & (m < 2.0**31)
    m_int = xp.astype(xp.where(whole, m, c.const(1.0)), c.int_dtype)
    exact = _locate_int(c, period, m_int, limit)
    approx = _locate_float(c, period, mult, limit)

    def pick(a, b):
        return xp.where(whole, a, b)

    local = c.replace(t=pick(exact.local.t, approx.local.t), n=None)
    held = None if limit is None else pick(exact.held, approx.held)
    return Cycle(pick(exact.index, approx.index), local, pick(exact.length, approx.length),
                 pick(exact.remaining, approx.remaining), pick(exact.scale, approx.scale), held)


def _locate_flat(c: Count, period: Any, limit: Any, period_positive: bool) -> Cycle:
    """Equal cycles (``m = 1`` known at trace time): ``i = floor(t / P)``, no powers.

    The same cycles as the general paths with ``m = 1`` (exact for an integer count and period).
    """
    xp = c.xp
    one = c.const(1.0)
    if c.is_int(period):
        p = period if period_positive else xp.where(period > 0, period, xp.ones_like(period))
        i = xp.astype(c.floordiv(p, positive=True), c.int_dtype)
        if limit is not None:
            lim = limit if c.is_int(limit) else xp.astype(limit, c.int_dtype)
            last = xp.maximum(lim, xp.ones_like(lim)) - 1
            held = i > last
            i = xp.minimum(i, last)
        local_n = c.n - p * i  # p * i <= n: no overflow
        if limit is not None:
            local_n = xp.minimum(local_n, p)
        local = c.replace(t=xp.astype(local_n, c.dtype), n=local_n)
        return Cycle(xp.astype(i, c.dtype), local, c.as_float(p),
                     xp.astype(p - local_n, c.dtype), one, held if limit is not None else None)
    p = c.as_float(period)
    p = p if period_positive else safe_den(c, p)
    i = xp.floor(c.t / p)
    held = None
    if limit is not None:
        last = xp.maximum(c.as_float(limit), one) - 1.0
        held = i > last
        i = xp.minimum(i, last)
    local_t = xp.minimum(xp.maximum(c.t - p * i, c.const(0.0)), p)
    local = c.replace(t=local_t, n=None)
    return Cycle(i, local, p, p - local_t, one, held)


# ---------------------------------------------------------------------- float path
def _estimate(c: Count, t: Any, p: Any, d: Any) -> Any:
    """``floor(log_m(1 + t (m - 1)/P))`` (``floor(t/P)`` for ``m = 1``): within 1 of the index."""
    xp = c.xp
    geo = d > 0
    ld = xp.where(geo, xp.log1p(xp.where(geo, d, c.const(1.0))), c.const(1.0))
    est = xp.where(geo, xp.floor(xp.log1p(t * d / p) / ld), xp.floor(t / p))
    return xp.maximum(est, c.const(0.0))


def _geometric(c: Count, j: Any, m: Any, d: Any) -> Any:
    """``G_j = (m^j - 1)/(m - 1)`` (``j`` for ``m = 1``), for integral ``j >= 0``.

    ``(m^j - 1)/(m - 1)`` with ``pow`` is exact where ``m^j`` is representable (``1.5**3``), so
    mathematically integral boundaries stay integral; near ``m = 1`` that form cancels, and
    ``expm1(j log1p(d))/d`` is used instead (``d = m - 1 < 1/4`` while ``m^j < 2``). ``G_1 = 1``
    exactly (the first restart is at ``P``), and an integral ``m`` rounds ``G`` to its integer.
    """
    xp = c.xp
    geo = d > 0
    ds = xp.where(geo, d, c.const(1.0))
    lm = xp.log1p(ds)
    # near m = 1 and while m^j < 2, pow cancels in m^j - 1: use expm1 there
    near = geo & (d < 0.25) & (j * lm < math.log(2.0))
    zero = c.const(0.0)
    # each form sees only the elements it is used for, so the other never overflows
    by_log = xp.expm1(xp.where(near, j, zero) * lm) / ds
    by_pow = (xp.pow(xp.where(geo, m, c.const(1.0)), xp.where(near, zero, j)) - 1.0) / ds
    g = xp.where(geo, xp.where(near, by_log, by_pow), j)
    g = xp.where(j == 1, xp.ones_like(g), g)
    # integral m: G is an integer; remove the rounding error (value exact, gradient kept)
    return xp.where(xp.floor(m) == m, g - (g - xp.round(g)), g)


def _locate_float(c: Count, period: Any, mult: Any, limit: Any) -> Cycle:
    xp = c.xp
    t = c.t
    p = safe_den(c, c.as_float(period))
    m = c.as_float(mult)
    d = xp.maximum(m - 1.0, c.const(0.0))
    one = c.const(1.0)
    zero = c.const(0.0)
    i0 = _estimate(c, t, p, d)

    def starts_at_or_before(j):  # t >= S_j
        return t >= p * _geometric(c, j, m, d)

    i = i0 + xp.where(starts_at_or_before(i0 + 1.0), one, zero)
    i = i - xp.where(starts_at_or_before(i0), zero, one)
    i = xp.maximum(i, zero)
    held = None
    if limit is not None:
        last = xp.maximum(c.as_float(limit), one) - 1.0
        held = i > last
        i = xp.minimum(i, last)
    g = _geometric(c, i, m, d)
    scale = 1.0 + d * g  # m^i, exactly consistent with G_i
    length = p * scale
    local_t = xp.maximum(t - p * g, zero)
    if held is not None:
        local_t = xp.minimum(local_t, length)
    local = c.replace(t=local_t, n=None)
    return Cycle(i, local, length, length - local_t, scale, held)


# ---------------------------------------------------------------------- exact integer path
def _int_const(c: Count, v: int) -> Any:
    return c.xp.asarray(v, dtype=c.int_dtype, device=c.device)


def _sat_mul(c: Count, x: Any, y: Any, top: Any) -> Any:
    """``min(x * y, top)`` for ``0 <= x`` and ``1 <= y``, without overflow."""
    xp = c.xp
    over = x > nonneg_div(c.xp, top, y)
    return xp.where(over, top, xp.where(over, xp.zeros_like(x), x) * y)


def _locate_int(c: Count, period: Any, mult: Any, limit: Any) -> Cycle:
    xp = c.xp
    n = c.n
    top_value = int(xp.iinfo(c.int_dtype).max)
    top = _int_const(c, top_value)
    one_i = _int_const(c, 1)
    zero_i = _int_const(c, 0)
    p = xp.where(period > 0, period, one_i)
    m = xp.maximum(mult, one_i)
    flat = m == 1
    md = xp.where(flat, one_i, m - 1)
    q = nonneg_div(c.xp, n, p)  # S_j <= n  <=>  G_j <= n // P

    # the float estimate i0 is within 1 of the index: every power needed is m^e, e in
    # [i0 - 2, i0 + 1]. m^k (k = i0 - 2, or less when near the overflow point) is exact with
    # an integer pow; the next three saturate at `top` instead of overflowing. When k is held
    # at e_safe (floor(log_m top) - 1, or one less after float rounding), m^(k + 4) > top, so
    # `top` is also every power past the chain.
    est = _estimate(c, c.t, c.as_float(p), c.as_float(md))
    mf = xp.where(flat, c.const(2.0), c.as_float(m))
    e_safe = xp.maximum(xp.floor(math.log(float(top_value)) / xp.log(mf)) - 1.0, c.const(0.0))
    k = xp.astype(xp.minimum(xp.maximum(est - 2.0, c.const(0.0)), e_safe), c.int_dtype)
    i0 = xp.astype(est, c.int_dtype)
    chain = [xp.pow(m, k)]
    for _ in range(3):
        chain.append(_sat_mul(c, chain[-1], m, top))

    def power(e, below=None):  # m^e (saturated at top) for k <= e; `below`: m^e for e < k
        r = e - k
        out = top + xp.zeros_like(r)
        for j in reversed(range(len(chain))):
            out = xp.where(r == j, chain[j], out)
        if below is not None:
            out = xp.where(r < 0, below, out)
        return out

    def starts_at_or_before(j):  # exact S_j <= n (m >= 2)
        a = xp.where(j >= 1, power(j - 1), one_i)  # m^(j-1)
        fits = (a < top) & (nonneg_div(c.xp, a - 1, md) <= q - a)  # G_j = G_{j-1} + m^(j-1) <= q
        return (j <= 0) | fits

    i = i0 + xp.where(starts_at_or_before(i0 + 1), one_i, zero_i)
    i = i - xp.where(starts_at_or_before(i0), zero_i, one_i)
    i = xp.where(flat, q, xp.maximum(i, zero_i))
    held = None
    if limit is not None:
        lim = limit if c.is_int(limit) else xp.astype(limit, c.int_dtype)
        last = xp.maximum(lim, one_i) - 1
        held = i > last
        i = xp.minimum(i, last)
    below_prev = below_i = None
    if limit is not None:
        # a held cycle far below the current one (i < k <= e_safe): exact powers from one pow,
        # m^(i-1) and m^i = m^(i-1) m (both 1 for i = 0); the product is formed for i <= k
        # only (at most m^k), so it never overflows where it is not used either
        below_prev = xp.pow(m, xp.minimum(xp.maximum(i - 1, zero_i), k))
        below_i = xp.where(i >= 1, below_prev * xp.where(i <= k, m, one_i), one_i)
    # start S_i = P G_i with G_i = G_{i-1} + m^(i-1): fits for the true index (S_i <= n)
    a = xp.where(flat | (i < 1), one_i, power(i - 1, below_prev))
    g = xp.where(flat, i, xp.where(i >= 1, nonneg_div(c.xp, a - 1, md) + a, zero_i))
    start = p * g
    mi = xp.where(flat, one_i, power(i, below_i))  # m^i (saturated)
    length_i = _sat_mul(c, p, mi, top)
    local_n = n - start
    if held is not None:
        local_n = xp.minimum(local_n, length_i)
    exact = length_i < top
    i_f = xp.astype(i, c.dtype)
    scale = xp.where(mi < top, xp.astype(mi, c.dtype), xp.pow(c.as_float(m), i_f))
    length = c.as_float(p) * scale
    local_t = xp.astype(local_n, c.dtype)
    remaining = xp.where(
        exact, xp.astype(xp.where(exact, length_i, local_n) - local_n, c.dtype), length - local_t
    )
    local = c.replace(t=local_t, n=local_n)
    return Cycle(i_f, local, length, remaining, scale, held)


# ---------------------------------------------------------------------- boundary table
#: The most cycles a boundary table holds (int32 counts: every restart up to 2**31 - 1).
MAX_TABLE = 2**14


def _float_bits(c: Count) -> int | None:
    """The width of the count's float dtype (None where the namespace cannot tell)."""
    try:
        return int(c.xp.finfo(c.dtype).bits)
    except (TypeError, ValueError, AttributeError):
        return None


def _is_float32(c: Count) -> bool:
    return _float_bits(c) == 32


def _is_integer(x: Any) -> bool:
    arr = _known(x)
    return arr is not None and arr.dtype.kind in "iu"


def _scalar(x: Any) -> float | None:
    arr = _known(x)
    if arr is None or arr.size != 1 or arr.dtype.kind not in "iuf":
        return None
    return float(arr.reshape(()))


def _boundary_table(c: Count, period: Any, mult: Any) -> dict | None:
    """Every restart below ``2**31`` from concrete ``P`` and ``m``, computed in float64 at trace
    time, or None where it does not apply.

    It applies to integer counts in float32 (JAX without x64) with a known, non-integral cycle
    growth: the integer path already places integral boundaries exactly, and float64 has the
    precision to place the others. A float32 boundary ``P G_i`` (e.g. ``1.5**13`` cycles of
    1000 steps start at 387239.0137, which float32 rounds to 387239.0) can land on the wrong
    side of an integer count; the table holds ``F_i = ceil(S_i)``, the first count of cycle
    ``i``, as an integer, and the fraction ``F_i - S_i``, so the cycle is found by an exact
    integer search and the position in it as ``(n - F_i) + (F_i - S_i)``. ``S_i`` is formed as
    the float64 path forms it (:func:`_geometric`), so float32 and float64 restart on the same
    counts.
    """
    if c.n is None or c.int_dtype != getattr(c.xp, "int32", None) or not _is_float32(c):
        return None
    p, m = _scalar(period), _scalar(mult)
    if p is None or m is None or not (p > 0 and math.isfinite(p) and 1 < m < 2.0**31):
        return None
    if m == math.floor(m) and _is_integer(period):
        return None  # the exact integer path
    top = 2**31 - 1
    d = m - 1.0
    lm = float(np.log1p(np.float64(d)))  # NumPy's, as the float64 path's (math's may differ by 1 ulp)
    count = math.ceil(math.log1p(top * d / p) / lm) + 2  # cycles starting at or below top, + 2
    if count > MAX_TABLE:
        return None
    j = np.arange(count + 1, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        near = (d < 0.25) & (j * lm < math.log(2.0))
        g = np.where(near, np.expm1(np.where(near, j, 0.0) * lm) / d,
                     (np.power(m, np.where(near, 0.0, j)) - 1.0) / d)
    g[1] = 1.0
    if m == math.floor(m):
        g = np.round(g)
    starts = p * g  # S_i
    first = np.ceil(starts)  # F_i: the first integer count of cycle i
    inside = first <= top
    k = int(np.count_nonzero(inside))  # cycles 0 .. k - 1 start at or below top
    if k < 2 or k >= count:  # one cycle in range (the other paths), or past the estimate
        return None
    frac = first - starts
    scale = 1.0 + d * g  # m^i, consistent with G_i (as the float path)
    nxt = np.minimum(first[1:k + 1], top)  # F_{i+1} held at top (n < F_{i+1})
    return {
        "first": first[:k].astype(np.int64),
        "frac": frac[:k],
        "scale": scale[:k],
        "next": nxt.astype(np.int64),
        # S_{i+1} - F_{i+1}' where F_{i+1}' is F_{i+1} held at top
        "next_corr": (first[1:k + 1] - nxt) - frac[1:k + 1],
        "period": p,
    }


def _locate_table(c: Count, table: dict, limit: Any) -> Cycle:
    xp = c.xp

    def const(x: np.ndarray, dtype: Any) -> Any:
        return _table(xp, x, dtype, c.device)

    first = const(table["first"], c.int_dtype)
    # the cycle: how many restarts F_1 .. F_{k-1} are <= n (an exact integer search)
    i = xp.astype(c.searchsorted(first[1:]), c.int_dtype)
    held = None
    if limit is not None:
        last = xp.maximum(c.as_float(limit), c.const(1.0)) - 1.0
        i_f = xp.astype(i, c.dtype)
        held = i_f > last
        i = xp.astype(xp.minimum(i_f, last), c.int_dtype)

    def at(name: str, dtype: Any) -> Any:
        return take(xp, const(table[name], dtype), i)

    scale = at("scale", c.dtype)
    length = c.const(table["period"]) * scale
    local_t = xp.astype(c.n - at("first", c.int_dtype), c.dtype) + at("frac", c.dtype)
    # S_{i+1} - n from the integer distance to the next restart: exact to float32 rounding
    remaining = xp.astype(at("next", c.int_dtype) - c.n, c.dtype) + at("next_corr", c.dtype)
    if held is not None:
        local_t = xp.minimum(local_t, length)
        remaining = xp.where(held, length - local_t, remaining)
    local = c.replace(t=local_t, n=None)
    return Cycle(xp.astype(i, c.dtype), local, length, remaining, scale, held)

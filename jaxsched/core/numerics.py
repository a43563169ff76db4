"""Small array-API building blocks shared by the formulas.

Every helper keeps both branches of its ``where`` finite, so values are never NaN and
gradients with respect to hyperparameters stay finite.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jaxsched.core.arrays import Count
from jaxsched.core.validate import is_traced

__all__ = [
    "safe_pow",
    "cosine_tail",
    "safe_den",
    "lerp",
    "linear_pair",
    "cosine_pair",
    "interpolate",
    "cosine_interpolate",
    "known_to_equal",
    "known_positive",
    "known_below",
    "known_at_least",
    "fractions",
    "linear_blend",
    "linear_between",
    "cosine_blend",
    "power_toward_end",
    "int_sum_exceeds",
    "mul_divmod",
    "known_product",
    "floor_fraction",
    "FLOAT32_MAX",
    "capped_growth",
    "may_grow",
    "below_one",
]


def safe_pow(c: Count, base: Any, exponent: Any) -> Any:
    """``base ** exponent`` for ``base >= 0`` with ``0 ** 0 = 1`` and finite gradients at 0."""
    xp = c.xp
    pos = base > 0
    safe = xp.where(pos, base, xp.ones_like(base))
    zero_value = xp.where(exponent == 0, c.const(1.0), c.const(0.0))
    return xp.where(pos, xp.pow(safe, exponent), zero_value)


def safe_den(c: Count, x: Any) -> Any:
    """``x`` where ``x > 0``, else 1: a denominator that both ``where`` branches can use."""
    xp = c.xp
    return xp.where(x > 0, x, xp.ones_like(x))


def cosine_tail(c: Count, remaining: Any, total: Any) -> Any:
    """The half-cosine factor ``C(p) = (1 + cos(pi p)) / 2`` at ``p = 1 - remaining / total``.

    Written as ``sin(pi/2 * remaining/total)**2`` so that it keeps relative precision in float32
    as ``remaining -> 0`` (``1 + cos(x)`` cancels near ``pi``). ``total <= 0`` gives 0 (the end).
    """
    xp = c.xp
    frac = xp.where(total > 0, remaining / safe_den(c, total), c.const(0.0))
    s = xp.sin((math.pi / 2) * frac)
    return s * s


def _known(x: Any) -> np.ndarray | None:
    """``x`` as a NumPy array when it is concrete (known at trace time), else None."""
    if x is None or is_traced(x):
        return None
    try:
        return np.asarray(x)
    except Exception:  # a tensor on another device: treat it as unknown
        return None


def known_to_equal(x: Any, value: float) -> bool:
    """True when ``x`` is concrete (not traced) and every element equals ``value``.

    Lets a formula skip work that a known hyperparameter makes unnecessary (a linear
    ``power == 1``); traced values always take the general path, so the result is the same.
    """
    arr = _known(x)
    return arr is not None and bool(np.all(arr == value))


def known_positive(x: Any) -> bool:
    """True when ``x`` is concrete (not traced) and every element is > 0 (a guard can go)."""
    arr = _known(x)
    return arr is not None and bool(np.all(arr > 0))


def known_below(x: Any, bound: float) -> bool:
    """True when ``x`` is concrete (not traced) and every element is < ``bound``."""
    arr = _known(x)
    return arr is not None and bool(np.all(arr < bound))


def known_at_least(x: Any, bound: float) -> bool:
    """True when ``x`` is concrete (not traced) and every element is >= ``bound``."""
    arr = _known(x)
    return arr is not None and bool(np.all(arr >= bound))


def cosine_interpolate(c: Count, start: Any, end: Any, elapsed: Any, remaining: Any,
                       total: Any) -> Any:
    """``end + (start - end) * C`` with ``C = (1 + cos(pi p))/2``, ``p = elapsed/total``: one sine.

    The same values as :func:`cosine_pair` followed by :func:`interpolate` (exponent 1), with
    fewer operations: near the end ``C = sin(pi/2 * remaining/total)**2`` and the value is
    formed from ``end``; near the start ``1 - C = sin(pi/2 * elapsed/total)**2`` and it is formed
    from ``start``. Each side keeps relative precision in float32.
    """
    xp = c.xp
    left, done = linear_pair(c, elapsed, remaining, total)
    s = xp.sin((math.pi / 2) * xp.minimum(left, done))
    sq = s * s
    return xp.where(left <= done, end + (start - end) * sq, start + (end - start) * sq)


def lerp(a: Any, b: Any, w: Any) -> Any:
    """``a + (b - a) * w``."""
    return a + (b - a) * w


def linear_pair(c: Count, elapsed: Any, remaining: Any, total: Any) -> tuple[Any, Any]:
    """``(remaining/total, elapsed/total)``, each exact near its own zero; ``(0, 1)`` if total <= 0.

    ``elapsed`` and ``remaining`` are given separately (both exact in steps) so that neither
    fraction is computed as ``1 - other``.
    """
    xp = c.xp
    pos = total > 0
    den = safe_den(c, total)
    left = xp.where(pos, remaining / den, c.const(0.0))
    done = xp.where(pos, elapsed / den, c.const(1.0))
    return left, done


def cosine_pair(c: Count, elapsed: Any, remaining: Any, total: Any) -> tuple[Any, Any]:
    """The half-cosine factor ``C = (1 + cos(pi p))/2`` and ``1 - C``, each accurate near 0.

    ``C = sin(pi/2 * remaining/total)**2`` and ``1 - C = sin(pi/2 * elapsed/total)**2``.
    """
    xp = c.xp
    left, done = linear_pair(c, elapsed, remaining, total)
    # one sine, on the side nearer its zero; the other factor is >= 1/2, so 1 - s**2 is exact
    near_end = left <= done
    s = xp.sin((math.pi / 2) * xp.where(near_end, left, done))
    sq = s * s
    one = c.const(1.0)
    return xp.where(near_end, sq, one - sq), xp.where(near_end, one - sq, sq)


def interpolate(c: Count, start: Any, end: Any, left: Any, done: Any, power: Any = None) -> Any:
    """``end + (start - end) * left**power`` computed from whichever end is nearer.

    ``left`` (the fraction of the way still to go, 1 -> 0) and ``done = 1 - left`` must both be
    accurate near 0 (see :func:`linear_pair`, :func:`cosine_pair`). Near the start the value
    is formed as ``start + (end - start) * (1 - left**power)`` and near the end as
    ``end + (start - end) * left**power``, so neither side suffers cancellation in float32
    (a warmup from 0 keeps relative precision in its first steps, a decay in its tail).
    ``1 - left**power`` is ``-expm1(power * log1p(-done))`` while ``done <= 1/2``.
    """
    xp = c.xp
    if power is None or known_to_equal(power, 1.0):  # the linear case: no power at all
        left_p, done_p = left, done
    else:
        left_p = safe_pow(c, left, power)
        small = done <= 0.5
        d = xp.where(small, done, c.const(0.5))
        done_p = xp.where(small, -xp.expm1(power * xp.log1p(-d)), 1.0 - left_p)
        done_p = xp.where(power == 1, done, done_p)  # exact for the linear case
    return xp.where(left_p >= 0.5, start + (end - start) * done_p, end + (start - end) * left_p)


def _known_zero(x: Any) -> bool:
    return known_to_equal(x, 0.0)


def fractions(c: Count, elapsed: Any, remaining: Any, total: Any, total_positive: bool) -> tuple:
    """``(remaining/total, elapsed/total)``; :func:`linear_pair` (guarded) unless ``total_positive``.

    ``total_positive`` is a fact known at trace time (``known_positive`` of the raw
    hyperparameter): then no guard is needed and none is traced.
    """
    if total_positive:
        return remaining / total, elapsed / total
    return linear_pair(c, elapsed, remaining, total)


def linear_blend(start: Any, end: Any, left: Any, done: Any, raw_start: Any = None,
                 raw_end: Any = None) -> Any:
    """``start * left + end * done`` (``done = 1 - left``, each exact near its own zero).

    Each term keeps relative precision, so the sum does at both ends (a decay to 0 in its
    tail, a ramp from 0 in its first steps) with no select between two forms. A term whose
    raw value (``raw_start``, ``raw_end``) is known to be 0 at trace time is not computed.
    """
    if raw_start is not None and _known_zero(raw_start):
        return end * done
    if raw_end is not None and _known_zero(raw_end):
        return start * left
    return start * left + end * done


def linear_between(c: Count, start: Any, end: Any, elapsed: Any, remaining: Any, total: Any,
                   raw_start: Any = None, raw_end: Any = None,
                   total_positive: bool = False) -> Any:
    """:func:`linear_blend` of ``remaining/total`` and ``elapsed/total`` (guarded unless
    ``total_positive``), dividing only for the terms that are computed."""
    if not total_positive:
        left, done = linear_pair(c, elapsed, remaining, total)
        return linear_blend(start, end, left, done, raw_start, raw_end)
    if raw_start is not None and _known_zero(raw_start):
        return end * (elapsed / total)
    if raw_end is not None and _known_zero(raw_end):
        return start * (remaining / total)
    side = _one_sided(raw_start, raw_end)
    if side == "end":  # toward a smaller value of one sign: no cancellation, one product
        return end + (start - end) * (remaining / total)
    if side == "start":
        return start + (end - start) * (elapsed / total)
    return start * (remaining / total) + end * (elapsed / total)


def _one_sided(raw_start: Any, raw_end: Any) -> str | None:
    """Which end a cosine interpolation may be formed from without losing precision, if known.

    ``"end"``: ``end + (start - end) * C`` (``C`` from the steps left) keeps relative precision
    everywhere when ``end`` is 0 or of ``start``'s sign and no larger (a decay toward 0); ``"start"``
    is the mirror (a rise from near 0). None when a value is traced or the signs differ.
    """
    a, b = _known(raw_start), _known(raw_end)
    if a is None or b is None:
        return None
    if np.all(b == 0) or np.all((a * b > 0) & (np.abs(b) <= np.abs(a))):
        return "end"
    if np.all(a == 0) or np.all((a * b > 0) & (np.abs(a) <= np.abs(b))):
        return "start"
    return None


def cosine_blend(c: Count, start: Any, end: Any, elapsed: Any, remaining: Any, total: Any,
                 raw_start: Any = None, raw_end: Any = None, total_positive: bool = False) -> Any:
    """``end + (start - end) * C``, ``C = (1 + cos(pi elapsed/total))/2``, each end precise.

    The value is formed from one end with one sine: ``end + (start - end) * sin(a)**2`` with
    ``a = remaining * (pi/2 / total)`` (a decay toward 0 or a smaller value of one sign keeps
    relative precision everywhere this way), or the mirror from ``start`` with the steps done
    (a rise from 0); with values of mixed signs, from the nearer end. When the raw values are
    known at trace time the side is picked once (no select); traced values pick it per
    element by the same rule and the same operations, so both paths agree to the rounding
    XLA's constant folding may change. ``total <= 0`` gives ``end``.
    """
    xp = c.xp
    half_pi = c.const(math.pi / 2)
    if total_positive:
        k = half_pi / total  # one constant when `total` is known: the same rounding as traced
        a_left, a_done = remaining * k, elapsed * k
    else:
        pos = total > 0
        k = half_pi / safe_den(c, total)
        a_left = xp.where(pos, remaining * k, c.const(0.0))
        a_done = xp.where(pos, elapsed * k, half_pi)
    side = _one_sided(raw_start, raw_end)
    if side is None:
        same = start * end > 0
        end_ok = (end == 0) | (same & (xp.abs(end) <= xp.abs(start)))
        start_ok = (start == 0) | (same & (xp.abs(start) <= xp.abs(end)))
        use_left = end_ok | (~start_ok & (a_left <= a_done))
        s = xp.sin(xp.where(use_left, a_left, a_done))
        sq = s * s
        return xp.where(use_left, end + (start - end) * sq, start + (end - start) * sq)
    if side == "end":
        s = xp.sin(a_left)
        if _known_zero(raw_end):
            return start * (s * s)
        return end + (start - end) * (s * s)
    s = xp.sin(a_done)
    if _known_zero(raw_start):
        return end * (s * s)
    return start + (end - start) * (s * s)


def power_toward_end(c: Count, start: Any, end: Any, left: Any, power: Any, raw_start: Any,
                     raw_end: Any, raw_power: Any) -> Any:
    """``end + (start - end) * left**power`` when known values make it safe, else None.

    Safe when the raw values are known, the decay goes toward a smaller value of one sign
    (each term keeps relative precision, as :func:`cosine_blend`'s ``"end"`` side) and the
    power is known to be >= 1 (``pow`` has a finite derivative at ``left = 0``): one power and
    no select, where :func:`interpolate` forms both sides.
    """
    if _one_sided(raw_start, raw_end) != "end" or not known_at_least(raw_power, 1.0):
        return None
    lp = c.xp.pow(left, power)
    if _known_zero(raw_end):
        return start * lp
    return end + (start - end) * lp


def int_sum_exceeds(c: Count, a: Any, b: Any) -> Any:
    """``a + b > top`` (``top`` the largest value of the count's integer dtype), for ``a, b >= 0``.

    True where the sum of two integer step parameters would overflow the integer dtype (int32
    under JAX without x64); the sum is then larger than any count, so a formula can take that
    branch without forming it.
    """
    top = int(c.xp.iinfo(c.int_dtype).max)
    return a > top - b


def _divmod_digit(xp: Any, r: Any, a: Any, d: Any, m: Any) -> tuple[Any, Any]:
    """``divmod(V, m)`` for ``V = r * 2**16 + a * d`` (``r < m``, ``a <= m < 2**31``,
    ``d < 2**16``, so ``V < m * 2**17``), exactly, in ``uint32`` and ``float32``.

    ``V / m`` in float32 (relative error a few 2**-24, so under 2**-5 absolute for a quotient
    below 2**17) gives ``qe``, at most 1 away from the quotient; ``w = V - qe m`` is then in
    ``[-m, 2m)``. Its residue ``y`` modulo 2**32 is exact in wrapping ``uint32`` arithmetic,
    and the float estimate of ``w`` (error under 2**26) tells the two candidates ``y`` and
    ``y - 2**32`` apart; one correction of ``qe`` by 1 finishes.
    """
    f32, u32 = xp.float32, xp.uint32
    fm = xp.astype(m, f32)
    ve = xp.astype(r, f32) * 65536.0 + xp.astype(a, f32) * xp.astype(d, f32)
    qe = xp.astype(xp.floor(ve / fm), u32)
    y = (r << u32(16)) + a * d - qe * m  # (V - qe m) mod 2**32
    fe = ve - xp.astype(qe, f32) * fm  # w, within 2**26
    neg = (y >= u32(2**31)) & (fe <= 2.0**30)  # w = y - 2**32 in [-m, 0)
    over = ~neg & (y >= m)  # w = y in [m, 2m)
    r_out = xp.where(neg, y + m, xp.where(over, y - m, y))
    q_out = qe - xp.astype(neg, u32) + xp.astype(over, u32)
    return q_out, r_out


def known_product(*xs: Any) -> int | None:
    """The product of the largest magnitudes of ``xs`` when all are concrete at trace time (a
    bound on a product of values that do not exceed them), else None."""
    out = 1
    for x in xs:
        arr = _known(x)
        if arr is None or arr.size == 0 or not np.all(np.isfinite(arr)):
            return None
        out *= math.ceil(float(np.max(np.abs(arr))))
    return out


def mul_divmod(c: Count, a: Any, b: Any, m: Any, bound: int | None = None) -> tuple[Any, Any]:
    """Exact ``(floor(a * b / m), a * b mod m)`` for integer arrays ``0 <= a <= m``, ``b >= 0``, ``m > 0``.

    The product is never formed: in a 32-bit integer dtype (JAX without x64), ``a * b`` may
    reach ``2**62``; the quotient and remainder are built in two base-2**16 digits of ``b``
    (``a b = (a b_hi) 2**16 + a b_lo``), each digit's division estimated in float32 and made
    exact in wrapping ``uint32`` arithmetic (``_divmod_digit``), so both are exact for every
    ``a, b, m < 2**31``: about forty elementwise operations, no loop. In a 64-bit dtype the
    product is formed directly (exact while ``a * b < 2**63``, so for every
    ``a, b <= 2**31 - 1``). Where ``m <= 0`` the result is
    ``(0, 0)``.

    ``bound``: an upper bound of ``a * b`` known at trace time (:func:`known_product` of the
    raw hyperparameters). When it fits the integer dtype the product is formed directly: a
    schedule closed over by a train step (concrete hyperparameters, everyday sizes) compiles
    and runs as before; the digit arithmetic is traced only where the product may overflow or is
    unknown (hyperparameters passed as jit arguments).
    """
    xp = c.xp
    ok = m > 0
    m1 = xp.where(ok, m, xp.ones_like(m))
    top = int(xp.iinfo(c.int_dtype).max)
    if c.int_dtype != getattr(xp, "int32", None) or (bound is not None and bound <= top):
        prod = a * b
        q, r = prod // m1, prod % m1
    else:
        u = xp.uint32
        au, bu, mu = xp.astype(a, u), xp.astype(b, u), xp.astype(m1, u)
        q1, r1 = _divmod_digit(xp, xp.zeros_like(au), au, bu >> u(16), mu)
        q2, r = _divmod_digit(xp, r1, au, bu & u(0xFFFF), mu)
        q = (q1 << u(16)) + q2
        q, r = xp.astype(q, c.int_dtype), xp.astype(r, c.int_dtype)
    zero = xp.zeros_like(q)
    return xp.where(ok, q, zero), xp.where(ok, r, zero)


def floor_fraction(c: Count, f: Any, n: Any, half: bool = False) -> Any:
    """``floor(f * n)`` (``floor(f * n + 1/2)`` with ``half``) for a fraction ``0 <= f <= 1``.

    ``n`` is an integer step array: the product is then formed exactly. ``f`` is split into
    two 30-bit digits, ``f = (F1 + F2 / 2**30) / 2**30`` (plus a tail below ``2**-60``: none
    for a float32 ``f``, whose 24 significant bits the two digits hold for every
    ``f >= 2**-36``), and ``F1 n`` and ``F2 n`` are divided by ``2**30`` exactly
    (:func:`mul_divmod`), so a warmup or decay of ``int(f N)`` steps is the exact product of
    the ``f`` the program holds, also for ``N`` near ``2**31`` in float32. (A float64 host's
    ``int(f * N)`` rounds the product first; schedules whose fraction and length are known
    numbers compute their lengths so, on the host.) A float ``n``, or ``f`` outside
    ``[0, 1]``, take the float product. Returns an integer array for an integer ``n`` (at most
    ``n``), else a float array.
    """
    xp = c.xp
    approx = xp.floor(f * c.as_float(n) + (0.5 if half else 0.0))
    if not c.is_int(n):
        return approx
    # the float product as an integer that fits (f <= 1: at most n; rounding may exceed it)
    approx = xp.minimum(xp.astype(xp.minimum(xp.maximum(approx, c.const(0.0)),
                                             c.const(2.0**31 - 256)), c.int_dtype), n)
    big = xp.asarray(2**30, dtype=c.int_dtype)
    valid = (f >= 0) & (f <= 1)
    scaled = xp.where(valid, f, c.const(0.0)) * 2.0**30  # exact: a power of two
    d1 = xp.floor(scaled)
    d2 = xp.floor((scaled - d1) * 2.0**30)  # the bits below 2**-30, exact in the dtype
    F1, F2 = xp.astype(d1, c.int_dtype), xp.astype(d2, c.int_dtype)
    nn = xp.maximum(n, xp.zeros_like(n))
    q1, r1 = mul_divmod(c, F1, nn, big + xp.zeros_like(F1))
    q2, _ = mul_divmod(c, F2, nn, big + xp.zeros_like(F2))
    # f n = q1 + (r1 + q2) / 2**30 + (below 2**-30); q2 < 2**31: split so the sum fits
    q2_hi = q2 // big
    t = r1 + (q2 - q2_hi * big)  # < 2**31 - 1
    if half:
        extra = xp.astype(t >= 2**29, c.int_dtype) + xp.astype(t >= 3 * 2**29, c.int_dtype)
    else:
        extra = xp.astype(t >= 2**30, c.int_dtype)
    return xp.where(valid, q1 + q2_hi + extra, approx)


#: The largest finite float32: where a growth without an end value is held (never inf).
FLOAT32_MAX = float(np.finfo(np.float32).max)


def may_grow(rate: Any) -> bool:
    """False when ``rate`` is concrete and every element is in ``[0, 1]`` (no growth possible)."""
    arr = _known(rate)
    return arr is None or not bool(np.all(arr <= 1.0))


def capped_growth(c: Count, init: Any, power: Any) -> Any:
    """``init * min(power, FLOAT32_MAX)`` within ``+-FLOAT32_MAX``: a growth that stays finite.

    A rate above 1 with no end value (``exponential_decay(decay_rate > 1)``, torch's
    ``ExponentialLR(gamma > 1)``, ``MultiplicativeLR`` factors above 1, ...) overflows float32
    within its horizon (``2**31 - 1`` steps): ``1.01**t`` passes ``3.4e38`` at ``t = 8,900``.
    The documented rule: the growth factor ``power`` is held at the largest finite float32
    (``FLOAT32_MAX``, about ``3.4e38``) from the step it would pass it, and the value at
    ``+-FLOAT32_MAX`` -- never ``inf``, and ``init = 0`` stays 0 (never ``0 * inf = nan``) --
    on every backend alike, so the float64 host path gives the float32 path's values.
    """
    xp = c.xp
    top = c.const(FLOAT32_MAX)
    out = init * xp.minimum(power, top)
    return xp.minimum(xp.maximum(out, -top), top)


def below_one(c: Count, m: Any) -> Any:
    """A momentum held below 1 in the formula's dtype: ``min(m, 1 - eps/2)``.

    A momentum declared in ``[0, 1)`` such as ``1 - 1e-9`` rounds to ``1.0`` in float32, which
    an optimizer reads as "never forget" (torch and optax refuse a beta1 of 1). The largest
    float below 1 of the dtype keeps the declared range in float32 too.
    """
    xp = c.xp
    return xp.minimum(m, c.const(1.0 - float(xp.finfo(c.dtype).eps) / 2))

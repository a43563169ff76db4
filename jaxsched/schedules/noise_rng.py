"""A counter-based random generator written with array-API integer ops, for :func:`with_noise`.

The numbers are a pure function of ``(seed, step)``, identical bit for bit in every namespace
(``jax.numpy`` int32, NumPy / torch / array_api_strict int64), jit-able, with a traceable seed.

**Integer part.** A 32-bit word is held as two 16-bit limbs ``(hi, lo)``, each in an integer
array, so no intermediate ever reaches ``2**31`` (int32 never overflows): products are taken
limb by byte (below ``2**24``) and reduced with masks. The hash is Chris Wellons' ``lowbias32``
(``x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15; x *= 0x846ca68b; x ^= x >> 16``, modulo
``2**32``). With ``S`` the seed's 32-bit two's-complement word and ``N`` the step::

    k = lowbias32(S ^ 0x9E3779B9)
    x = lowbias32((lowbias32(N ^ k) + k) mod 2**32)
    b = x >> 9                           # 23 bits, 0 <= b < 2**23

For a fixed seed, ``N -> x`` is a bijection of 32-bit words. ``s = 2 b + 1 - 2**23`` is an odd
integer in ``(-2**23, 2**23)``; ``s / 2**23`` is exact in float32 and float64.

**Uniform.** ``n = pct * s / 2**23``, uniform on ``(-pct, pct)`` (a grid of ``2**23`` points).

**Truncated normal** (by inverse CDF, no redraws). With ``a = min(pct / std, 16)`` (the cap
changes nothing: ``erfc(16/sqrt 2)`` is far below the grid step) and ``e = erf(a/sqrt 2)``:
``q - 1/2 = (s / 2**24) e`` (``q`` uniform on ``(Phi(-a), Phi(a))``), ``z = Phi^{-1}(q)``,
``n = clip(std * z, -pct, pct)``: a normal of standard deviation ``std`` conditioned on
``|n| <= pct``. ``Phi^{-1}`` is Wichura's AS241 (PPND16, relative error about 1e-16);
``erfc`` the Numerical Recipes Chebyshev fit (relative error 1.2e-7) with a Taylor series for
``erf`` below 0.5. The tail probability ``min(q, 1 - q)`` is formed without cancellation, so
float32 keeps its relative precision in the tails.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jaxsched.core.arrays import Count, is_jax_namespace

__all__ = ["random_bits", "uniform_noise", "truncated_normal_noise", "as_int", "step_index"]

_M16 = 0xFFFF
_INT31 = 2**31 - 1


def as_int(c: Count, x: Any) -> Any:
    """An integer leaf (a seed) as an array of ``c.int_dtype`` on the count's device.

    Floats (e.g. a leaf gathered as float by a sequence) are floored.
    """
    xp = c.xp
    if _native(xp, x):
        if not xp.isdtype(x.dtype, "integral"):
            x = xp.floor(x)
        return xp.astype(x, c.int_dtype)
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.integer):
        arr = np.floor(arr)
    arr = arr.astype(np.int64)
    if c.device is not None:
        return xp.asarray(arr, dtype=c.int_dtype, device=c.device)
    return xp.asarray(arr, dtype=c.int_dtype)


def _native(xp: Any, x: Any) -> bool:
    if is_jax_namespace(xp):
        import jax

        return isinstance(x, (jax.Array, jax.core.Tracer))
    if isinstance(x, np.ndarray) or np.isscalar(x):
        return False
    import array_api_compat

    try:
        return array_api_compat.array_namespace(x) is xp
    except TypeError:
        return False


def step_index(c: Count) -> Any:
    """The step as an integer array in ``[0, 2**31 - 1]`` (floored for float counts)."""
    xp = c.xp
    if c.n is not None:
        return xp.minimum(c.n, xp.full_like(c.n, _INT31))
    # 2**31 - 128 is exactly representable in float32, so the cast never overflows int32.
    t = xp.minimum(xp.floor(c.t), c.const(float(2**31 - 128)))
    return xp.astype(t, c.int_dtype)


# --------------------------------------------------------------------------- 32-bit words
def _word(x: Any) -> tuple[Any, Any]:
    """An integer array as the (hi, lo) 16-bit limbs of its low 32 bits (two's complement)."""
    return (x >> 16) & _M16, x & _M16


def _xor_const(w: tuple[Any, Any], k: int) -> tuple[Any, Any]:
    return w[0] ^ (k >> 16), w[1] ^ (k & _M16)


def _xor(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    return a[0] ^ b[0], a[1] ^ b[1]


def _add(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    """``a + b mod 2**32``."""
    lo = a[1] + b[1]
    return (a[0] + b[0] + (lo >> 16)) & _M16, lo & _M16


def _xorshift(w: tuple[Any, Any], s: int) -> tuple[Any, Any]:
    """``w ^ (w >> s)`` for ``0 < s <= 16``."""
    h, lo = w
    if s == 16:
        return h, lo ^ h
    return h ^ (h >> s), lo ^ ((lo >> s) | ((h << (16 - s)) & _M16))


def _mul(w: tuple[Any, Any], k: int) -> tuple[Any, Any]:
    """``w * k mod 2**32`` for a constant ``k``; every intermediate stays below ``2**26``."""
    h, lo = w
    kh, kl = k >> 16, k & _M16
    kl0, kl1, kh0, kh1 = kl & 0xFF, kl >> 8, kh & 0xFF, kh >> 8
    p1 = lo * kl1
    s = lo * kl0 + ((p1 & 0xFF) << 8)  # low part of lo * kl, below 2**25
    high = (
        (s >> 16)
        + (p1 >> 8)
        + h * kl0
        + (((h * kl1) & 0xFF) << 8)
        + lo * kh0
        + (((lo * kh1) & 0xFF) << 8)
    )
    return high & _M16, s & _M16


def _lowbias32(w: tuple[Any, Any]) -> tuple[Any, Any]:
    w = _xorshift(w, 16)
    w = _mul(w, 0x7FEB352D)
    w = _xorshift(w, 15)
    w = _mul(w, 0x846CA68B)
    return _xorshift(w, 16)


def random_bits(seed: Any, step: Any) -> Any:
    """23 random bits ``b`` in ``[0, 2**23)`` for integer arrays ``seed`` and ``step``.

    Any integer dtype of at least 32 bits; the result has the inputs' (broadcast) dtype.
    """
    k = _lowbias32(_xor_const(_word(seed), 0x9E3779B9))
    x = _lowbias32(_add(_lowbias32(_xor(_word(step), k)), k))
    return (x[0] << 7) | (x[1] >> 9)


def _signed_grid(c: Count, bits: Any) -> tuple[Any, Any]:
    """``s = 2 b + 1 - 2**23`` (odd, ``|s| < 2**23``) as (int array, float array)."""
    s = bits * 2 + (1 - 2**23)
    return s, c.xp.astype(s, c.dtype)


def uniform_noise(c: Count, bits: Any, pct: Any) -> Any:
    """Uniform noise on ``(-pct, pct)``: ``pct * s / 2**23``."""
    _, sf = _signed_grid(c, bits)
    return pct * (sf * (1.0 / 2**23))


# --------------------------------------------------------------------------- normal
_ERFC = (  # Numerical Recipes erfcc, innermost coefficient first
    0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807,
    -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223,
)
_ERF_SERIES = tuple((-1) ** k / (math.factorial(k) * (2 * k + 1)) for k in range(9))
# Wichura's AS241 (PPND16) for the inverse normal CDF, leading coefficient first. Every
# coefficient is positive and each branch runs on a clamped argument >= 0, so the polynomials never
# cancel (float32 keeps its precision) and the unused branches stay finite under ``where``.
_CENTRAL = (
    (2.5090809287301226727e3, 3.3430575583588128105e4, 6.7265770927008700853e4,
     4.5921953931549871457e4, 1.3731693765509461125e4, 1.9715909503065514427e3,
     1.3314166789178437745e2, 3.3871328727963666080e0),
    (5.2264952788528545610e3, 2.8729085735721942674e4, 3.9307895800092710610e4,
     2.1213794301586595867e4, 5.3941960214247511077e3, 6.8718700749205790830e2,
     4.2313330701600911252e1, 1.0),
)
_MIDDLE = (
    (7.74545014278341407640e-4, 2.27238449892691845833e-2, 2.41780725177450611770e-1,
     1.27045825245236838258e0, 3.64784832476320460504e0, 5.76949722146069140550e0,
     4.63033784615654529590e0, 1.42343711074968357734e0),
    (1.05075007164441684324e-9, 5.47593808499534494600e-4, 1.51986665636164571966e-2,
     1.48103976427480074590e-1, 6.89767334985100004550e-1, 1.67638483018380384940e0,
     2.05319162663775882187e0, 1.0),
)
_FAR = (
    (2.01033439929228813265e-7, 2.71155556874348757815e-5, 1.24266094738807843860e-3,
     2.65321895265761230930e-2, 2.96560571828504891230e-1, 1.78482653991729133580e0,
     5.46378491116411436990e0, 6.65790464350110377720e0),
    (2.04426310338993978564e-15, 1.42151175831644588870e-7, 1.84631831751005468180e-5,
     7.86869131145613259100e-4, 1.48753612908506148525e-2, 1.36929880922735805310e-1,
     5.99832206555887937690e-1, 1.0),
)


def _horner(coefs: tuple[float, ...], x: Any) -> Any:
    out = x * coefs[0] + coefs[1]
    for k in coefs[2:]:
        out = out * x + k
    return out


def _erf_erfc(c: Count, x: Any) -> tuple[Any, Any]:
    """``(erf(x), erfc(x))`` for ``x >= 0``, both finite with finite gradients for any ``x``."""
    xp = c.xp
    xs = xp.minimum(x, c.const(0.5))
    x2 = xs * xs
    series = xs * _horner(tuple(reversed(_ERF_SERIES)), x2) * (2.0 / math.sqrt(math.pi))
    xl = xp.minimum(x, c.const(10.0))  # erfc(10) ~ 2e-45: below every term it meets
    t = 1.0 / (1.0 + 0.5 * xl)
    poly = _horner(_ERFC[:-1], t) * t + _ERFC[-1]
    tail = t * xp.exp(poly - xl * xl)
    small = x < 0.5
    return xp.where(small, series, 1.0 - tail), xp.where(small, 1.0 - series, tail)


def truncated_normal_noise(c: Count, bits: Any, pct: Any, std: Any) -> Any:
    """``std * z`` with ``z`` standard normal conditioned on ``|std z| <= pct``."""
    xp = c.xp
    si, sf = _signed_grid(c, bits)
    absf = xp.astype(xp.abs(si), c.dtype)
    # a = pct/std, capped at 16: beyond it erfc(a/sqrt 2) < 1e-57 is far below the grid's 2**-24,
    # so the truncation is inactive and the draws are unchanged; the cap keeps gradients finite.
    den = xp.maximum(std, pct * (1.0 / 16))
    a = xp.where(den > 0, pct / xp.where(den > 0, den, xp.ones_like(den)), c.const(0.0))
    e, ec = _erf_erfc(c, a * (1.0 / math.sqrt(2.0)))
    d = sf * (1.0 / 2**24) * e  # q - 1/2
    qq = 0.5 * ec + ((2.0**23 - absf) * (1.0 / 2**24)) * e  # min(q, 1 - q) > 0, no cancellation
    # AS241: the central branch for |d| <= 0.425, else r = sqrt(-log qq) in [1.6, 5] or above 5
    dc = xp.clip(d, -0.425, 0.425)
    rc = 0.180625 - dc * dc
    zc = dc * _horner(_CENTRAL[0], rc) / _horner(_CENTRAL[1], rc)
    r = xp.sqrt(-xp.log(xp.clip(qq, 1e-30, 0.5)))
    rm = xp.clip(r, 1.6, 5.0) - 1.6
    rf = xp.maximum(r, c.const(5.0)) - 5.0
    tail = xp.where(
        r <= 5.0,
        _horner(_MIDDLE[0], rm) / _horner(_MIDDLE[1], rm),
        _horner(_FAR[0], rf) / _horner(_FAR[1], rf),
    )
    z = xp.where(xp.abs(d) <= 0.425, zc, xp.where(si < 0, -tail, tail))
    return xp.minimum(xp.maximum(std * z, -pct), pct)

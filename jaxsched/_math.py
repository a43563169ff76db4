"""Small array-API building blocks shared by the formulas.

Every helper keeps both branches of its ``where`` finite, so values are never NaN and
gradients with respect to hyperparameters stay finite.
"""

from __future__ import annotations

import math
from typing import Any

from jaxsched._xp import Count

__all__ = ["safe_pow", "cosine_tail", "safe_den", "lerp"]


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


def lerp(a: Any, b: Any, w: Any) -> Any:
    """``a + (b - a) * w``."""
    return a + (b - a) * w

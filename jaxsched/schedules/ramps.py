"""Warmup ramp shapes: linear, cosine, exponential, log and 1-sqrt, from an initial to a target value.

The formulas behind :func:`jaxsched.warmup` (a warmup in front of any schedule) and
:func:`jaxsched.warmup_stable_decay`. Every branch is finite for every count and every
``warmup_steps >= 0``.
"""

from __future__ import annotations

import math
from typing import Any

from jaxsched.core import arrays as _xp
from jaxsched.core.numerics import linear_between, linear_blend, safe_den, safe_pow

__all__ = ["WARMUP_SHAPES", "until", "ramp"]

WARMUP_SHAPES = ("linear", "cosine", "exponential", "log", "1-sqrt")


def until(c: _xp.Count, end: Any) -> Any:
    """``max(end - count, 0)`` as a float array (exact for an integer count and ``end``)."""
    xp = c.xp
    if c.is_int(end):
        left = end - c.n
        return xp.astype(xp.maximum(left, xp.zeros_like(left)), c.dtype)
    return xp.maximum(c.as_float(end) - c.t, c.const(0.0))


def ramp(c: _xp.Count, warmup_steps: Any, init: Any, target: Any, shape: str, skip_zero: bool,
         steps_positive: bool = False, raw_init: Any = None) -> Any:
    """The warmup value ``init -> target`` at ``c`` (meaningful for ``count < warmup_steps``).

    With ``e = 1`` if ``skip_zero`` else 0, the ramp has length ``L = W + e`` and is evaluated
    at ``a = min(t, W) + e``; ``q = a / L`` and ``1 - q = (W - t) / L`` (exact). Every branch
    is finite for every count and every ``W >= 0`` (also for ``W = 0``, where it is unused).
    ``steps_positive`` (``W > 0`` known at trace time) drops the guard on ``L``; ``raw_init``
    (the hyperparameter as given) lets a linear ramp from a known 0 skip its ``init`` term.
    """
    xp = c.xp
    zero, one = c.const(0.0), c.const(1.0)
    w = c.as_float(warmup_steps)
    if shape == "linear":
        # init * (1 - q) + target * q, each weight from exact steps: precise at both ends
        elapsed = c.clip_t(w)
        remaining = w - elapsed
        if skip_zero:
            w, elapsed = w + one, elapsed + one
        if steps_positive or skip_zero:  # W + e > 0: no guard
            return linear_between(c, init, target, elapsed, remaining, w, raw_init, None, True)
        den = safe_den(c, w)
        return linear_blend(init, target, remaining / den, elapsed / den, raw_init)
    extra = one if skip_zero else zero
    length = w + extra
    done = xp.minimum(c.t, w) + extra
    den = safe_den(c, length)
    q = done / den
    if shape == "exponential":
        ratio = xp.maximum(target / safe_den(c, init), zero)
        return init * safe_pow(c, ratio, q)
    if shape == "cosine":
        s = xp.sin((math.pi / 2) * q)  # (1 - cos(pi q)) / 2 without cancellation near q = 0
        u = s * s
    elif shape == "1-sqrt":
        p = until(c, warmup_steps) / den  # 1 - q, exact
        pos = p > 0
        root = xp.where(pos, xp.sqrt(xp.where(pos, p, one)), zero)
        u = q / (one + root)  # 1 - sqrt(1 - q) without cancellation near q = 0
    elif shape == "log":
        u = xp.log(done + one) / xp.log(xp.maximum(length, c.const(2.0)))
    else:  # pragma: no cover - validated by the constructors
        raise ValueError(f"unknown warmup shape {shape!r}")
    u = xp.minimum(xp.maximum(u, zero), one)
    return init + (target - init) * u

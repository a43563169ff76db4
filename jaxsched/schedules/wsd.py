"""Warmup-stable-decay (WSD, "trapezoidal"): warmup, a constant peak, then a decay to a floor."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import (
    cosine_tail,
    floor_fraction,
    known_positive,
    known_to_equal,
    safe_den,
    safe_pow,
)
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps, Value
from jaxsched.schedules.ramps import WARMUP_SHAPES, ramp, until

__all__ = ["WarmupStableDecay", "warmup_stable_decay"]

DECAY_SHAPES = ("linear", "cosine", "1-sqrt", "exponential", "polynomial", "minus_sqrt",
                "megatron_exponential")
_DECAY_SPECS = ("decay_steps", "decay_start", "decay_fraction")


def _window(c: _xp.Count, total: Any, decay_steps: Any, decay_start: Any, fraction: Any) -> tuple:
    """``(S, D)``: the decay's first step and its length (integer arrays when exact)."""
    xp = c.xp

    def both_int(a: Any, b: Any) -> bool:
        return bool(xp.isdtype(a.dtype, "integral") and xp.isdtype(b.dtype, "integral"))

    if decay_steps is not None:
        if both_int(total, decay_steps):
            return total - decay_steps, decay_steps
        return c.as_float(total) - c.as_float(decay_steps), c.as_float(decay_steps)
    if decay_start is not None:
        if both_int(total, decay_start):
            return decay_start, total - decay_start
        return c.as_float(decay_start), c.as_float(total) - c.as_float(decay_start)
    d = floor_fraction(c, fraction, total, half=True)  # f * N rounded to the nearest step
    if c.is_int(total):
        return total - d, d
    return c.as_float(total) - d, d


def _host_window(total: Any, decay_steps: Any, decay_start: Any, fraction: Any) -> tuple | None:
    """``(S, D)`` as Python ints when the raw hyperparameters are plain numbers, else None."""
    if not _plain(total) or type(total) is not int:
        return None
    if decay_steps is not None:
        return (total - decay_steps, decay_steps) if type(decay_steps) is int else None
    if decay_start is not None:
        return (decay_start, total - decay_start) if type(decay_start) is int else None
    if not _plain(fraction):
        return None
    d = int(math.floor(fraction * total + 0.5))  # as the constructor checked it, in float64
    return total - d, d


@schedule_class("warmup_stable_decay")
class WarmupStableDecay(Schedule):
    """Warmup to ``peak_value``, hold it, decay to ``end_value`` by ``total_steps``, hold.

    See :func:`warmup_stable_decay`.
    """

    peak_value: Any = value_field()
    total_steps: Any = steps_field()
    warmup_steps: Any = steps_field()
    decay_steps: Any = steps_field()
    decay_start: Any = steps_field()
    decay_fraction: Any = value_field()
    init_value: Any = value_field()
    end_value: Any = value_field()
    warmup_shape: str = static_field()
    decay_shape: str = static_field()
    power: Any = value_field()
    skip_zero: bool = static_field()
    num_cycles: Any = value_field()
    decay_init_value: Any = value_field()

    def _formula(self, c, *, peak_value, total_steps, warmup_steps, decay_steps, decay_start,
                 decay_fraction, init_value, end_value, warmup_shape, decay_shape, power, skip_zero,
                 num_cycles, decay_init_value):
        xp = c.xp
        top = peak_value if decay_init_value is None else decay_init_value  # the decay's start
        zero, one = c.const(0.0), c.const(1.0)
        host = None
        if decay_shape == "linear":
            host = _host_window(self.total_steps, self.decay_steps, self.decay_start,
                                self.decay_fraction)
        if host is not None and host[1] > 0:  # S, D > 0 known at trace time: no guard
            start, length = c.steps(host[0]), c.steps(host[1])
            d = den = c.as_float(length)
        else:
            start, length = _window(c, total_steps, decay_steps, decay_start, decay_fraction)
            d = xp.maximum(c.as_float(length), zero)
            den = safe_den(c, d)
        # 1 - q (steps left / D) and q (steps done / D), each from an exact step difference
        # (each in [0, 1] when D > 0: both numerators are clamped to [0, D])
        left = xp.minimum(until(c, total_steps), d) / den
        done = xp.minimum(c.shift(start).t, d) / den
        warm_positive = known_positive(self.warmup_steps)
        left = xp.minimum(xp.maximum(left, zero), one)
        done = xp.minimum(xp.maximum(done, zero), one)
        if decay_shape == "linear":
            factor = left
        elif decay_shape == "cosine":
            factor = cosine_tail(c, left, one)  # num_cycles = 1/2: sin(pi/2 (1 - q))^2
            if not known_to_equal(num_cycles, 0.5):
                # (1 + cos(2 pi n q)) / 2 = sin(pi (n (1 - q) - h))^2, h = n - 1/2 taken mod 1
                # (sin^2 has period pi): exact in the steps left for every half-integer n, the
                # n that end at E; n = 1/2 (the default) is kept bit for bit by the where
                h = num_cycles - c.const(0.5)
                wave = xp.sin(math.pi * (num_cycles * left - (h - xp.round(h))))
                wave = xp.where(left > zero, wave * wave, zero)  # E from N on, whatever n
                factor = xp.where(num_cycles == c.const(0.5), factor, wave)
        elif decay_shape == "megatron_exponential":
            factor = xp.expm1(math.log(2.0) * left)  # 2 * 0.5^q - 1 = 2^(1-q) - 1
        elif decay_shape in ("1-sqrt", "minus_sqrt"):
            pos = done > 0
            root = xp.where(pos, xp.sqrt(xp.where(pos, done, one)), zero)
            factor = left / (one + root)  # 1 - sqrt(q) without cancellation near q = 1
        elif decay_shape == "polynomial":
            factor = safe_pow(c, left, power)
        else:  # exponential: E (P/E)^(1-q), geometric from P to E
            ratio = xp.maximum(top / safe_den(c, end_value), zero)
            factor = None
            decayed = end_value * safe_pow(c, ratio, left)
        if factor is not None:
            decayed = end_value + (top - end_value) * factor
        out = xp.where(c.ge(start), decayed, peak_value + xp.zeros_like(c.t))
        warm = ramp(c, warmup_steps, init_value, peak_value, warmup_shape, skip_zero,
                    warm_positive, self.init_value)
        return xp.where(c.ge(warmup_steps), out, warm)


def _concrete(*xs: Any) -> bool:
    return not any(v.is_traced(x) for x in xs)


def _plain(*xs: Any) -> bool:
    """All Python ``int``/``float``: checked with Python arithmetic, no NumPy array."""
    return all(type(x) in (int, float) for x in xs)


def _le(a: Any, b: Any) -> bool:
    if _plain(a, b):
        return a <= b
    return bool(np.all(np.asarray(a) <= np.asarray(b)))


def _add(a: Any, b: Any) -> Any:
    return a + b if _plain(a, b) else np.asarray(a) + b


@register("warmup_stable_decay")
def warmup_stable_decay(
    peak_value: Value,
    total_steps: Steps,
    warmup_steps: Steps = 0,
    *,
    decay_steps: Steps | None = None,
    decay_start: Steps | None = None,
    decay_fraction: Value | None = None,
    init_value: Value = 0.0,
    end_value: Value = 0.0,
    warmup_shape: str = "linear",
    decay_shape: str = "linear",
    power: Value = 2.0,
    skip_zero: bool = False,
    num_cycles: Value = 0.5,
    decay_init_value: Value | None = None,
) -> WarmupStableDecay:
    r"""Warmup-stable-decay: ramp up, hold the peak, decay to a floor by ``total_steps``.

    The decay ends at ``N = total_steps`` and lasts ``D`` steps, given in exactly one way:
    ``decay_steps=D``, ``decay_start=S`` (``D = N - S``) or ``decay_fraction=f`` (the last
    fraction of the run: ``D = round(f N)``, half up). Each phase counts locally and the value
    at a boundary belongs to the next phase; ``end_value`` is held from ``N`` on.

    .. math::
      f(t) = \begin{cases}
        I + (P - I)\,u(t), & t < W \quad(\text{the ramp of } \texttt{warmup}) \\
        P, & W \le t < S = N - D \\
        E + (C - E)\,g\!\left(q\right),\; q = \frac{t - S}{D}, & S \le t < N \\
        E, & t \ge N
      \end{cases}

    with ``C = decay_init_value`` (default ``P``) and the decay shapes ``linear``
    :math:`g = 1 - q`; ``cosine``
    :math:`g = \tfrac12(1 + \cos 2\pi n q)` with ``n = num_cycles`` (default :math:`\tfrac12`:
    :math:`\tfrac12(1 + \cos\pi q)`, one half-wave down to ``E``; HF's ``num_cycles``);
    ``1-sqrt`` (or Megatron's name ``minus_sqrt``) :math:`g = 1 - \sqrt q` (Hägele et al.
    2024); ``polynomial`` :math:`g = (1 - q)^{p}`; ``megatron_exponential``
    :math:`g = 2 \cdot 0.5^{q} - 1` (Megatron-LM's WSD ``exponential``: from 1 to 0, so it reaches
    ``E``, even ``E = 0``); ``exponential`` is geometric, :math:`P\,(E/P)^{q}` (needs ``E > 0``; a
    half-life ``h`` is ``D = h \log_2(P/E)``). The tails are computed from the steps left
    (``N - t``), so they keep relative precision in float32 (``megatron_exponential`` as
    :math:`\operatorname{expm1}((1 - q)\ln 2)`).

    Degenerate configurations: ``W = 0`` starts at the peak; ``D = 0`` holds the peak until
    ``N`` and drops to ``E`` there; ``W = N`` (then ``D = 0``) ramps and drops to ``E`` at
    ``N``; ``N = 0`` is ``E`` throughout. If traced values make the warmup overlap the decay
    (``W > S``, not checkable at construction), the warmup wins and the decay is entered at
    ``t = W`` part-way down.

    Args:
      peak_value: the stable value ``P`` (real; traceable).
      total_steps: ``N >= 0``, the step at which the decay ends (traceable).
      warmup_steps: ``0 <= W <= N`` steps of warmup (traceable; default 0).
      decay_steps: ``0 <= D <= N - W``, the decay length in optimizer steps (traceable).
      decay_start: ``W <= S <= N``, the first step of the decay (traceable).
      decay_fraction: ``f`` in ``[0, 1]``, the fraction of ``N`` spent decaying, with
        ``W + round(f N) <= N`` (traceable). Exactly one of the three decay arguments.
      init_value: ``I``, value at step 0 (real; traceable; default 0; ``> 0`` for an
        exponential warmup).
      end_value: ``E``, the floor reached at ``N`` and held (real; traceable; default 0;
        ``> 0`` for an exponential decay).
      warmup_shape: ``"linear"`` (default), ``"cosine"``, ``"exponential"``, ``"log"``,
        ``"1-sqrt"``: see :func:`jaxsched.warmup` (static).
      decay_shape: ``"linear"`` (default), ``"cosine"``, ``"1-sqrt"`` / ``"minus_sqrt"``,
        ``"megatron_exponential"``, ``"exponential"`` (geometric), ``"polynomial"`` (static).
      power: ``p > 0`` for ``decay_shape="polynomial"`` (traceable; default 2; unused
        otherwise).
      skip_zero: start the warmup one step in (see :func:`jaxsched.warmup`; static).
      num_cycles: ``n >= 0``, cosine waves over the decay for ``decay_shape="cosine"``
        (traceable; default 0.5, a half-wave down to ``E``; ``n = 1`` rises back to ``P`` at
        ``N`` but ``E`` is still held from ``N`` on, as in HF; unused otherwise).
      decay_init_value: ``C``, the value the decay starts from at ``S`` (real; traceable;
        default ``None``: ``C = P``). optimus-dl's ``cooldown_start_lr_factor c`` is
        ``decay_init_value = c * lr``: the value drops from ``P`` to ``C`` at ``S``.

    Returns:
      A :class:`WarmupStableDecay` schedule.

    Raises:
      ValueError: not exactly one of ``decay_steps``/``decay_start``/``decay_fraction``;
        phases that do not fit in ``total_steps``; negative or non-finite values; unknown
        shapes; a non-positive ``init_value``/``end_value``/``peak_value`` for an exponential
        shape; ``power <= 0``; ``num_cycles < 0``.
      TypeError: a non-numeric value, a non-string shape, a non-bool ``skip_zero``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.warmup_stable_decay(1.0, 10, 2, decay_steps=4, init_value=0.1,
      ...                                  end_value=0.1, decay_shape="1-sqrt")
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(12), np)]
      [0.1, 0.55, 1.0, 1.0, 1.0, 1.0, 1.0, 0.55, 0.363604, 0.220577, 0.1, 0.1]
      >>> m = jaxsched.warmup_stable_decay(1.0, 8, decay_steps=4, decay_shape="megatron_exponential")
      >>> [round(float(x), 6) for x in m.evaluate(np.arange(4, 9), np)]
      [1.0, 0.681793, 0.414214, 0.189207, 0.0]

    Equivalents:
      HF: ``get_wsd_schedule(opt, W, D, N, warmup_type, decay_type, min_lr_ratio=m)`` with base
      lr ``lr`` is ``warmup_stable_decay(lr, N, W, decay_steps=D, init_value=m*lr,
      end_value=m*lr, warmup_shape=warmup_type, decay_shape=decay_type)`` (HF's warmup starts at
      ``m``, not 0; with ``num_stable_steps=S`` use ``N = W + S + D``; HF's ``num_cycles=c`` is
      ``num_cycles=c``). Megatron-LM (``megatron/core/optimizer_param_scheduler.py``):
      ``--lr-decay-style WSD --lr-wsd-decay-style S --lr-wsd-decay-iters D --lr-decay-iters N
      --lr-warmup-iters W --lr LR --min-lr M --lr-warmup-init I`` is ``warmup_stable_decay(LR, N,
      W, decay_steps=D, init_value=I, end_value=M, decay_shape=S)`` with ``S`` one of
      ``linear``, ``cosine``, ``minus_sqrt`` and ``exponential`` -> ``"megatron_exponential"``
      (Megatron's step ``k`` after ``k`` calls of ``step(1)``; units of samples via
      :class:`jaxsched.config.units.Timeline`). optimus-dl ``wsd``: ``init_value=lr/init_div_factor``,
      ``end_value=final_lr_factor*lr``, ``decay_steps=int(fract_decay*N)`` (it truncates;
      ``decay_fraction`` rounds), ``decay_type`` ``linear``/``cosine``/``sqrt``
      (``sqrt_power=0.5``: ``"1-sqrt"``)/``exp``
      (``"exponential"``), and its ``cooldown_start_lr_factor=c`` is ``decay_init_value=c*lr``
      (its ``exp`` ignores ``c``: use ``c = 1`` there). MiniCPM: exponential decay with a
      half-life. optax: ``join_schedules([linear_schedule(I, P, W), constant_schedule(P),
      linear_schedule(P, E, D)], [W, N - D])``. torch: ``SequentialLR`` of ``LinearLR``,
      ``ConstantLR(factor=1)`` and ``LinearLR``/``CosineAnnealingLR``.
    """
    given = [name for name, x in zip(_DECAY_SPECS, (decay_steps, decay_start, decay_fraction))
             if x is not None]
    if len(given) != 1:
        raise ValueError(
            "exactly one of `decay_steps`, `decay_start`, `decay_fraction` must be given, got "
            f"{', '.join(f'`{g}`' for g in given) if given else 'none'}: decay_steps=D (its length "
            "in steps), decay_start=S (its first step) or decay_fraction=0.1 (the last 10%)"
        )
    warmup_shape = v.choice("warmup_shape", warmup_shape, WARMUP_SHAPES)
    decay_shape = v.choice("decay_shape", decay_shape, DECAY_SHAPES)
    skip = v.boolean("skip_zero", skip_zero)
    exp_warm, exp_decay = warmup_shape == "exponential", decay_shape == "exponential"
    geo = " (an exponential shape is geometric and needs positive values)"
    peak = v.real("peak_value", peak_value, gt=0 if exp_warm or exp_decay else None, hint=geo)
    init = v.real("init_value", init_value, gt=0 if exp_warm else None, hint=geo)
    end = v.real("end_value", end_value, gt=0 if exp_decay else None, hint=geo)
    p = v.real("power", power, gt=0)
    cycles = v.real("num_cycles", num_cycles, ge=0)
    n = v.steps("total_steps", total_steps)
    w = v.steps("warmup_steps", warmup_steps)
    if _concrete(n, w) and not _le(w, n):
        raise ValueError(f"`warmup_steps` must be <= `total_steps` ({n!r}), got {w!r}")
    d = v.steps("decay_steps", decay_steps, allow_none=True)
    s = v.steps("decay_start", decay_start, allow_none=True)
    f = v.real("decay_fraction", decay_fraction, ge=0, le=1, allow_none=True)
    fits = " (the warmup comes first and the decay ends at `total_steps`)"
    if d is not None and _concrete(n, w, d) and not _le(_add(w, d), n):
        raise ValueError(
            f"`decay_steps` must be <= `total_steps` - `warmup_steps` = {n - w!r}, got {d!r}{fits}"
        )
    if s is not None and _concrete(n, w, s) and not (_le(w, s) and _le(s, n)):
        raise ValueError(
            f"`decay_start` must be between `warmup_steps` ({w!r}) and `total_steps` ({n!r}), "
            f"got {s!r}{fits}"
        )
    if f is not None and _concrete(n, w, f):
        if _plain(f, n):
            steps = float(math.floor(f * n + 0.5))
        else:
            steps = np.floor(np.asarray(f, dtype=np.float64) * n + 0.5)
            steps = float(steps) if steps.ndim == 0 else steps
        if not _le(_add(w, steps), n):
            raise ValueError(
                f"`decay_fraction` must leave room for the warmup: round({f!r} * {n!r}) = "
                f"{steps!r} decay steps + {w!r} warmup steps > `total_steps` {n!r}{fits}"
            )
    start = v.real("decay_init_value", decay_init_value, allow_none=True,
                   gt=0 if exp_decay else None, hint=geo)
    return WarmupStableDecay(peak, n, w, d, s, f, init, end, warmup_shape, decay_shape, p, skip,
                             cycles, start)

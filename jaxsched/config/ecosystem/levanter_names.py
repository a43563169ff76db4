"""Levanter's learning-rate schedule (``OptimizerConfig.lr_scheduler``) by name: ``levanter.lr_scheduler``;
its data-mixture weights (the data block's ``train_weights``): ``levanter.train_weights``.

Parameters are the fields of Levanter's ``OptimizerConfig`` that shape the schedule
(``learning_rate``, ``min_lr_ratio``, ``warmup``, ``decay``, ``rewarmup``, ``cooldown``,
``cycle_length``, ``cycles``, ``haps``, ``lr_schedule``) with its defaults, plus
``num_train_steps`` (the trainer's). A Levanter YAML (``optimizer:`` and ``trainer:
num_train_steps``) loads through :func:`jaxsched.config.frameworks.levanter_config` (and
``from_config``).

**Step convention**: Levanter hands the schedule to optax, whose count is the number of updates
done, so update ``k`` uses ``schedule(k)``, as every jaxsched schedule.

The schedule (``stanford-crfm/levanter`` ``src/levanter/optim/config.py``, commit ``9263f81``):
the run (less ``cooldown``) is cut into cycles at the cycle end points (``cycles``: a count,
``int(N / c (i + 1))``, or a list of end points; ``cycle_length``: a length or a list of
lengths; ``haps``: end points); each cycle is ``[warmup] [stable] [decay]``: a linear ramp from
the previous cycle's last lr (0 for the first) to ``learning_rate`` over ``warmup`` (first
cycle) or ``rewarmup`` (later ones), a constant stretch, and the decay ``lr_schedule`` over
``decay`` (``None``: the rest of the cycle) to ``min_lr = learning_rate x min_lr_ratio``:
``cosine`` (optax's, ``exponent``), ``linear``, ``constant``, ``inv_sqrt``
(``lr min(1, 1/sqrt(max(t + W, 1) / timescale))``, ``W`` the cycle's warmup) and ``inv``
(``lr / (1 + (lr/min_lr - 1) max(t, 1) / D)``), floored at ``min_lr``; then a linear cooldown
to ``min_lr``. Each of ``warmup``, ``decay``, ``rewarmup``, ``cooldown``, ``cycle_length`` is a
fraction when ``<= 1`` (``int(f x cycle)``; so ``1`` is the whole cycle, not one step) and a
whole number of steps when ``> 1``. After the last cycle the last piece runs on (optax's
``join_schedules``). ``lr_schedule`` is a name; Levanter's object form (``{type: cosine,
exponent: 2}``) gives ``exponent`` (cosine) and ``timescale`` (inv_sqrt; 10000 for the bare
name, as in Levanter) as parameters; ``{type: power, batch_size, seq_length, a, b}`` gives
``batch_size``, ``seq_length``, ``a`` and ``b``: Levanter's ``PowerLrSchedule`` (the Power
scheduler, Shen et al. 2024), ``min(lr, B a (t B L)**b)`` over the decay's local step ``t``
(``lr`` at ``t = 0``, where Levanter's ``0**b`` is infinite), with no floor at ``min_lr``;
a later cycle's rewarmup and the cooldown start from its value at the decay's end.
Refused (Levanter fails or divides by zero): ``cycles`` with ``cycle_length`` or ``haps``, a
fraction that is neither ``<= 1`` nor whole, a cycle whose warmup and decay exceed it,
``cosine`` or ``inv`` with no decay steps, ``inv`` with ``min_lr_ratio = 0``, end points out of
order, and ``power`` without ``batch_size`` and ``seq_length`` or with ``a <= 0`` or ``b >= 0``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from jaxsched.compose import floor, minimum
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import join_schedules
from jaxsched.schedules.cosine import cosine_decay
from jaxsched.schedules.inverse import inverse_power_decay, inverse_sqrt_decay, inverse_time_decay
from jaxsched.schedules.mixture import MixtureWeights, mixture_weights
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule

__all__ = ["levanter_lr_scheduler", "levanter_train_weights", "LR_SCHEDULES"]

#: ``lr_schedule`` names that are mapped.
LR_SCHEDULES = ("constant", "cosine", "linear", "inv_sqrt", "inv", "power")


def _steps(name: str, x: Any, n: int) -> int:
    """Levanter's ``_convert_frac_or_steps``: ``int(x n)`` for ``x <= 1``, else whole steps."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"`{name}` must be a fraction <= 1 or a whole number of steps, got {x!r}")
    if x < 0 or (x > 1 and x % 1 != 0) or not math.isfinite(x):
        raise ValueError(f"`{name}` must be a fraction in [0, 1] or a whole number of steps, got "
                         f"{x!r} (Levanter raises 'Invalid fraction')")
    if x > 1 and x >= 2**63:
        raise ValueError(f"`{name}` must be a fraction in [0, 1] or a whole number of steps "
                         f"below 2**63, got {x!r}")
    return int(x * n) if x <= 1 else int(x)


def _cycle_ends(n: int, cycle_length: Any, cycles: Any, haps: Any) -> list[int]:
    """Levanter's ``_get_cycle_minima``: ``[0, end_1, ..., n]``."""
    if cycle_length is not None:
        if cycles is not None:
            raise ValueError("give one of `cycle_length` and `cycles`, got both (Levanter raises)")
        if haps is not None:
            raise ValueError("give one of `cycle_length` and `haps`, got both (Levanter raises)")
        if isinstance(cycle_length, (list, tuple)):
            ends, total = [], 0
            for i, x in enumerate(cycle_length):
                total += v.integer(f"cycle_length[{i}]", x, ge=1)
                ends.append(total)
            if ends and ends[-1] > n:
                raise ValueError(f"`cycle_length` adds up to {ends[-1]} > the {n} main steps "
                                 "(Levanter raises)")
        else:
            length = _steps("cycle_length", cycle_length, n)
            if length <= 0:
                raise ValueError(f"`cycle_length` must give >= 1 step, got {cycle_length!r}")
            ends = [i * length for i in range(1, n // length)]
    elif haps is not None:
        ends = [v.integer(f"haps[{i}]", x, ge=0) for i, x in enumerate(v.sequence("haps", haps))]
    elif isinstance(cycles, (list, tuple)):
        ends = [v.integer(f"cycles[{i}]", x, ge=0) for i, x in enumerate(cycles)]
    elif cycles is not None:
        c = v.integer("cycles", cycles, ge=1, hint=" (a count, or a list of cycle end points)")
        ends = [int(n / c * (i + 1)) for i in range(c - 1)]
    else:
        ends = []
    points = [0, *ends]
    if points[-1] != n:
        points.append(n)
    if any(b <= a for a, b in zip(points, points[1:])):
        raise ValueError(f"the cycle end points must increase from 0 to the {n} main steps, got "
                         f"{points[1:]} (from cycles/cycle_length/haps)")
    return points


def _decay(kind: str, opts: Mapping, lr: Any, lo: Any, ratio: Any, w: int, d: int) -> Schedule:
    """One cycle's decay piece (local time from the decay's start)."""
    if kind == "constant":
        return constant_schedule(lr)
    if kind == "power":  # lr at t = 0 (0**b is infinite), then min(lr, c t**b) = min(lr, c (1 + (t-1))**b)
        curve = inverse_power_decay(opts["c"], 1.0, -opts["b"])
        return join_schedules([constant_schedule(lr), minimum([constant_schedule(lr), curve])], [1])
    if kind == "linear":
        return linear_schedule(lr, lo, d) if d > 0 else constant_schedule(lr)
    if kind == "cosine":
        if d <= 0:
            raise ValueError("a cycle has no decay steps (`decay`) for lr_schedule='cosine' (optax's "
                             "cosine_decay_schedule raises)")
        return cosine_decay(lr, d, lo, v.real("exponent", opts.get("exponent", 1.0)))
    if kind == "inv_sqrt":
        ts = v.real("timescale", opts.get("timescale", 10000), ge=1)
        c = ts - w  # lr up to t + W = timescale, then lr sqrt(timescale / (t + W))
        if c > 0:
            tail = join_schedules([constant_schedule(lr), inverse_sqrt_decay(lr, ts)], [c])
        else:
            tail = inverse_sqrt_decay(lr * math.sqrt(ts / w), w)
        return floor(tail, lo)
    # inv: lr / (1 + r max(t, 1) / D), r = lr / min_lr - 1; as f(t') = lr D / (D + r (1 + t'))
    if d <= 0:
        raise ValueError("a cycle has no decay steps for lr_schedule='inv' (Levanter divides by them)")
    r = 1.0 / ratio - 1.0
    child = inverse_time_decay(lr * d / (d + r), d + r, r)
    return floor(join_schedules([child, child], [1]), lo)


def _value_at_end(kind: str, lr: Any, lo: Any, ratio: Any, w: int, d: int, opts: Mapping) -> Any:
    """``schedule(lr_decay_steps)``: where the next cycle's rewarmup starts."""
    if kind == "constant" or d <= 0 and kind in ("linear", "power"):
        return lr
    if kind == "power":
        at_end = opts["c"] * float(d) ** opts["b"]
        if any(v.is_traced(x) for x in (lr, at_end)):
            import jax.numpy as jnp

            return jnp.minimum(lr, at_end)
        return min(lr, at_end)
    if kind in ("linear", "cosine"):
        return lo
    if kind == "inv_sqrt":
        ts = float(opts.get("timescale", 10000))
        return max(lr * min(1.0, 1.0 / math.sqrt(max(d + w, 1) / ts)), lo)
    r = 1.0 / ratio - 1.0
    return max(lr * min(1.0, 1.0 / (r * max(d, 1) / d + 1)), lo)


@register("levanter.lr_scheduler")
def levanter_lr_scheduler(
    num_train_steps: int,
    learning_rate: float = 6e-4,
    min_lr_ratio: float = 0.1,
    warmup: float = 0.01,
    decay: float | None = None,
    rewarmup: float = 0.0,
    cooldown: float | None = None,
    cycle_length: Any = None,
    cycles: Any = None,
    haps: list | None = None,
    lr_schedule: str = "cosine",
    exponent: float = 1.0,
    timescale: float = 10000.0,
    batch_size: int | None = None,
    seq_length: int | None = None,
    a: float = 4.6,
    b: float = -0.51,
) -> Schedule:
    r"""Levanter ``OptimizerConfig.lr_scheduler(num_train_steps)``: warmup, stable, decay, per cycle.

    For a cycle ``[s, e)`` of length ``C`` with warmup ``W`` (``warmup`` for the first cycle,
    ``rewarmup`` after) and decay ``D`` (``decay``, or ``C - W``), the lr is a linear ramp from
    the previous cycle's end value ``p`` (0 at first) to ``P = learning_rate`` over ``W``, ``P``
    for ``C - W - D`` steps, then the decay ``lr_schedule`` from ``P`` to ``m = P
    min_lr_ratio`` over ``D`` (cosine: ``m + (P - m)((1 + cos(pi t / D)) / 2)**exponent``):
    WSD with ``decay`` < the cycle, WSD-S ("cyclic WSD") with ``cycles`` and ``rewarmup``. See
    the module docstring for the rest (``inv_sqrt``, ``inv``, cooldown, fractions vs steps).

    Args:
      num_train_steps: ``N >= 1``, the trainer's steps.
      learning_rate: ``P``, the peak lr.
      min_lr_ratio: ``m / P`` in ``[0, 1]``.
      warmup, decay, rewarmup, cooldown: fractions (``<= 1``) of the cycle (of ``N`` for
        ``cooldown``) or whole steps (``> 1``); ``decay=None``: the rest of the cycle.
      cycle_length: a length (fraction or steps) or a list of lengths.
      cycles: a number of equal cycles or a list of cycle end points.
      haps: cycle end points (Levanter's deprecated name).
      lr_schedule: ``"cosine"`` (default), ``"linear"``, ``"constant"``, ``"inv_sqrt"``, ``"inv"``
        (Levanter's ``lr_schedule: {type: ..., ...}`` form gives its fields below).
      exponent: the cosine's exponent (``CosineLrSchedule.exponent``, default 1).
      timescale: ``inv_sqrt``'s timescale (``InvSqrtLrSchedule.timescale``; 10000, as the bare
        name uses), ``>= 1``.
      batch_size, seq_length: ``power``'s ``B`` (sequences per step) and ``L`` (tokens per
        sequence), integers ``>= 1`` (``PowerLrSchedule``'s required fields).
      a, b: ``power``'s amplitude ``a > 0`` and exponent ``b < 0`` (Levanter's defaults 4.6 and
        -0.51, the Power scheduler paper's; traceable): the decay is ``min(lr, B a (t B L)**b)``.

    Returns:
      A join of :func:`jaxsched.linear_schedule`, :func:`jaxsched.constant_schedule` and the
      decays (:func:`jaxsched.cosine_decay`, :func:`jaxsched.inverse_sqrt_decay`,
      :func:`jaxsched.inverse_time_decay`).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "levanter.lr_scheduler", "params": {
      ...     "num_train_steps": 10, "learning_rate": 1.0, "warmup": 2, "decay": 0.4,
      ...     "min_lr_ratio": 0.0, "lr_schedule": "linear"}})
      >>> [round(float(x), 2) for x in s.evaluate(np.arange(11), np)]
      [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]

    Equivalents:
      :func:`jaxsched.warmup_stable_decay` (one cycle); ``hf.warmup_stable_decay``; for
      ``power``, the Power scheduler (IBM, Shen et al. 2024): :func:`jaxsched.inverse_power_decay`
      under :func:`jaxsched.minimum`.
    """
    n = v.integer("num_train_steps", num_train_steps, ge=1)
    if v.is_traced(n):
        raise TypeError("`num_train_steps` must be concrete (it places the cycles)")
    lr = v.real("learning_rate", learning_rate, ge=0)
    ratio = v.real("min_lr_ratio", min_lr_ratio, ge=0, le=1)
    kind, opts = lr_schedule, {"exponent": exponent, "timescale": timescale}
    kind = v.choice("lr_schedule", kind, LR_SCHEDULES)
    # checked whatever the configuration uses: rewarmup (used after the first cycle only) and
    # inv_sqrt's timescale (used by lr_schedule="inv_sqrt" only)
    _steps("rewarmup", rewarmup, 1)
    v.real("timescale", timescale, ge=1, hint=" (InvSqrtLrSchedule's timescale, in steps)")
    # power's fields, checked whatever the schedule (Levanter's PowerLrSchedule checks a and b)
    bsz = v.integer("batch_size", batch_size, ge=1, allow_none=True)
    seq = v.integer("seq_length", seq_length, ge=1, allow_none=True)
    amp = v.real("a", a, gt=0, hint=" (Levanter: 'Power schedule expects a > 0 and b < 0')")
    ex = v.real("b", b, lt=0, hint=" (Levanter: 'Power schedule expects a > 0 and b < 0')")
    if kind == "power":
        if bsz is None or seq is None:
            raise ValueError("lr_schedule='power' needs `batch_size` and `seq_length` (Levanter's "
                             "PowerLrSchedule requires them: it counts the tokens trained on), got "
                             f"batch_size={batch_size!r}, seq_length={seq_length!r}")
        opts = {"b": ex, "c": bsz * amp * (float(bsz) * float(seq)) ** ex}
    if kind == "inv" and not (v.is_traced(ratio) or ratio > 0):
        raise ValueError("`min_lr_ratio` must be > 0 for lr_schedule='inv' (Levanter divides by min_lr)")
    if kind in ("inv_sqrt", "inv") and any(v.is_traced(x) for x in (lr, ratio)):
        raise TypeError("`learning_rate` and `min_lr_ratio` must be concrete for inv/inv_sqrt")
    lo = lr * ratio
    cool = 0 if cooldown is None else _steps("cooldown", cooldown, n)
    main = n - cool
    if main < 1:
        raise ValueError(f"`cooldown` ({cooldown!r}) leaves no main steps of the {n}")
    points = _cycle_ends(main, cycle_length, cycles, haps)
    pieces: list[Schedule] = []
    bounds: list[int] = []
    previous = 0.0
    for i, (start, end) in enumerate(zip(points, points[1:])):
        c = end - start
        w = _steps("warmup" if i == 0 else "rewarmup", warmup if i == 0 else rewarmup, c)
        d = c - w if decay is None else _steps("decay", decay, c)
        stable = c - w - d
        if stable < 0:
            wname = "warmup" if i == 0 else "rewarmup"
            raise ValueError(f"cycle {i} ({c} steps) is shorter than its `{wname}` ({w}) and "
                             f"`decay` ({d}) steps: the schedule's pieces would overlap")
        if w:
            pieces.append(linear_schedule(previous, lr, w))
            bounds.append(start + w)
        if stable:
            pieces.append(constant_schedule(lr))
            bounds.append(start + w + stable)
        pieces.append(_decay(kind, opts, lr, lo, ratio, w, d))
        bounds.append(end)
        previous = _value_at_end(kind, lr, lo, ratio, w, d, opts)
    if cool:
        pieces.append(linear_schedule(previous, lo, cool))
    if len(pieces) == 1:
        return pieces[0]
    return join_schedules(pieces, bounds[: len(pieces) - 1])


@register("levanter.train_weights")
def levanter_train_weights(train_weights: Mapping[str, Any] | Sequence[Any]) -> MixtureWeights:
    """Levanter's ``train_weights`` (a dict, or ``[[start, {name: weight}], ...]``), piecewise
    constant stages normalised to sum 1, as :func:`jaxsched.mixture_weights`. Levanter's starts
    count sequences: divide them by the batch size for steps."""
    return mixture_weights(train_weights)

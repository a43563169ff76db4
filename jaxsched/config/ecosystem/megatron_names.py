"""Megatron-LM's ``OptimizerParamScheduler`` by name: ``megatron.OptimizerParamScheduler``.

Parameters are the constructor arguments of ``megatron/core/optimizer_param_scheduler.py``
(``init_lr``, ``max_lr``, ``min_lr``, ``lr_warmup_steps``, ``lr_decay_steps``,
``lr_decay_style``, ``wsd_decay_steps``, ``lr_wsd_decay_style``, ``start_wd``, ``end_wd``,
``wd_incr_steps``, ``wd_incr_style``), with the defaults of Megatron's command line, plus
``increment`` and ``batch_sizes`` (below). ``from_config(cfg, hyperparam="weight_decay")``
gives the weight-decay increment. A Megatron argument list or namespace (``--lr-decay-style
cosine --lr 3e-4 --train-iters 100000 ...``) loads through
:func:`jaxsched.config.frameworks.megatron_config` (and ``from_config``).

**Step convention** (NVIDIA/Megatron-LM ``megatron/training/training.py``, commit
``d98e8a6``): the scheduler is built with ``num_steps = 0`` and calls ``step(0)``, so iteration
0 runs with the lr of ``num_steps = 0``; after each successful iteration ``train_step`` calls
``step(increment)`` with ``increment`` = the samples of that iteration (``num_microbatches x
micro_batch_size x data_parallel_size``, the global batch size). So Megatron's ``num_steps``
counts **samples**, and iteration ``k`` (0-based, counted in successful updates) uses the lr of
``num_steps = S_k``, the samples consumed before it. Megatron's own iteration-based flags are
multiplied by the global batch size (``lr_decay_steps = lr_decay_iters x global_batch_size``).
Here ``S_k = k x increment`` (``increment`` defaults to 1: all step parameters in iterations),
or, with ``batch_sizes`` (a :class:`jaxsched.PiecewiseInteger` such as
:func:`jaxsched.rampup_batch_size` for ``--rampup-batch-size``), the consumed samples of
:func:`jaxsched.by_samples`. The step parameters count ``num_steps`` (samples when ``increment
> 1``), so a :class:`~jaxsched.config.units.Timeline` unit string (optimizer steps) only fits
with ``increment = 1``.

Quirks reproduced: the warmup ``init_lr + (max_lr - init_lr) n / W`` holds for ``n <= W``
inclusive (it reaches ``max_lr`` at ``W``); ``constant`` ignores ``lr_decay_steps`` and
``min_lr``; every other style gives ``min_lr`` for ``n > lr_decay_steps``;
``inverse-square-root`` is ``max(min_lr, max_lr sqrt(max(W, 1)) / sqrt(max(n, 1)))`` (without
warmup, iteration 0 and the first sample both use ``max_lr``, and the curve depends on the
global batch size); WSD holds ``max_lr`` up to ``lr_decay_steps - wsd_decay_steps`` and then
decays with ``lr_wsd_decay_style`` (``exponential`` is Megatron's ``2 * 0.5**r - 1``, not a
geometric decay). Deliberate differences, each raising instead: Megatron's failing asserts
(``min_lr < 0``, ``max_lr < min_lr``, ``init_lr > max_lr``, ``lr_decay_steps <= 0``,
``lr_warmup_steps >= lr_decay_steps``, WSD without ``wsd_decay_steps``, a ``constant`` weight
decay with ``start_wd != end_wd``), an unknown style (Megatron raises at ``step(0)``), a
``wd_incr_steps = 0`` with a non-constant increment (Megatron divides by zero at ``step(0)``)
and a WSD decay window that starts before the warmup ends (``wsd_decay_steps > lr_decay_steps
- lr_warmup_steps``: Megatron then drops from ``max_lr`` to the decayed value right after the
warmup).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.compose import floor
from jaxsched.compose.data_clock import by_samples
from jaxsched.compose.warmup import warmup
from jaxsched.config.ecosystem.deepspeed_names import maximum
from jaxsched.config.ecosystem.fairseq_names import _concrete, _where
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import boundary_list, join_schedules
from jaxsched.schedules.batch import PiecewiseInteger, piecewise_integer
from jaxsched.schedules.cosine import cosine_decay
from jaxsched.schedules.inverse import inverse_sqrt_decay
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule
from jaxsched.schedules.wsd import warmup_stable_decay

__all__ = ["megatron_optimizer_param_scheduler", "LR_DECAY_STYLES", "WSD_DECAY_STYLES",
           "WD_INCR_STYLES"]

#: ``--lr-decay-style`` choices.
LR_DECAY_STYLES = ("constant", "linear", "cosine", "inverse-square-root", "WSD")
#: ``--lr-wsd-decay-style`` choices, and the :func:`jaxsched.warmup_stable_decay` shape of each.
WSD_DECAY_STYLES = {"exponential": "megatron_exponential", "linear": "linear", "cosine": "cosine",
                    "minus_sqrt": "minus_sqrt"}
#: ``--weight-decay-incr-style`` choices.
WD_INCR_STYLES = ("constant", "linear", "cosine")
_HYPERPARAMS = ("lr", "weight_decay")


def _less(a: Any, b: Any) -> bool:
    """``a < b`` anywhere, for concrete values (False when traced: no check possible)."""
    return _concrete(a, b) and bool(np.any(np.asarray(a) < np.asarray(b)))


def _lr_schedule(init: Any, top: Any, lo: Any, w: Any, d: Any, style: str, s: Any,
                 wsd_style: str) -> Schedule:
    """Megatron's ``get_lr`` as a function of ``num_steps``."""
    if style == "constant":
        return warmup(constant_schedule(top), w, init)
    if style == "linear":
        return warmup(linear_schedule(top, lo, d - w), w, init)
    if style == "cosine":
        return warmup(cosine_decay(top, d - w, lo), w, init)
    if style == "WSD":
        return warmup_stable_decay(top, d, w, decay_steps=s, init_value=init, end_value=lo,
                                   decay_shape=WSD_DECAY_STYLES[wsd_style])
    # inverse-square-root: max(min_lr, max_lr sqrt(max(W, 1)) / sqrt(max(n, 1))) for W < n <= D.
    # After a warmup W > 0, local time t = n - W: sqrt(W / (t + W)); without, max_lr at n = 0
    # and sqrt(1 / n) from n = 1 (the decay with timescale 1 joined at 1).
    decay = floor(inverse_sqrt_decay(top, maximum(w, 1)), lo)
    tail = join_schedules([constant_schedule(top), decay], boundary_list(_where(w > 0, 0, 1)))
    head = warmup(tail, w, init)
    return join_schedules([head, constant_schedule(lo)], boundary_list(d + 1))  # m for n > D


def _wd_schedule(start: Any, end: Any, steps: Any, style: str) -> Schedule:
    """Megatron's ``get_wd`` as a function of ``num_steps``."""
    if style == "constant":
        return constant_schedule(end)
    if style == "linear":
        return linear_schedule(start, end, steps)
    # cosine: start + (end - start)(1 + cos(pi (1 - r)))/2 = end + (start - end)(1 + cos(pi r))/2
    return cosine_decay(start, steps, end)


def _in_samples(f: Schedule, increment: Any, batch_sizes: Any) -> Schedule:
    """``f(S_k)``: ``S_k = k increment``, or the samples consumed under ``batch_sizes``."""
    if batch_sizes is not None:
        if not isinstance(batch_sizes, PiecewiseInteger):
            raise TypeError(
                "`batch_sizes` must be a jaxsched.PiecewiseInteger (e.g. jaxsched.rampup_batch_size "
                f"for Megatron's --rampup-batch-size), got {type(batch_sizes).__name__}")
        if increment != 1:
            raise ValueError(
                f"give one of `increment` ({increment!r}) and `batch_sizes`: with a batch-size "
                "schedule each iteration's increment is its batch size")
        return by_samples(f, batch_sizes)
    if _concrete(increment) and increment == 1:
        return f
    if v.is_traced(increment):
        raise TypeError("`increment` must be a concrete integer (it builds the sample clock)")
    return by_samples(f, piecewise_integer([], [increment]))


@register("megatron.OptimizerParamScheduler")
def megatron_optimizer_param_scheduler(
    max_lr: Any,
    lr_decay_steps: Any,
    lr_decay_style: str = "linear",
    init_lr: Any = 0.0,
    min_lr: Any = 0.0,
    lr_warmup_steps: Any = 0,
    wsd_decay_steps: Any = None,
    lr_wsd_decay_style: str = "exponential",
    start_wd: Any = 0.01,
    end_wd: Any = 0.01,
    wd_incr_steps: Any = None,
    wd_incr_style: str = "constant",
    increment: int = 1,
    batch_sizes: PiecewiseInteger | None = None,
    hyperparam: str = "lr",
) -> Schedule:
    r"""Megatron-LM ``OptimizerParamScheduler``: warmup, then a decay style; or its weight decay.

    With ``n = S_k`` (the samples before iteration ``k``: ``k x increment``), ``W =
    lr_warmup_steps``, ``D = lr_decay_steps``, ``P = max_lr``, ``m = min_lr``:

    .. math::
      \mathrm{lr}(n) = \begin{cases}
        I + (P - I)\, n / W, & W > 0,\ n \le W \\
        P, & \texttt{constant} \\
        m, & n > D \\
        \max\bigl(m,\ P \sqrt{\max(W, 1)} / \sqrt{\max(n, 1)}\bigr), & \texttt{inverse-square-root} \\
        m + (P - m)\, c(r), & r = (n - W) / (D - W)
      \end{cases}

    with ``c = 1 - r`` (``linear``), ``(1 + cos(pi r)) / 2`` (``cosine``), and for ``WSD``
    ``c = 1`` up to ``A = D - wsd_decay_steps``, then of ``q = (n - A) / wsd_decay_steps``:
    ``1 - q`` (``linear``), ``(1 + cos(pi q)) / 2`` (``cosine``), ``2 * 0.5**q - 1``
    (``exponential``), ``1 - sqrt(q)`` (``minus_sqrt``). The weight decay
    (``hyperparam="weight_decay"``) is ``end_wd`` for ``n > wd_incr_steps`` or ``constant``,
    else ``start_wd + (end_wd - start_wd) c``, ``c = n / wd_incr_steps`` (``linear``) or
    ``(1 + cos(pi (1 - n / wd_incr_steps))) / 2`` (``cosine``). Built as :func:`jaxsched.warmup`
    of :func:`jaxsched.linear_schedule` / :func:`jaxsched.cosine_decay` /
    :func:`jaxsched.inverse_sqrt_decay`, or :func:`jaxsched.warmup_stable_decay`, on the sample
    clock of :func:`jaxsched.by_samples` when ``increment > 1``.

    Args:
      max_lr: ``P >= min_lr``, the peak lr (``--lr``).
      lr_decay_steps: ``D > 0`` in ``num_steps`` units (samples; ``--lr-decay-iters`` x global
        batch size, ``--lr-decay-samples``; default ``--train-iters``/``--train-samples``).
      lr_decay_style: ``"constant"``, ``"linear"`` (Megatron's default), ``"cosine"``,
        ``"inverse-square-root"`` or ``"WSD"``.
      init_lr: ``I <= max_lr``, the lr at ``n = 0`` of the warmup (``--lr-warmup-init``).
      min_lr: ``m >= 0`` (``--min-lr``).
      lr_warmup_steps: ``0 <= W < D`` (``num_steps`` units; may be fractional, as
        ``--lr-warmup-fraction x D`` is).
      wsd_decay_steps: the WSD decay length (``--lr-wsd-decay-iters`` x global batch size or
        ``--lr-wsd-decay-samples``), required for ``WSD``, at most ``D - W``.
      lr_wsd_decay_style: ``"exponential"`` (default), ``"linear"``, ``"cosine"``, ``"minus_sqrt"``.
      start_wd, end_wd: ``0 <= start_wd <= end_wd`` (``--start-weight-decay``,
        ``--end-weight-decay``; both ``--weight-decay``, default 0.01, for ``constant``).
      wd_incr_steps: the increment's length (``--train-iters`` x global batch size or
        ``--train-samples``); required (``> 0``) for a non-constant ``wd_incr_style``.
      wd_incr_style: ``"constant"`` (default), ``"linear"`` or ``"cosine"``.
      increment: samples per iteration (Megatron's global batch size), ``>= 1``, concrete.
      batch_sizes: the global batch size per iteration, a :class:`jaxsched.PiecewiseInteger`
        (e.g. :func:`jaxsched.rampup_batch_size`), instead of a constant ``increment``.
      hyperparam: ``"lr"`` (default) or ``"weight_decay"`` (given by ``from_config``).

    Returns:
      The schedule of iteration ``k``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "megatron.OptimizerParamScheduler", "params": {
      ...     "max_lr": 1.0, "min_lr": 0.1, "lr_warmup_steps": 2, "lr_decay_steps": 6,
      ...     "lr_decay_style": "linear"}})
      >>> [round(float(x), 3) for x in s.evaluate(np.arange(8), np)]
      [0.0, 0.5, 1.0, 0.775, 0.55, 0.325, 0.1, 0.1]

    Equivalents:
      NeMo ``CosineAnnealing`` with ``constant_steps`` (Megatron's cosine, in iterations);
      :func:`jaxsched.warmup_stable_decay` (``decay_shape="megatron_exponential"``).
    """
    which = v.choice("hyperparam", hyperparam, _HYPERPARAMS)
    style = v.choice("lr_decay_style", lr_decay_style, LR_DECAY_STYLES)
    wsd_style = v.choice("lr_wsd_decay_style", lr_wsd_decay_style, tuple(WSD_DECAY_STYLES))
    wd_style = v.choice("wd_incr_style", wd_incr_style, WD_INCR_STYLES)
    inc = v.integer("increment", increment, ge=1, hint=" (samples per iteration)")
    top = v.real("max_lr", max_lr, ge=0, hint=" (--lr)")
    lo = v.real("min_lr", min_lr, ge=0, hint=" (Megatron asserts min_lr >= 0)")
    init = v.real("init_lr", init_lr, hint=" (--lr-warmup-init)")
    if _less(top, lo):
        raise ValueError(f"`max_lr` must be >= min_lr ({lo!r}), got {top!r} (Megatron asserts it)")
    if _less(top, init):
        raise ValueError(f"`init_lr` must be <= max_lr ({top!r}), got {init!r} (Megatron asserts it)")
    d = v.integer("lr_decay_steps", lr_decay_steps, gt=0, hint=" (Megatron asserts lr_decay_steps > 0)")
    w = v.real("lr_warmup_steps", lr_warmup_steps, ge=0)
    if _concrete(w, d) and not _less(w, d):
        raise ValueError(
            f"`lr_warmup_steps` must be < lr_decay_steps ({d!r}), got {w!r} (Megatron asserts it)")
    # both lengths are checked whatever the styles use (None: Megatron's "not given" default)
    v.integer("wsd_decay_steps", wsd_decay_steps, ge=0, allow_none=True)
    v.integer("wd_incr_steps", wd_incr_steps, ge=0, allow_none=True)
    s = None
    if style == "WSD":
        if wsd_decay_steps is None:
            raise ValueError("`wsd_decay_steps` is required for lr_decay_style='WSD' (Megatron "
                             "asserts it: --lr-wsd-decay-iters or --lr-wsd-decay-samples)")
        s = v.integer("wsd_decay_steps", wsd_decay_steps, ge=0)
        if _less(d - w, s):
            raise ValueError(
                f"`wsd_decay_steps` must be <= lr_decay_steps - lr_warmup_steps ({d - w!r}), got "
                f"{s!r}: Megatron would then jump from max_lr to the decayed lr right after warmup")
    a = v.real("start_wd", start_wd, ge=0, hint=" (Megatron asserts start_wd >= 0)")
    b = v.real("end_wd", end_wd, hint=" (--end-weight-decay)")
    if _less(b, a):
        raise ValueError(f"`end_wd` must be >= start_wd ({a!r}), got {b!r} (Megatron asserts it)")
    if wd_style == "constant":
        if _concrete(a, b) and bool(np.any(np.asarray(a) != np.asarray(b))):
            raise ValueError(
                f"`start_wd` ({a!r}) must equal end_wd ({b!r}) for wd_incr_style='constant' "
                "(Megatron asserts it; give --weight-decay only)")
        steps = None
    else:
        if wd_incr_steps is None:
            raise ValueError(f"`wd_incr_steps` is required for wd_incr_style={wd_style!r} "
                             "(Megatron passes --train-iters x global batch or --train-samples)")
        steps = v.integer("wd_incr_steps", wd_incr_steps, gt=0,
                          hint=" (Megatron divides by it at step(0))")
    if which == "weight_decay":
        f = _wd_schedule(a, b, steps, wd_style)
    else:
        f = _lr_schedule(init, top, lo, w, d, style, s, wsd_style)
    return _in_samples(f, inc, batch_sizes)

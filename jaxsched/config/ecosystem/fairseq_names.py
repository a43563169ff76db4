"""fairseq's lr schedulers by their ``--lr-scheduler`` names: ``fairseq.<name>``.

Parameters are the fields of each scheduler's config dataclass (``fairseq/optim/lr_scheduler/
*.py``), with fairseq's names (``warmup_updates``, ``warmup_init_lr``, ``lr_shrink``, and the
misspelt ``lr_deacy_period`` of ``step``) and defaults, plus ``lr``: fairseq's
``optimization.lr`` (``--lr``), a number or a list (fairseq parses ``--lr 5e-4`` as ``[5e-4]``).
Fields that fairseq interpolates from ``optimization.max_update`` (``total_num_update``,
``max_update``) are plain parameters here. An argument list or namespace loads through
:func:`jaxsched.config.frameworks.fairseq_config` (and ``from_config``).

**Step convention** (fairseq ``trainer.py``, reproduced as of commit ``3d262bb``): the trainer
calls ``step_update(0)`` right after building the scheduler, and ``set_num_updates(n)`` calls
``step_update(n)`` after each optimizer update (``n`` updates done); ``begin_epoch(e)`` calls
``step_begin_epoch(e)`` and then ``step_update(num_updates)`` again. So update ``k`` (0-based)
runs with the lr of ``step_update(k)``: count ``k`` here is fairseq's ``num_updates`` before the
update, and an epoch-based lr (``fixed``'s list, ``force_anneal``) changes at the first update of
the epoch. Epochs are counted from 1, as in fairseq; names that depend on them take
``updates_per_epoch`` (a jaxsched parameter: update ``k`` is in epoch ``1 + k // U``).

Quirks reproduced: ``fixed``'s warmup ``(k + 1) / W`` (update 0 already moves); the warmup of
``inverse_sqrt``, ``cosine``, ``tri_stage`` and ``step`` from ``warmup_init_lr`` reaching ``lr``
at ``W``; ``polynomial_decay``'s warmup ``k / W`` (update 0 uses lr 0); ``cosine``'s ``lr_shrink``
scales both the peak and ``min_lr`` of restart ``i`` by ``lr_shrink**i`` and ``min_lr > lr`` is
silently lowered to ``lr``; ``triangular``'s floor is not shrunk unless ``shrink_min`` (its peak
``max_lr * lr_shrink**c`` may fall below it). Deliberate differences, each raising instead:
configurations where fairseq divides by zero or fails an ``assert`` (``inverse_sqrt`` with
``warmup_updates=0``, ``tri_stage`` with no decay steps or ``final_lr_scale <= 0``, ``cosine``
without a period), ``polynomial_decay`` with ``force_anneal`` or an ``lr`` list (fairseq re-peaks
the decay from the current lr at each epoch, a product over epoch boundaries), ``cosine``'s
``t_mult < 1`` (fairseq's ``log`` fails after the finite horizon), ``step``'s ``lr_decay < 0``.
fairseq locates ``cosine`` restarts with a float ``log``, which can misplace an exact restart
step when ``t_mult != 1``; jaxsched locates them exactly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jaxsched.compose import add, floor, product, repeat
from jaxsched.compose.warmup import warmup
from jaxsched.config.ecosystem.deepspeed_names import maximum
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import boundary_list, join_schedules
from jaxsched.schedules.cosine import cosine_decay
from jaxsched.schedules.decay import piecewise_constant_values, step_decay
from jaxsched.schedules.exponential import exponential_decay
from jaxsched.schedules.inverse import inverse_sqrt_decay
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule, polynomial_schedule
from jaxsched.training.plateau import PlateauSchedule, plateau_config

__all__ = [
    "fairseq_fixed", "fairseq_inverse_sqrt", "fairseq_polynomial_decay", "fairseq_cosine",
    "fairseq_tri_stage", "fairseq_triangular", "fairseq_step", "fairseq_reduce_lr_on_plateau",
    "fairseq_pass_through",
]


# ---------------------------------------------------------------------------------- helpers
def _concrete(*xs: Any) -> bool:
    return not any(v.is_traced(x) for x in xs)


def _where(cond: Any, a: Any, b: Any) -> Any:
    """``a if cond else b`` for concrete values, ``jnp.where`` for traced ones."""
    if _concrete(cond, a, b) and np.ndim(cond) == 0 and not isinstance(cond, np.ndarray):
        return a if cond else b
    import jax.numpy as jnp

    return jnp.where(cond, a, b)


def floor_int(x: Any) -> Any:
    """Python's ``int(x)`` / ``math.floor`` of a concrete non-negative real, ``jnp.floor`` traced."""
    if _concrete(x) and np.ndim(x) == 0:
        return int(math.floor(float(x)))
    if _concrete(x):
        return np.floor(np.asarray(x, np.float64)).astype(np.int64)
    import jax.numpy as jnp

    return jnp.floor(x)


def _lrs(lr: Any) -> list:
    """fairseq's ``optimization.lr`` as a list (``--lr 5e-4`` is ``[5e-4]``)."""
    if isinstance(lr, (list, tuple)):
        if not lr:
            raise ValueError("`lr` must hold at least one learning rate, got []")
        return [v.real(f"lr[{i}]", x, ge=0) for i, x in enumerate(lr)]
    return [v.real("lr", lr, ge=0, hint=" (fairseq's --lr)")]


def _one_lr(name: str, lr: Any) -> Any:
    """The single lr of schedulers that refuse a per-epoch list, with fairseq's message."""
    lrs = _lrs(lr)
    if len(lrs) > 1:
        raise ValueError(
            f"`lr` must be one learning rate for fairseq.{name}, got {len(lrs)} values {lrs!r}: "
            f"fairseq raises 'Cannot use a fixed learning rate schedule with {name}. Consider "
            "--lr-scheduler=fixed instead.'"
        )
    return lrs[0]


def _init_lr(warmup_init_lr: Any, default: Any) -> Any:
    """``warmup_init_lr``, or ``default`` where it is negative (fairseq's -1 means 'unset')."""
    x = v.real("warmup_init_lr", warmup_init_lr, hint=" (a negative value means fairseq's default)")
    return _where(x < 0, default, x)


def _warmup_updates(x: Any) -> Any:
    return v.integer("warmup_updates", x, ge=0)


def _check_epochs(updates_per_epoch: Any) -> None:
    """``updates_per_epoch`` checked where the configuration does not use it (None: not given)."""
    v.integer("updates_per_epoch", updates_per_epoch, gt=0, allow_none=True)


def _epochs(updates_per_epoch: Any, why: str) -> Any:
    if updates_per_epoch is None:
        raise ValueError(
            f"`updates_per_epoch` is required {why}: fairseq changes the lr at epoch boundaries, "
            "and a jaxsched schedule counts optimizer updates (update k is in epoch 1 + k // U)"
        )
    return v.integer("updates_per_epoch", updates_per_epoch, gt=0)


# ---------------------------------------------------------------------------------- names
@register("fairseq.fixed")
def fairseq_fixed(
    lr: Any = 0.25,
    force_anneal: Any = None,
    lr_shrink: Any = 0.1,
    warmup_updates: Any = 0,
    updates_per_epoch: Any = None,
) -> Schedule:
    r"""fairseq ``fixed``: the lr of epoch ``e`` (from ``lr``'s list), times a warmup factor.

    Epoch ``e`` (1-based, ``e = 1 + k // U``, ``U = updates_per_epoch``) uses ``lr[min(e - 1,
    L - 1)]`` before ``force_anneal`` and ``lr[-1] * lr_shrink**(e + 1 - force_anneal)`` from
    epoch ``force_anneal`` on (already one shrink at that epoch, as in fairseq). Update ``k``
    uses that lr times ``(k + 1) / W`` while ``k < W = warmup_updates`` (update 0 moves; ``W =
    0``: no warmup). A single lr without ``force_anneal`` needs no ``updates_per_epoch``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "fairseq.fixed", "params": {
      ...     "lr": [1.0, 0.5], "force_anneal": 3, "updates_per_epoch": 2, "warmup_updates": 4}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(8), np)]
      [0.25, 0.5, 0.375, 0.5, 0.05, 0.05, 0.005, 0.005]
    """
    lrs = _lrs(lr)
    w = _warmup_updates(warmup_updates)
    shrink = v.real("lr_shrink", lr_shrink, ge=0)
    _check_epochs(updates_per_epoch)
    fa = v.integer("force_anneal", force_anneal, ge=0, allow_none=True)
    if fa is not None and v.is_traced(fa):
        raise TypeError("`force_anneal` must be a concrete integer (it sets the number of pieces)")
    if len(lrs) == 1 and fa is None:
        base: Schedule = constant_schedule(lrs[0])
    else:
        u = _epochs(updates_per_epoch, "with an `lr` list or `force_anneal`")
        first = None if fa is None else max(fa - 1, 0)  # the first annealed epoch, 0-based
        listed = len(lrs) if first is None else min(len(lrs), first)
        pieces: list[Schedule] = []
        if listed:  # epoch j < first uses lr[min(j, L - 1)]
            bounds = [u * j for j in range(1, listed)]
            pieces.append(piecewise_constant_values(bounds, lrs[:listed]) if bounds
                          else constant_schedule(lrs[0]))
        if first is not None:  # epoch j >= first: lr[-1] * shrink**(j + 2 - force_anneal)
            pieces.append(step_decay(lrs[-1] * shrink ** (first + 2 - fa), u, shrink))
        base = pieces[0] if len(pieces) == 1 else join_schedules(pieces, [u * first])
    ramp = warmup(1.0, maximum(w - 1, 0), skip_zero=True)
    return base if (_concrete(w) and w == 0) else product([base, ramp])


@register("fairseq.inverse_sqrt")
def fairseq_inverse_sqrt(lr: Any = 0.25, warmup_updates: Any = 4000, warmup_init_lr: Any = -1) -> Schedule:
    r"""fairseq ``inverse_sqrt``: linear warmup from ``warmup_init_lr``, then ``lr sqrt(W / k)``.

    ``k < W``: ``init + k (lr - init) / W`` (``init = warmup_init_lr``, 0 when negative);
    ``k >= W``: ``lr sqrt(W) / sqrt(k)``. That is :func:`jaxsched.inverse_sqrt_decay` ``(lr,
    timescale=W, warmup_steps=W, warmup_init_value=init)``. fairseq divides by zero for
    ``warmup_updates=0``: jaxsched raises.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "fairseq.inverse_sqrt", "params": {
      ...     "lr": 1.0, "warmup_updates": 4}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(0, 20, 4), np)]
      [0.0, 1.0, 0.7071, 0.5774, 0.5]
    """
    top = _one_lr("inverse_sqrt", lr)
    w = v.integer("warmup_updates", warmup_updates, gt=0,
                  hint=" (fairseq divides by zero for warmup_updates=0)")
    return inverse_sqrt_decay(top, w, w, _init_lr(warmup_init_lr, 0.0))


@register("fairseq.polynomial_decay")
def fairseq_polynomial_decay(
    total_num_update: Any,
    lr: Any = 0.25,
    warmup_updates: Any = 0,
    force_anneal: Any = None,
    end_learning_rate: Any = 0.0,
    power: Any = 1.0,
) -> Schedule:
    r"""fairseq ``polynomial_decay``: warmup ``lr k / W``, then a polynomial to ``end_learning_rate``.

    ``0 < k <= W``: ``lr k / W`` (update 0 uses 0 when ``W > 0``); ``W < k < N``:
    ``E + (lr - E) (1 - (k - W) / (N - W))**power``; ``k >= N``: ``E`` (``N =
    total_num_update``, fairseq's default ``--max-update``; ``E = end_learning_rate``). A
    ``linear_schedule(0, lr, W)`` joined at ``W`` with ``polynomial_schedule(lr, E, power,
    max(N - W, 1))``, then ``E`` from ``max(N, W + 1)`` (also for ``power=0``). ``force_anneal``
    and an ``lr`` list (epoch-dependent peaks) are refused.
    """
    if force_anneal is not None:
        raise ValueError(
            f"`force_anneal` is not supported for fairseq.polynomial_decay (got {force_anneal!r}): "
            "fairseq then restarts the decay from the current lr at every epoch, which compounds "
            "over epoch boundaries; leave force_anneal=None"
        )
    lrs = _lrs(lr)
    if len(lrs) > 1:
        raise ValueError(
            f"`lr` must be one learning rate for fairseq.polynomial_decay, got {lrs!r}: fairseq "
            "uses lr[min(epoch, len - 1)] per epoch (lr[1] in epoch 1), which jaxsched does not map"
        )
    top = lrs[0]
    w = _warmup_updates(warmup_updates)
    n = v.integer("total_num_update", total_num_update, gt=0,
                  hint=" (fairseq asserts total_num_update > 0; it defaults to --max-update)")
    end = v.real("end_learning_rate", end_learning_rate)
    p = v.real("power", power, ge=0)
    decay = polynomial_schedule(top, end, p, maximum(n - w, 1))
    pieces = [linear_schedule(0.0, top, w), decay, constant_schedule(end)]  # E from N (power 0 too)
    return join_schedules(pieces, boundary_list(w, maximum(n, w + 1)))


@register("fairseq.cosine")
def fairseq_cosine(
    lr: Any = 0.25,
    max_update: Any = None,
    warmup_updates: Any = 0,
    warmup_init_lr: Any = -1,
    min_lr: Any = 0.0,
    t_mult: Any = 1.0,
    lr_period_updates: Any = -1,
    lr_shrink: Any = 0.1,
) -> Schedule:
    r"""fairseq ``cosine``: warmup, then SGDR cycles growing by ``t_mult``, shrunk by ``lr_shrink``.

    ``k < W``: ``init + k (lr - init) / W`` (``init = warmup_init_lr``, ``min_lr`` when
    negative). From ``W``, cycle ``i`` lasts ``P t_mult**i`` updates (``P =
    lr_period_updates``, or ``max_update - W`` when ``<= 0``) and gives
    ``s_i (min_lr + (lr - min_lr) (1 + cos(pi t_cur / t_i)) / 2)``, ``s_i = lr_shrink**i``:
    ``repeat(cosine_decay(lr, P, min_lr), P, t_mult, lr_shrink, stretch=True)`` after
    ``warmup(..., W, init)``. ``min_lr > lr`` is lowered to ``lr``, as fairseq does.
    """
    top = _one_lr("cosine", lr)
    w = _warmup_updates(warmup_updates)
    lo = v.real("min_lr", min_lr)
    lo = _where(top < lo, top, lo)
    init = _init_lr(warmup_init_lr, lo)
    m = v.real("t_mult", t_mult, ge=1, hint=" (fairseq's log fails past the horizon of t_mult < 1)")
    shrink = v.real("lr_shrink", lr_shrink, ge=0)
    period = v.real("lr_period_updates", lr_period_updates, hint=" (<= 0: max_update - warmup_updates)")
    mu = v.integer("max_update", max_update, ge=0, allow_none=True)
    if _concrete(period) and np.ndim(period) == 0 and period <= 0:
        if mu is None or (_concrete(mu) and mu <= 0):
            raise ValueError(
                "`max_update` must be > 0 when `lr_period_updates` <= 0, got "
                f"max_update={mu!r}, lr_period_updates={period!r} (fairseq: 'Either --max_update "
                "or --lr-period-updates must be set')"
            )
        period = mu - w
        if _concrete(period) and period <= 0:
            raise ValueError(
                f"`max_update` must be > warmup_updates ({w!r}) when lr_period_updates <= 0, got "
                f"{mu!r}: the cosine period max_update - warmup_updates would be {period!r}"
            )
    child = cosine_decay(top, period, lo)
    return warmup(repeat(child, period, m, shrink, stretch=True), w, init)


@register("fairseq.tri_stage")
def fairseq_tri_stage(
    lr: Any = 0.25,
    warmup_steps: Any = 0,
    hold_steps: Any = 0,
    decay_steps: Any = 0,
    phase_ratio: Any = None,
    init_lr_scale: Any = 0.01,
    final_lr_scale: Any = 0.01,
    max_update: Any = None,
) -> Schedule:
    r"""fairseq ``tri_stage``: linear warmup, hold, exponential decay, then held at the final lr.

    ``k < W``: ``a lr + k (lr - a lr) / W`` (``a = init_lr_scale``); ``W <= k < W + H``: ``lr``;
    ``W + H <= k <= W + H + D``: ``lr exp(log(f) (k - W - H) / D)`` (``f = final_lr_scale``);
    then ``f lr``. With ``phase_ratio = (r_w, r_h, r_d)`` (summing to 1), ``W, H, D =
    int(max_update * r)``. fairseq divides by zero for ``D = 0`` and takes ``log(f)``: both are
    refused (``D > 0``, ``f > 0``).
    """
    top = _one_lr("tri_stage", lr)
    a = v.real("init_lr_scale", init_lr_scale)
    f = v.real("final_lr_scale", final_lr_scale, gt=0, hint=" (fairseq takes log(final_lr_scale))")
    # the step counts are checked even when phase_ratio replaces them (fairseq's config types
    # them int = 0 whatever phase_ratio says)
    w = v.integer("warmup_steps", warmup_steps, ge=0)
    h = v.integer("hold_steps", hold_steps, ge=0)
    d = v.integer("decay_steps", decay_steps, ge=0)
    if phase_ratio is not None:
        if not isinstance(phase_ratio, (list, tuple)) or len(phase_ratio) != 3:
            raise ValueError(
                f"`phase_ratio` must be 3 fractions (warmup, hold, decay), got {phase_ratio!r}")
        r = [v.real(f"phase_ratio[{i}]", x, ge=0) for i, x in enumerate(phase_ratio)]
        if max_update is None:
            raise ValueError("`max_update` is required with `phase_ratio` (fairseq asserts max_update > 0)")
        mu = v.integer("max_update", max_update, gt=0,
                       hint=" (phase_ratio is a fraction of max_update)")
        if _concrete(*r) and sum(float(x) for x in r) != 1:
            raise ValueError(f"`phase_ratio` must add up to 1.0, got {phase_ratio!r} (fairseq asserts it)")
        w, h, d = (floor_int(mu * x) for x in r)
    if _concrete(d) and np.ndim(d) == 0 and d <= 0:
        raise ValueError(
            f"`decay_steps` must be > 0, got {d!r} (fairseq divides by decay_steps; with "
            "`phase_ratio`, int(max_update * phase_ratio[2]) must be > 0)"
        )
    decay = exponential_decay(top, d, f, end_value=f * top)
    pieces = [linear_schedule(a * top, top, w), constant_schedule(top), decay]
    return join_schedules(pieces, boundary_list(w, w + h))


@register("fairseq.triangular")
def fairseq_triangular(
    max_lr: Any,
    lr: Any = 0.25,
    lr_period_updates: Any = 5000,
    lr_shrink: Any = 0.1,
    shrink_min: bool = False,
) -> Schedule:
    r"""fairseq ``triangular``: a triangle ``lr -> max_lr -> lr`` every ``2 S`` updates.

    ``S = lr_period_updates // 2``; cycle ``c = k // (2 S)``; ``lr_k = m_c + (max_lr s_c - m_c)
    max(0, 1 - |k / S - 2 c - 1|)`` with ``s_c = lr_shrink**c`` and ``m_c = lr`` (``lr s_c``
    with ``shrink_min``). Update 0 uses ``lr``. With ``shrink_min`` a :func:`jaxsched.repeat` of
    the triangle decayed by ``lr_shrink`` per cycle; without, the sum of the repeated falling part
    ``lr (1 - tri)`` and the decayed rising part ``max_lr s_c tri``.
    """
    lo = _one_lr("triangular", lr)
    hi = v.real("max_lr", max_lr)
    if _concrete(hi, lo) and np.any(np.asarray(hi) <= np.asarray(lo)):
        raise ValueError(f"`max_lr` must be > lr ({lo!r}), got {hi!r} (fairseq asserts it)")
    period = v.real("lr_period_updates", lr_period_updates, ge=2,
                    hint=" (fairseq divides by lr_period_updates // 2)")
    s = floor_int(period / 2)
    shrink = v.real("lr_shrink", lr_shrink, ge=0)
    smin = v.boolean("shrink_min", shrink_min)
    def triangle(a: Any, b: Any) -> Schedule:  # a -> b -> a over 2 S
        return join_schedules([linear_schedule(a, b, s), linear_schedule(b, a, s)], boundary_list(s))

    if smin:
        return repeat(triangle(lo, hi), 2 * s, 1, shrink)
    # lr (1 - tri) + max_lr s_c tri: two positive terms (no cancellation in float32)
    return add([repeat(triangle(lo, 0.0), 2 * s), repeat(triangle(0.0, hi), 2 * s, 1, shrink)])


@register("fairseq.step")
def fairseq_step(
    lr: Any = 0.25,
    warmup_updates: Any = 0,
    warmup_init_lr: Any = -1,
    min_lr: Any = 0.0,
    lr_deacy_period: Any = 25000,
    lr_decay: Any = 0.5,
) -> Schedule:
    r"""fairseq ``step``: warmup, then ``max(lr * lr_decay**((k - W) // lr_deacy_period), min_lr)``.

    ``k < W``: ``init + k (lr - init) / W`` (``init = warmup_init_lr``, ``min_lr`` when
    negative). ``lr_deacy_period`` keeps fairseq's spelling. fairseq takes ``lr[0]`` of a list
    (reproduced) and asserts ``lr > min_lr >= 0``, ``lr_decay <= 1``, ``lr_deacy_period > 0``;
    jaxsched also requires ``lr_decay >= 0``.
    """
    top = _lrs(lr)[0]
    w = _warmup_updates(warmup_updates)
    lo = v.real("min_lr", min_lr, ge=0)
    if _concrete(top, lo) and np.any(np.asarray(top) <= np.asarray(lo)):
        raise ValueError(f"`lr` must be > min_lr ({lo!r}), got {top!r} (fairseq asserts it)")
    period = v.integer("lr_deacy_period", lr_deacy_period, gt=0)
    rate = v.real("lr_decay", lr_decay, ge=0, le=1)
    init = _init_lr(warmup_init_lr, lo)
    return warmup(floor(step_decay(top, period, rate), lo), w, init)


@register("fairseq.reduce_lr_on_plateau")
def fairseq_reduce_lr_on_plateau(
    lr: Any = 0.25,
    lr_shrink: Any = 0.1,
    lr_threshold: Any = 1e-4,
    lr_patience: Any = 0,
    warmup_updates: Any = 0,
    warmup_init_lr: Any = -1,
    maximize_best_checkpoint_metric: bool = False,
    updates_per_epoch: Any = None,
) -> PlateauSchedule:
    r"""fairseq ``reduce_lr_on_plateau``: a linear warmup, then torch's ``ReduceLROnPlateau``.

    The schedule is ``init + k (lr - init) / W`` for ``k <= W`` (``init = warmup_init_lr``, 0 when
    negative and ``W > 0``), then ``lr``; the plateau is torch's (``factor=lr_shrink``,
    ``patience=lr_patience``, ``threshold=lr_threshold``, ``mode="max"`` with
    ``maximize_best_checkpoint_metric``, else ``"min"``), fed the validation loss once per epoch
    (fairseq's ``lr_step(epoch, val_loss)``). fairseq ignores the metric at the end of every
    epoch that ends inside the warmup (``e U <= W``): the plateau skips those
    ``W // updates_per_epoch`` reports (``updates_per_epoch`` is required when ``W > 0``).
    Returns a :class:`jaxsched.PlateauSchedule` (see ``torch.ReduceLROnPlateau``).
    """
    top = _one_lr("reduce_lr_on_plateau", lr)
    if _concrete(top) and np.any(np.asarray(top) <= 0):
        raise ValueError(f"`lr` must be > 0 for a plateau schedule, got {top!r}")
    w = _warmup_updates(warmup_updates)
    _check_epochs(updates_per_epoch)
    maximize = v.boolean("maximize_best_checkpoint_metric", maximize_best_checkpoint_metric)
    skip: Any = 0
    if not (_concrete(w) and w == 0):
        skip = floor_int(w / _epochs(updates_per_epoch, "when warmup_updates > 0"))
    init = _init_lr(warmup_init_lr, _where(w > 0, 0.0, top))
    schedule = linear_schedule(init, top, w)
    with v.renamed({"factor": "lr_shrink", "patience": "lr_patience", "threshold": "lr_threshold"}):
        plateau = plateau_config(lr_shrink, lr_patience, lr_threshold, "rel", 0,
                                 "max" if maximize else "min", min_lr=0.0, base_lr=top,
                                 semantics="torch", skip=skip)
    return PlateauSchedule(schedule, plateau)


@register("fairseq.pass_through")
def fairseq_pass_through(lr_scheduler: Any) -> Any:
    r"""fairseq ``pass_through``: the optimizer's own scheduler, given as ``lr_scheduler``.

    fairseq delegates to ``optimizer.lr_scheduler`` (its ``composite`` optimizer, one scheduler
    per parameter group). Here ``lr_scheduler`` is that scheduler's config (or schedule), and
    the result is its schedule: for several groups, load each group's scheduler config.
    """
    if isinstance(lr_scheduler, (Schedule, PlateauSchedule)) or (
        isinstance(lr_scheduler, list) and all(isinstance(s, Schedule) for s in lr_scheduler)
    ):
        return lr_scheduler
    raise TypeError(
        "`lr_scheduler` must be the delegated scheduler's config {'type': ..., 'params': ...} "
        f"(or a schedule), got {type(lr_scheduler).__name__}"
    )

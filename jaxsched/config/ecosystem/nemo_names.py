"""NeMo's lr schedulers by their ``optim.sched.name``: ``nemo.<Name>``.

Parameters are each class's keyword arguments with NeMo's defaults (``nemo/core/optim/
lr_scheduler.py``), plus ``lr``: the optimizer's lr (``optim.lr``; NeMo's ``base_lrs``; default
1.0, the schedule is then a multiplier of it). A whole ``optim`` block (with its ``sched``), or a
model config holding ``model.optim`` and ``trainer.max_steps``, loads through
:func:`jaxsched.config.frameworks.nemo_config` (and ``from_config``).

**Step convention** (reproduced as of NeMo commit ``8cfedd7``): each scheduler is a torch
``_LRScheduler`` that writes ``get_lr()`` at ``last_epoch = 0`` when built and is stepped after
every optimizer update (Lightning ``interval="step"``; ``ExponentialLR`` and
``ReduceLROnPlateau`` are stepped per epoch). So update ``k`` uses the formula at step ``k``,
the clean convention: count ``k`` is NeMo's ``last_epoch``.

**Resolution rules.** ``W = warmup_steps``, else ``int(warmup_ratio * max_steps)``, else 0
(giving both raises, as NeMo asserts; a ratio needs ``max_steps``); hold and constant steps
likewise (``hold_steps`` counts after the warmup). ``prepare_lr_scheduler`` always passes
``max_steps`` (``trainer.max_steps``; -1 builds no scheduler at all).

**Quirks reproduced.** NeMo's warmup is ``lr (k + 1) / (W + 1)`` for ``k <= W`` (update 0
already moves; ``lr`` at ``k = W``), except ``CosineAnnealing`` with ``constant_steps > 0``,
which switches to Megatron's form: ``lr k / W`` (update 0 uses 0), a cosine over ``max_steps -
W - constant_steps`` updates, then ``min_lr`` for the ``constant_steps`` at the *end*. Every
name but ``NoamAnnealing`` drops to ``min_lr`` after ``max_steps`` (``WarmupPolicy``,
``InverseSquareRootAnnealing`` and ``T5InverseSquareRootAnnealing`` jump there); a warmup or hold
longer than ``max_steps`` still runs first. ``SquareRootAnnealing`` decays from step 0 (its
value right after the warmup is below ``lr``). ``T5InverseSquareRootAnnealing`` ignores the
optimizer's lr (``1 / sqrt(max(k, constant_steps))``) and crashes with ``constant_ratio``.
``NoamAnnealing`` evaluates ``max(1, k)`` (updates 0 and 1 share a value). ``PolynomialDecayAnnealing``'s
``cycle`` has no effect (the decay never passes ``max_steps``); ``PolynomialHoldDecayAnnealing``
without a hold decays from step 0 over ``max_steps - W`` (a drop after the warmup).
``WarmupHoldPolicy`` is ``WarmupPolicy`` (its hold is the same constant).
``CosineAnnealing`` with ``constant_steps``, and ``WarmupAnnealing``, use the first group's lr for
every group. Deliberate differences, each raising at construction: configurations where NeMo
divides by zero at some update (``max_steps == warmup_steps == 0`` and the like), raises or fails
an assert at its first steps (``lr < min_lr``; ``NoamHoldAnnealing`` without warmup),
``PolynomialHoldDecayAnnealing(cycle=True)`` without a hold but with a warmup (not mapped),
``last_epoch != -1`` (resume by restoring the optimizer count).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from jaxsched.compose import floor
from jaxsched.compose.warmup import warmup
from jaxsched.config.ecosystem import plateau_names, torch_cyclic, torch_names  # noqa: F401
from jaxsched.config.ecosystem.deepspeed_names import maximum
from jaxsched.config.ecosystem.fairseq_names import _concrete, _where, floor_int
from jaxsched.core import validate as v
from jaxsched.core.registry import lookup, register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import boundary_list, join_schedules
from jaxsched.schedules.cosine import cosine_decay
from jaxsched.schedules.decay import step_decay
from jaxsched.schedules.inverse import inverse_power_decay, inverse_sqrt_decay
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule, polynomial_schedule

__all__ = [
    "nemo_warmup_policy", "nemo_warmup_hold_policy", "nemo_square_annealing",
    "nemo_square_root_annealing", "nemo_cosine_annealing", "nemo_noam_annealing",
    "nemo_noam_hold_annealing", "nemo_warmup_annealing", "nemo_inverse_square_root_annealing",
    "nemo_t5_inverse_square_root_annealing", "nemo_polynomial_decay_annealing",
    "nemo_polynomial_hold_decay_annealing", "nemo_exponential_lr", "TORCH_REEXPORTS",
]

#: The torch schedulers NeMo's registry re-exports, stepped per update (``ExponentialLR`` is
#: stepped per epoch: ``nemo.ExponentialLR``).
TORCH_REEXPORTS = ("StepLR", "CyclicLR", "ReduceLROnPlateau")


# ---------------------------------------------------------------------------------- helpers
def _is(x: Any, test: Any) -> bool:
    """``test(x)`` for a concrete scalar, False for a traced one (no check possible)."""
    return _concrete(x) and np.ndim(x) == 0 and bool(test(x))


def _fresh(last_epoch: Any) -> None:
    e = v.integer("last_epoch", last_epoch)
    if v.is_traced(e) or e != -1:
        raise ValueError(
            f"`last_epoch` must be -1 (a fresh scheduler), got {e!r}; a jaxsched schedule is a "
            "function of the optimizer count: to resume, restore the optimizer state (its count)"
        )


def _lr(lr: Any) -> Any:
    return v.real("lr", lr, ge=0, hint=" (the optimizer's lr, optim.lr)")


def _max_steps(max_steps: Any, required: bool = True) -> Any:
    if max_steps is None and not required:
        return None
    if max_steps is None:
        raise ValueError("`max_steps` is required (NeMo passes trainer.max_steps), got None")
    return v.integer("max_steps", max_steps, ge=0,
                     hint=" (NeMo builds no scheduler for max_steps=-1: the lr stays optim.lr)")


def _steps_or_ratio(kind: str, steps: Any, ratio: Any, m: Any) -> Any:
    """``steps``, else ``int(ratio * max_steps)``, else 0, as NeMo resolves them."""
    if steps is not None and ratio is not None:
        raise ValueError(
            f"give one of `{kind}_steps` and `{kind}_ratio`, got both ({steps!r}, {ratio!r}); NeMo "
            "asserts 'Either use particular number of step or ratio'"
        )
    if steps is not None:
        return v.integer(f"{kind}_steps", steps, ge=0)
    if ratio is None:
        return 0
    r = v.real(f"{kind}_ratio", ratio, ge=0)
    if m is None:
        raise ValueError(f"`{kind}_ratio` ({ratio!r}) needs `max_steps`, got None (NeMo asserts it)")
    return floor_int(r * m)


def _warmup(warmup_steps: Any, warmup_ratio: Any, m: Any) -> Any:
    return _steps_or_ratio("warmup", warmup_steps, warmup_ratio, m)


def _no_zero_division(w: Any, m: Any, name: str) -> None:
    if _is(w, lambda x: x == 0) and _is(m, lambda x: x == 0):
        raise ValueError(
            f"`max_steps` must be > 0 when warmup_steps is 0, got 0: NeMo's {name} divides by "
            "zero at update 0"
        )


def _min_below_lr(lr: Any, min_lr: Any, name: str, strict: bool = False) -> None:
    if _concrete(lr, min_lr) and np.any(np.asarray(min_lr) >= np.asarray(lr) if strict
                                        else np.asarray(min_lr) > np.asarray(lr)):
        raise ValueError(
            f"`min_lr` must be {'<' if strict else '<='} lr ({lr!r}) for nemo.{name}, got "
            f"{min_lr!r} (NeMo {'asserts max_lr > min_lr' if strict else 'raises'} at its first steps)"
        )


def _nemo_ramp(lr: Any, w: Any, rest: Schedule) -> Schedule:
    """NeMo's warmup ``lr (k + 1) / (W + 1)`` for ``k <= W`` (``W > 0``), then ``rest`` from ``W + 1``."""
    ramp = linear_schedule(lr / (w + 1), lr, maximum(w, 1))
    return join_schedules([ramp, rest], boundary_list(_where(w > 0, w + 1, 0)))


def _then_min(s: Schedule, start: Any, min_lr: Any) -> Schedule:
    """``s``, then ``min_lr`` from ``start`` on (NeMo's ``step > max_steps``)."""
    return join_schedules([s, constant_schedule(min_lr)], boundary_list(start))


# ---------------------------------------------------------------------------------- names
@register("nemo.WarmupPolicy")
def nemo_warmup_policy(
    warmup_steps: Any = None, warmup_ratio: Any = None, max_steps: Any = None, min_lr: Any = 0.0,
    last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``WarmupPolicy``: warmup ``lr (k + 1)/(W + 1)``, ``lr``, ``min_lr`` after ``max_steps``.

    ``warmup(lr, W, skip_zero=True)``, then ``min_lr`` from ``max(max_steps, W) + 1`` (no drop
    when ``max_steps`` is None).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "nemo.WarmupPolicy", "params": {
      ...     "warmup_steps": 3, "max_steps": 6, "lr": 1.0}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(9), np)]
      [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    m = _max_steps(max_steps, required=False)
    w = _warmup(warmup_steps, warmup_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    s = warmup(lr, w, skip_zero=True)
    return s if m is None else _then_min(s, maximum(m + 1, w + 1), lo)


@register("nemo.WarmupHoldPolicy")
def nemo_warmup_hold_policy(
    warmup_steps: Any = None, warmup_ratio: Any = None, hold_steps: Any = None,
    hold_ratio: Any = None, max_steps: Any = None, min_lr: Any = 0.0, last_epoch: Any = -1,
    lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``WarmupHoldPolicy``: the same values as ``WarmupPolicy`` (its hold is ``lr`` too).

    The hold arguments are checked as NeMo does (not both; a ratio needs ``max_steps``).
    """
    m = _max_steps(max_steps, required=False)
    _steps_or_ratio("hold", hold_steps, hold_ratio, m)
    return nemo_warmup_policy(warmup_steps, warmup_ratio, max_steps, min_lr, last_epoch, lr)


@register("nemo.SquareAnnealing")
def nemo_square_annealing(
    max_steps: Any, min_lr: Any = 1e-5, warmup_steps: Any = None, warmup_ratio: Any = None,
    last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``SquareAnnealing``: warmup, ``max(lr ((M - k)/(M - W))**2, min_lr)``, then ``min_lr``.

    ``min_lr`` defaults to 1e-5, as in NeMo. Built as NeMo's warmup then a floored
    ``polynomial_schedule(lr ((M - b)/(M - W))**2, 0, 2, M - b)`` from ``b = W + 1`` (0 without
    warmup).
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    m = _max_steps(max_steps)
    w = _warmup(warmup_steps, warmup_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    _no_zero_division(w, m, "SquareAnnealing")
    b = _where(w > 0, w + 1, 0)
    rest = maximum(m - b, 0)
    top = lr * (rest / maximum(m - w, 1)) ** 2
    return _nemo_ramp(lr, w, floor(polynomial_schedule(top, 0.0, 2.0, rest), lo))


@register("nemo.SquareRootAnnealing")
def nemo_square_root_annealing(
    max_steps: Any, min_lr: Any = 0.0, warmup_steps: Any = None, warmup_ratio: Any = None,
    last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``SquareRootAnnealing``: warmup, ``max(lr sqrt((M - k)/M), min_lr)``, then ``min_lr``.

    The decay runs from step 0, not from the warmup's end (NeMo passes ``k`` and ``M``
    unshifted), so update ``W + 1`` drops to ``lr sqrt((M - W - 1)/M)``.
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    m = _max_steps(max_steps)
    w = _warmup(warmup_steps, warmup_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    _no_zero_division(w, m, "SquareRootAnnealing")
    b = _where(w > 0, w + 1, 0)
    rest = maximum(m - b, 0)
    top = lr * (rest / maximum(m, 1)) ** 0.5
    return _nemo_ramp(lr, w, floor(polynomial_schedule(top, 0.0, 0.5, rest), lo))


@register("nemo.CosineAnnealing")
def nemo_cosine_annealing(
    max_steps: Any, min_lr: Any = 0.0, warmup_steps: Any = None, warmup_ratio: Any = None,
    constant_steps: Any = None, constant_ratio: Any = None, last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``CosineAnnealing``: warmup, a cosine from ``lr`` to ``min_lr``, then ``min_lr``.

    Without ``constant_steps`` (``C = 0``): NeMo's warmup ``lr (k + 1)/(W + 1)``, then
    ``min_lr + (lr - min_lr)(1 + cos(pi (k - W)/(M - W)))/2`` to ``M``: ``warmup(cosine_decay(lr,
    M - W, min_lr), W, skip_zero=True)``. With ``C > 0`` (Megatron's form): ``lr k / W`` (update 0
    uses 0), the cosine over ``D = M - W - C`` updates, then ``min_lr`` (the constant phase comes
    last, at ``min_lr``): ``warmup(cosine_decay(lr, D, min_lr), W)``. ``min_lr`` after ``M``
    either way. NeMo requires ``lr >= min_lr`` (``> min_lr`` with ``C > 0``).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "nemo.CosineAnnealing", "params": {
      ...     "max_steps": 6, "warmup_steps": 1, "min_lr": 0.1}})
      >>> [round(float(x), 4) for x in s.evaluate(np.arange(8), np)]
      [0.5, 1.0, 0.9141, 0.6891, 0.4109, 0.1859, 0.1, 0.1]
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    m = _max_steps(max_steps)
    w = _warmup(warmup_steps, warmup_ratio, m)
    c = _steps_or_ratio("constant", constant_steps, constant_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    if _is(c, lambda x: x == 0):
        _min_below_lr(lr, lo, "CosineAnnealing")
        _no_zero_division(w, m, "CosineAnnealing")
        return warmup(cosine_decay(lr, maximum(m - w, 1), lo), w, skip_zero=True)
    _min_below_lr(lr, lo, "CosineAnnealing (constant_steps > 0)", strict=True)
    d = m - w - c
    if _is(w, lambda x: x == 0) and _is(d, lambda x: x == 0):
        raise ValueError(
            f"`constant_steps` ({c!r}) must be < max_steps ({m!r}) when warmup_steps is 0: NeMo "
            "divides by the decay length max_steps - warmup_steps - constant_steps = 0 at update 0"
        )
    # without warmup and with C > M - W NeMo is in its constant phase (min_lr) from update 0
    top = _where((w == 0) & (d < 0), lo, lr) if not _concrete(w, d) else (lo if (w == 0 and d < 0) else lr)
    return warmup(cosine_decay(top, maximum(d, 1), lo), w)


@register("nemo.NoamAnnealing")
def nemo_noam_annealing(
    d_model: Any, warmup_steps: Any = None, warmup_ratio: Any = None, max_steps: Any = None,
    min_lr: Any = 0.0, last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``NoamAnnealing``: ``lr d_model**-0.5 min(s**-0.5, s W**-1.5)``, ``s = max(1, k)``.

    Linear to the peak ``lr (d_model W)**-0.5`` at ``W``, then ``lr (d_model s)**-0.5``, floored
    at ``min_lr`` for ``s > W`` (without warmup: ``lr (d_model s)**-0.5``, floored). Updates 0
    and 1 share a value. ``max_steps`` only resolves ``warmup_ratio`` (no drop after it).
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    d = v.real("d_model", d_model, gt=0)
    m = _max_steps(max_steps, required=False)
    w = _warmup(warmup_steps, warmup_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    _min_below_lr(lr, lo, "NoamAnnealing")
    q = lr * d ** -0.5
    ws = maximum(w, 1)
    peak = q * ws ** -0.5
    first = _where(w > 0, peak / ws, maximum(q, lo))
    ramp = linear_schedule(peak / ws, peak, maximum(w - 1, 1))  # s = 1 .. W: peak s / W
    tail = floor(inverse_sqrt_decay(q * (w + 1) ** -0.5, w + 1), lo)  # s > W: q / sqrt(s)
    return join_schedules([constant_schedule(first), ramp, tail], boundary_list(1, w + 1))


@register("nemo.NoamHoldAnnealing")
def nemo_noam_hold_annealing(
    max_steps: Any, decay_rate: Any = 0.5, min_lr: Any = 0.0, warmup_steps: Any = None,
    warmup_ratio: Any = None, hold_steps: Any = None, hold_ratio: Any = None,
    last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``NoamHoldAnnealing``: warmup, hold ``lr``, then ``max(lr (W / (k - H))**r, min_lr)``.

    NeMo's warmup to ``lr`` at ``W``, ``lr`` until ``W + H`` (``H = hold_steps``), then the decay
    ``lr W**r / (k - H)**r`` (``r = decay_rate``; equal to ``lr`` at ``W + H``) floored at
    ``min_lr``, and ``min_lr`` after ``max_steps`` (a hold past ``max_steps`` runs first). NeMo
    raises without warmup: ``warmup_steps`` (or its ratio) must give ``W > 0``; jaxsched also
    requires ``decay_rate >= 0``.
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    m = _max_steps(max_steps)
    w = _warmup(warmup_steps, warmup_ratio, m)
    if _is(w, lambda x: x == 0):
        raise ValueError("`warmup_steps` must give W > 0, got 0: NeMo raises 'Noam scheduler cannot "
                         "be used without warmup steps'")
    held = hold_steps is not None or hold_ratio is not None
    h = _steps_or_ratio("hold", hold_steps, hold_ratio, m)
    r = v.real("decay_rate", decay_rate, ge=0)
    lo = v.real("min_lr", min_lr, ge=0)
    total = w + h if held else 0  # NeMo's self.hold_steps (warmup included)
    start = maximum(w + 1, total)  # the first decayed update
    tau = start - (h if held else 0)  # (k - hold) at the first decayed update
    decay = floor(inverse_power_decay(lr * (w / tau) ** r, tau, r), lo)
    pieces = [linear_schedule(lr / (w + 1), lr, w), constant_schedule(lr), decay,
              constant_schedule(lo)]
    return join_schedules(pieces, boundary_list(w + 1, start, maximum(m + 1, start)))


@register("nemo.WarmupAnnealing")
def nemo_warmup_annealing(
    max_steps: Any, min_lr: Any = 0.0, warmup_steps: Any = None, warmup_ratio: Any = None,
    last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``WarmupAnnealing``: warmup, then linear from ``lr`` at ``W`` to ``min_lr`` at ``M``, held.

    ``warmup(linear_schedule(lr, min_lr, M - W), W, skip_zero=True)``.
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    m = _max_steps(max_steps)
    w = _warmup(warmup_steps, warmup_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    _no_zero_division(w, m, "WarmupAnnealing")
    return warmup(linear_schedule(lr, lo, maximum(m - w, 1)), w, skip_zero=True)


@register("nemo.InverseSquareRootAnnealing")
def nemo_inverse_square_root_annealing(
    max_steps: Any, min_lr: Any = 0.0, warmup_steps: Any = None, warmup_ratio: Any = None,
    last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``InverseSquareRootAnnealing``: warmup, ``lr sqrt((W + 1)/(k + 1))`` to ``M``, then ``min_lr``.

    ``warmup(inverse_sqrt_decay(lr, W + 1), W, skip_zero=True)``; no floor before ``M``, a jump
    to ``min_lr`` after it.
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    m = _max_steps(max_steps)
    w = _warmup(warmup_steps, warmup_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    s = warmup(inverse_sqrt_decay(lr, w + 1), w, skip_zero=True)
    return _then_min(s, maximum(m + 1, w + 1), lo)


@register("nemo.T5InverseSquareRootAnnealing")
def nemo_t5_inverse_square_root_annealing(
    max_steps: Any, constant_steps: Any = None, constant_ratio: Any = None, min_lr: Any = 0.0,
    last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``T5InverseSquareRootAnnealing``: ``1 / sqrt(max(k, C))`` to ``M``, then ``min_lr``.

    NeMo ignores the optimizer's lr here (``lr`` is accepted and ignored): the value is
    ``C**-0.5`` for ``k <= C = constant_steps``, ``k**-0.5`` up to ``M``, then ``min_lr``.
    NeMo computes ``constant_steps**-0.5`` from the argument itself, so ``constant_ratio`` (or
    no ``constant_steps``) crashes it and ``constant_steps=0`` divides by zero: both raise.
    """
    _fresh(last_epoch)
    _lr(lr)
    if constant_steps is None:
        raise ValueError(
            "`constant_steps` must be given (> 0) for nemo.T5InverseSquareRootAnnealing, got None"
            + (f" with constant_ratio={constant_ratio!r}" if constant_ratio is not None else "")
            + ": NeMo computes 1 / constant_steps**0.5 from the argument and crashes without it"
        )
    m = _max_steps(max_steps)
    c = _steps_or_ratio("constant", constant_steps, constant_ratio, m)
    if _is(c, lambda x: x == 0):
        raise ValueError("`constant_steps` must be > 0, got 0 (NeMo divides by its square root)")
    lo = v.real("min_lr", min_lr, ge=0)
    pieces = [constant_schedule(c ** -0.5), inverse_sqrt_decay((c + 1) ** -0.5, c + 1),
              constant_schedule(lo)]
    return join_schedules(pieces, boundary_list(c + 1, maximum(m + 1, c + 1)))


def _poly_power(power: Any) -> Any:
    return v.real("power", power, ge=0,
                  hint=" (NeMo's math.pow(0, power) fails at max_steps for power < 0)")


@register("nemo.PolynomialDecayAnnealing")
def nemo_polynomial_decay_annealing(
    max_steps: Any, min_lr: Any = 0.0, power: Any = 1.0, cycle: bool = False,
    warmup_steps: Any = None, warmup_ratio: Any = None, last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``PolynomialDecayAnnealing``: warmup, ``min_lr + (lr - min_lr)(1 - (k - W)/(M - W))**p``.

    ``warmup(polynomial_schedule(lr, min_lr, power, M - W), W, skip_zero=True)``, ``min_lr``
    from ``M``. ``cycle`` has no effect in NeMo (the decay never passes ``max_steps``, after which
    NeMo returns ``min_lr``); it is accepted.
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    v.boolean("cycle", cycle)
    m = _max_steps(max_steps)
    w = _warmup(warmup_steps, warmup_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    p = _poly_power(power)
    _no_zero_division(w, m, "PolynomialDecayAnnealing")
    return warmup(polynomial_schedule(lr, lo, p, maximum(m - w, 1)), w, skip_zero=True)


@register("nemo.PolynomialHoldDecayAnnealing")
def nemo_polynomial_hold_decay_annealing(
    max_steps: Any, min_lr: Any = 0.0, power: Any = 1.0, cycle: bool = False,
    warmup_steps: Any = None, warmup_ratio: Any = None, hold_steps: Any = None,
    hold_ratio: Any = None, last_epoch: Any = -1, lr: Any = 1.0,
) -> Schedule:
    r"""NeMo ``PolynomialHoldDecayAnnealing``: warmup, hold ``lr``, a polynomial to ``min_lr`` at ``M``.

    With a hold (``hold_steps`` or ``hold_ratio`` given; ``T = W + H``): NeMo's warmup, ``lr``
    until ``T``, then ``min_lr + (lr - min_lr)(1 - (k - T)/(M - T))**power``, ``min_lr`` after
    ``M``. Without one NeMo evaluates the decay at ``k`` itself over ``M - W`` updates:
    ``min_lr + (lr - min_lr)(1 - min(k, M - W)/(M - W))**power`` right after the warmup (a drop
    below ``lr``, ``min_lr`` from ``M - W``). ``cycle`` changes nothing with a hold; without a hold
    but with a warmup it is not mapped (raises).
    """
    _fresh(last_epoch)
    lr = _lr(lr)
    cyc = v.boolean("cycle", cycle)
    m = _max_steps(max_steps)
    w = _warmup(warmup_steps, warmup_ratio, m)
    lo = v.real("min_lr", min_lr, ge=0)
    p = _poly_power(power)
    held = hold_steps is not None or hold_ratio is not None
    h = _steps_or_ratio("hold", hold_steps, hold_ratio, m)
    t = w + h if held else 0  # NeMo's self.hold_steps (warmup included; 0 without a hold)
    d = m - maximum(w, t)  # NeMo's decay length
    b = _where(w > 0, w + 1, 0)  # the first update after the warmup
    if _is(d, lambda x: x == 0) and _concrete(b, t, m) and max(b, t) <= m:
        raise ValueError(
            f"`max_steps` ({m!r}) must differ from max(warmup_steps, warmup + hold steps) "
            f"({max(w, t)!r}): NeMo divides by their difference, 0, at update {max(b, t)!r}"
        )
    if cyc and not held and _is(w, lambda x: x > 0):
        raise ValueError(
            "`cycle`=True is not supported for nemo.PolynomialHoldDecayAnnealing with a warmup and "
            "no hold_steps/hold_ratio (NeMo then cycles a decay evaluated at the absolute step); "
            "give hold_steps (0 is fine) or cycle=False"
        )
    # from b: lr until t, then the decay at k - t; where b > t the decay is already e steps in
    e = maximum(b - t, 0)
    rest = maximum(maximum(d, 0) - e, 0)
    top = lo + (lr - lo) * (rest / maximum(d, 1)) ** p
    after = join_schedules([constant_schedule(lr), polynomial_schedule(top, lo, p, rest)],
                           boundary_list(maximum(t - b, 0)))
    return _nemo_ramp(lr, w, after)


@register("nemo.ExponentialLR")
def nemo_exponential_lr(gamma: Any = 0.9, updates_per_epoch: Any = None, last_epoch: Any = -1,
                        lr: Any = 1.0) -> Schedule:
    r"""NeMo's ``ExponentialLR``: torch's, stepped per *epoch* (NeMo's ``EPOCH_SCHEDULERS``).

    ``lr * gamma**(k // updates_per_epoch)``: ``step_decay(lr, updates_per_epoch, gamma)``;
    ``updates_per_epoch`` (a jaxsched parameter) is required. ``gamma`` defaults to 0.9 (NeMo's
    ``ExponentialLRParams``).
    """
    _fresh(last_epoch)
    if updates_per_epoch is None:
        raise ValueError(
            "`updates_per_epoch` is required for nemo.ExponentialLR: NeMo steps it once per epoch, "
            "and a jaxsched schedule counts optimizer updates"
        )
    u = v.integer("updates_per_epoch", updates_per_epoch, gt=0)
    return step_decay(_lr(lr), u, v.real("gamma", gamma, ge=0))


def _reexport(name: str) -> None:
    """``nemo.<name>``: torch's ``<name>`` under NeMo's name (its own function, so that
    ``jaxsched list torch.*`` does not show it as an alias)."""
    torch_fn = lookup(f"torch.{name}")

    def reexported(*args: Any, **kwargs: Any) -> Any:
        return torch_fn(*args, **kwargs)

    reexported.__signature__ = inspect.signature(torch_fn)  # type: ignore[attr-defined]
    reexported.__name__ = reexported.__qualname__ = f"nemo_{name}"
    reexported.__doc__ = (
        f"NeMo's re-export of torch's ``{name}`` (``torch.{name}``, the same parameters and "
        "values), stepped per update as NeMo's ``prepare_lr_scheduler`` does."
    )
    register(f"nemo.{name}")(reexported)


for _name in TORCH_REEXPORTS:
    _reexport(_name)

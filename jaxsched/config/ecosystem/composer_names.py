"""MosaicML Composer's schedulers (``composer/optim/scheduler.py``) by name: ``composer.<Class>``.

Parameters are each class's own (``t_max``, ``t_warmup``, ``alpha_i``, ``alpha_f``, ``gamma``,
``milestones``, ``scale_warmup``, ...) with Composer's defaults and **time strings**: ``"100ba"``
(batches), ``"10ep"`` (epochs), ``"0.1dur"`` (a fraction of ``max_duration``), ``"1000tok"``
(tokens), ``"500sp"`` (samples); a plain integer is batches. Composer schedulers return a
multiplier of the optimizer's lr: the value here is ``lr x`` that multiplier (``lr`` defaults
to 1, the bare multiplier). What the trainer's ``State`` supplies is a parameter:
``max_duration`` (the Trainer's, a time string such as ``"10ep"`` or ``"5000ba"``; needed by
``dur`` times), ``steps_per_epoch`` (``state.dataloader_len``; needed by ``ep`` times),
``samples_per_batch`` / ``tokens_per_batch`` (the global batch, constant; needed by ``sp`` /
``tok`` times) and ``ssr`` (the Trainer's ``scale_schedule_ratio``; the Trainer also scales
``max_duration`` by it, as here).

**Step convention** (``mosaicml/composer`` ``composer/trainer/trainer.py``, commit
``6405188``): the scheduler is compiled into a ``LambdaLR`` at ``timestamp = 0`` (batch 0 uses
``f(0)``), and after each batch the trainer calls ``scheduler.step()`` *before* advancing the
timestamp, so the lr of batch ``k >= 1`` is ``f`` of the timestamp of batch ``k - 1``: batch
``k`` uses ``f(max(k - 1, 0))`` (``f(0)`` twice). Token and sample times count the tokens and
samples before that batch (``(k - 1) x tokens_per_batch``).

Quirks reproduced (``_convert_time``): ``ep`` and ``dur`` times are truncated to whole batches
(``int(v x steps_per_epoch)``); ``ssr`` scales every time except ``dur`` ones and a warmup's
length (``t_warmup``: only the ramp inside it, with ``scale_warmup``, reaches its top at
``t_warmup x ssr`` and holds); ``ConstantScheduler`` returns 1 (not ``alpha``) from ``t_max``
on; ``t_max <= t_warmup`` gives the decay's first value; ``MultiStepScheduler`` milestones may
mix units. Composer's checks raise here too, at construction: ``t_warmup`` and ``t_max`` in
different units after conversion, a ``t_max`` shorter than ``max_duration`` (warmup names),
non-integer batch/epoch/token/sample values, ``sec`` and ``iter`` units. Deliberate differences,
each raising instead: zero lengths Composer divides by (``t_max``, ``step_size``,
``decay_period``, ``t_0``), and a ``CosineAnnealingWarmRestartsScheduler`` whose truncated
cycle lengths ``int(t_mult x L)`` reach 0 within the run (Composer raises when it gets there).

**Per-epoch stepping** (``step_schedulers_every_batch=False``, a Trainer argument; a parameter
of every name here): the trainer steps the scheduler at each epoch's end, after the batch
timestamp has advanced, so every batch of epoch ``e`` uses ``f`` at batch ``e x
steps_per_epoch`` (epoch 0: ``f(0)``, from the ``LambdaLR`` built at timestamp 0), with no
one-batch lag: :func:`jaxsched.hold_every` of ``f`` with period ``steps_per_epoch`` (needed).
Times in ``ep`` still convert to batches (``_convert_time``), so ``t_max="3ep"`` with
per-epoch stepping changes the lr only at epoch boundaries.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from jaxsched.compose import hold_every, repeat
from jaxsched.compose.data_clock import by_samples
from jaxsched.config.ecosystem.fairseq_names import _concrete
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import join_schedules
from jaxsched.schedules.batch import piecewise_integer
from jaxsched.schedules.cosine import cosine_decay
from jaxsched.schedules.decay import piecewise_constant_values, step_decay
from jaxsched.schedules.exponential import exponential_decay
from jaxsched.schedules.polynomial import constant_schedule, linear_schedule, polynomial_schedule

__all__ = [
    "composer_step", "composer_multi_step", "composer_constant", "composer_linear",
    "composer_exponential", "composer_cosine_annealing", "composer_cosine_annealing_warm_restarts",
    "composer_polynomial", "composer_multi_step_with_warmup", "composer_constant_with_warmup",
    "composer_linear_with_warmup", "composer_cosine_annealing_with_warmup",
    "composer_polynomial_with_warmup", "parse_time",
]

_UNITS = ("ba", "ep", "dur", "tok", "sp")
_TIME = re.compile(r"^\s*(.+?)\s*(iter|ep|ba|sp|tok|dur|sec)\s*$", re.IGNORECASE)
_PER = {"tok": "tokens_per_batch", "sp": "samples_per_batch"}


def parse_time(name: str, t: Any) -> tuple[Any, str]:
    """A Composer time string (``"10ep"``, ``"0.1dur"``) as ``(value, unit)``; an int is batches.

    Example:
      >>> parse_time("t_max", "3e4tok"), parse_time("t_max", "0.5dur"), parse_time("t_max", 12)
      ((30000, 'tok'), (0.5, 'dur'), (12, 'ba'))
    """
    if isinstance(t, (int, np.integer)) and not isinstance(t, bool):
        if t < 0:
            raise ValueError(f"`{name}` must be >= 0 batches, got {t!r}")
        return v.integer(name, int(t), ge=0), "ba"  # refuses |t| >= 2**63 by name
    if not isinstance(t, str):
        raise TypeError(f"`{name}` must be a Composer time string such as '100ba', '2ep', "
                        f"'0.1dur', '1000tok', '500sp' (or an int of batches), got {v.describe(t)}")
    m = _TIME.match(t)
    if not m:
        raise ValueError(f"`{name}` is not a Composer time string: {v.describe(t)} (units: "
                         f"{', '.join(_UNITS)})")
    unit = m.group(2).lower()
    if unit in ("sec", "iter"):
        raise ValueError(f"`{name}` in {unit!r} is not supported (Composer: wall clock and iterations "
                         f"are not allowed time units for a scheduler), got {t!r}")
    try:
        value = float(m.group(1))
    except ValueError:
        raise ValueError(f"`{name}` has no number before its unit: {t!r}") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"`{name}` must be a finite value >= 0, got {t!r}")
    if unit != "dur":
        if int(value) != value:
            raise ValueError(f"`{name}` must be a whole number of {unit}, got {t!r} (Composer: "
                             f"units {unit} require integer values)")
        value = v.integer(name, int(value), ge=0)  # refuses a count past 2**63 by name
    return value, unit


class _State:
    """What Composer's ``State`` gives ``_convert_time``: max duration, epoch length, batch size."""

    def __init__(self, max_duration: Any, steps_per_epoch: Any, samples_per_batch: Any,
                 tokens_per_batch: Any, ssr: Any, every_batch: Any = True) -> None:
        self.every_batch = v.boolean("step_schedulers_every_batch", every_batch)
        self.ssr = v.real("ssr", ssr, gt=0, hint=" (the Trainer's scale_schedule_ratio)")
        if v.is_traced(self.ssr):
            raise TypeError("`ssr` must be concrete (it rounds the times to whole units)")
        self.spe = v.integer("steps_per_epoch", steps_per_epoch, gt=0, allow_none=True)
        self.per = {"ba": 1,
                    "sp": v.integer("samples_per_batch", samples_per_batch, gt=0, allow_none=True),
                    "tok": v.integer("tokens_per_batch", tokens_per_batch, gt=0, allow_none=True)}
        for x in (self.spe, *self.per.values()):
            if x is not None and v.is_traced(x):
                raise TypeError("`steps_per_epoch`, `samples_per_batch` and `tokens_per_batch` must "
                                "be concrete integers")
        self.max = None
        if max_duration is not None:
            value, unit = parse_time("max_duration", max_duration)
            if unit == "dur":
                raise ValueError(f"`max_duration` cannot be in 'dur', got {max_duration!r}")
            scaled = value * self.ssr  # the Trainer's _scale_max_duration_by_ssr
            if scaled == 0:
                raise ValueError(f"`max_duration` ({max_duration!r}) x ssr is 0 (Composer: 'Scale "
                                 "schedule has reduced the max_duration to 0')")
            self.max = (scaled, unit)

    def horizon(self, unit: str) -> int | None:
        """``max_duration`` as a count of ``unit`` (``ba``, ``sp`` or ``tok``), when known."""
        if self.max is None:
            return None
        mv, mu = self.max
        if mu == "ep":
            if self.spe is None:
                return None
            mv, mu = mv * self.spe, "ba"
        if mu == unit:
            return int(mv)
        if mu == "ba" and self.per.get(unit):
            return int(mv * self.per[unit])
        if unit == "ba" and self.per.get(mu):
            return -(-int(mv) // self.per[mu])
        return None

    def stepped(self, f: Schedule) -> Schedule:
        """``f`` (of the batch timestamp) as the trainer applies it: lagged one batch when the
        schedulers step every batch; held through each epoch at its start's value otherwise."""
        if self.every_batch:
            return _lagged(f)
        return hold_every(f, self.epochs("step_schedulers_every_batch=False"))

    def epochs(self, name: str) -> int:
        if self.spe is None:
            what = name if name.startswith("step_") else f"`{name}` is in epochs"
            raise ValueError(f"{what}: give `steps_per_epoch` (Composer's state.dataloader_len)")
        return self.spe

    def convert(self, name: str, t: Any, scaled: bool = True) -> tuple[int, str]:
        """Composer's ``_convert_time(t, state, ssr)``: an int count in ``ba``, ``tok`` or ``sp``."""
        value, unit = parse_time(name, t)
        ssr = self.ssr if scaled else 1.0
        if unit == "dur":
            if self.max is None:
                raise ValueError(f"`{name}` ({t!r}) is a fraction of the run: give `max_duration`")
            mv, mu = self.max
            if mu == "ep":
                return int(value * self.epochs(name) * mv), "ba"
            return int(value * mv), mu
        if unit == "ep":
            value, unit = value * self.epochs(name), "ba"
        return int(value * ssr), unit

    def batches_at_least(self, name: str, count: int, unit: str) -> int:
        """The first batch ``k`` whose timestamp ``k x per(unit)`` is ``>= count``."""
        per = self.unit_size(name, unit)
        return -(-count // per)

    def unit_size(self, name: str, unit: str) -> int:
        per = self.per[unit]
        if per is None:
            raise ValueError(f"`{name}` counts {unit}: give `{_PER[unit]}` (the global batch)")
        return per

    def on(self, f: Schedule, unit: str, name: str) -> Schedule:
        """``f`` of the timestamp in ``unit`` (``k x per``): the batch count, or a sample clock."""
        per = self.unit_size(name, unit)
        return f if per == 1 else by_samples(f, piecewise_integer([], [per]))

    def max_not_shorter(self, t_max: tuple[int, str]) -> None:
        """Composer's ``_raise_if_max_duration_exceeds_t_max``."""
        if self.max is None:
            raise ValueError("`max_duration` is required by Composer's warmup schedulers (they "
                             "check t_max against it)")
        tv, tu = t_max
        mv, mu = self.max
        bound = None
        if tu == mu:
            bound = mv
        elif tu == "ba" and mu == "ep" and self.spe is not None:
            bound = mv * self.spe
        if bound is not None and tv < bound:
            raise ValueError(f"`t_max` ({tv}{tu}) must be >= max_duration ({mv}{mu}) (Composer "
                             "raises: the schedule would not cover the whole run)")


def _lagged(f: Schedule) -> Schedule:
    """Batch ``k`` uses ``f(max(k - 1, 0))`` (Composer steps before advancing the timestamp)."""
    return join_schedules([f, f], [1])


def _positive(name: str, t: tuple[int, str]) -> None:
    if t[0] <= 0:
        raise ValueError(f"`{name}` must convert to > 0 {t[1]}, got {t[0]} (Composer divides by it)")


def _state(kw: dict) -> _State:
    return _State(kw["max_duration"], kw["steps_per_epoch"], kw["samples_per_batch"],
                  kw["tokens_per_batch"], kw["ssr"], kw["step_schedulers_every_batch"])


def _lr(lr: Any) -> Any:
    return v.real("lr", lr, hint=" (the optimizer's lr; Composer's schedulers return a multiplier)")


_CTX_DOC = """
    Context (Composer's ``State``): ``lr`` (the optimizer's lr; 1: the bare multiplier),
    ``max_duration`` (the Trainer's, e.g. ``"10ep"``), ``steps_per_epoch``, ``samples_per_batch``,
    ``tokens_per_batch`` and ``ssr`` (``scale_schedule_ratio``), as in the module docstring.
"""


def _multistep(st: _State, milestones: Any, gamma: Any, lr: Any, shift: int = 0) -> Schedule:
    """``lr gamma**#{milestones reached}`` in batches (from ``shift`` on, in local time)."""
    if not isinstance(milestones, (list, tuple)):
        raise TypeError(f"`milestones` must be a list of Composer times, got {milestones!r}")
    starts = []
    for i, m in enumerate(milestones):
        c, unit = st.convert(f"milestones[{i}]", m)
        starts.append(max(st.batches_at_least(f"milestones[{i}]", c, unit) - shift, 0))
    g = v.real("gamma", gamma, ge=0, hint=" (the factor at each milestone; a negative one "
               "would flip the lr's sign)")
    bounds = sorted(set(b for b in starts if b > 0))
    first = sum(1 for b in starts if b == 0)
    values = [lr * g ** (first + sum(1 for b in starts if 0 < b <= x)) for x in [0, *bounds]]
    if not bounds:
        return constant_schedule(values[0])
    return piecewise_constant_values(bounds, values)


def _ctx(fn):
    fn.__doc__ = (fn.__doc__ or "") + _CTX_DOC
    return fn


# ---------------------------------------------------------------------------------- names
@register("composer.StepScheduler")
@_ctx
def composer_step(
    step_size: Any, gamma: Any = 0.1, lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``StepScheduler``: ``lr gamma**floor(t / step_size)``, ``t`` in ``step_size``'s unit.

    :func:`jaxsched.step_decay` on that unit's clock, lagged one batch.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "composer.StepScheduler", "params": {
      ...     "step_size": "2ba", "gamma": 0.5}})
      >>> [float(x) for x in s.evaluate(np.arange(6), np)]
      [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    """
    st, top = _state(locals()), _lr(lr)
    size = st.convert("step_size", step_size)
    _positive("step_size", size)
    with v.renamed({"decay_rate": "gamma"}):
        decay = step_decay(top, size[0], v.real("gamma", gamma))
    return st.stepped(st.on(decay, size[1], "step_size"))


@register("composer.MultiStepScheduler")
@_ctx
def composer_multi_step(
    milestones: list, gamma: Any = 0.1, lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``MultiStepScheduler``: ``lr gamma**(number of milestones reached)``.

    A milestone ``m`` (any unit) is reached at the first batch whose timestamp is ``>= m``;
    a :func:`jaxsched.piecewise_constant_values` in batches, lagged one batch.
    """
    st, top = _state(locals()), _lr(lr)
    return st.stepped(_multistep(st, milestones, gamma, top))


@register("composer.ConstantScheduler")
@_ctx
def composer_constant(
    alpha: Any = 1.0, t_max: Any = "1dur", lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``ConstantScheduler``: ``lr alpha`` before ``t_max``, then ``lr`` (multiplier 1)."""
    st, top = _state(locals()), _lr(lr)
    tm = st.convert("t_max", t_max)
    a = v.real("alpha", alpha)
    if tm[0] == 0:
        return st.stepped(constant_schedule(top))
    return st.stepped(st.on(join_schedules([constant_schedule(a * top), constant_schedule(top)],
                                        [tm[0]]), tm[1], "t_max"))


@register("composer.LinearScheduler")
@_ctx
def composer_linear(
    alpha_i: Any = 1.0, alpha_f: Any = 0.0, t_max: Any = "1dur", lr: Any = 1.0,
    max_duration: Any = None, steps_per_epoch: Any = None, samples_per_batch: Any = None,
    tokens_per_batch: Any = None, ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``LinearScheduler``: ``lr (alpha_i + min(1, t / t_max)(alpha_f - alpha_i))``.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "composer.LinearScheduler", "params": {
      ...     "t_max": "0.5dur", "max_duration": "8ba"}})
      >>> [float(x) for x in s.evaluate(np.arange(7), np)]
      [1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """
    st, top = _state(locals()), _lr(lr)
    tm = st.convert("t_max", t_max)
    _positive("t_max", tm)
    f = linear_schedule(v.real("alpha_i", alpha_i) * top, v.real("alpha_f", alpha_f) * top, tm[0])
    return st.stepped(st.on(f, tm[1], "t_max"))


@register("composer.ExponentialScheduler")
@_ctx
def composer_exponential(
    gamma: Any, decay_period: Any = "1ep", lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``ExponentialScheduler``: ``lr gamma**(t / decay_period)`` (continuous)."""
    st, top = _state(locals()), _lr(lr)
    p = st.convert("decay_period", decay_period)
    _positive("decay_period", p)
    g = v.real("gamma", gamma, ge=0)
    return st.stepped(st.on(exponential_decay(top, p[0], g), p[1], "decay_period"))


@register("composer.CosineAnnealingScheduler")
@_ctx
def composer_cosine_annealing(
    t_max: Any = "1dur", alpha_f: Any = 0.0, lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``CosineAnnealingScheduler``: ``lr (a_f + (1 - a_f)(1 + cos(pi x)) / 2)``.

    ``x = min(t / t_max, 1)``: :func:`jaxsched.cosine_decay` on ``t_max``'s clock, lagged.
    """
    st, top = _state(locals()), _lr(lr)
    tm = st.convert("t_max", t_max)
    _positive("t_max", tm)
    f = cosine_decay(top, tm[0], v.real("alpha_f", alpha_f) * top)
    return st.stepped(st.on(f, tm[1], "t_max"))


@register("composer.CosineAnnealingWarmRestartsScheduler")
@_ctx
def composer_cosine_annealing_warm_restarts(
    t_0: Any, t_mult: Any = 1.0, alpha_f: Any = 0.0, lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``CosineAnnealingWarmRestartsScheduler``: cosine cycles of ``t_0, t_0 t_mult, ...``.

    Each cycle anneals ``lr`` to ``lr alpha_f``. The cycle lengths are Composer's integer
    recurrence ``L_0 = t_0``, ``L_{i+1} = int(t_mult x L_i)`` (truncated, in ``t_0``'s unit),
    the cycle of time ``t`` the one whose end is the first ``> t``. A whole ``t_mult`` is
    :func:`jaxsched.repeat` of :func:`jaxsched.cosine_decay` (``period_mult=t_mult``, no end);
    any other ``t_mult >= 0`` is a :func:`jaxsched.join_schedules` of one cosine per cycle up
    to the run's end (``max_duration``; without it, to ``2**31`` batches), and once
    ``int(t_mult x L) = L`` (``1 < t_mult < 1 + 1/L``) the rest repeats that cycle. Raises when
    the lengths reach 0 within the run (Composer raises then, 'Interval between restarts ...
    has decayed to 0') or when over 256 cycles would be needed (give ``max_duration``).
    Past ``max_duration`` (which Composer never trains) the last cycle holds ``lr alpha_f``.
    """
    st, top = _state(locals()), _lr(lr)
    t0 = st.convert("t_0", t_0)
    _positive("t_0", t0)
    m = v.real("t_mult", t_mult, ge=0)
    if not _concrete(m):
        raise TypeError("`t_mult` must be concrete (it sets the integer cycle lengths)")
    af = v.real("alpha_f", alpha_f) * top
    if float(m) == int(m) and m >= 1:
        child = cosine_decay(top, t0[0], af)
        return st.stepped(st.on(repeat(child, t0[0], int(m), stretch=True), t0[1], "t_0"))
    horizon = st.horizon(t0[1])
    if horizon is not None and t0[1] == "ba":  # the last timestamp Composer evaluates:
        # batch max_duration - 1 (stepped every batch), the last whole epoch's end (per epoch)
        horizon = horizon - 1 if st.every_batch else horizon // st.spe * st.spe
    lengths, end = [t0[0]], t0[0]
    periodic = False
    while end <= (horizon if horizon is not None else 2**31 - 1):
        nxt = int(float(m) * lengths[-1])
        if nxt == 0:
            raise ValueError(
                f"`t_mult`={t_mult!r} shrinks the cycles {lengths} to 0 at {end}{t0[1]}, within "
                "the run (Composer raises 'Interval between restarts ... has decayed to 0')"
                + ("" if horizon is not None else "; give `max_duration` if the run ends sooner"))
        if nxt == lengths[-1]:  # int(m L) = L: every later cycle has this length
            periodic = True
            break
        if len(lengths) >= 256:
            raise ValueError(f"`t_mult`={t_mult!r} needs over 256 cycles before the run's end "
                             f"({'max_duration' if horizon is not None else '2**31 batches'}); "
                             "give a (shorter) `max_duration`")
        lengths.append(nxt)
        end += nxt
    pieces: list[Schedule] = [cosine_decay(top, n, af) for n in lengths]
    if periodic:
        pieces[-1] = repeat(pieces[-1], lengths[-1], 1)
    bounds = list(np.cumsum(lengths[:-1]))
    f = pieces[0] if len(pieces) == 1 else join_schedules(pieces, [int(b) for b in bounds])
    return st.stepped(st.on(f, t0[1], "t_0"))


@register("composer.PolynomialScheduler")
@_ctx
def composer_polynomial(
    power: Any, t_max: Any = "1dur", alpha_f: Any = 0.0, lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``PolynomialScheduler``: ``lr (a_f + (1 - a_f)(1 - min(t / t_max, 1))**power)``."""
    st, top = _state(locals()), _lr(lr)
    tm = st.convert("t_max", t_max)
    _positive("t_max", tm)
    f = polynomial_schedule(top, v.real("alpha_f", alpha_f) * top, v.real("power", power, ge=0), tm[0])
    return st.stepped(st.on(f, tm[1], "t_max"))


def _warm(st: _State, t_warmup: Any, scale_warmup: Any, top: Any) -> tuple:
    """``(T_w, unit, ramp)``: the warmup's (unscaled) length and its ramp ``0 -> top``."""
    tw = st.convert("t_warmup", t_warmup, scaled=False)
    inner = st.convert("t_warmup", t_warmup, scaled=bool(v.boolean("scale_warmup", scale_warmup)))
    if tw[0] > 0 and inner[0] == 0:
        raise ValueError(f"`t_warmup` x ssr is 0 {inner[1]} with scale_warmup (Composer divides by it)")
    return tw[0], tw[1], linear_schedule(0.0, top, max(inner[0], 1))


def _with_warmup(st: _State, t_warmup: Any, t_max: Any, scale_warmup: Any, peak: Any,
                 decay: Any) -> Schedule:
    """Composer's warmup schedulers: the ramp to ``peak`` before ``T_w``, then ``decay(T_m - T_w)``."""
    w, unit, ramp = _warm(st, t_warmup, scale_warmup, peak)
    tm = st.convert("t_max", t_max)
    if tm[1] != unit:
        raise ValueError(f"`t_warmup` ({t_warmup!r}, {unit}) and `t_max` ({t_max!r}, {tm[1]}) must "
                         "use the same units (Composer raises)")
    st.max_not_shorter(tm)
    d = tm[0] - w
    tail = decay(d) if d > 0 else constant_schedule(peak)  # t_max <= t_warmup: frac 0
    f = tail if w == 0 else join_schedules([ramp, tail], [w])
    return st.stepped(st.on(f, unit, "t_warmup"))


@register("composer.MultiStepWithWarmupScheduler")
@_ctx
def composer_multi_step_with_warmup(
    t_warmup: Any, milestones: list, gamma: Any = 0.1, scale_warmup: bool = False, lr: Any = 1.0,
    max_duration: Any = None, steps_per_epoch: Any = None, samples_per_batch: Any = None,
    tokens_per_batch: Any = None, ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``MultiStepWithWarmupScheduler``: a ramp ``0 -> lr``, then ``MultiStepScheduler``.

    The ramp runs before ``t_warmup``; the milestones count from the start of the run.
    """
    st, top = _state(locals()), _lr(lr)
    w, unit, ramp = _warm(st, t_warmup, scale_warmup, top)
    if w == 0:
        return st.stepped(_multistep(st, milestones, gamma, top))
    b = st.batches_at_least("t_warmup", w, unit)
    return st.stepped(join_schedules([st.on(ramp, unit, "t_warmup"),
                                   _multistep(st, milestones, gamma, top, shift=b)], [b]))


@register("composer.ConstantWithWarmupScheduler")
@_ctx
def composer_constant_with_warmup(
    t_warmup: Any, alpha: Any = 1.0, t_max: Any = "1dur", scale_warmup: bool = False,
    lr: Any = 1.0, max_duration: Any = None, steps_per_epoch: Any = None,
    samples_per_batch: Any = None, tokens_per_batch: Any = None, ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``ConstantWithWarmupScheduler``: a ramp ``0 -> lr alpha``, then ``lr alpha``."""
    st, top = _state(locals()), _lr(lr)
    a = v.real("alpha", alpha) * top
    return _with_warmup(st, t_warmup, t_max, scale_warmup, a, lambda d: constant_schedule(a))


@register("composer.LinearWithWarmupScheduler")
@_ctx
def composer_linear_with_warmup(
    t_warmup: Any, alpha_i: Any = 1.0, alpha_f: Any = 0.0, t_max: Any = "1dur",
    scale_warmup: bool = False, lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``LinearWithWarmupScheduler``: ramp ``0 -> lr alpha_i``, linear to ``lr alpha_f``.

    The decay reaches ``lr alpha_f`` at ``t_max`` and holds it.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "composer.LinearWithWarmupScheduler", "params": {
      ...     "t_warmup": "2ba", "max_duration": "6ba"}})
      >>> [float(x) for x in s.evaluate(np.arange(8), np)]
      [0.0, 0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0]
    """
    st, top = _state(locals()), _lr(lr)
    ai, af = v.real("alpha_i", alpha_i) * top, v.real("alpha_f", alpha_f) * top
    return _with_warmup(st, t_warmup, t_max, scale_warmup, ai, lambda d: linear_schedule(ai, af, d))


@register("composer.CosineAnnealingWithWarmupScheduler")
@_ctx
def composer_cosine_annealing_with_warmup(
    t_warmup: Any, t_max: Any = "1dur", alpha_f: Any = 0.0, scale_warmup: bool = False,
    lr: Any = 1.0, max_duration: Any = None, steps_per_epoch: Any = None,
    samples_per_batch: Any = None, tokens_per_batch: Any = None, ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``CosineAnnealingWithWarmupScheduler``: ramp ``0 -> lr``, cosine to ``lr alpha_f``."""
    st, top = _state(locals()), _lr(lr)
    af = v.real("alpha_f", alpha_f) * top
    return _with_warmup(st, t_warmup, t_max, scale_warmup, top, lambda d: cosine_decay(top, d, af))


@register("composer.PolynomialWithWarmupScheduler")
@_ctx
def composer_polynomial_with_warmup(
    t_warmup: Any, power: Any = 2.0, t_max: Any = "1dur", alpha_f: Any = 0.0,
    scale_warmup: bool = False, lr: Any = 1.0, max_duration: Any = None,
    steps_per_epoch: Any = None, samples_per_batch: Any = None, tokens_per_batch: Any = None,
    ssr: Any = 1.0,
    step_schedulers_every_batch: bool = True,
) -> Schedule:
    r"""Composer ``PolynomialWithWarmupScheduler``: ramp ``0 -> lr``, ``(1 - x)**power`` to ``lr a_f``."""
    st, top = _state(locals()), _lr(lr)
    af = v.real("alpha_f", alpha_f) * top
    p = v.real("power", power, ge=0)
    return _with_warmup(st, t_warmup, t_max, scale_warmup, top,
                        lambda d: polynomial_schedule(top, af, p, d))


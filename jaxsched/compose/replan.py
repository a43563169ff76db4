"""Re-planning a run: a new horizon or a new plan from step ``at`` on, and a time stretch.

:func:`replan` changes the plan of a run that has already done ``at`` optimizer updates: the
result equals the old schedule for every count ``<= at`` and continues from the value it has
there, either as the *same plan moved to a new horizon* (``total_steps=N``) or as a *new plan*
(``then=schedule``, e.g. a cooldown that starts now). :func:`stretch` multiplies every duration
of a schedule by a ratio (Composer's scale-schedule ratio).

How each family moves to a new horizon (``replan(s, at=k, total_steps=N)``), value ``v_k`` at ``k``:

========================  ====================================================================
family                    rule (for counts ``t > k``)
========================  ====================================================================
constant                  unchanged
linear, polynomial        a transition from ``v_k`` to the end value, ending at ``N``, same
                          power (one that has not begun keeps its begin)
cosine                    the rest of the cosine arc, stretched (or shrunk) to end at ``N``:
                          from ``v_k``, the slope scaled by a constant; no restart of the shape
WSD                       before the decay (``k <= S``): the stable phase lengthens (or shrinks)
                          and the decay keeps its length ``D`` (if fewer than ``D`` steps are
                          left, it uses what is left); a warmup under way keeps its length.
                          In the decay: the rest of the decay is stretched to end at ``N``
piecewise (constant,      every boundary after ``k`` is moved in proportion:
multistep, values,        ``b -> k + round((b - k)(N - k)/(H - k))``, ``H`` the last boundary;
interpolate)              the values are unchanged
warmup(s, W)              the warmup keeps its length; ``s`` is re-planned to end at ``N``
join_schedules            pieces before the last keep their lengths; the last piece is
                          re-planned to end at ``N`` (so an optax warmup-cosine keeps its warmup)
scale, clip               the child is re-planned; the factor or bounds are kept
========================  ====================================================================

Any other family (periodic or without an end: step decay, exponential, cyclic, restarts, ...)
raises a ``ValueError`` naming it: give the new plan explicitly with ``then=``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from jaxsched.compose.transforms import Clip, Scale
from jaxsched.compose.warmup import Warmup
from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import (
    cosine_interpolate,
    cosine_pair,
    interpolate,
    known_to_equal,
    linear_pair,
    safe_den,
)
from jaxsched.core.registry import register
from jaxsched.core.schedule import (
    Schedule,
    child_field,
    evolve,
    schedule_class,
    static_field,
    steps_field,
    value_field,
)
from jaxsched.core.sequence import Function, Sequence
from jaxsched.core.types import ScheduleFn, Steps, Value
from jaxsched.schedules.cosine import Cosine
from jaxsched.schedules.decay import MultiStepDecay, PiecewiseValues
from jaxsched.schedules.piecewise import PiecewiseConstant, PiecewiseInterpolate
from jaxsched.schedules.polynomial import Constant, Polynomial
from jaxsched.schedules.ramps import until
from jaxsched.schedules.wsd import WarmupStableDecay, _window

__all__ = ["Replan", "ReplanThen", "Stretch", "replan", "stretch"]

ANCHORS = ("scale", "none")


# ---------------------------------------------------------------------------------- step helpers
def _is_int(c: _xp.Count, x: Any) -> bool:
    return bool(c.xp.isdtype(x.dtype, "integral"))


def _same(c: _xp.Count, *xs: Any) -> tuple:
    """The step arrays ``xs`` in one kind: integers when all are, else floats."""
    if all(_is_int(c, x) for x in xs):
        return xs
    return tuple(c.as_float(x) for x in xs)


def _max(c: _xp.Count, a: Any, b: Any) -> Any:
    a, b = _same(c, a, b)
    return c.xp.maximum(a, b)


def _sub(c: _xp.Count, a: Any, b: Any) -> Any:
    a, b = _same(c, a, b)
    return a - b


def _le(c: _xp.Count, a: Any, b: Any) -> Any:
    a, b = _same(c, a, b)
    return a <= b


def _lt(c: _xp.Count, a: Any, b: Any) -> Any:
    a, b = _same(c, a, b)
    return a < b


def _zero(c: _xp.Count, like: Any) -> Any:
    return c.xp.zeros_like(like)


def _after(c: _xp.Count, k: Any) -> Any:
    """``count > k`` elementwise (exact for integer counts and steps)."""
    if c.is_int(k):
        return c.n > k
    return c.t > c.as_float(k)


def _at(c: _xp.Count, x: Any) -> _xp.Count:
    """The count ``x`` (a scalar step array), broadcast to ``c``'s shape."""
    xp = c.xp
    if c.n is not None and _is_int(c, x):
        n = x + xp.zeros_like(c.n)
        return c.replace(t=xp.astype(n, c.dtype), n=n)
    return c.replace(t=c.as_float(x) + xp.zeros_like(c.t), n=None)


def _snap_up(c: _xp.Count, u: Any) -> Any:
    """``u`` moved up to the next integer when it lies a few roundings below it.

    ``t / ratio`` for an integer ``t`` whose exact quotient is the integer ``B`` may round to a
    hair below ``B`` (a ratio such as 0.1 is not a binary fraction); snapping keeps a boundary
    at ``B`` on the step ``ratio * B``. A quotient that is really below an integer is at least
    ``1/p`` below it for a ratio ``p/q``, far more than the tolerance while ``u < 2**21`` in
    float32.
    """
    xp = c.xp
    r = xp.round(u)
    tol = 4.0 * float(xp.finfo(c.dtype).eps)
    close = (r > u) & ((r - u) <= tol * xp.abs(r))
    return xp.where(close, r, u)


# ---------------------------------------------------------------------------------- the tails
def _tail(s: Schedule, c: _xp.Count, k: Any, n: Any) -> Any:
    """The re-planned values of ``s`` at ``c`` (meaningful for counts ``> k``): horizon ``n``."""
    rule = _RULES.get(type(s))
    if rule is None:  # pragma: no cover - checked by the constructor
        raise ValueError(_unsupported(s))
    return rule(s, c, k, n)


def _tail_constant(s: Constant, c: _xp.Count, k: Any, n: Any) -> Any:
    return s._eval(c)


def _tail_polynomial(s: Polynomial, c: _xp.Count, k: Any, n: Any) -> Any:
    xp = c.xp
    begin = _max(c, c.steps(s.transition_begin), k)
    start_value = s._eval(_at(c, begin))  # v_k, or the initial value if not begun yet
    end = _max(c, n, begin)
    total = c.as_float(_sub(c, end, begin))
    local = c.shift(begin)
    elapsed = xp.minimum(local.t, total)
    remaining = xp.minimum(until(c, end), total)  # exact: N - t
    left, done = linear_pair(c, elapsed, remaining, total)
    power = None if known_to_equal(s.power, 1.0) else c.value(s.power)
    out = interpolate(c, start_value, c.value(s.end_value), left, done, power)
    # a transition of 0 steps is a step at its begin: it has nothing to stretch
    return xp.where(c.steps(s.transition_steps) > 0, out, s._eval(c))


def _tail_cosine(s: Cosine, c: _xp.Count, k: Any, n: Any) -> Any:
    xp = c.xp
    total = c.as_float(c.steps(s.decay_steps))
    kf, nf = c.as_float(k), c.as_float(n)
    zero = c.const(0.0)
    old_left, new_left = total - kf, nf - kf  # steps left of the arc, before and after
    ok = (old_left > 0) & (new_left > 0)
    rate = xp.where(ok, old_left / safe_den(c, new_left), zero)  # old steps per new step
    # the arc's remaining old time from the exact remaining new steps N - t (tail precision)
    remaining = xp.minimum(until(c, n) * rate, xp.maximum(old_left, zero))
    elapsed = xp.minimum(kf + xp.maximum(c.t - kf, zero) * rate, total)
    init, end = c.value(s.init_value), c.value(s.end_value)
    if known_to_equal(s.exponent, 1.0):
        return cosine_interpolate(c, init, end, elapsed, remaining, total)
    left, done = cosine_pair(c, elapsed, remaining, total)
    return interpolate(c, init, end, left, done, c.value(s.exponent))


def _tail_wsd(s: WarmupStableDecay, c: _xp.Count, k: Any, n: Any) -> Any:
    xp = c.xp
    old_total = c.steps(s.total_steps)
    start, length = _window(c, old_total, c.steps(s.decay_steps), c.steps(s.decay_start),
                            c.value(s.decay_fraction))
    a = _max(c, k, c.steps(s.warmup_steps))
    n_eff = _max(c, n, a)

    def wsd(decay_steps: Any) -> Any:
        return evolve(s, total_steps=n_eff, decay_steps=decay_steps, decay_start=None,
                                   decay_fraction=None)._eval(c)

    # before the decay: the stable phase moves, the decay keeps its length (or what is left)
    new_start = _max(c, _sub(c, n_eff, length), a)
    stable = wsd(_sub(c, n_eff, new_start))
    # in the decay: the rest of it stretched to end at N (the shape from where it is)
    old_left = c.as_float(_sub(c, old_total, k))
    new_left = c.as_float(_sub(c, n_eff, k))
    ok = old_left > 0
    stretched = c.as_float(length) * new_left / safe_den(c, old_left)
    decaying = wsd(xp.where(ok, stretched, c.const(0.0)))
    return xp.where(_le(c, k, start), stable, xp.where(_lt(c, k, old_total), decaying, s._eval(c)))


_BOUNDARY_FIELDS: dict[type, str] = {
    PiecewiseConstant: "boundaries",
    PiecewiseInterpolate: "boundaries",
    PiecewiseValues: "boundaries",
    MultiStepDecay: "milestones",
}


def _tail_piecewise(s: Schedule, c: _xp.Count, k: Any, n: Any) -> Any:
    xp = c.xp
    name = _BOUNDARY_FIELDS[type(s)]
    bounds = c.steps(getattr(s, name))
    m = int(bounds.shape[0])
    if m == 0:
        return s._eval(c)
    b = c.as_float(bounds)
    kf, nf = c.as_float(k), c.as_float(n)
    last = b[m - 1]
    ok = last > kf
    factor = xp.where(ok, (nf - kf) / xp.where(ok, last - kf, c.const(1.0)), c.const(1.0))
    moved = kf + xp.floor((b - kf) * factor + c.const(0.5))  # the nearest step, half up
    moved = xp.where(b > kf, xp.maximum(moved, kf), b)
    if c.n is not None:
        moved = xp.astype(moved, c.int_dtype)
    out = evolve(s, **{name: moved})._eval(c)
    if not isinstance(s, PiecewiseInterpolate):
        return out
    # the piece holding k runs from the current value to its (moved) knot
    ahead = b > kf
    beyond = last + c.const(1.0) + xp.abs(nf)
    b_next = xp.min(xp.where(ahead, b, beyond))
    m_next = c.as_float(xp.min(xp.where(ahead, moved, xp.astype(beyond, moved.dtype))))
    start = s._eval(_at(c, k))
    target = s._eval(_at(c, b_next))
    width = m_next - kf
    local = xp.maximum(c.t - kf, c.const(0.0))
    elapsed = xp.minimum(local, width)
    remaining = xp.maximum(width - local, c.const(0.0))
    pair = linear_pair if s.interpolate_type == "linear" else cosine_pair
    left, done = pair(c, elapsed, remaining, width)
    piece = interpolate(c, start, target, left, done)
    inside = xp.any(ahead) & (c.t < m_next)
    return xp.where(inside, piece, out)


def _tail_sequence(s: Sequence, c: _xp.Count, k: Any, n: Any) -> Any:
    xp = c.xp
    if len(s.schedules) == 1:
        return _tail(s.schedules[0], c, k, n)
    bounds = c.steps(s.boundaries)
    b = bounds[len(s.schedules) - 2]  # the last piece starts here
    lk = _max(c, _sub(c, k, b), _zero(c, b))
    ln = _max(c, _sub(c, n, b), _zero(c, b))
    last = _tail(s.schedules[-1], c.shift(b), lk, ln)
    return xp.where(c.ge(b), last, s._eval(c))


def _tail_warmup(s: Warmup, c: _xp.Count, k: Any, n: Any) -> Any:
    w = c.steps(s.warmup_steps)
    lk = _max(c, _sub(c, k, w), _zero(c, w))
    ln = _max(c, _sub(c, n, w), _zero(c, w))
    return c.xp.where(c.ge(w), _tail(s.schedule, c.shift(w), lk, ln), s._eval(c))


def _tail_scale(s: Scale, c: _xp.Count, k: Any, n: Any) -> Any:
    return _tail(s.schedule, c, k, n) * c.value(s.factor)


def _tail_clip(s: Clip, c: _xp.Count, k: Any, n: Any) -> Any:
    out = _tail(s.schedule, c, k, n)
    if s.min_value is not None:
        out = c.xp.maximum(out, c.value(s.min_value))
    if s.max_value is not None:
        out = c.xp.minimum(out, c.value(s.max_value))
    return out


_RULES: dict[type, Callable[..., Any]] = {
    Constant: _tail_constant,
    Polynomial: _tail_polynomial,
    Cosine: _tail_cosine,
    WarmupStableDecay: _tail_wsd,
    Sequence: _tail_sequence,
    Warmup: _tail_warmup,
    Scale: _tail_scale,
    Clip: _tail_clip,
    **{cls: _tail_piecewise for cls in _BOUNDARY_FIELDS},
}


def _unsupported(s: Any) -> str:
    name = type(s)._config_name or type(s).__name__
    return (
        f"replan(total_steps=...) cannot move a `{name}` schedule ({type(s).__name__}) to a new "
        "horizon: it has no end that a new total could move (supported: constant, linear and "
        "polynomial, cosine, warmup_stable_decay, the piecewise families, warmup(...), "
        "join_schedules whose last piece is one of these, scale and clip of them). Give the new "
        "plan explicitly with replan(schedule, at=k, then=new_schedule), or stretch(...) the "
        "whole schedule"
    )


# ---------------------------------------------------------------------------------- host checks
def _concrete_leaves(s: Schedule) -> bool:
    return not v.has_traced_leaf(s)


def _host(x: Any) -> float:
    return float(np.asarray(x, dtype=np.float64))


def _check_family(s: Any) -> None:
    """Raise for a schedule (or a child on the re-planned path) that has no rule."""
    if type(s) not in _RULES:
        raise ValueError(_unsupported(s))
    if isinstance(s, Sequence):
        _check_family(s.schedules[-1])
    elif isinstance(s, (Warmup, Scale, Clip)):
        _check_family(s.schedule)


def _earliest_total(s: Schedule, at: float) -> tuple[float, str]:
    """The least new horizon the rules can honour at ``at`` (concrete leaves), and why."""
    if isinstance(s, (Scale, Clip)):
        return _earliest_total(s.schedule, at)
    if isinstance(s, Warmup):
        w = _host(s.warmup_steps)
        inner, why = _earliest_total(s.schedule, max(at - w, 0.0))
        if at < w:
            return max(w, w + inner), "the end of the warmup under way"
        return w + inner, why
    if isinstance(s, Sequence) and len(s.schedules) > 1:
        b = _host(np.asarray(s.boundaries)[-1])
        inner, why = _earliest_total(s.schedules[-1], max(at - b, 0.0))
        if at < b:
            return max(b, b + inner), "the start of the last piece of the sequence"
        return b + inner, why
    if isinstance(s, WarmupStableDecay):
        w = _host(s.warmup_steps)
        if at < w:
            return w, "the end of the warmup under way"
    if isinstance(s, Polynomial):
        begin = _host(s.transition_begin)
        if at < begin:
            return begin, "the begin of the transition (`transition_begin`)"
    return at, "`at`"


# ---------------------------------------------------------------------------------- classes
@schedule_class("replan")
class Replan(Schedule):
    """The old schedule up to ``at``, then the same plan moved to end at ``total_steps``.

    See :func:`replan`.
    """

    schedule: Schedule = child_field()
    at: Any = steps_field()
    total_steps: Any = steps_field()

    def _eval(self, c: _xp.Count) -> Any:
        k = c.steps(self.at)
        n = c.steps(self.total_steps)
        old = self.schedule._eval(c)
        return c.xp.where(_after(c, k), _tail(self.schedule, c, k, n), old)


@schedule_class("replan")
class ReplanThen(Schedule):
    """The old schedule up to ``at``, then ``then`` on the local time ``t - at``.

    See :func:`replan`.
    """

    schedule: Schedule = child_field()
    at: Any = steps_field()
    then: Schedule = child_field()
    anchor: str = static_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        k = c.steps(self.at)
        old = self.schedule._eval(c)
        local = c.shift(k)
        new = self.then._eval(local)
        if self.anchor == "scale":
            now = self.schedule._eval(_at(c, k))
            first = self.then._eval(_at(local, _zero(c, k)))
            ok = first != 0
            ratio = xp.where(ok, now / xp.where(ok, first, xp.ones_like(first)), c.const(1.0))
            new = new * ratio
        return xp.where(_after(c, k), new, old)


@schedule_class("stretch")
class Stretch(Schedule):
    """``f(t) = s(t / ratio)``: every duration of ``s`` times ``ratio``. See :func:`stretch`."""

    schedule: Schedule = child_field()
    ratio: Any = value_field()

    def _eval(self, c: _xp.Count) -> Any:
        xp = c.xp
        r = c.value(self.ratio)
        u = c.t / xp.where(r > 0, r, xp.ones_like(r))
        if c.n is not None:
            u = _snap_up(c, u)
        return self.schedule._eval(c.replace(t=u, n=None))


# ---------------------------------------------------------------------------------- constructors
def _as_child(name: str, s: Any) -> Schedule:
    if isinstance(s, Schedule):
        return s
    v.callable_(name, s)
    return Function(s)


@register("replan")
def replan(
    schedule: Schedule,
    *,
    at: Steps,
    total_steps: Steps | None = None,
    then: ScheduleFn | None = None,
    anchor: str = "scale",
) -> Replan | ReplanThen:
    r"""Change the plan of a run after ``at`` updates: a new horizon, or a new plan from now on.

    The result equals ``schedule`` for every count ``t <= k`` (``k = at``) and continues from its
    value there without a jump:

    - ``total_steps=N``: **the same plan, moved to end at** ``N`` (stretched to extend a run,
      shrunk to end it early). Each family follows its own rule, from the value ``v_k`` it has
      at ``k`` (see the table in :mod:`jaxsched.compose.replan`): a cosine runs the rest of its
      arc to its end value at ``N``,

      .. math::
        f(t) = E + (I - E)\,C\!\left(\frac{D - R(t)}{D}\right)^{q},\quad
        R(t) = (N - t)\,\frac{D - k}{N - k},\quad k < t \le N

      (``R`` the cosine's remaining steps, from the exact ``N - t``); a linear or polynomial
      transition goes from ``v_k`` to its end value at ``N``; a warmup-stable-decay lengthens
      its stable phase and keeps its decay length ``D`` (the cooldown is a fixed budget in WSD
      practice, Hägele et al. 2024: extending a run moves the cooldown, it does not slow it);
      a warmup under way keeps its length; piecewise schedules move their remaining
      boundaries in proportion, to the nearest step. A family without an end raises.
    - ``then=new``: **a new plan** (a cooldown that starts now): update ``t > k`` uses
      ``new(t - k)``, scaled so that it starts from the current value
      (``anchor="scale"``: :math:`f(t) = s(k)\,\mathrm{new}(t - k)/\mathrm{new}(0)`), so
      ``f(k + 1) - f(k)`` is one step of the new plan. Its shape is kept: a cooldown to 0
      still ends at 0, and ``new = linear_schedule(1.0, 0.0, D)`` is a linear cooldown from
      wherever the run is. ``anchor="none"`` uses ``new``'s values as they are and checks
      (when concrete) that ``new(0)`` is the current value.

    Torch resume: build the bridge with the re-planned schedule and restore the checkpoint of
    the old one: ``Scheduler(opt, replan(old, at=k, ...)).load_state_dict(state)`` accepts a
    checkpoint of ``old`` saved at a step ``<= k`` (the fingerprint of ``old`` is recognised;
    any other schedule change needs ``allow_changes=("schedule",)``). Passing
    ``last_epoch=k - 1`` as torch does (construction advances one step) resumes at step ``k`` too.

    Args:
      schedule: the plan run so far (a jaxsched Schedule).
      at: ``k >= 0``, the optimizer updates done when the plan changes: the last count that
        keeps the old value (``Scheduler.last_epoch`` of the checkpoint, or the optax
        ``count``) (traceable).
      total_steps: ``N >= k``, the new horizon: the step at which the plan now ends
        (traceable). ``N = k`` jumps to the end value at ``k + 1``. Exactly one of
        ``total_steps`` and ``then``.
      then: the new plan on the local time ``t - k`` (a jaxsched Schedule, or a ``jax.numpy``
        callable, which cannot be serialised).
      anchor: ``"scale"`` (default) or ``"none"``, how ``then`` meets the current value
        (static).

    Returns:
      A :class:`Replan` (``total_steps``) or :class:`ReplanThen` (``then``) schedule.

    Raises:
      ValueError: both or neither of ``total_steps`` and ``then``; ``at`` or ``total_steps``
        negative or not finite; ``total_steps < at``, or before the end of a warmup (or of
        the pieces before the last) still under way; a family that has no rule for a new
        horizon (named in the message); ``anchor="scale"`` with ``then(0) = 0``;
        ``anchor="none"`` with ``then(0)`` not the current value; an unknown ``anchor``.
      TypeError: ``schedule`` is not a Schedule; ``then`` is not callable; a step is not a
        number.

    Example:
      >>> import jaxsched, numpy as np
      >>> old = jaxsched.cosine_decay(1.0, 10)
      >>> longer = jaxsched.replan(old, at=5, total_steps=15)  # the rest of the arc over 10 steps
      >>> [round(float(x), 4) for x in longer.evaluate(np.array([4, 5, 6, 10, 15, 20]), np)]
      [0.6545, 0.5, 0.4218, 0.1464, 0.0, 0.0]
      >>> cool = jaxsched.replan(old, at=5, then=jaxsched.linear_schedule(1.0, 0.0, 4))
      >>> [round(float(x), 4) for x in cool.evaluate(np.arange(4, 10), np)]
      [0.6545, 0.5, 0.375, 0.25, 0.125, 0.0]

    Equivalents:
      MaxText: ``learning_rate_schedule_steps`` (a horizon apart from the run's steps, fixed at
      the start); Composer: a new ``scheduler`` on resume restarts it from its step 0 (the jump
      of mosaicml/composer#3154); torch/mmengine: rebuilding the scheduler with a new
      ``T_max`` jumps to the new curve's value at the resumed step. optax: none;
      ``join_schedules([old, new], [k])`` with ``new`` written by hand from ``old(k)``.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(
            f"`schedule` must be a jaxsched Schedule, got {v.describe(schedule)} of type "
            f"{type(schedule).__name__}"
        )
    if (total_steps is None) == (then is None):
        raise ValueError(
            "exactly one of `total_steps` and `then` must be given, got "
            + ("both" if then is not None else "neither")
            + ": total_steps=N moves the same plan to end at N, then=new_schedule starts a new one"
        )
    k = v.steps("at", at)
    anchor = v.choice("anchor", anchor, ANCHORS)  # checked with total_steps too (unused there)
    if total_steps is not None:
        _check_family(schedule)
        n = v.steps("total_steps", total_steps)
        if (not v.is_traced(k) and not v.is_traced(n) and np.ndim(k) == 0
                and _concrete_leaves(schedule)):
            least, why = _earliest_total(schedule, _host(k))
            if np.any(np.asarray(n, dtype=np.float64) < least):
                raise ValueError(
                    f"`total_steps` must be >= {least:g} ({why}), got {v.describe(n)} with "
                    f"at={v.describe(k)}"
                )
        return Replan(schedule, k, n)
    new = _as_child("then", then)
    if (isinstance(new, Function) or not _concrete_leaves(new) or not _concrete_leaves(schedule)
            or v.is_traced(k)):
        return ReplanThen(schedule, k, new, anchor)
    first = _host(new.evaluate(0, np))
    if anchor == "scale" and first == 0:
        raise ValueError(
            "`then` must not start at 0 with anchor='scale' (it is scaled by "
            "schedule(at) / then(0)); use anchor='none' and give its values as they are"
        )
    if anchor == "none":
        now = np.asarray(schedule.evaluate(np.asarray(k), np), dtype=np.float64)
        if np.any(np.abs(now - first) > 1e-6 * np.maximum(np.abs(now), abs(first)) + 1e-12):
            raise ValueError(
                f"`then` must start at the current value schedule(at) = {v.describe(now.tolist())} "
                f"with anchor='none' (no jump), got then(0) = {first!r}; use anchor='scale' to "
                "start it there"
            )
    return ReplanThen(schedule, k, new, anchor)


@register("stretch")
def stretch(schedule: ScheduleFn, ratio: Value) -> Stretch:
    r"""Stretch a schedule in time: every duration times ``ratio`` (Composer's ``ssr``).

    .. math:: f(t) = s(t / r)

    A boundary at step ``B`` of ``schedule`` falls at step ``r B``: exactly on that step when
    ``r B`` is an integer (for integer counts; ``t / r`` is snapped to an integer it misses by
    rounding, so ``r = 0.1`` moves a boundary at 30 to step 3 exactly, for stretched times up to
    ``2**21`` in float32 and far beyond in float64). Between boundaries the schedule runs on
    the fractional time ``t / r``. To keep a warmup's length (Composer's ``scale_warmup=False``),
    stretch the schedule after it: ``warmup(stretch(s, r), W)``.

    Args:
      schedule: a jaxsched schedule (or a ``jax.numpy`` callable).
      ratio: ``r > 0`` (traceable): ``r < 1`` shortens the run, ``r > 1`` lengthens it.

    Returns:
      A :class:`Stretch` schedule.

    Raises:
      ValueError: ``ratio <= 0`` or not finite.
      TypeError: ``schedule`` is not callable; ``ratio`` is not a number.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.stretch(jaxsched.multistep_decay(1.0, [30, 80], 0.1), 0.1)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(1, 10), np)]
      [1.0, 1.0, 0.1, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01]

    Equivalents:
      Composer: ``Trainer(scale_schedule_ratio=r)`` (it also scales ``max_duration``; here
      the run's length is yours). torch, optax: rebuild the schedule with every step count
      multiplied.
    """
    return Stretch(_as_child("schedule", schedule), v.real("ratio", ratio, gt=0))

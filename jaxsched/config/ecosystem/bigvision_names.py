"""big_vision's learning-rate schedules: ``big_vision.<decay_type>``.

big_vision (``big_vision/utils.py``, ``create_learning_rate_schedule``, commit ``11eea57``)
builds ``base`` (times ``batch_size / 256`` with ``scale_with_batchsize``) shaped by a
``decay_type`` over the progress ``p = clip((k - W) / (T - W), 0, 1)`` (``T = total_steps``,
``W`` the warmup), then multiplied by the warmup ``min(1, k / W)`` and the cooldown
``min(1, (T - k) / C)`` overlays. The names are ``big_vision.linear`` / ``big_vision.polynomial``
(``end`` or ``linear_end``, ``power``), ``big_vision.cosine``, ``big_vision.rsqrt``
(``timescale`` or ``timescale_examples``, ``shift``), ``big_vision.stair`` (``steps``,
``mults``), and ``big_vision.schedule`` (a ``config.schedule`` block) taking ``decay_type``
(default ``"stair"``, as big_vision's). The warmup and cooldown are given as big_vision's durations:
``warmup_steps``, ``warmup_examples`` (with ``batch_size``), ``warmup_epochs`` (with
``batch_size`` and ``data_size``) or ``warmup_percent`` (of ``total_steps``), converted as its
``utils.steps`` does (``max(1, round(x))``, 0 for 0); likewise ``cooldown_*``.

**Step convention.** big_vision's optimizer (``bv_optax``) scales the update by
``schedule(count)`` with optax's count: update ``k`` uses ``k``, the clean convention (its
config's ``lr`` multiplies the schedule's ``base``).

**Deliberate differences**, raising at construction: ``warmup_steps >= total_steps`` (big_vision
asserts it for ``total_steps > 1`` and divides by zero otherwise); unsorted stair ``steps`` or
``mults`` of another length (big_vision's ``searchsorted``/``take`` then give wrong values or
NaN); ``shift < 0`` or a non-positive ``timescale``. Past ``total_steps`` the cooldown factor is 0
(big_vision's ``(T - k) / C`` turns negative there; it never trains past ``T``).
"""

from __future__ import annotations

from typing import Any

from jaxsched.compose import offset, product
from jaxsched.config.ecosystem.deepspeed_names import maximum
from jaxsched.config.ecosystem.fairseq_names import _concrete, _where
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.schedules.cosine import cosine_decay
from jaxsched.schedules.decay import piecewise_constant_values
from jaxsched.schedules.inverse import inverse_sqrt_decay
from jaxsched.schedules.polynomial import linear_schedule, polynomial_schedule

__all__ = [
    "big_vision_create_learning_rate_schedule", "big_vision_linear", "big_vision_polynomial",
    "big_vision_cosine", "big_vision_rsqrt", "big_vision_stair", "DECAY_TYPES",
]

#: big_vision's ``decay_type`` values.
DECAY_TYPES = ("linear", "polynomial", "cosine", "rsqrt", "stair")


def _duration(prefix: str, given: dict, total: Any, batch_size: Any, data_size: Any) -> Any:
    """big_vision's ``utils.steps(prefix, ...)`` with default 0."""
    set_ = {k: x for k, x in given.items() if x is not None}
    if len(set_) > 1:
        raise ValueError(f"give one of {', '.join(f'`{prefix}_{k}`' for k in given)}, got "
                         f"{', '.join(f'{prefix}_{k}={x!r}' for k, x in set_.items())} (big_vision "
                         "asserts 'Only one of ... should be defined')")
    if not set_:
        return 0
    (kind, x), = set_.items()
    name = f"{prefix}_{kind}"
    if kind == "steps":
        return v.integer(name, x, ge=0)

    def to_integer(y: float) -> int:
        return max(1, round(y)) if y else 0

    if kind == "examples":
        if batch_size is None:
            raise ValueError(f"`{name}` needs `batch_size`, got None")
        return to_integer(v.real(name, x, ge=0) / batch_size)
    if kind == "epochs":
        if batch_size is None or data_size is None:
            raise ValueError(f"`{name}` needs `batch_size` and `data_size`, got {batch_size!r} "
                             f"and {data_size!r}")
        return to_integer(v.real(name, x, ge=0) * (data_size / batch_size))
    pct = v.real(name, x, ge=0, le=1, hint=" (a fraction of total_steps, in [0, 1])")
    return to_integer(pct * total)


def _cooldown(total: Any, c: Any) -> Schedule:
    """``clip(min(1, (T - k) / C), 0)``: 1, then linear to 0 at ``T`` over the last ``C`` updates."""
    start = maximum(total - c, 0)
    init = _where(c > total, total / maximum(c, 1), 1.0)
    return offset(linear_schedule(init, 0.0, maximum(total - start, 1)), start)


def _build(decay_type: str, total_steps: Any, batch_size: Any, data_size: Any, base: Any,
           scale_with_batchsize: Any, warmup: dict, cooldown: dict, power: Any, end: Any,
           linear_end: Any, timescale: Any, timescale_examples: Any, shift: Any, steps: Any,
           mults: Any) -> Schedule:
    kind = v.choice("decay_type", decay_type, DECAY_TYPES,
                    hint=" (big_vision raises 'Unknown lr type')")
    t = v.integer("total_steps", total_steps, gt=0)
    bs = v.integer("batch_size", batch_size, gt=0, allow_none=True)
    ds = v.integer("data_size", data_size, gt=0, allow_none=True)
    lr = v.real("base", base)
    if v.boolean("scale_with_batchsize", scale_with_batchsize):
        if bs is None:
            raise ValueError("`scale_with_batchsize`=True needs `batch_size`, got None")
        lr = lr * bs / 256.0
    w = _duration("warmup", warmup, t, bs, ds)
    c = _duration("cooldown", cooldown, t, bs, ds)
    if _concrete(w, t) and w >= t:
        raise ValueError(f"`warmup_steps` must be < total_steps ({t!r}), got {w!r} (big_vision "
                         "asserts 'warmup_steps is >= total_steps')")
    span = t - w
    # every decay type's options are checked, used by this decay_type or not (big_vision reads
    # them with kw.get and ignores the others; None is legal only for end, linear_end and
    # timescale_examples, whose big_vision default is "not given")
    end = v.real("end", end, allow_none=True)
    linear_end = v.real("linear_end", linear_end, allow_none=True)
    power = v.real("power", power, ge=0)
    timescale = v.real("timescale", timescale, gt=0)
    timescale_examples = v.real("timescale_examples", timescale_examples, gt=0, allow_none=True)
    sh = v.real("shift", shift, ge=0)
    if kind in ("linear", "polynomial"):
        z = end if end is not None else (linear_end if linear_end is not None else 0.0)
        main: Schedule = offset(polynomial_schedule(lr, z, power, span), w)
    elif kind == "cosine":
        main = offset(cosine_decay(lr, span, 0.0), w)
    elif kind == "rsqrt":
        if timescale_examples is not None:
            if bs is None:
                raise ValueError("`timescale_examples` needs `batch_size`, got None")
            tau = timescale_examples / bs
        else:
            tau = timescale
        main = offset(inverse_sqrt_decay(lr * (1 + sh / tau) ** -0.5, tau + sh), w)
    else:
        stairs = v.sorted_steps("steps", list(steps) if isinstance(steps, tuple) else steps)
        n = len(stairs) if not v.is_traced(stairs) else stairs.shape[0]
        ms = v.sequence("mults", mults)
        if len(ms) != n:
            raise ValueError(f"`mults` must have one entry per `steps` entry ({n}), got {len(ms)} "
                             "(big_vision "
                             "takes mults[i] after steps[i])")
        vals = [lr] + [lr * v.real(f"mults[{i}]", m) for i, m in enumerate(ms)]
        main = piecewise_constant_values(stairs, vals)
    parts = [main]
    if not (_concrete(w) and w == 0):
        parts.append(linear_schedule(0.0, 1.0, maximum(w, 1)))
    if not (_concrete(c) and c == 0):
        parts.append(_cooldown(t, c))
    return parts[0] if len(parts) == 1 else product(parts)


_DOC_ARGS = """
    Args:
      total_steps: ``T``, the updates of the run (an integer ``>= 1``).
      batch_size, data_size: the global batch size and the examples per epoch, used by the
        ``*_examples`` / ``*_epochs`` durations and ``scale_with_batchsize``.
      base: the lr before the warmup (default 1.0; traceable).
      scale_with_batchsize: multiply ``base`` by ``batch_size / 256``.
      warmup_steps, warmup_examples, warmup_epochs, warmup_percent: the warmup ``W`` (one of
        them; default none: no warmup); likewise ``cooldown_*`` for the cooldown ``C``.
"""


@register("big_vision.schedule")
def big_vision_create_learning_rate_schedule(
    total_steps: Any, batch_size: Any = None, data_size: Any = None, base: Any = 1.0,
    decay_type: str = "stair", scale_with_batchsize: bool = False, warmup_steps: Any = None,
    warmup_examples: Any = None, warmup_epochs: Any = None, warmup_percent: Any = None,
    cooldown_steps: Any = None, cooldown_examples: Any = None, cooldown_epochs: Any = None,
    cooldown_percent: Any = None, power: Any = 1.0, end: Any = None, linear_end: Any = None,
    timescale: Any = 10_000, timescale_examples: Any = None, shift: Any = 0, steps: Any = (),
    mults: Any = (),
) -> Schedule:
    r"""big_vision ``create_learning_rate_schedule``: a ``decay_type`` with warmup and cooldown.

    .. math:: f(k) = g(k)\ \min(1, k / W)\ \mathrm{clip}\big(\min(1, (T - k)/C), 0\big)

    ``g`` by ``decay_type`` (``p = clip((k - W)/(T - W), 0, 1)``, ``b`` the base):
    ``linear``/``polynomial``: ``z + (b - z)(1 - p)**power`` (``z = end``, else ``linear_end``,
    else 0); ``cosine``: ``b (1 + cos(pi p))/2``; ``rsqrt``: ``b / sqrt(1 + (k + shift - W) /
    timescale)`` from ``W`` (``b / sqrt(1 + shift / timescale)`` before; ``timescale_examples /
    batch_size`` replaces ``timescale``); ``stair``: ``b`` times ``mults[i]`` from ``steps[i]``
    on. A factor without its duration is omitted. Built from ``offset``-ed native decays,
    ``linear_schedule`` overlays and :func:`jaxsched.product`.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "big_vision.cosine", "params": {
      ...     "total_steps": 10, "base": 1.0, "warmup_steps": 2}})
      >>> [round(float(x), 4) for x in s.evaluate(np.array([0, 1, 2, 6, 10]), np)]
      [0.0, 0.5, 1.0, 0.5, 0.0]

    Equivalents:
      big_vision: ``config.schedule = dict(decay_type="cosine", warmup_steps=...)`` passed to
      ``utils.create_learning_rate_schedule(total_steps, batch_size, data_size, **schedule)``.
      optax: ``warmup_cosine_decay_schedule`` (for ``cosine`` with a warmup).
    """
    return _build(decay_type, total_steps, batch_size, data_size, base, scale_with_batchsize,
                  dict(steps=warmup_steps, examples=warmup_examples, epochs=warmup_epochs,
                       percent=warmup_percent),
                  dict(steps=cooldown_steps, examples=cooldown_examples, epochs=cooldown_epochs,
                       percent=cooldown_percent),
                  power, end, linear_end, timescale, timescale_examples, shift, steps, mults)


def _typed(decay_type: str, doc: str):
    """``big_vision.<decay_type>``: ``create_learning_rate_schedule`` with that ``decay_type``."""

    def fn(total_steps: Any, batch_size: Any = None, data_size: Any = None, base: Any = 1.0,
           scale_with_batchsize: bool = False, warmup_steps: Any = None,
           warmup_examples: Any = None, warmup_epochs: Any = None, warmup_percent: Any = None,
           cooldown_steps: Any = None, cooldown_examples: Any = None,
           cooldown_epochs: Any = None, cooldown_percent: Any = None, **kw: Any) -> Schedule:
        return big_vision_create_learning_rate_schedule(
            total_steps, batch_size, data_size, base, decay_type, scale_with_batchsize,
            warmup_steps, warmup_examples, warmup_epochs, warmup_percent, cooldown_steps,
            cooldown_examples, cooldown_epochs, cooldown_percent, **kw)

    fn.__name__ = fn.__qualname__ = f"big_vision_{decay_type}"
    fn.__doc__ = doc + _DOC_ARGS
    return fn


def _with_extra(fn, extra: str):
    """Give ``fn`` the decay type's own keyword arguments (a real signature for the registry)."""
    import inspect

    base_sig = inspect.signature(fn)
    params = [p for p in base_sig.parameters.values() if p.kind is not p.VAR_KEYWORD]
    full = inspect.signature(big_vision_create_learning_rate_schedule).parameters
    params += [full[n] for n in extra.split()]
    fn.__signature__ = base_sig.replace(parameters=params)
    fn.__annotations__ = {**{p.name: Any for p in params}, "return": Schedule}
    return fn


big_vision_linear = register("big_vision.linear")(_with_extra(_typed("linear", (
    "big_vision ``decay_type=\"linear\"``: ``z + (b - z)(1 - p)``, ``z = end`` or ``linear_end``.\n\n"
    "    Equivalents:\n      big_vision: ``schedule=dict(decay_type=\"linear\", linear_end=...)``.\n")),
    "power end linear_end"))
big_vision_polynomial = register("big_vision.polynomial")(_with_extra(_typed("polynomial", (
    "big_vision ``decay_type=\"polynomial\"``: ``z + (b - z)(1 - p)**power``.\n\n"
    "    Equivalents:\n      big_vision: ``schedule=dict(decay_type=\"polynomial\", power=...)``.\n")),
    "power end linear_end"))
big_vision_cosine = register("big_vision.cosine")(_with_extra(_typed("cosine", (
    "big_vision ``decay_type=\"cosine\"``: ``b (1 + cos(pi p)) / 2``, with warmup and cooldown.\n\n"
    "    Equivalents:\n      big_vision: ``schedule=dict(decay_type=\"cosine\", warmup_steps=...)``.\n")),
    ""))
big_vision_rsqrt = register("big_vision.rsqrt")(_with_extra(_typed("rsqrt", (
    "big_vision ``decay_type=\"rsqrt\"``: ``b / sqrt(1 + (k + shift - W) / timescale)`` from ``W``.\n\n"
    "    Equivalents:\n      big_vision: ``schedule=dict(decay_type=\"rsqrt\", timescale=...)``.\n")),
    "timescale timescale_examples shift"))
big_vision_stair = register("big_vision.stair")(_with_extra(_typed("stair", (
    "big_vision ``decay_type=\"stair\"``: ``b`` times ``mults[i]`` from ``steps[i]`` on.\n\n"
    "    Equivalents:\n      big_vision: ``schedule=dict(decay_type=\"stair\", steps=[...],\n"
    "      mults=[...])``.\n")),
    "steps mults"))

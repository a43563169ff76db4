"""torch's ``SequentialLR`` and ``ChainedScheduler`` by their own names, over ``torch.*`` children.

The children are given as configs of torch names (``{"type": "torch.LinearLR", "params":
{...}}``, each with the optimizer's ``lr``), or as the schedules those names built; torch's rules
depend on which scheduler each child is, so each is read from the record the ``torch.*`` names
leave on their schedules (see :mod:`jaxsched.config.ecosystem.torch_names`). Registered when that
module is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as SequenceABC
from typing import Any

import numpy as np

from jaxsched.compose import product, scale
from jaxsched.config.ecosystem.torch_spec import BUILDERS, spec, tag, torch_name
from jaxsched.core import validate as v
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import boundary_list, join_schedules
from jaxsched.schedules.polynomial import constant_schedule

__all__: list[str] = []

_COMPOSITE = ("torch.SequentialLR", "torch.ChainedScheduler")
_ABSOLUTE = ("torch.CyclicLR", "torch.OneCycleLR")
_REBASED = ("torch.MultiplicativeLR", "torch.SWALR")  # they start from the current group lr
_CHAINABLE = (
    "torch.MultiplicativeLR", "torch.StepLR", "torch.MultiStepLR", "torch.ConstantLR",
    "torch.LinearLR", "torch.ExponentialLR", "torch.PolynomialLR", "torch.CosineAnnealingLR",
)


def _children(owner: str, schedulers: Any) -> list[Schedule]:
    if isinstance(schedulers, (str, bytes, Mapping, Schedule)) or not isinstance(
        schedulers, SequenceABC
    ):
        raise TypeError(
            f"`schedulers` must be a list of torch scheduler configs (or the schedules built from "
            f"them), got {schedulers!r} of type {type(schedulers).__name__}"
        )
    if not schedulers:
        chained = " to be chained" if owner == "ChainedScheduler" else ""
        words = f"expects at least one scheduler{chained}, but got no scheduler."
        raise ValueError(f"`schedulers` must hold at least one scheduler, got [] (torch: {owner} {words})")
    out = []
    for i, s in enumerate(schedulers):
        if isinstance(s, Mapping):
            from jaxsched.config import from_config

            s = from_config(s)
        if hasattr(s, "plateau") and hasattr(s, "schedule") and not isinstance(s, Schedule):
            raise ValueError(  # a PlateauSchedule (torch.ReduceLROnPlateau): torch refuses it too
                f"`schedulers[{i}]` is metric-driven (torch: {owner} does not support "
                "`ReduceLROnPlateau` scheduler as it requires additional kwargs to be specified "
                f"when calling `step`, but got one at index {i} in the given schedulers "
                "sequence.); give the Scheduler `plateau=` instead")
        if not isinstance(s, Schedule):
            raise TypeError(
                f"`schedulers[{i}]` must be a torch scheduler config such as "
                f"{{'type': 'torch.LinearLR', 'params': {{...}}}}, got {s!r} of type "
                f"{type(s).__name__}"
            )
        out.append(s)
    return out


def _kind(s: Schedule) -> str | None:
    sp = spec(s)
    return sp[0] if sp else None


def _same_lr(owner: str, kids: list[Schedule]) -> Any:
    """The children's common ``lr`` (checked where concrete): torch shares one optimizer."""
    lrs = [(i, spec(k)[1]["lr"]) for i, k in enumerate(kids) if spec(k) and "lr" in spec(k)[1]]
    known = [(i, x) for i, x in lrs if not v.is_traced(x)]
    for i, x in known[1:]:
        if not np.array_equal(np.asarray(x, np.float64), np.asarray(known[0][1], np.float64)):
            raise ValueError(
                f"`schedulers[{i}]` has lr={x!r} but `schedulers[{known[0][0]}]` has "
                f"lr={known[0][1]!r}; the schedulers of a torch {owner} share one optimizer, so "
                "give them the same `lr`"
            )
    return lrs[0][1] if lrs else None


def _integral(name: str, xs: Any) -> Any:
    if v.is_traced(xs):
        return xs
    for i, m in enumerate(np.asarray(xs).reshape(-1).tolist()):
        v.integer(f"{name}[{i}]", m)
    return np.asarray(xs).astype(np.int64)


def _value_before(prev: Schedule, m: Any) -> Any:
    """``prev(m - 1)``: host float64 when everything is concrete, else a JAX value."""
    if not v.is_traced(m) and not v.has_traced_leaf(prev):
        try:
            return float(np.asarray(prev.evaluate(max(int(m) - 1, 0), np)))
        except Exception:  # a user lr_lambda that only runs on jax.numpy
            pass
    import jax.numpy as jnp

    return prev(jnp.maximum(jnp.asarray(m) - 1, 0))


def _rebase(kid: Schedule, pieces: list[Schedule], ms: Any, i: int) -> Schedule:
    """A MultiplicativeLR or SWALR child that torch starts from the lr before its milestone."""
    name, kw = spec(kid)
    m = ms[i - 1]
    prev = pieces[0] if i == 1 else join_schedules(pieces, ms[: i - 1])
    before = _value_before(prev, m)
    start = before * kw["lr_lambda"] if name == "torch.MultiplicativeLR" else before
    if v.is_traced(m) or v.is_traced(start):
        import jax.numpy as jnp

        start = jnp.where(jnp.asarray(m) > 0, start, kw["lr"])
    elif int(m) == 0:  # the child runs from step 0: torch's initial step keeps the lr
        start = kw["lr"]
    return BUILDERS[name](**{**kw, "lr": start})


@torch_name("torch.SequentialLR")
def sequential_lr(schedulers: Any, milestones: Any, lr: Any = None) -> Schedule:
    r"""torch ``SequentialLR``: child ``i`` from milestone ``i - 1`` on, at local time ``k - m``
    (at a milestone torch calls the child's closed form at 0, then steps it). Children are torch
    names sharing one ``lr``; integer milestones, sorted, one fewer than the children. Kept
    quirks: a ``ChainedScheduler`` as the first child runs, as torch runs it, one step ahead for
    the children whose first step is a ratio (torch's ``SequentialLR`` undoes the chain's
    children's initial step and re-steps them outside their initial mode): ``ExponentialLR``
    and ``MultiplicativeLR`` give ``gamma**(k + 1)``, ``PolynomialLR`` an extra
    ``(T / (T + 1))**power`` and ``CosineAnnealingLR`` an extra ``2 / (1 + cos(pi / T_max))``
    until its ``T_max`` (the others, which test ``last_epoch == 0``, are unchanged); a
    ``MultiplicativeLR`` or ``SWALR`` child after a milestone ``m > 0`` starts from
    the lr of step ``m - 1`` (torch applies them to the current lr): ``lr_before * f**(j + 1)``
    and an anneal from ``lr_before`` at local step ``j``; several ``SWALR`` children all anneal to
    the ``swa_lr`` of the last one (torch keeps it in the param group). Not supported (``ValueError``):
    ``CyclicLR``/``OneCycleLR`` next to other children (torch lets them overwrite the
    optimizer's lr and ``initial_lr``, changing the others' base), a nested ``SequentialLR``,
    and a ``ChainedScheduler`` after a milestone (torch raises ``NotImplementedError`` there: it
    cannot restart a chain). ``lr`` (the optimizer's learning rate) is given to the children
    configs that lack one. Native: ``join_schedules(children, milestones)``.

    .. math:: \text{lr}(k) = s_i(k - m_{i-1}) \quad \text{for } m_{i-1} \le k < m_i

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "torch.SequentialLR", "params": {
      ...     "schedulers": [
      ...         {"type": "torch.LinearLR", "params": {"lr": 1.0, "start_factor": 0.1,
      ...                                                "total_iters": 3}},
      ...         {"type": "torch.CosineAnnealingLR", "params": {"lr": 1.0, "T_max": 4}}],
      ...     "milestones": [3]}})
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(10), np)]
      [0.1, 0.4, 0.7, 1.0, 0.853553, 0.5, 0.146447, 0.0, 0.146447, 0.5]
    """
    kids = _children("SequentialLR", schedulers)
    if hasattr(milestones, "__len__") and len(milestones) != len(kids) - 1:  # torch's words
        raise ValueError(
            "Sequential Schedulers expects number of schedulers provided to be one more than the number "
            f"of milestone points, but got number of schedulers {len(kids)} and the number of milestones "
            f"to be equal to {len(milestones)} (`milestones` of torch.SequentialLR)"
        )
    ms = v.sorted_steps("milestones", milestones, length=len(kids) - 1,
                        hint=" (one milestone between each pair of schedulers, in order)")
    ms = _integral("milestones", ms)
    if lr is not None:
        v.real("lr", lr)
    for i, k in enumerate(kids):
        kind = _kind(k)
        if kind == "torch.SequentialLR" or (kind == "torch.ChainedScheduler" and i > 0):
            raise ValueError(
                f"`schedulers[{i}]` is a {kind}, which torch's SequentialLR cannot step at a "
                "milestone (it has no get_lr: torch raises NotImplementedError there); list its "
                "schedulers in this SequentialLR instead (a ChainedScheduler may come first)"
            )
        if kind in _ABSOLUTE and len(kids) > 1:
            raise ValueError(
                f"`schedulers[{i}]` is a {kind}, which overwrites the optimizer's lr and initial_lr "
                "when torch builds it and so changes the base of the other schedulers; jaxsched "
                "does not reproduce that: use join_schedules over native schedules"
            )
    if _kind(kids[0]) == "torch.ChainedScheduler":
        kids[0] = _chain_first(kids[0])
    if len(kids) == 1:
        return kids[0]
    _same_lr("SequentialLR", kids)
    swas = [k for k in kids if _kind(k) == "torch.SWALR"]
    if len(swas) > 1:  # torch keeps swa_lr in the param group: the last SWALR built sets it
        last = spec(swas[-1])[1]["swa_lr"]
        kids = [BUILDERS["torch.SWALR"](**{**spec(k)[1], "swa_lr": last}) if k in swas else k
                for k in kids]
    pieces = [kids[0]]
    for i in range(1, len(kids)):
        k = kids[i]
        pieces.append(_rebase(k, pieces, ms, i) if _kind(k) in _REBASED else k)
    bounds = ms if v.is_traced(ms) else np.asarray(ms).tolist()
    return tag("torch.SequentialLR", join_schedules(pieces, bounds))


def _last_change(name: str, kw: dict) -> Any:
    """The last step at which a chainable child changes the lr (``None``: never stops)."""
    if any(v.is_traced(x) for x in kw.values()) or (
        name == "torch.MultiStepLR" and not isinstance(kw["milestones"], list)
    ):
        raise ValueError(
            f"a {name} chained with a CosineAnnealingLR must have concrete (untraced) parameters: "
            "jaxsched checks that it stops changing the lr by T_max"
        )
    if name in ("torch.StepLR", "torch.ExponentialLR"):
        return 0 if kw["gamma"] == 1 else None
    if name == "torch.MultiplicativeLR":
        return 0 if kw["lr_lambda"] == 1 else None
    if name == "torch.MultiStepLR":
        return max(kw["milestones"]) if kw["milestones"] and kw["gamma"] != 1 else 0
    return kw["total_iters"]


def _with_cosine(cos: Schedule, others: list[Schedule], factors: list[Schedule]) -> Schedule:
    """``C(k) Q(k)`` where ``Q`` is the others' factor up to ``T_max`` and 1 after.

    At ``T_max + 1`` torch's CosineAnnealingLR restarts additively from its base lr, which drops
    the factors the other children accumulated; when they have all stopped changing by
    ``T_max`` the chain is exactly ``base * C(k) * Q(k)``.
    """
    kw = spec(cos)[1]
    t_max, eta_min = kw["T_max"], kw["eta_min"]
    if v.is_traced(t_max) or v.is_traced(eta_min) or eta_min != 0:
        raise ValueError(
            f"a CosineAnnealingLR in a ChainedScheduler must have eta_min=0 (concrete), got "
            f"{eta_min!r}: with eta_min torch's step is affine (eta_min + (lr - eta_min) * ratio), "
            "not a factor that chains; use the native product/add of schedules instead"
        )
    for k in others:
        name, okw = spec(k)
        last = _last_change(name, okw)
        if last is None or last > t_max:
            raise ValueError(
                f"the chained {name} still changes the lr after T_max={t_max!r} of the chained "
                "CosineAnnealingLR, where torch's cosine restarts additively from its base lr "
                "(dropping the other schedulers' factors); jaxsched reproduces chains whose other "
                "schedulers stop changing by T_max (warmups, milestones <= T_max): use the native "
                "product([...]) for a plain product"
            )
    cos_factor = BUILDERS["torch.CosineAnnealingLR"](**{**kw, "lr": 1.0})
    rest = factors[0] if len(factors) == 1 else product(factors)
    held = join_schedules([rest, constant_schedule(1.0)], boundary_list(t_max))
    return product([cos_factor, held])


@torch_name("torch.ChainedScheduler")
def chained_scheduler(schedulers: Any, lr: Any = None) -> Schedule:
    r"""torch ``ChainedScheduler`` of chainable children on one ``lr``: every child multiplies the
    group lr by its own step ratio, so the chain is ``lr * prod_i g_i(k)`` with ``g_i`` each
    child's factor (e.g. ``ConstantLR(0.1, 2)`` + ``ExponentialLR(0.9)``: ``[0.1, 0.09, 0.81,
    0.729, ...]``). Chainable: ``MultiplicativeLR``, ``StepLR``, ``MultiStepLR``, ``ConstantLR``,
    ``LinearLR``, ``ExponentialLR``, ``PolynomialLR``, and one ``CosineAnnealingLR`` with
    ``eta_min=0`` when the others stop changing by its ``T_max`` (at ``T_max + 1`` torch's
    cosine restarts additively from the base lr, dropping their factors: from there the chain
    is the bare cosine, as in torch). Others raise ``ValueError``: ``LambdaLR``, ``CyclicLR``,
    ``OneCycleLR``, ``CosineAnnealingWarmRestarts``, ``SWALR`` and ``SequentialLR`` set the lr
    absolutely (torch then keeps only the later children's last ratios). A nested
    ``ChainedScheduler`` is inlined; a single child gives its own values. ``lr`` (the
    optimizer's learning rate) is given to the children configs that lack one. Inside a
    ``SequentialLR`` (first child only, as torch) see ``torch.SequentialLR`` for torch's shift.
    Native: ``scale(product(factors), lr)``.

    .. math:: \text{lr}(k) = \text{lr} \prod_i g_i(k)

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "torch.ChainedScheduler", "params": {"schedulers": [
      ...     {"type": "torch.ConstantLR", "params": {"lr": 1.0, "factor": 0.1, "total_iters": 2}},
      ...     {"type": "torch.ExponentialLR", "params": {"lr": 1.0, "gamma": 0.9}}]}})
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(5), np)]
      [0.1, 0.09, 0.81, 0.729, 0.6561]
    """
    if lr is not None:
        v.real("lr", lr)
    flat: list[Schedule] = []
    for k in _children("ChainedScheduler", schedulers):
        flat.extend(spec(k)[1]["schedulers"] if _kind(k) == "torch.ChainedScheduler" else [k])
    return _chain(flat)


def _first_ratio(name: str, kw: dict) -> Any:
    """The ratio torch's step applies to a chained child at ``last_epoch == 0`` outside its
    initial mode (1 for those whose ``get_lr`` tests ``last_epoch == 0``)."""
    if name == "torch.ExponentialLR":
        return kw["gamma"]
    if name == "torch.MultiplicativeLR":
        return kw["lr_lambda"]
    if name == "torch.PolynomialLR":
        n = kw["total_iters"]
        return (n / (n + 1)) ** kw["power"]
    if name == "torch.CosineAnnealingLR":
        t = kw["T_max"]
        if not v.is_traced(t) and t == 1:
            raise ValueError(
                "a CosineAnnealingLR with T_max=1 in a ChainedScheduler that comes first in a "
                "SequentialLR: torch restarts it additively at step 0 there; use T_max >= 2"
            )
        import jax.numpy as jnp

        xp = jnp if v.is_traced(t) else np
        return 2.0 / (1.0 + xp.cos(np.pi / t))
    return 1.0


def _chain_first(chain: Schedule) -> Schedule:
    """A ChainedScheduler as the first child of a SequentialLR: torch's one-step shift."""
    return _chain(spec(chain)[1]["schedulers"], shifted=True)


def _chain(flat: list[Schedule], shifted: bool = False) -> Schedule:
    """The chain of ``flat`` (see :func:`chained_scheduler`); ``shifted``: as torch steps it first
    in a SequentialLR (each child's first ratio applied at step 0)."""
    if len(flat) == 1 and not shifted:
        k = flat[0]
        name, kw = spec(k) or (None, {})
        if name not in _CHAINABLE:
            return k
        # a copy, tagged as a chain so that a SequentialLR applies torch's rule for chains
        return tag("torch.ChainedScheduler", BUILDERS[name](**kw), schedulers=flat, lr=kw.get("lr"))
    for i, k in enumerate(flat):
        kind = _kind(k)
        if kind is None:
            raise TypeError(
                f"`schedulers[{i}]` must be built by a torch.* name (a config such as "
                "{'type': 'torch.ExponentialLR', ...}), got a native schedule; for a product of "
                "native schedules use jaxsched.product"
            )
        if kind not in _CHAINABLE:
            raise ValueError(
                f"`schedulers[{i}]` is a {kind}, which is not chainable: it sets the lr "
                "absolutely, so in torch's ChainedScheduler it overwrites the factors of the "
                "schedulers before it; chainable ones are " + ", ".join(_CHAINABLE)
            )
    lr = _same_lr("ChainedScheduler", flat)
    cosines = [k for k in flat if _kind(k) == "torch.CosineAnnealingLR"]
    others = [k for k in flat if _kind(k) != "torch.CosineAnnealingLR"]
    factors = [BUILDERS[spec(k)[0]](**{**spec(k)[1], "lr": 1.0}) for k in others]
    if shifted:
        first = [_first_ratio(*spec(k)) for k in flat]
        if any(v.is_traced(r) or r != 1.0 for r in first):
            factors.append(constant_schedule(product_of(first)))
    if len(cosines) > 1:
        raise ValueError(
            f"a ChainedScheduler may hold one CosineAnnealingLR, got {len(cosines)}: torch's "
            "additive restarts of several cosines do not chain"
        )
    if not factors:
        factors = [constant_schedule(1.0)]
    body = _with_cosine(cosines[0], others, factors) if cosines else (
        factors[0] if len(factors) == 1 else product(factors))
    return tag("torch.ChainedScheduler", scale(body, lr), schedulers=flat, lr=lr)


def product_of(xs: list[Any]) -> Any:
    """``xs[0] * xs[1] * ...`` (numbers or arrays)."""
    out: Any = 1.0
    for x in xs:
        out = out * x
    return out


sequential_lr.lr_children = "schedulers"  # type: ignore[attr-defined]
chained_scheduler.lr_children = "schedulers"  # type: ignore[attr-defined]

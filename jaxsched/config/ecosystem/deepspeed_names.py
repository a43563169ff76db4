"""DeepSpeed's schedulers by their own names: ``deepspeed.<Type>`` and the bare ``<Type>``.

A DeepSpeed ``"scheduler"`` block loads as it is::

    jaxsched.from_config({"type": "WarmupDecayLR", "params": {"total_num_steps": 10000,
                          "warmup_max_lr": 3e-4, "warmup_num_steps": 500}})

Each name returns the native schedule whose value at count ``k`` is the lr (or, for
``OneCycle`` with ``hyperparam="momentum"``, the ``betas[0]``) that DeepSpeed's engine applies to
optimizer update ``k``: the scheduler is built with ``last_batch_iteration=-1`` (which writes
the value of update 0) and stepped after each optimizer step. Reproduced as of DeepSpeed 0.19.8:

- ``WarmupLR`` / ``WarmupDecayLR`` / ``WarmupCosineLR`` evaluate their formula ``g`` at the batch
  index ``k - 1``, and at construction at index -1, where they give the minimum: update ``k``
  uses ``g(max(k - 1, 0))``, so the minimum is used twice (``jaxsched.offset(g, 1)``).
  ``WarmupCosineLR`` writes 0.0 (not ``warmup_min_ratio * lr``) at construction.
- ``warmup_num_steps`` of 1 is silently raised to 2 (``max(2, W)``); 0, negative and
  non-integer values raise, as in DeepSpeed >= 0.19.3 (before, they silently became 2 too).
- ``LRRangeTest`` and ``OneCycle`` add 1 to the batch index internally: update ``k`` uses the
  formula at ``k`` (no shift).

Deliberate differences, all raising instead of guessing: an unknown ``warmup_type`` raises
(DeepSpeed warns and falls back to ``"log"``: pass ``"log"``); ``last_batch_iteration`` must be -1
(resume by restoring the optimizer count). Per-parameter-group lists (``warmup_min_lr``,
``warmup_max_lr``, ``lr``, ``cycle_min_lr``, ``cycle_max_lr``, ``cycle_min_mom``,
``cycle_max_mom``, ``lr_range_test_min_lr``) make ``from_config`` return one schedule per group
(:mod:`jaxsched.config.groups`; a list of length 1 is the one group's value), and
``jaxsched.torch.Scheduler.from_config`` gives each param group its own. DeepSpeed's CLI quirks
(``--lr_range_test_staircase`` parsed with ``type=bool``, ``-1`` defaults forwarded) do not
apply to configs.

Older DeepSpeed releases differ: before 0.19.3 ``WarmupCosineLR`` is periodic past
``total_num_steps`` (it climbs back to the full lr at ``2N - W'``) and divides by zero when
``N == W'``, and ``warmup_num_steps`` 0 silently becomes 2; before 0.19.4 ``OneCycle`` ignores
its stair counts (pass 0 to reproduce), ``WarmupLR(warmup_max_lr=None)`` gives every group
group 0's lr, and an unknown ``warmup_type`` crashes ``WarmupCosineLR``; before 0.19.0
``WarmupCosineLR`` sets only group 0 at construction; ``warmup_max_lr=None`` exists since
0.17.2; ``WarmupLR`` and ``WarmupCosineLR`` write their initial lr at construction only since
0.15.3 (before, update 0 uses the optimizer's own lr).
"""

from __future__ import annotations

from typing import Any

from jaxsched.compose import offset, product, scale
from jaxsched.compose.warmup import warmup
from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule
from jaxsched.core.sequence import boundary_list, join_schedules
from jaxsched.schedules.cosine import cosine_decay
from jaxsched.schedules.onecycle_decay import one_cycle_with_decay, one_cycle_with_decay_momentum
from jaxsched.schedules.polynomial import linear_schedule
from jaxsched.schedules.range_test import lr_range_test

__all__ = ["lr_range_test_ds", "one_cycle_ds", "warmup_lr", "warmup_decay_lr", "warmup_cosine_lr"]

_WARMUP_TYPES = ("log", "linear")


# ---------------------------------------------------------------------------------- helpers
def maximum(a: Any, b: Any) -> Any:
    """``max(a, b)`` for Python numbers, elementwise ``jnp.maximum`` for arrays and tracers."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return max(a, b)
    import jax.numpy as jnp

    return jnp.maximum(jnp.asarray(a), jnp.asarray(b))


def single(name: str, x: Any) -> Any:
    """A per-group list of length 1 as its one value; longer lists raise (one group only)."""
    if isinstance(x, (list, tuple)):
        if len(x) != 1:
            raise ValueError(
                f"`{name}` must be a number (one parameter group), got a list of {len(x)} values "
                f"{v.describe(list(x))}; give per-group lists to jaxsched.from_config (one schedule per "
                "group), or build one schedule per group from its own entries"
            )
        return x[0]
    return x


def _fresh(last_batch_iteration: Any) -> None:
    it = v.integer("last_batch_iteration", last_batch_iteration)
    if v.is_traced(it) or it != -1:
        raise ValueError(
            f"`last_batch_iteration` must be -1 (a fresh scheduler), got {it!r}; a jaxsched "
            "schedule is a function of the optimizer count: to resume, restore the optimizer "
            "state (its count), or move the schedule with jaxsched.offset"
        )


def _warmup_args(warmup_num_steps: Any, warmup_type: Any) -> tuple[Any, str]:
    """``(max(2, W), warmup_type)`` after DeepSpeed 0.19.8's checks (``None`` is a bad value, a
    ``ValueError`` as in DeepSpeed, not a bad type)."""
    if warmup_num_steps is None:
        raise ValueError("`warmup_num_steps` must be a positive integer, got None (DeepSpeed's "
                         "words: warmup_num_steps must be a positive integer, got None)")
    w = v.integer(
        "warmup_num_steps", warmup_num_steps, gt=0,
        hint=" (DeepSpeed >= 0.19.3 raises too; 1 is raised to 2, as DeepSpeed does)",
    )
    typ = v.choice(
        "warmup_type", warmup_type, _WARMUP_TYPES,
        hint=" (DeepSpeed warns and falls back to 'log' for an unknown type; pass 'log')",
    )
    return maximum(w, 2), typ


def _max_lr(warmup_max_lr: Any, lr: Any) -> Any:
    if warmup_max_lr is None:
        if lr is None:
            raise ValueError(
                "`warmup_max_lr` is None, which in DeepSpeed inherits the optimizer's lr: pass "
                "that lr as `lr` (or give `warmup_max_lr`)"
            )
        return v.real("lr", single("lr", lr), ge=0)
    if lr is not None:  # unused when warmup_max_lr is given, but still a learning rate
        v.real("lr", single("lr", lr), ge=0)
    return v.real("warmup_max_lr", single("warmup_max_lr", warmup_max_lr))


def _stairs(name: str, x: Any) -> Any:
    """DeepSpeed treats a stair count ``<= 0`` (e.g. the CLI's -1) as continuous: 0 here."""
    if x is None:
        return None
    return maximum(v.integer(name, x), 0)


# ---------------------------------------------------------------------------------- names
@register("deepspeed.LRRangeTest", "LRRangeTest")
def lr_range_test_ds(
    lr_range_test_min_lr: Any = 1e-3,
    lr_range_test_step_size: Any = 2000,
    lr_range_test_step_rate: Any = 1.0,
    lr_range_test_staircase: bool = False,
    last_batch_iteration: Any = -1,
) -> Schedule:
    r"""DeepSpeed ``LRRangeTest``: :func:`jaxsched.lr_range_test`, linear, no cap, no shift.

    Update ``k`` uses ``m (1 + r x)``, ``x = k / T`` (``floor(k / T)`` with the staircase), with
    ``m = lr_range_test_min_lr``, ``T = lr_range_test_step_size`` (a positive integer, as
    DeepSpeed >= 0.19.4 requires), ``r = lr_range_test_step_rate >= 0``. DeepSpeed writes ``m``
    at construction and evaluates ``it + 1`` after ``it + 1`` steps, so there is no offset.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "LRRangeTest", "params": {
      ...     "lr_range_test_min_lr": 0.1, "lr_range_test_step_size": 2}})
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(5), np)]
      [0.1, 0.15, 0.2, 0.25, 0.3]
    """
    _fresh(last_batch_iteration)
    return lr_range_test(
        v.real("lr_range_test_min_lr", single("lr_range_test_min_lr", lr_range_test_min_lr), ge=0),
        v.integer("lr_range_test_step_size", lr_range_test_step_size, gt=0,
                  hint=" (DeepSpeed >= 0.19.4 requires a positive integer)"),
        v.real("lr_range_test_step_rate", lr_range_test_step_rate, ge=0),
        v.boolean("lr_range_test_staircase", lr_range_test_staircase),
    )


@register("deepspeed.OneCycle", "OneCycle")
def one_cycle_ds(
    cycle_min_lr: Any,
    cycle_max_lr: Any,
    decay_lr_rate: Any = 0.0,
    cycle_first_step_size: Any = 2000,
    cycle_second_step_size: Any = None,
    cycle_first_stair_count: Any = 0,
    cycle_second_stair_count: Any = None,
    decay_step_size: Any = 0,
    cycle_momentum: bool = True,
    cycle_min_mom: Any = 0.8,
    cycle_max_mom: Any = 0.9,
    decay_mom_rate: Any = 0.0,
    last_batch_iteration: Any = -1,
    *,
    hyperparam: str = "lr",
) -> Schedule:
    r"""DeepSpeed ``OneCycle``: :func:`jaxsched.one_cycle_with_decay` (lr) and its momentum.

    The lr is ``one_cycle_with_decay`` with the same parameter names, step for step (no
    offset): a triangle ``min -> max -> min`` over ``S1 + S2`` steps (stairs as in DeepSpeed
    >= 0.19.4; a stair count ``<= 0``, such as the CLI's -1, is continuous, as in DeepSpeed),
    then ``min / (1 + decay_lr_rate * d / decay_step_size)``. With ``hyperparam="momentum"``
    it is the ``betas[0]`` DeepSpeed writes, :func:`jaxsched.one_cycle_with_decay_momentum`
    with ``first_value=cycle_min_mom``: ``cycle_min_mom`` at update 0 (construction), then
    ``max -> min -> max`` and ``max (1 + decay_mom_rate d / decay_step_size)``. DeepSpeed lets
    that product pass 1 (an invalid beta1, e.g. 1.08); jaxsched equals it wherever it is below 1
    and is clamped to the largest float below 1 elsewhere. Not reproduced: DeepSpeed also
    overwrites ``betas[1]`` with 0.99, and cycles nothing for optimizers without ``betas`` (SGD:
    use the lr only).
    ``cycle_momentum=False`` has no momentum schedule (``hyperparam="momentum"`` raises).

    Example:
      >>> import jaxsched, numpy as np
      >>> cfg = {"type": "OneCycle", "params": {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0,
      ...        "cycle_first_step_size": 2, "decay_step_size": 2, "decay_lr_rate": 0.5}}
      >>> [round(float(x), 4) for x in jaxsched.from_config(cfg).evaluate(np.arange(7), np)]
      [0.1, 0.55, 1.0, 0.55, 0.1, 0.08, 0.0667]
      >>> m = jaxsched.from_config(cfg, hyperparam="momentum")
      >>> [round(float(x), 4) for x in m.evaluate(np.arange(5), np)]
      [0.8, 0.85, 0.8, 0.85, 0.9]
    """
    hyperparam = v.choice("hyperparam", hyperparam, ("lr", "momentum"))
    _fresh(last_batch_iteration)
    momentum = v.boolean("cycle_momentum", cycle_momentum)
    shape = dict(
        cycle_first_step_size=cycle_first_step_size,
        cycle_second_step_size=cycle_second_step_size,
        cycle_first_stair_count=_stairs("cycle_first_stair_count", cycle_first_stair_count),
        cycle_second_stair_count=_stairs("cycle_second_stair_count", cycle_second_stair_count),
        decay_step_size=decay_step_size,
    )
    lr_sched = one_cycle_with_decay(
        single("cycle_min_lr", cycle_min_lr), single("cycle_max_lr", cycle_max_lr), decay_lr_rate,
        **shape,
    )
    # built (so checked) whether or not it is asked for: a config's unused momentum parameters
    # are still refused when they are not numbers in range (issue 14)
    lo, hi = single("cycle_min_mom", cycle_min_mom), single("cycle_max_mom", cycle_max_mom)
    # update 0 uses what the constructor wrote, cycle_min_mom (the formula gives cycle_max_mom)
    mom_sched = one_cycle_with_decay_momentum(lo, hi, decay_mom_rate, **shape, first_value=lo)
    if hyperparam == "lr":
        return lr_sched
    if not momentum:
        raise ValueError(
            "hyperparam='momentum' needs `cycle_momentum`=True, got False: DeepSpeed then leaves "
            "the optimizer's betas alone, so there is no momentum schedule"
        )
    return mom_sched


@register("deepspeed.WarmupLR", "WarmupLR")
def warmup_lr(
    warmup_min_lr: Any = 0.0,
    warmup_max_lr: Any = None,
    warmup_num_steps: Any = 1000,
    warmup_type: str = "log",
    last_batch_iteration: Any = -1,
    lr: Any = None,
) -> Schedule:
    r"""DeepSpeed ``WarmupLR``: ``offset(warmup(max, max(2, W), min, shape=warmup_type), 1)``.

    ``g(i) = min + (max - min) u(i)`` with ``u = log(i + 1) / log(W')`` (``"log"``, the default)
    or ``i / W'`` (``"linear"``) for ``i < W' = max(2, warmup_num_steps)``, then ``max``; update
    ``k`` uses ``g(max(k - 1, 0))`` (the minimum twice; ``"log"`` reaches ``max`` at
    ``i = W' - 1``). ``warmup_max_lr=None`` (the default) inherits the optimizer's lr, which
    jaxsched takes as ``lr`` (required then; ignored otherwise).

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.from_config({"type": "WarmupLR", "params": {"warmup_max_lr": 1.0,
      ...     "warmup_num_steps": 4, "warmup_type": "linear"}})
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(7), np)]
      [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    _fresh(last_batch_iteration)
    w, typ = _warmup_args(warmup_num_steps, warmup_type)
    lo = v.real("warmup_min_lr", single("warmup_min_lr", warmup_min_lr))
    hi = _max_lr(warmup_max_lr, lr)
    return offset(warmup(hi, w, lo, shape=typ), 1)


@register("deepspeed.WarmupDecayLR", "WarmupDecayLR")
def warmup_decay_lr(
    total_num_steps: Any,
    warmup_min_lr: Any = 0.0,
    warmup_max_lr: Any = 0.001,
    warmup_num_steps: Any = 1000,
    warmup_type: str = "log",
    last_batch_iteration: Any = -1,
    lr: Any = None,
) -> Schedule:
    r"""DeepSpeed ``WarmupDecayLR``: ``WarmupLR``, then linear from ``max`` to ``min`` by ``N``.

    ``g(i)`` is ``WarmupLR``'s for ``i < W' = max(2, warmup_num_steps)``, then
    ``min + (max - min) max(0, (N - i) / max(1, N - W'))`` with ``N = total_num_steps``: a
    linear ``jaxsched.linear_schedule(max, min, N - W')`` after the warmup (joined at ``W'``),
    down to ``min`` (``warmup_min_lr``, 0 by default) and held; ``N <= W'`` (DeepSpeed only
    warns) gives ``min`` right after the warmup. Update ``k`` uses ``g(max(k - 1, 0))``.
    ``warmup_max_lr`` defaults to 0.001 here; ``None`` inherits the optimizer's lr (``lr``).
    """
    _fresh(last_batch_iteration)
    w, typ = _warmup_args(warmup_num_steps, warmup_type)
    n = v.integer("total_num_steps", total_num_steps, ge=0)
    lo = v.real("warmup_min_lr", single("warmup_min_lr", warmup_min_lr))
    hi = _max_lr(warmup_max_lr, lr)
    decay = linear_schedule(hi, lo, maximum(n - w, 0))
    return offset(join_schedules([warmup(hi, w, lo, shape=typ), decay], boundary_list(w)), 1)


@register("deepspeed.WarmupCosineLR", "WarmupCosineLR")
def warmup_cosine_lr(
    total_num_steps: Any,
    warmup_min_ratio: Any = 0.0,
    warmup_num_steps: Any = 1000,
    cos_min_ratio: Any = 0.0001,
    warmup_type: str = "log",
    last_batch_iteration: Any = -1,
    lr: Any = 1.0,
) -> Schedule:
    r"""DeepSpeed ``WarmupCosineLR``: ratios of the optimizer's lr, warmup then a cosine to a floor.

    The ratio ``r(i)`` is ``m + (1 - m) u(i)`` for ``i < W' = max(2, warmup_num_steps)``
    (``m = warmup_min_ratio``, ``u`` as in ``WarmupLR``), then
    ``c + (1 - c) C(min(1, (i - W' + 1) / max(1, N - W')))`` (``c = cos_min_ratio``,
    ``C(p) = (1 + cos(pi p)) / 2``), held at ``c`` from ``N`` on (DeepSpeed >= 0.19.3; older
    versions are periodic past ``N`` and divide by zero when ``N == W'``). The ratio 1 is never
    reached: the decay starts one step in. Update 0 uses 0 (what the constructor writes), update
    ``k >= 1`` uses ``lr * r(k - 1)``. ``lr`` is the optimizer's lr (the default 1.0 gives the
    ratio itself, a multiplier of it). Built as ``lr * A * B`` with ``A`` the shifted warmup
    (1 after it) and ``B`` the cosine offset to start at ``W'`` (1 before it).
    """
    _fresh(last_batch_iteration)
    w, typ = _warmup_args(warmup_num_steps, warmup_type)
    n = v.integer("total_num_steps", total_num_steps, ge=0)
    hint = " (a ratio of the optimizer's lr)"
    m = v.real("warmup_min_ratio", single("warmup_min_ratio", warmup_min_ratio), ge=0, hint=hint)
    c = v.real("cos_min_ratio", cos_min_ratio, ge=0, hint=hint)
    base = v.real("lr", single("lr", lr), ge=0)
    rise = offset(warmup(1.0, w, m, shape=typ), 1, value_before=0.0)
    fall = offset(cosine_decay(1.0, maximum(n - w, 1), c), w)
    return scale(product([rise, fall]), base)

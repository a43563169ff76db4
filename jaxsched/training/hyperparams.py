"""Schedules for every optimizer hyperparameter, on top of ``optax.inject_hyperparams``.

- :func:`scheduled_optimizer` builds an optax optimizer whose learning rate, momentum (``momentum``
  for SGD, ``b1`` for the Adam family and Lion), weight decay and any other numeric
  hyperparameter follow schedules. It is ``optax.inject_hyperparams`` (never a re-implementation)
  with names checked, ``"momentum"`` mapped, values validated and hyperparameters kept in
  float32 next to low-precision parameters.
- :func:`current_hyperparams` reads every injected value, by name, from any optax state, however
  nested (chain, named_chain, multi_transform, MultiSteps, masked), jit-able, for logging.
- :func:`per_group` gives each parameter group (labels as ``optax.multi_transform`` takes them)
  the learning rate ``schedule(k) * scale[group]``.

The value that update ``k`` uses is ``schedule(k)`` for every hyperparameter; under
``optax.MultiSteps`` micro-steps do not advance the schedule.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from jaxsched.compose import scale as _scale
from jaxsched.core import validate as v
from jaxsched.core.schedule import Schedule
from jaxsched.core.types import ScheduleLike, Value
from jaxsched.training.progress import PROGRESS_UNITS, progress_optimizer

if TYPE_CHECKING:
    import optax
    from jax.typing import DTypeLike

__all__ = ["scheduled_optimizer", "current_hyperparams", "per_group", "MOMENTUM_NAMES"]

#: Names a "momentum" schedule may map to, in order of preference.
MOMENTUM_NAMES = ("momentum", "b1", "beta1")

# Host grid on which concrete schedules are checked: every step up to 20000, then log-spaced to
# the int32 limit (schedules are pure functions of the step, so this covers warmups, cycles and
# the held end value).
_CHECK_COUNTS = np.unique(
    np.concatenate([np.arange(0, 20001), np.geomspace(20001, 2**31 - 1, 400).astype(np.int64)])
)


def _parameters(factory: Callable) -> list[str]:
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError) as e:  # pragma: no cover - builtins
        raise TypeError(f"`optimizer` must be an optax optimizer factory, got {factory!r}") from e
    return [
        p.name for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


def _check_values(name: str, value: Any, *, lo: float, hi: float, hi_open: bool) -> None:
    """Check a number or a concrete Schedule over the host grid: lo <= value < hi (or <= hi)."""
    if isinstance(value, Schedule):
        try:
            vals = np.asarray(value.evaluate(_CHECK_COUNTS, np), dtype=np.float64)
        except Exception:  # traced leaves: cannot be checked here
            return
        bad = ~np.isfinite(vals) | (vals < lo) | ((vals >= hi) if hi_open else (vals > hi))
        if np.any(bad):
            k = int(_CHECK_COUNTS[np.argmax(bad)])
            rng = f"in [{lo}, {hi})" if hi_open else f"in [{lo}, {hi}]"
            if lo == -np.inf and hi == np.inf:
                rng = "finite"
            raise ValueError(
                f"`{name}` must stay {rng}, but the schedule gives {float(vals[np.argmax(bad)])!r} "
                f"at step {k}"
            )
        return
    if callable(value) or v.is_traced(value):
        return
    if hi_open:
        v.real(name, value, ge=lo, lt=hi)
    else:
        v.real(name, value, ge=lo, le=hi)


def _lr_peak(schedule: Any) -> float:
    if isinstance(schedule, Schedule):
        try:
            return float(np.max(schedule.evaluate(_CHECK_COUNTS, np)))
        except Exception as e:
            raise ValueError(
                "`lr_reference` is required when the learning-rate schedule holds traced values"
            ) from e
    if callable(schedule):
        raise ValueError("`lr_reference` is required when the learning rate is a plain function")
    return float(schedule)


def scheduled_optimizer(
    optimizer: Callable[..., Any],
    *,
    weight_decay_follows_lr: bool = False,
    lr_reference: float | None = None,
    hyperparam_dtype: DTypeLike = "float32",
    static_args: tuple[str, ...] | None = None,
    progress: str | None = None,
    **hyperparams: ScheduleLike,
) -> optax.GradientTransformationExtraArgs:
    r"""An optax optimizer whose hyperparameters follow schedules (``optax.inject_hyperparams``).

    Every keyword in ``hyperparams`` is a hyperparameter of ``optimizer``: a number, a
    jaxsched Schedule or any ``count -> value`` callable. ``momentum`` is an alias resolved to
    the optimizer's own name: ``momentum`` for ``optax.sgd``, ``b1`` for ``optax.adam``,
    ``adamw``, ``lion``, ``nadam``, ... (``b2`` and further betas are never touched unless you
    pass them yourself). Update ``k`` uses ``schedule(k)`` for every hyperparameter;
    ``state.hyperparams`` shows the values the last update used.

    .. math:: \text{update}_k = \text{optimizer}(\text{lr}=s_{lr}(k),\ \beta_1=s_m(k),\ \dots)

    Args:
      optimizer: an optax optimizer factory (``optax.sgd``, ``optax.adamw``, ...).
      weight_decay_follows_lr: if True, the ``weight_decay`` hyperparameter becomes
        ``weight_decay * lr(k) / lr_reference``: decoupled weight decay that follows the
        learning-rate schedule's shape. Use it with optimizers whose decay is *not* already
        multiplied by the learning rate (optax's ``adamw`` applies ``lr * weight_decay``, so
        there the decay follows the schedule already and this would square it).
      lr_reference: the learning rate at which ``weight_decay`` applies in full (default: the
        schedule's maximum over steps ``0..2**31-1``, computed on the host).
      hyperparam_dtype: dtype of injected hyperparameters (default float32, so a plain
        ``b2=0.999`` is not rounded to 1.0 next to bfloat16 parameters); ``None`` keeps optax's
        rule (the parameters' highest float dtype).
      static_args: names optax should treat as static; by default every integer argument that
        is not scheduled (structural arguments such as adafactor's ``min_dim_size_to_factor``).
      progress: ``None`` (schedules read the update count), ``"tokens"`` or ``"samples"``:
        schedules read the data consumed before the update, counted exactly in the state
        (a :class:`~jaxsched.ProgressState`) and advanced per update by
        ``opt.update(grads, state, params, tokens=n)`` (or ``samples=n``; ``0 <= n < 2**31``,
        an int or an integer array, so a jitted train step does not recompile as ``n``
        varies). Update ``k`` uses ``schedule(n_0 + ... + n_{k-1})``: every step hyperparameter
        of the schedules counts tokens (samples). See :mod:`jaxsched.training.progress` for the
        exact counter (two int32 words, exact to ``2**62``); :func:`~jaxsched.current_progress`
        reads it. Use it when the batch size is only known as the run goes; with a batch table
        known ahead, :func:`~jaxsched.by_tokens` gives the same values from the update count.
        A step-driven optimizer (``progress=None``) ignores ``tokens=`` as optax
        transformations ignore each other's extra arguments in a chain. Under
        ``optax.MultiSteps`` only the micro-step that completes an update reaches this
        optimizer: pass the tokens of the whole accumulated batch with that call (the others'
        are not counted). :func:`~jaxsched.per_group` passes ``progress`` to every group.
      **hyperparams: the optimizer's arguments; ``learning_rate``, ``momentum`` (alias),
        ``weight_decay`` and any other numeric one may be a schedule.

    Returns:
      An ``optax.GradientTransformationExtraArgs`` (the result of ``inject_hyperparams``; with
      ``progress``, that optimizer inside a :class:`~jaxsched.ProgressState`).

    Raises:
      ValueError: a hyperparameter the optimizer does not have (the valid names are listed); a
        momentum or beta schedule leaving ``[0, 1)``; a negative weight decay; an unknown
        ``progress``. With ``progress``, ``update`` raises (naming the argument) for a missing
        amount, both ``tokens`` and ``samples``, the other unit, a negative or non-integer
        amount (traced amounts are checked for an integer dtype and scalar shape only; a
        negative traced amount adds 0).
      TypeError: ``optimizer`` is not callable.

    Example:
      >>> import jaxsched, optax, jax.numpy as jnp
      >>> lr = jaxsched.one_cycle(max_value=0.1, total_steps=100)
      >>> mom = jaxsched.one_cycle_momentum(total_steps=100)
      >>> opt = jaxsched.scheduled_optimizer(optax.adamw, learning_rate=lr, momentum=mom)
      >>> state = opt.init(jnp.zeros(3))
      >>> _, state = opt.update(jnp.ones(3), state, jnp.zeros(3))
      >>> sorted(jaxsched.current_hyperparams(state))
      ['b1', 'b2', 'eps', 'eps_root', 'learning_rate', 'weight_decay']

    Equivalents:
      optax: ``optax.inject_hyperparams(optax.adamw)(learning_rate=lr, b1=mom)``. torch:
      ``OneCycleLR``/``CyclicLR`` write ``momentum`` or ``betas[0]``. DeepSpeed: ``OneCycle``
      (Adam only, and it overwrites beta2 with 0.99; jaxsched never touches b2).
    """
    import jax.numpy as jnp
    import optax

    if progress is not None and progress not in PROGRESS_UNITS:
        raise ValueError(f"`progress` must be one of {list(PROGRESS_UNITS)} or None, got {progress!r}")
    v.callable_("optimizer", optimizer)
    names = _parameters(optimizer)
    if "momentum" in hyperparams and "momentum" not in names:
        target = next((n for n in MOMENTUM_NAMES if n in names), None)
        if target is None:
            raise ValueError(
                f"`momentum` cannot be scheduled: {getattr(optimizer, '__name__', optimizer)} has "
                f"no momentum or beta1; its hyperparameters are: {names}"
            )
        if target in hyperparams:
            raise ValueError(f"pass either `momentum` or `{target}`, not both")
        hyperparams[target] = hyperparams.pop("momentum")
    unknown = [k for k in hyperparams if k not in names]
    if unknown:
        raise ValueError(
            f"{getattr(optimizer, '__name__', 'the optimizer')} has no hyperparameter(s) "
            f"{unknown}; its hyperparameters are: {names}"
        )
    for name in ("momentum", "b1", "b2", "b3", "beta1", "beta2", "decay"):
        if name in hyperparams and hyperparams[name] is not None:
            _check_values(name, hyperparams[name], lo=0.0, hi=1.0, hi_open=True)
    if hyperparams.get("learning_rate") is not None:  # any sign (ascent), never NaN or inf
        _check_values("learning_rate", hyperparams["learning_rate"], lo=-np.inf, hi=np.inf,
                      hi_open=False)
    if "weight_decay" in hyperparams:
        _check_values("weight_decay", hyperparams["weight_decay"], lo=0.0, hi=np.inf, hi_open=False)
    if weight_decay_follows_lr:
        if "weight_decay" not in hyperparams or "learning_rate" not in hyperparams:
            raise ValueError(
                "`weight_decay_follows_lr` needs both `learning_rate` and `weight_decay`"
            )
        wd, lr = hyperparams["weight_decay"], hyperparams["learning_rate"]
        if not isinstance(lr, Schedule):
            raise TypeError("`weight_decay_follows_lr` needs a jaxsched Schedule as `learning_rate`")
        ref = _lr_peak(lr) if lr_reference is None else v.real("lr_reference", lr_reference, gt=0)
        if isinstance(wd, Schedule):
            hyperparams["weight_decay"] = wd * _scale(lr, 1.0 / ref)
        else:
            hyperparams["weight_decay"] = _scale(lr, v.real("weight_decay", wd, ge=0) / ref)
    if static_args is None:
        static_args = tuple(
            k for k, x in hyperparams.items()
            if isinstance(x, (int, np.integer)) and not isinstance(x, bool)
            and k not in ("learning_rate", "weight_decay")
        )
    dtype = jnp.float32 if hyperparam_dtype == "float32" else hyperparam_dtype
    inject = optax.inject_hyperparams(optimizer, static_args=static_args, hyperparam_dtype=dtype)
    if progress is None:
        return inject(**hyperparams)
    # the schedules are evaluated at the progress by the wrapper and written into the injected
    # state; inject_hyperparams holds them as numbers (placeholders the wrapper overwrites)
    scheduled = {k: x for k, x in hyperparams.items() if callable(x)}
    numbers = {k: (0.0 if k in scheduled else x) for k, x in hyperparams.items()}
    return progress_optimizer(inject(**numbers), scheduled, progress)


def _is_injected(x: Any) -> bool:
    return (
        isinstance(x, tuple)
        and hasattr(x, "_fields")
        and "hyperparams" in x._fields
        and "inner_state" in x._fields
    )


def _key_name(entry: Any) -> str:
    for attr in ("key", "name", "idx"):
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return str(entry)


def current_hyperparams(opt_state: optax.OptState) -> dict[str, Any]:
    """Every injected hyperparameter value, by name, from any (nested) optax state.

    Finds every ``inject_hyperparams`` state inside ``opt_state`` (through ``optax.chain``,
    ``named_chain``, ``multi_transform``, ``MultiSteps``, ``masked``, ...). With a single
    injected state the keys are the hyperparameter names (``"learning_rate"``, ``"b1"``, ...);
    with several, each key is prefixed by the path to its state (``"backbone/learning_rate"``,
    using dict keys, chain names and indices). jit-able; the values are the ones the last
    update used (update ``k`` used ``schedule(k)``).

    Args:
      opt_state: an optax optimizer state.

    Returns:
      A dict of name to value (0-d arrays).

    Example:
      >>> import jaxsched, optax, jax.numpy as jnp
      >>> opt = optax.chain(optax.clip_by_global_norm(1.0),
      ...                   jaxsched.scheduled_optimizer(optax.sgd, learning_rate=0.1))
      >>> state = opt.init(jnp.zeros(2))
      >>> float(jaxsched.current_hyperparams(state)["learning_rate"])
      0.10000000149011612
    """
    import jax

    found = jax.tree_util.tree_flatten_with_path(opt_state, is_leaf=_is_injected)[0]
    states = [(path, x) for path, x in found if _is_injected(x)]
    out: dict[str, Any] = {}
    for path, st in states:
        prefix = "/".join(_key_name(p) for p in _readable(path))
        for name, value in st.hyperparams.items():
            key = name if len(states) == 1 or not prefix else f"{prefix}/{name}"
            out[key] = value
    return out


def _readable(path: tuple) -> list:
    """Drop the structural steps of a path (tuple indices of chains) where a name exists."""
    keep = []
    for p in path:
        name = _key_name(p)
        if name in ("inner_states", "inner_state", "inner_opt_state"):
            continue
        keep.append(p)
    return keep


def per_group(
    optimizer: Callable[..., Any],
    labels: optax.Params | Callable[[optax.Params], optax.Params],
    scales: Mapping[str, Value],
    *,
    learning_rate: ScheduleLike,
    **hyperparams: ScheduleLike,
) -> optax.GradientTransformation:
    r"""Per-parameter-group learning rates: group ``g`` uses ``learning_rate(k) * scales[g]``.

    Builds ``optax.multi_transform`` with one :func:`scheduled_optimizer` per group, so it
    works for any optimizer (the learning rate enters each group's optimizer exactly as a
    single learning rate would). Scales are traceable (pass jax arrays to sweep them).

    .. math:: \text{lr}_g(k) = s(k) \cdot a_g

    Args:
      optimizer: an optax optimizer factory.
      labels: a pytree of group labels matching the params, or a function ``params -> labels``
        (as ``optax.multi_transform`` takes them).
      scales: group label -> multiplier (``>= 0``); every label must be present.
      learning_rate: the shared schedule (or number).
      **hyperparams: other hyperparameters, shared by every group (see
        :func:`scheduled_optimizer`; ``momentum`` is accepted).

    Returns:
      An ``optax.GradientTransformation``; :func:`current_hyperparams` reports
      ``"<label>/learning_rate"`` for each group.

    Example:
      >>> import jaxsched, optax, jax.numpy as jnp
      >>> params = {"backbone": jnp.zeros(2), "head": jnp.zeros(2)}
      >>> opt = jaxsched.per_group(optax.adam, {"backbone": "backbone", "head": "head"},
      ...                          {"backbone": 0.1, "head": 1.0},
      ...                          learning_rate=jaxsched.cosine_decay(1e-3, 100))
      >>> state = opt.init(params)
      >>> round(float(jaxsched.current_hyperparams(state)["backbone/learning_rate"]), 8)
      0.0001

    Equivalents:
      Cerebras: ``ScalePerParamLR`` (``adjust_learning_rate`` per group). timm: a group's
      ``lr_scale`` key (layer decay). torch: per-group base learning rates under one scheduler.
      muP: width-dependent multipliers per group.
    """
    import optax

    if not isinstance(scales, Mapping) or not scales:
        raise TypeError(f"`scales` must be a non-empty mapping of label to factor, got {scales!r}")
    transforms = {}
    for label, factor in scales.items():
        factor = v.real(f"scales[{label!r}]", factor, ge=0)
        lr = learning_rate
        if isinstance(lr, Schedule):
            lr = _scale(lr, factor)
        elif callable(lr):
            lr = (lambda f, a: (lambda count: f(count) * a))(learning_rate, factor)
        else:
            lr = v.real("learning_rate", lr) * factor
        transforms[label] = scheduled_optimizer(optimizer, learning_rate=lr, **dict(hyperparams))
    return optax.multi_transform(transforms, labels)

r"""Progress in tokens or samples for optax: a schedule advanced by the data actually consumed.

:func:`jaxsched.compose.by_tokens` drives a schedule by the data consumed under a batch table
known in advance. When the batch size is only known as the run goes (packed sequences of
varying length, a batch size chosen by a controller, dropped batches), the optimizer has to
count what it consumed: ``scheduled_optimizer(..., progress="tokens")`` builds an optimizer
whose state holds that count (a :class:`ProgressState` around the
``optax.inject_hyperparams`` state) and whose ``update(..., tokens=n)`` adds the tokens of the
batch, so that every scheduled hyperparameter reads the tokens consumed before the update:

.. math:: \text{update}_k \text{ uses } f(P_k), \qquad P_k = \sum_{j < k} n_j

(update 0 reads 0, as a schedule in steps reads step 0; Megatron-LM steps its scheduler by
``increment = num_samples`` after each update, the same rule).

The counter. ``1e12`` tokens is a common run and does not fit an int32, and JAX without
``jax_enable_x64`` has no int64. The count is therefore held exactly, in both modes and with one
checkpoint format, as a pair of int32 arrays: ``P = hi * 2**31 + lo`` with ``0 <= lo < 2**31``;
an update adds ``0 <= n < 2**31`` with one unsigned 32-bit add and a carry
(``lo + n < 2**32``), so ``P`` is exact up to ``2**62`` (about ``4.6e18``). A schedule reads
``P`` as an exact int64 under x64; without x64 it reads ``P`` rounded to float32 (exact up to
``2**24``; beyond, within a relative ``2**-24``: about 6e4 tokens at 1e12, far less than one
update's batch at that scale). :func:`current_progress` returns ``P`` as a Python int.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from jaxsched.core import validate as v

if TYPE_CHECKING:
    import optax

__all__ = ["ProgressState", "current_progress", "PROGRESS_UNITS", "MAX_INCREMENT"]

#: The units a progress clock counts, as ``update`` keywords.
PROGRESS_UNITS = ("tokens", "samples")
#: The largest amount of data one update may add (the low word is 31 bits).
MAX_INCREMENT = 2**31 - 1
_LO_BITS = 31


class ProgressState(NamedTuple):
    """The state of an optimizer driven by progress: the data consumed and the inner state.

    Attributes:
      consumed_hi: int32, the high word: ``consumed = consumed_hi * 2**31 + consumed_lo``.
      consumed_lo: int32 in ``[0, 2**31)``, the low word.
      inner_state: the ``optax.inject_hyperparams`` state (``hyperparams`` holds the values
        the last update used).
    """

    consumed_hi: Any
    consumed_lo: Any
    inner_state: Any


def _zero() -> tuple[Any, Any]:
    import jax.numpy as jnp

    return jnp.zeros([], jnp.int32), jnp.zeros([], jnp.int32)


def _add(hi: Any, lo: Any, n: Any) -> tuple[Any, Any]:
    """``(hi, lo) + n`` exactly, for ``0 <= n < 2**31`` (n clipped into that range)."""
    import jax.numpy as jnp

    n = jnp.clip(jnp.asarray(n), 0, MAX_INCREMENT).astype(jnp.uint32)
    s = lo.astype(jnp.uint32) + n  # < 2**32: no wrap
    carry = (s >> _LO_BITS).astype(jnp.int32)
    return hi + carry, (s & jnp.uint32(MAX_INCREMENT)).astype(jnp.int32)


def _as_count(hi: Any, lo: Any) -> Any:
    """The count a schedule reads: exact int64 under x64, else float32."""
    import jax
    import jax.numpy as jnp

    if jax.config.jax_enable_x64:
        return hi.astype(jnp.int64) * (2**_LO_BITS) + lo.astype(jnp.int64)
    return hi.astype(jnp.float32) * jnp.float32(2.0**_LO_BITS) + lo.astype(jnp.float32)


def _increment(unit: str, tokens: Any, samples: Any) -> Any:
    """The amount one update consumed, checked: given once, in the optimizer's unit."""
    given = {k: x for k, x in (("tokens", tokens), ("samples", samples)) if x is not None}
    if len(given) == 2:
        raise ValueError(f"pass either `tokens` or `samples` to update, not both (this optimizer "
                         f"counts {unit})")
    if not given:
        raise ValueError(f"this optimizer's schedules read the {unit} consumed: pass "
                         f"`update(grads, state, params, {unit}=n)` with the batch's {unit}")
    (name, n), = given.items()
    if name != unit:
        raise ValueError(f"`{name}` was given, but this optimizer counts {unit} "
                         f"(built with progress={unit!r}): pass `{unit}=n`")
    return check_increment(name, n)


def check_increment(name: str, n: Any) -> Any:
    """An integer ``0 <= n < 2**31`` (a Python/NumPy integer or an integer array; a traced one
    is checked for its dtype and shape only: negative traced values count as 0)."""
    import numpy as np

    if isinstance(n, bool) or isinstance(n, (float, np.floating)):
        raise TypeError(f"`{name}` must be an integer number of {name}, got {n!r}")
    if isinstance(n, (int, np.integer)):
        if not 0 <= n <= MAX_INCREMENT:
            raise ValueError(f"`{name}` must be in [0, 2**31 - 1] per update, got {n!r}")
        return n
    dtype, shape = getattr(n, "dtype", None), getattr(n, "shape", None)
    if dtype is None or not np.issubdtype(np.dtype(dtype), np.integer):
        raise TypeError(f"`{name}` must be an integer number of {name} (an int or an integer "
                        f"array), got {type(n).__name__}"
                        + (f" of dtype {dtype}" if dtype is not None else ""))
    if tuple(shape) != ():
        raise ValueError(f"`{name}` must be a scalar (the {name} of this update), got shape "
                         f"{tuple(shape)}")
    if not v.is_traced(n):
        check_increment(name, int(np.asarray(n)))
    return n


def progress_optimizer(
    inner: Any, schedules: Mapping[str, Callable[[Any], Any]], unit: str
) -> Any:
    """Wrap an ``inject_hyperparams`` optimizer (its scheduled hyperparameters given as numbers)
    so that ``schedules`` are evaluated at the progress and written into its state per update."""
    import jax.numpy as jnp
    import optax

    if unit not in PROGRESS_UNITS:
        raise ValueError(f"`progress` must be one of {list(PROGRESS_UNITS)} or None, got {unit!r}")

    def values(hyperparams: Mapping[str, Any], count: Any) -> dict[str, Any]:
        out = dict(hyperparams)
        for name, s in schedules.items():
            out[name] = jnp.asarray(s(count), dtype=jnp.asarray(out[name]).dtype)
        return out

    def init_fn(params: Any) -> ProgressState:
        state = inner.init(params)
        hi, lo = _zero()
        state = state._replace(hyperparams=values(state.hyperparams, _as_count(hi, lo)))
        return ProgressState(hi, lo, state)

    def update_fn(updates: Any, state: ProgressState, params: Any = None, *,
                  tokens: Any = None, samples: Any = None, **extra_args: Any) -> tuple:
        n = _increment(unit, tokens, samples)
        hi, lo, inner_state = state
        inner_state = inner_state._replace(
            hyperparams=values(inner_state.hyperparams, _as_count(hi, lo)))
        updates, inner_state = inner.update(updates, inner_state, params, **extra_args)
        hi, lo = _add(hi, lo, n)
        return updates, ProgressState(hi, lo, inner_state)

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


def current_progress(opt_state: optax.OptState) -> int:
    """The tokens (or samples) consumed, as an exact Python int, from any (nested) optax state.

    Finds the :class:`ProgressState` of an optimizer built with
    ``scheduled_optimizer(..., progress=...)`` inside ``opt_state`` (through ``optax.chain``,
    ``multi_transform``, ...). Host only (it reads the values; inside ``jit`` use the state's
    ``consumed_hi``/``consumed_lo`` words).

    Args:
      opt_state: an optax optimizer state.

    Returns:
      ``consumed_hi * 2**31 + consumed_lo``: the sum of the ``tokens=``/``samples=`` of every
      update so far.

    Raises:
      ValueError: no progress state in ``opt_state``, or several that disagree.

    Example:
      >>> import jaxsched, optax, jax.numpy as jnp
      >>> opt = jaxsched.scheduled_optimizer(
      ...     optax.sgd, learning_rate=jaxsched.linear_schedule(1.0, 0.0, 10_000),
      ...     progress="tokens")
      >>> state = opt.init(jnp.zeros(2))
      >>> _, state = opt.update(jnp.ones(2), state, tokens=4096)
      >>> _, state = opt.update(jnp.ones(2), state, tokens=2048)
      >>> jaxsched.current_progress(state), float(state.inner_state.hyperparams["learning_rate"])
      (6144, 0.590399980545044)
    """
    import jax
    import numpy as np

    leaves = jax.tree_util.tree_leaves(opt_state, is_leaf=lambda x: isinstance(x, ProgressState))
    found = {int(np.asarray(x.consumed_hi)) * 2**_LO_BITS + int(np.asarray(x.consumed_lo))
             for x in leaves if isinstance(x, ProgressState)}
    if not found:
        raise ValueError("`opt_state` holds no progress counter: build the optimizer with "
                         "scheduled_optimizer(..., progress='tokens' or 'samples')")
    if len(found) > 1:
        raise ValueError(f"`opt_state` holds progress counters that disagree: {sorted(found)}")
    return found.pop()

"""The demo's MLP in pure JAX: init, apply, loss, accuracy and a jitted optax train step.

The model is ``64 -> hidden -> 10`` with a ReLU. Parameters are a dict of arrays (a pytree).
The train step closes over an optax ``GradientTransformation``: a schedule inside it (for
example through ``optax.inject_hyperparams`` or ``jaxsched.scheduled_optimizer``) is evaluated
from the optimizer's step count inside the compiled step, so one compilation serves every step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

__all__ = [
    "accuracy", "apply", "evaluate", "init_mlp", "init_params", "loss_fn", "make_train_step", "seed_words",
    "value_and_grad",
]

Params = dict[str, jax.Array]


def seed_words(key_or_seed: Any) -> list[int]:
    """The words seeding NumPy's generator: a ``jax.random`` key's data, or ``[0, seed]``.

    ``seed_words(s) == seed_words(jax.random.PRNGKey(s))`` for ``0 <= s < 2**32``.

    Example:
      >>> seed_words(3), seed_words(jax.random.PRNGKey(3))
      ([0, 3], [0, 3])
    """
    if isinstance(key_or_seed, (int, np.integer)) and not isinstance(key_or_seed, bool):
        if not 0 <= key_or_seed < 2**32:
            raise ValueError(f"`seed` must be an integer in [0, 2**32), got {key_or_seed!r}")
        return [0, int(key_or_seed)]
    key = key_or_seed
    if jnp.issubdtype(getattr(key, "dtype", None), jax.dtypes.prng_key):
        key = jax.random.key_data(key)
    words = np.asarray(key)
    if words.dtype != np.uint32 or words.ndim != 1:
        raise TypeError(f"`key` must be an int seed or a jax.random key, got {key_or_seed!r}")
    return [int(w) for w in words]


def init_params(
    key_or_seed: Any, in_dim: int = 64, hidden: int = 128, num_classes: int = 10
) -> dict[str, np.ndarray]:
    """He-normal weights and zero biases as float32 NumPy arrays (shared with the torch model).

    The weights are drawn with NumPy from :func:`seed_words`, so the torch backend starts from
    the very same weights, and nothing is compiled (``jax.random`` on CPU takes seconds to
    compile on a busy machine).
    """
    for name, value in (("in_dim", in_dim), ("hidden", hidden), ("num_classes", num_classes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be an integer >= 1, got {value!r}")
    rng = np.random.default_rng(seed_words(key_or_seed))
    w1 = rng.standard_normal((in_dim, hidden)) * np.sqrt(2.0 / in_dim)
    w2 = rng.standard_normal((hidden, num_classes)) * np.sqrt(2.0 / hidden)
    return {
        "w1": w1.astype(np.float32),
        "b1": np.zeros((hidden,), np.float32),
        "w2": w2.astype(np.float32),
        "b2": np.zeros((num_classes,), np.float32),
    }


def init_mlp(key_or_seed: Any, in_dim: int = 64, hidden: int = 128, num_classes: int = 10) -> Params:
    """He-normal weights and zero biases for ``in_dim -> hidden -> num_classes``, as jax arrays.

    Args:
      key_or_seed: a ``jax.random`` key or an integer seed (the same weights for
        ``s`` and ``jax.random.PRNGKey(s)``).
      in_dim: input features (64 for digits).
      hidden: hidden units.
      num_classes: output classes.

    Example:
      >>> params = init_mlp(jax.random.PRNGKey(0))
      >>> {k: v.shape for k, v in sorted(params.items())}
      {'b1': (128,), 'b2': (10,), 'w1': (64, 128), 'w2': (128, 10)}
      >>> bool(jnp.all(params["w1"] == init_mlp(0)["w1"]))
      True
    """
    return {k: jnp.asarray(v) for k, v in init_params(key_or_seed, in_dim, hidden, num_classes).items()}


def apply(params: Params, x: jax.Array) -> jax.Array:
    """Logits of a batch ``x`` of shape ``(n, in_dim)``: ``relu(x W1 + b1) W2 + b2``."""
    h = jax.nn.relu(x @ params["w1"] + params["b1"])
    return h @ params["w2"] + params["b2"]


def loss_fn(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
    """Mean softmax cross-entropy of the logits against integer labels ``y``.

    Example:
      >>> params = init_mlp(0)
      >>> zero = jax.tree_util.tree_map(jnp.zeros_like, params)
      >>> round(float(loss_fn(zero, jnp.ones((4, 64)), jnp.arange(4))), 4)  # log(10)
      2.3026
    """
    return optax.softmax_cross_entropy_with_integer_labels(apply(params, x), y).mean()


def accuracy(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
    """Fraction of ``x`` whose arg-max logit equals the label."""
    return jnp.mean(jnp.argmax(apply(params, x), axis=-1) == y)


@jax.jit
def evaluate(params: Params, x: jax.Array, y: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``(loss, accuracy)`` over a whole data set, jitted."""
    logits = apply(params, x)
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
    return loss, jnp.mean(jnp.argmax(logits, axis=-1) == y)


#: ``(loss, grads)`` of a batch, jitted once and shared by every optimizer and schedule.
value_and_grad = jax.jit(jax.value_and_grad(loss_fn))


def make_train_step(
    optimizer: optax.GradientTransformation,
) -> Callable[[Params, Any, jax.Array, jax.Array], tuple[Params, Any, jax.Array]]:
    """A train step ``step(params, opt_state, x, y) -> (params, opt_state, loss)`` for ``optimizer``.

    ``loss`` is the batch loss before the update. Update ``k`` of an optimizer built with a
    schedule uses ``schedule(k)``: the schedule is traced into the jitted update and evaluated
    from the optimizer's own step count, so it compiles once, whatever the learning rate does.
    The step is two jitted calls: :data:`value_and_grad`, compiled once and shared by every
    optimizer (the demo compares six), then this optimizer's update (a small graph that
    compiles in a fraction of a second).

    Example:
      >>> import jaxsched
      >>> opt = jaxsched.scheduled_optimizer(
      ...     optax.sgd, learning_rate=jaxsched.linear_schedule(0.0, 0.1, 10), momentum=0.9)
      >>> params = init_mlp(0)
      >>> state = opt.init(params)
      >>> step = make_train_step(opt)
      >>> x, y = jnp.ones((8, 64)), jnp.zeros(8, jnp.int32)
      >>> for _ in range(3):
      ...     params, state, loss = step(params, state, x, y)
      >>> round(float(state.hyperparams["learning_rate"]), 6)  # the lr update 2 used
      0.02
    """
    if not isinstance(optimizer, optax.GradientTransformation):
        raise TypeError(
            f"`optimizer` must be an optax.GradientTransformation, got {type(optimizer).__name__}"
        )

    @jax.jit
    def update(params: Params, opt_state: Any, grads: Params) -> tuple[Params, Any]:
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state

    def step(params: Params, opt_state: Any, x: jax.Array, y: jax.Array):
        loss, grads = value_and_grad(params, x, y)
        params, opt_state = update(params, opt_state, grads)
        return params, opt_state, loss

    return step

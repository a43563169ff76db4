"""Quick start: an optax optimizer driven by a jaxsched schedule inside a jitted train step.

Fits a small linear-regression model with AdamW under warmup + cosine decay and prints the
learning rate the schedule gave to a few updates, read back from the optimizer state.
"""

import jax
import jax.numpy as jnp
import optax

import jaxsched


def main() -> None:
    key_w, key_x = jax.random.split(jax.random.PRNGKey(0))
    true_w = jax.random.normal(key_w, (8,))
    x = jax.random.normal(key_x, (256, 8))
    y = x @ true_w

    schedule = jaxsched.warmup_cosine_decay_schedule(
        init_value=0.0, peak_value=0.1, warmup_steps=20, decay_steps=200, end_value=1e-3
    )
    optimizer = optax.inject_hyperparams(optax.adamw)(learning_rate=schedule, weight_decay=1e-4)
    params = jnp.zeros(8)
    state = optimizer.init(params)

    @jax.jit
    def train_step(params, state):
        loss, grads = jax.value_and_grad(lambda w: jnp.mean((x @ w - y) ** 2))(params)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    for step in range(200):
        params, state, loss = train_step(params, state)
        if step in (0, 10, 20, 100, 199):
            lr = float(state.hyperparams["learning_rate"])
            print(f"update {step:3d}  lr {lr:.6f} (schedule({step}) = {float(schedule(step)):.6f})"
                  f"  loss {float(loss):.6f}")
    print(f"final loss {float(jnp.mean((x @ params - y) ** 2)):.2e}")


if __name__ == "__main__":
    main()

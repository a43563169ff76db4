"""jaxsched schedules inside real optax optimizers."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched


def _run(optimizer, steps=25, dtype=jnp.float32):
    # the data drawn on the host (jax.random would compile a generator program per shape and
    # dtype, 0.3 s each on this machine)
    rng = np.random.default_rng(0)
    w, x, y = (jax.device_put(rng.standard_normal(shape).astype(dtype))
               for shape in ((5, 3), (16, 5), (16, 3)))
    params = {"w": w, "b": jax.device_put(np.zeros(3, dtype))}
    state = optimizer.init(params)

    @jax.jit
    def step(params, state):
        grads = jax.grad(lambda p: jnp.mean((x @ p["w"] + p["b"] - y) ** 2))(params)
        updates, state = optimizer.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    for _ in range(steps):
        params, state = step(params, state)
    return params, state


@pytest.mark.parametrize("make", [optax.sgd, optax.adam, optax.adamw,
                                  lambda lr: optax.sgd(lr, momentum=0.9, nesterov=True)])
@pytest.mark.parametrize("c", [1e-3, 0.1, 0.37])
def test_constant_schedule_is_bit_identical_to_a_float(make, c):
    p_float, _ = _run(make(c))
    p_sched, _ = _run(make(jaxsched.constant_schedule(c)))
    for k in p_float:
        np.testing.assert_array_equal(np.asarray(p_float[k]), np.asarray(p_sched[k]))


def test_injected_learning_rate_stays_float32_with_bf16_params():
    sched = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 5, 50)
    opt = optax.inject_hyperparams(optax.adamw)(learning_rate=sched)
    _, state = _run(opt, steps=7, dtype=jnp.bfloat16)
    lr = state.hyperparams["learning_rate"]
    assert lr.dtype == jnp.float32
    # update k used schedule(k): after 7 updates the state holds the value update 6 used
    np.testing.assert_allclose(float(lr), float(sched.evaluate(6, np)), rtol=2e-7)
    # optax's own cosine is weak-typed and is rounded to bf16 next to bf16 params
    opt_optax = optax.inject_hyperparams(optax.adamw)(
        learning_rate=optax.cosine_decay_schedule(0.1, 50))
    _, state_o = _run(opt_optax, steps=1, dtype=jnp.bfloat16)
    assert state_o.hyperparams["learning_rate"].dtype == jnp.bfloat16


def test_update_k_uses_schedule_k_through_scale_by_schedule_and_inject():
    sched = jaxsched.linear_schedule(1.0, 0.0, 10)
    seen = []
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=sched)
    params = jnp.zeros(())
    state = opt.init(params)
    for _ in range(12):
        _, state = opt.update(jnp.ones(()), state, params)
        seen.append(float(state.hyperparams["learning_rate"]))
    np.testing.assert_allclose(seen, [max(0.0, 1 - k / 10) for k in range(12)], atol=1e-7)
    # scale_by_schedule: update k is -schedule(k) * grad
    tx = optax.scale_by_schedule(sched)
    st = tx.init(params)
    got = []
    for _ in range(12):
        u, st = tx.update(jnp.ones(()), st)
        got.append(float(u))
    np.testing.assert_allclose(got, [max(0.0, 1 - k / 10) for k in range(12)], atol=1e-7)


def test_schedule_as_jit_argument_in_train_step_does_not_recompile():
    x = jnp.ones((4, 2))

    @jax.jit
    def train_step(sched, params, count):
        lr = sched(count)
        g = jax.grad(lambda w: jnp.sum((x @ w) ** 2))(params)
        return params - lr * g

    p = jnp.ones(2)
    for peak in (0.1, 0.2, 0.3):
        for count in range(3):
            p = train_step(jaxsched.warmup_cosine_decay_schedule(0.0, peak, 2, 10), p, count)
    assert train_step._cache_size() == 1

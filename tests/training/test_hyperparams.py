"""Hyperparameter schedules through optax.inject_hyperparams: momentum/b1, weight decay,
current values from nested states, MultiSteps, per-group scales."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched

LR = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 3, 20, end_value=0.01)
MOM = jaxsched.linear_schedule(0.95, 0.85, 10)  # independent of LR, easy to check by hand
K = 12


def lr_ref(k):  # float64 reference written from the formula
    if k < 3:
        return 0.1 * k / 3
    p = min(k - 3, 17) / 17
    return 0.01 + (0.1 - 0.01) * 0.5 * (1 + np.cos(np.pi * p))


def mom_ref(k):
    return 0.95 + (0.85 - 0.95) * min(k, 10) / 10


def _params():
    return {"w": jnp.arange(6.0).reshape(2, 3) / 10, "b": jnp.ones(3)}


def _grads(k):
    return {"w": jnp.full((2, 3), 0.1 * (k + 1)), "b": jnp.linspace(-1, 1, 3) * (k + 1)}


def _drive(opt, steps=K):
    params = _params()
    state = opt.init(params)
    seen = []
    update = jax.jit(opt.update)
    for k in range(steps):
        updates, state = update(_grads(k), state, params)
        params = optax.apply_updates(params, updates)
        seen.append({n: float(x) for n, x in jaxsched.current_hyperparams(state).items()})
    return params, seen


@pytest.mark.parametrize(
    "factory,momentum_name",
    [
        (optax.sgd, "momentum"),
        (lambda learning_rate, momentum=None: optax.sgd(learning_rate, momentum, nesterov=True),
         "momentum"),
        (optax.adam, "b1"),
        (optax.adamw, "b1"),
        (optax.lion, "b1"),
    ],
)
def test_injected_values_at_update_k_equal_the_schedules(factory, momentum_name):
    opt = jaxsched.scheduled_optimizer(factory, learning_rate=LR, momentum=MOM)
    _, seen = _drive(opt)
    for k, hp in enumerate(seen):
        assert hp["learning_rate"] == pytest.approx(lr_ref(k), rel=1e-6, abs=1e-9)
        assert hp[momentum_name] == pytest.approx(mom_ref(k), rel=1e-6)
    if "b2" in seen[0]:  # beta2 untouched: the optimizer's own default
        import inspect

        default_b2 = inspect.signature(factory).parameters["b2"].default
        assert all(hp["b2"] == pytest.approx(default_b2, rel=1e-7) for hp in seen)


F = np.float32  # inject_hyperparams stores hyperparameters as float32 arrays


@pytest.mark.parametrize(
    "factory,plain",
    [
        (optax.sgd, lambda: optax.sgd(0.05, momentum=0.9)),
        (lambda learning_rate, momentum=None: optax.sgd(learning_rate, momentum, nesterov=True),
         lambda: optax.sgd(0.05, momentum=0.9, nesterov=True)),
        (optax.adam, lambda: optax.adam(F(0.05), b1=F(0.9), b2=F(0.999), eps=F(1e-8))),
        (optax.adamw, lambda: optax.adamw(F(0.05), b1=F(0.9), b2=F(0.999), eps=F(1e-8),
                                          weight_decay=F(1e-4))),
        (optax.lion, lambda: optax.lion(F(0.05), b1=F(0.9), b2=F(0.99), weight_decay=F(1e-3))),
    ],
)
def test_constant_momentum_schedule_is_bit_identical(factory, plain):
    """Constant schedules give bit-identical parameters to the plain optimizer.

    optax's inject_hyperparams holds every numeric hyperparameter as a float32 array, so the
    plain optimizer gets the same float32 values: with a Python float 0.9, Adam computes
    ``1 - b1`` in float64 before rounding, a ~1e-5 relative difference that comes from optax's
    inject_hyperparams itself (optax#1532), not from the schedule.
    """
    opt = jaxsched.scheduled_optimizer(
        factory, learning_rate=jaxsched.constant_schedule(0.05),
        momentum=jaxsched.constant_schedule(0.9))
    p_sched, _ = _drive(opt)
    p_plain, _ = _drive_plain(plain())
    for key in p_plain:
        np.testing.assert_array_equal(np.asarray(p_sched[key]), np.asarray(p_plain[key]))


def _drive_plain(opt, steps=K):
    params = _params()
    state = opt.init(params)
    update = jax.jit(opt.update)
    for k in range(steps):
        updates, state = update(_grads(k), state, params)
        params = optax.apply_updates(params, updates)
    return params, None


def test_multisteps_micro_steps_do_not_advance_the_schedules():
    every = 3
    opt = optax.MultiSteps(jaxsched.scheduled_optimizer(optax.adam, learning_rate=LR, momentum=MOM),
                           every)
    params = _params()
    state = opt.init(params)
    used = []
    update = jax.jit(opt.update)  # eager MultiSteps costs ~0.5 s an update
    for micro in range(every * 6):
        _, state = update(_grads(micro), state, params)
        if (micro + 1) % every == 0:
            hp = jaxsched.current_hyperparams(state)
            used.append((float(hp["learning_rate"]), float(hp["b1"])))
    for k, (lr, b1) in enumerate(used):
        assert lr == pytest.approx(lr_ref(k), rel=1e-6, abs=1e-9)
        assert b1 == pytest.approx(mom_ref(k), rel=1e-6)


def test_current_hyperparams_from_nested_states_is_jittable():
    inner = jaxsched.scheduled_optimizer(optax.adamw, learning_rate=LR, momentum=MOM,
                                         weight_decay=1e-4)
    params = _params()
    labels = {"w": "a", "b": "b"}
    cases = {
        "chain": optax.chain(optax.clip_by_global_norm(1.0), inner),
        "named_chain": optax.named_chain(("clip", optax.clip(1.0)), ("opt", inner)),
        "masked": optax.masked(inner, {"w": True, "b": False}),
        "multisteps": optax.MultiSteps(inner, 2),
        "multi_transform": optax.multi_transform(
            {"a": inner, "b": jaxsched.scheduled_optimizer(optax.sgd, learning_rate=0.5)}, labels),
    }
    for name, opt in cases.items():
        state = opt.init(params)
        hp = jax.jit(jaxsched.current_hyperparams)(state)
        if name == "multi_transform":
            assert float(hp["a/learning_rate"]) == pytest.approx(lr_ref(0), abs=1e-9)
            assert float(hp["a/b1"]) == pytest.approx(0.95, rel=1e-6)
            assert float(hp["b/learning_rate"]) == pytest.approx(0.5, rel=1e-7)
        else:
            assert float(hp["b1"]) == pytest.approx(0.95, rel=1e-6), name
            assert float(hp["weight_decay"]) == pytest.approx(1e-4, rel=1e-6), name


def test_hyperparameters_stay_float32_next_to_bf16_params():
    opt = jaxsched.scheduled_optimizer(optax.adam, learning_rate=LR, b2=0.999)
    state = opt.init(jnp.zeros(3, jnp.bfloat16))
    hp = jaxsched.current_hyperparams(state)
    assert hp["b2"].dtype == jnp.float32 and float(hp["b2"]) == pytest.approx(0.999, rel=1e-7)
    # optax's default rule would round b2 to 1.0 in bf16
    raw = optax.inject_hyperparams(optax.adam)(learning_rate=0.1, b2=0.999).init(
        jnp.zeros(3, jnp.bfloat16))
    assert float(raw.hyperparams["b2"]) == 1.0


def test_weight_decay_follows_the_learning_rate():
    opt = jaxsched.scheduled_optimizer(optax.adamw, learning_rate=LR, weight_decay=1e-2,
                                       weight_decay_follows_lr=True)
    _, seen = _drive(opt)
    peak = 0.1
    for k, hp in enumerate(seen):
        assert hp["weight_decay"] == pytest.approx(1e-2 * lr_ref(k) / peak, rel=1e-5, abs=1e-12)


def _inf_from_3(k):
    return np.where(np.asarray(k) >= 3, np.inf, 0.1)


@pytest.mark.parametrize(
    "kwargs,match,exc",
    [
        (dict(learning_rate=0.1, betas=0.9), "betas", ValueError),
        (dict(learning_rate=0.1, b1=jaxsched.linear_schedule(0.9, 1.05, 10)), "`b1`", ValueError),
        (dict(learning_rate=0.1, momentum=1.0), "`b1`", ValueError),
        (dict(learning_rate=0.1, b2=-0.1), "`b2`", ValueError),
        (dict(learning_rate=0.1, weight_decay=-1.0), "weight_decay", ValueError),
        (dict(learning_rate=0.1, momentum=0.9, b1=0.9), "momentum", ValueError),
        # a non-finite learning rate made the first update NaN (issue 14)
        (dict(learning_rate=float("nan")), "`learning_rate` must be finite", ValueError),
        (dict(learning_rate=float("-inf")), "`learning_rate` must be finite", ValueError),
        # a value that becomes inf (checked on the host grid; a built-in growth is held at the
        # float32 max, so a user function gives the inf)
        (dict(learning_rate=jaxsched.lambda_schedule(_inf_from_3)),
         "`learning_rate` must stay finite, but the schedule gives inf at step 3", ValueError),
    ],
)
def test_invalid_hyperparameters(kwargs, match, exc):
    with pytest.raises(exc, match=match):
        jaxsched.scheduled_optimizer(optax.adamw, **kwargs)


def test_unknown_hyperparameter_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"hyperparameters are: \['learning_rate'"):
        jaxsched.scheduled_optimizer(optax.sgd, learning_rate=0.1, b2=0.9)
    with pytest.raises(ValueError, match="no momentum or beta1"):
        jaxsched.scheduled_optimizer(optax.adagrad, learning_rate=0.1, momentum=0.9)


def test_per_group_learning_rates_are_schedule_times_scale():
    scales = {"a": 0.1, "b": 2.0}
    opt = jaxsched.per_group(optax.sgd, {"w": "a", "b": "b"}, scales, learning_rate=LR,
                             momentum=MOM)
    _, seen = _drive(opt)
    for k, hp in enumerate(seen):
        for g, a in scales.items():
            assert hp[f"{g}/learning_rate"] == pytest.approx(lr_ref(k) * a, rel=1e-6, abs=1e-10)
            assert hp[f"{g}/momentum"] == pytest.approx(mom_ref(k), rel=1e-6)


def test_per_group_effective_step_is_the_scaled_learning_rate():
    """sgd without momentum: the applied update is -lr_g(k) * grad, per group."""
    scales = {"a": 0.25, "b": 3.0}
    opt = jaxsched.per_group(optax.sgd, {"w": "a", "b": "b"}, scales, learning_rate=LR)
    params = _params()
    state = opt.init(params)
    for k in range(6):
        g = _grads(k)
        updates, state = opt.update(g, state, params)
        np.testing.assert_allclose(np.asarray(updates["w"]), -lr_ref(k) * 0.25 * np.asarray(g["w"]),
                                   rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(np.asarray(updates["b"]), -lr_ref(k) * 3.0 * np.asarray(g["b"]),
                                   rtol=1e-5, atol=1e-9)


def test_per_group_scales_are_traceable():
    def lr_of_group(scale_b):
        opt = jaxsched.per_group(optax.sgd, {"w": "a", "b": "b"}, {"a": 1.0, "b": scale_b},
                                 learning_rate=LR)
        params = _params()
        state = opt.init(params)
        _, state = opt.update(_grads(0), state, params)
        _, state = opt.update(_grads(1), state, params)
        return jaxsched.current_hyperparams(state)["b/learning_rate"]

    out = jax.vmap(lr_of_group)(jnp.array([0.5, 2.0]))
    np.testing.assert_allclose(np.asarray(out), [lr_ref(1) * 0.5, lr_ref(1) * 2.0], rtol=1e-6)

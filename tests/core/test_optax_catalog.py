"""Every optax-named constructor: backends, jit, vmap (counts and every numeric hyperparameter),
grad, no recompiles, strong float32, config round trip, bounded behaviour past the end."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import schedule_checks as sc

import jaxsched

# constructor name -> (valid kwargs, {hyperparameter: a few valid values to trace over})
CATALOG = {
    "constant_schedule": (dict(value=0.3), {"value": [0.1, 0.3, 2.0]}),
    "polynomial_schedule": (
        dict(init_value=1.0, end_value=0.1, power=2.0, transition_steps=100, transition_begin=10),
        {
            "init_value": [1.0, 2.0],
            "end_value": [0.0, 0.1],
            "power": [0.5, 1.0, 2.0],
            "transition_steps": [0, 50, 100],
            "transition_begin": [0, 10, 30],
        },
    ),
    "linear_schedule": (
        dict(init_value=0.0, end_value=1.0, transition_steps=100, transition_begin=5),
        {
            "init_value": [0.0, 0.5],
            "end_value": [1.0, 2.0],
            "transition_steps": [1, 100, 200],
            "transition_begin": [0, 5],
        },
    ),
    "exponential_decay": (
        dict(init_value=1.0, transition_steps=10, decay_rate=0.9, transition_begin=5,
             staircase=False, end_value=0.05),
        {
            "init_value": [1.0, 3.0],
            "transition_steps": [1, 10, 25],
            "decay_rate": [0.5, 0.9, 0.99],
            "transition_begin": [0, 5, 50],
            "end_value": [0.0, 0.05],
        },
    ),
    "cosine_decay_schedule": (
        dict(init_value=1.0, decay_steps=100, alpha=0.1, exponent=1.0),
        {
            "init_value": [0.5, 1.0],
            "decay_steps": [0, 50, 100],
            "alpha": [0.0, 0.1],
            "exponent": [0.5, 1.0, 2.0],
        },
    ),
    "piecewise_constant_schedule": (
        dict(init_value=1.0, boundaries_and_scales={20: 0.5, 100: 0.1}),
        {"init_value": [0.5, 1.0, 4.0]},
    ),
    "piecewise_interpolate_schedule": (
        dict(interpolate_type="cosine", init_value=1.0, boundaries_and_scales={20: 2.0, 100: 0.1}),
        {"init_value": [0.5, 1.0, 4.0]},
    ),
    "linear_onecycle_schedule": (
        dict(transition_steps=100, peak_value=1.0, pct_start=0.3, pct_final=0.85, div_factor=25.0,
             final_div_factor=1e4),
        {
            "transition_steps": [10, 100, 150, 1000],
            "peak_value": [0.5, 1.0, 2.0],
            "pct_start": [0.2, 0.3, 0.5],
            "pct_final": [0.6, 0.8, 0.85, 0.9, 1.0],
            "div_factor": [10.0, 25.0],
            "final_div_factor": [100.0, 1e4],
        },
    ),
    "cosine_onecycle_schedule": (
        dict(transition_steps=100, peak_value=1.0, pct_start=0.3, div_factor=25.0,
             final_div_factor=1e4),
        {
            "transition_steps": [10, 100, 150, 1000],
            "peak_value": [0.5, 1.0, 2.0],
            "pct_start": [0.0, 0.2, 0.25, 0.3, 1.0],
            "div_factor": [10.0, 25.0],
            "final_div_factor": [100.0, 1e4],
        },
    ),
    "warmup_constant_schedule": (
        dict(init_value=0.0, peak_value=1.0, warmup_steps=10),
        {"init_value": [0.0, 0.1], "peak_value": [1.0, 2.0], "warmup_steps": [0, 1, 10]},
    ),
    "warmup_cosine_decay_schedule": (
        dict(init_value=0.0, peak_value=1.0, warmup_steps=10, decay_steps=100, end_value=0.01,
             exponent=1.0),
        {
            "init_value": [0.0, 0.1],
            "peak_value": [0.5, 1.0, 2.0],
            "warmup_steps": [0, 10, 100],
            "decay_steps": [100, 250],
            "end_value": [0.0, 0.01],
            "exponent": [1.0, 2.0],
        },
    ),
    "warmup_exponential_decay_schedule": (
        dict(init_value=0.0, peak_value=1.0, warmup_steps=10, transition_steps=10, decay_rate=0.9,
             transition_begin=5, staircase=True, end_value=0.01),
        {
            "init_value": [0.0, 0.1],
            "peak_value": [0.5, 1.0],
            "warmup_steps": [0, 10],
            "transition_steps": [1, 10],
            "decay_rate": [0.5, 0.9],
            "transition_begin": [0, 5],
            "end_value": [0.0, 0.01],
        },
    ),
}

HORIZON = {
    "polynomial_schedule": 110,
    "linear_schedule": 105,
    "cosine_decay_schedule": 100,
    "piecewise_constant_schedule": 100,
    "piecewise_interpolate_schedule": 100,
    "linear_onecycle_schedule": 100,
    "cosine_onecycle_schedule": 100,
    "warmup_constant_schedule": 10,
    "warmup_cosine_decay_schedule": 100,
}


def _build(name):
    return lambda **kw: getattr(jaxsched, name)(**kw)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_namespace_agrees_with_float64(name, backend):
    """The xp fixture: jax.numpy (jit), numpy, torch and array_api_strict, dtype-aware."""
    kwargs, _ = CATALOG[name]
    s = getattr(jaxsched, name)(**kwargs)
    ref = sc.host(s)
    np.testing.assert_allclose(backend.evaluate(s, sc.COUNTS), ref,
                               **backend.tolerance(float(np.max(np.abs(ref)))))


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_backends_vmap_config(name):
    kwargs, _ = CATALOG[name]
    s = getattr(jaxsched, name)(**kwargs)
    sc.assert_backends_agree(s)
    sc.assert_strong_float32(s)
    sc.assert_vmap_counts(s)
    sc.assert_config_roundtrip(s)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_hyperparameter_is_traceable(name):
    kwargs, params = CATALOG[name]
    sc.assert_all_traceable(_build(name), kwargs, params)


def _sgdr(d0, p1):
    return jaxsched.sgdr_schedule([
        dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=d0, end_value=0.1),
        dict(init_value=0.0, peak_value=p1, warmup_steps=5, decay_steps=60),
    ])


def _join(b, v):
    return jaxsched.join_schedules(
        [jaxsched.constant_schedule(1.0), jaxsched.linear_schedule(v, 0.0, 50)], [b])


@pytest.mark.parametrize(
    "build,kwargs,param,values",
    [
        (_sgdr, dict(d0=40, p1=0.5), "d0", [20, 40, 80]),
        (_sgdr, dict(d0=40, p1=0.5), "p1", [0.25, 0.5]),
        (_join, dict(b=10, v=1.0), "b", [0, 10, 60]),
        (_join, dict(b=10, v=1.0), "v", [0.5, 1.0]),
        (lambda s: jaxsched.piecewise_constant_schedule(1.0, (np.array([10, 50]), s)),
         dict(s=np.array([0.5, 0.1])), "s", [np.array([0.5, 0.1]), np.array([0.9, 0.2])]),
        (lambda b: jaxsched.piecewise_constant_schedule(1.0, (b, np.array([0.5, 0.1]))),
         dict(b=np.array([10, 50])), "b", [np.array([10, 50]), np.array([5, 500])]),
        (lambda b: jaxsched.piecewise_interpolate_schedule("linear", 1.0, (b, [0.5, 0.1])),
         dict(b=np.array([10, 50])), "b", [np.array([10, 50]), np.array([5, 500])]),
    ],
)
def test_composite_hyperparameters_are_traceable(build, kwargs, param, values):
    sc.assert_traceable(build, kwargs, param, values, grad=False)


def test_sgdr_and_join_backends_and_config():
    for s in (_sgdr(40, 0.5), _join(10, 1.0)):
        sc.assert_backends_agree(s)
        sc.assert_vmap_counts(s)
        sc.assert_config_roundtrip(s)


@pytest.mark.parametrize("name", sorted(HORIZON))
def test_final_value_held_and_negative_counts(name):
    kwargs, _ = CATALOG[name]
    s = getattr(jaxsched, name)(**kwargs)
    vals = sc.host(s, np.arange(0, 3 * HORIZON[name] + 10))
    sc.assert_properties(s, lo=float(vals.min()), hi=float(vals.max()), horizon=HORIZON[name])


def test_grad_wrt_float_hyperparameters_at_edges_is_finite():
    """jax.grad at the ends of every phase (both branches of every where are finite)."""
    counts = jnp.array([0, 1, 9, 10, 11, 99, 100, 101, 10**6], jnp.int32)
    builders = [
        lambda p: jaxsched.warmup_cosine_decay_schedule(0.0, p, 10, 100, 0.0, exponent=p),
        lambda p: jaxsched.polynomial_schedule(p, 0.0, p, 100, 10),
        lambda p: jaxsched.exponential_decay(1.0, 10, p * 0.0, end_value=0.0),
        lambda p: jaxsched.cosine_onecycle_schedule(100, p, div_factor=p * 25.0),
        lambda p: jaxsched.piecewise_interpolate_schedule("cosine", p, {10: 0.0, 100: 2.0}),
    ]
    # every builder's gradient in one compiled program (one compile instead of five)
    grads = jax.jit(lambda p, t: [
        jax.vmap(jax.grad(lambda p, t: build(p)(t)), in_axes=(None, 0))(p, t)
        for build in builders])(1.0, counts)
    for d in grads:
        assert np.all(np.isfinite(np.asarray(d))), d


@pytest.mark.parametrize("cycles", [
    [dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=10, end_value=0.1)] * 3,
    [dict(init_value=0.5, peak_value=0.0, warmup_steps=0, decay_steps=7, end_value=0.2),
     dict(init_value=0.1, peak_value=1.0, warmup_steps=5, decay_steps=5, exponent=2.0)],
])
def test_sgdr_is_the_join_of_its_cycles(cycles):
    """sgdr builds its flat sequence directly: the schedule joining the cycles gives."""
    starts = list(np.cumsum([c["decay_steps"] for c in cycles])[:-1])
    joined = jaxsched.join_schedules([jaxsched.warmup_cosine_decay_schedule(**c) for c in cycles],
                                     [int(s) for s in starts])
    assert jaxsched.sgdr_schedule(cycles) == joined

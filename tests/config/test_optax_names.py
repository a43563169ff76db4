"""``optax.<name>`` configs (jaxsched/config/ecosystem/optax_names.py) against live optax 0.2.8.

Each config is built with ``from_config({"type": "optax.X", ...})`` and compared with
``optax.X(**params)`` evaluated by optax itself (float32) at the same counts.
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from schedule_checks import host

import jaxsched as js
from jaxsched.config.ecosystem.optax_names import OPTAX_CONSTRUCTORS, REGISTERED

COUNTS = np.array([0, 1, 2, 3, 5, 8, 10, 13, 20, 25, 30, 40, 50, 99, 100, 150])

CONFIGS = [
    ("constant_schedule", dict(value=0.3)),
    ("polynomial_schedule", dict(init_value=1.0, end_value=0.1, power=2.0, transition_steps=30,
                                 transition_begin=5)),
    ("linear_schedule", dict(init_value=0.0, end_value=1.0, transition_steps=20)),
    ("piecewise_constant_schedule", dict(init_value=1.0, boundaries_and_scales={10: 0.5, 30: 0.1})),
    ("exponential_decay", dict(init_value=1.0, transition_steps=7, decay_rate=0.5,
                               transition_begin=3, staircase=True, end_value=0.05)),
    ("cosine_decay_schedule", dict(init_value=1.0, decay_steps=50, alpha=0.1, exponent=2.0)),
    ("piecewise_interpolate_schedule", dict(interpolate_type="cosine", init_value=1.0,
                                            boundaries_and_scales={10: 2.0, 40: 0.1})),
    ("linear_onecycle_schedule", dict(transition_steps=100, peak_value=1.0)),
    ("cosine_onecycle_schedule", dict(transition_steps=100, peak_value=1.0, pct_start=0.25)),
    ("warmup_constant_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=10)),
    ("warmup_cosine_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=10,
                                          decay_steps=100, end_value=0.01)),
    ("warmup_exponential_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=10,
                                               transition_steps=5, decay_rate=0.8)),
    ("sgdr_schedule", dict(cosine_kwargs=[
        dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=30),
        dict(init_value=0.0, peak_value=0.5, warmup_steps=5, decay_steps=60, end_value=0.01)])),
]


def _optax(name: str, params: dict):
    p = dict(params)
    if name == "piecewise_interpolate_schedule":
        p["boundaries_and_scales"] = dict(p["boundaries_and_scales"])
    return getattr(optax, name)(**p)


def _optax_values(sched) -> np.ndarray:
    """optax's own float32 values at ``COUNTS``, one int32 count at a time (``vmap``: the
    one-cycle schedules take scalar counts) in one compiled call: op by op, each count's dozen
    primitives compiled for each schedule cost ~10x one compile of the whole reference."""
    return np.asarray(jax.jit(jax.vmap(sched))(jnp.asarray(COUNTS, jnp.int32)), dtype=np.float64)


@pytest.mark.parametrize("name, params", CONFIGS, ids=[n for n, _ in CONFIGS])
def test_matches_live_optax(name, params):
    s = js.from_config({"type": f"optax.{name}", "params": params})
    expect = _optax_values(_optax(name, params))
    peak = float(np.max(np.abs(expect)))
    tol = dict(rtol=1e-6, atol=1e-7 * peak)
    np.testing.assert_allclose(np.asarray(s(jnp.asarray(COUNTS, jnp.int32)), np.float64), expect,
                               **tol)
    np.testing.assert_allclose(host(s, COUNTS), expect, **tol)
    assert s == getattr(js, name)(**params)  # the same constructor as jaxsched.<name>


def test_join_schedules_with_child_configs():
    cfg = {"type": "optax.join_schedules", "params": {
        "schedules": [
            {"type": "optax.linear_schedule",
             "params": {"init_value": 0.0, "end_value": 1.0, "transition_steps": 10}},
            {"type": "optax.cosine_decay_schedule",
             "params": {"init_value": 1.0, "decay_steps": 40}}],
        "boundaries": [10]}}
    s = js.from_config(cfg)
    ref = optax.join_schedules([optax.linear_schedule(0.0, 1.0, 10),
                                optax.cosine_decay_schedule(1.0, 40)], [10])
    expect = _optax_values(ref)
    np.testing.assert_allclose(host(s, COUNTS), expect, rtol=1e-6, atol=1e-7)


# optax 0.2.8's schedule constructors (optax/schedules/__init__.py), listed independently
OPTAX_SCHEDULES = {
    "constant_schedule", "polynomial_schedule", "linear_schedule", "piecewise_constant_schedule",
    "exponential_decay", "cosine_decay_schedule", "piecewise_interpolate_schedule",
    "linear_onecycle_schedule", "cosine_onecycle_schedule", "warmup_constant_schedule",
    "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule", "sgdr_schedule",
    "join_schedules",
}


def test_every_optax_name_is_registered():
    assert set(OPTAX_CONSTRUCTORS) == OPTAX_SCHEDULES
    assert all(callable(getattr(optax, n)) for n in OPTAX_SCHEDULES)
    assert {f"optax.{n}" for n in OPTAX_SCHEDULES} <= set(js.registered_names())
    for name, fn in OPTAX_CONSTRUCTORS.items():  # the parameters are the constructor's own
        assert inspect.signature(REGISTERED[f"optax.{name}"]) == inspect.signature(fn)
    assert {n for n, _ in CONFIGS} | {"join_schedules"} == OPTAX_SCHEDULES


@pytest.mark.parametrize("name, params, exc, match", [
    ("cosine_decay_schedule", dict(init_value=1.0, decay_steps=-1), ValueError, "decay_steps"),
    ("exponential_decay", dict(init_value=1.0, transition_steps=0, decay_rate=0.5), ValueError,
     "transition_steps"),
    ("linear_schedule", dict(init_value="1", end_value=0.0, transition_steps=5), TypeError,
     "init_value"),
    ("warmup_cosine_decay_schedule", dict(init_value=0.0, peak_value=1.0, warmup_steps=10,
                                          decay_steps=5), ValueError, "decay_steps"),
    ("cosine_decay_schedule", dict(init_value=1.0), ValueError, "decay_steps"),  # missing
    ("constant_schedule", dict(value=1.0, alpha=0.0), ValueError, "alpha"),  # unknown
])
def test_invalid(name, params, exc, match):
    with pytest.raises(exc, match=match):
        js.from_config({"type": f"optax.{name}", "params": params})

"""``one_cycle`` and ``one_cycle_momentum``: torch's ``OneCycleLR``.

Expected values come from live torch (``OneCycleLR`` stepping a real SGD optimizer with
momentum) and from the verified vectors of anchors.md (b2 "OneCycleLR details").
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_all_traceable,
    assert_backends_agree,
    assert_config_roundtrip,
    assert_float32_accurate,
    assert_properties,
    assert_strong_float32,
    assert_vmap_counts,
    host,
    jit_eval,
    jit_eval_many,
)

import jaxsched


def torch_one_cycle(steps, **kw):
    """(lr, momentum) that update k = 0..steps-1 uses under torch's OneCycleLR (SGD + momentum)."""
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.5, momentum=0.5)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, **kw)
    lrs, moms = [], []
    for k in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        if k + 1 < steps:
            p.grad = torch.ones_like(p)
            opt.step()
            sched.step()
    return np.asarray(lrs), np.asarray(moms)


PAD = 512


def jax_values(s, steps):
    return np.asarray(jit_eval(s, jnp.arange(PAD)))[:steps]


def jax_values_many(schs, steps):
    return [np.asarray(out)[:steps] for out in jit_eval_many(tuple(schs), jnp.arange(PAD))]


def _torch_divides_by_zero(n, pct):
    """torch raises ZeroDivisionError at step 0 when pct * N = 1 (jaxsched: the empty phase's end).

    Every other phase torch enters within the horizon has a positive length."""
    return float(pct * n) - 1 == 0


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 400),
    # pct_start = j/1024: pct * N is then exact in float32 too. Otherwise the JAX path rounds the
    # phase end pct * N - 1 to float32 (a shift of ~6e-8 pct N steps, amplified by a short
    # phase): input rounding, not a formula error. pct * N is still mostly not an integer.
    pct=st.integers(0, 1024).map(lambda j: j / 1024),
    anneal=st.sampled_from(["cos", "linear"]),
    div=st.floats(1.0, 100.0),
    final_div=st.floats(1.0, 1e5),
    three_phase=st.booleans(),
    peak=st.floats(1e-4, 10.0),
    moms=st.tuples(st.floats(0.0, 0.98), st.floats(0.0, 0.98)),
    by_epochs=st.booleans(),
)
def test_torch_parity(n, pct, anneal, div, final_div, three_phase, peak, moms, by_epochs):
    assume(not _torch_divides_by_zero(n, pct))
    base_m, max_m = moms
    common = dict(pct_start=pct, anneal_strategy=anneal, three_phase=three_phase)
    size = dict(total_steps=n)
    if by_epochs:
        spe = next(d for d in (7, 5, 3, 2, 1) if n % d == 0)
        size = dict(epochs=n // spe, steps_per_epoch=spe)
    lr_ref, mom_ref = torch_one_cycle(n, max_lr=peak, div_factor=div, final_div_factor=final_div,
                                      base_momentum=base_m, max_momentum=max_m, **size, **common)
    s = jaxsched.one_cycle(peak, **size, div_factor=div, final_div_factor=final_div, **common)
    m = jaxsched.one_cycle_momentum(base_m, max_m, **size, **common)
    k = np.arange(n)
    # torch's cos anneal cancels in 1 + cos(pi p) near the end (~1e-16 of the amplitude)
    np.testing.assert_allclose(host(s, k), lr_ref, rtol=1e-12, atol=1e-15 * peak)
    np.testing.assert_allclose(host(m, k), mom_ref, rtol=1e-12, atol=1e-15)
    lr32, mom32 = jax_values_many((s, m), n)
    assert_float32_accurate(s, np.arange(n), lr32)
    assert_float32_accurate(m, np.arange(n), mom32)
    # past N - 1 the final value is held (torch raises past N)
    tail = host(s, np.array([n - 1, n, n + 1, 10 * n + 3, 10**9]))
    np.testing.assert_array_equal(tail, tail[0])


def test_verified_vectors():
    # anchors b2: N=10, max=1 (two phases, cos)
    lr = [0.04, .52, 1.0, .950485, .811746, .611262, .388742, .188258, .049519, 4e-06]
    mom = [.95, .9, .85, .854952, .868826, .888874, .911126, .931174, .945048, .95]
    k = np.arange(10)
    np.testing.assert_allclose(host(jaxsched.one_cycle(1.0, 10), k), lr, atol=6e-7)
    np.testing.assert_allclose(host(jaxsched.one_cycle_momentum(total_steps=10), k), mom, atol=6e-7)
    # small N makes e1 negative: step 0 is already past the peak
    np.testing.assert_allclose(host(jaxsched.one_cycle(1.0, 2), np.array([0])), [0.8117], atol=5e-5)
    # non-integer pct * N: the peak is never hit (linear, N=7, pct=.25)
    s = jaxsched.one_cycle(1.0, 7, pct_start=0.25, anneal_strategy="linear")
    assert round(float(np.max(host(s, np.arange(7)))), 3) == 0.952


def test_three_phase_shape_reference():
    # I -> M -> I -> L with float phase ends 2.0, 4.0, 9.0 (N=10, pct=.3): a float64 reference
    n, peak, div, fdiv = 10, 2.0, 10.0, 100.0
    init, low = peak / div, peak / div / fdiv
    ends, knots = [2.0, 4.0, 9.0], [init, peak, init, low]

    def ref(t):
        start = 0.0
        for i, e in enumerate(ends):
            if t <= e or i == 2:
                p = (t - start) / (e - start)
                return knots[i + 1] + (knots[i] - knots[i + 1]) * (1 + math.cos(math.pi * p)) / 2
            start = e

    s = jaxsched.one_cycle(peak, n, div_factor=div, final_div_factor=fdiv, three_phase=True)
    np.testing.assert_allclose(host(s, np.arange(n)), [ref(t) for t in range(n)], rtol=1e-12)


def test_edge_cases():
    # pct * N = 1: torch divides by zero at step 0; jaxsched is at the end of the empty phase
    s = jaxsched.one_cycle(1.0, 10, pct_start=0.1)
    assert float(host(s, np.array([0]))[0]) == 1.0
    # N = 1: the final value from step 0 on
    s = jaxsched.one_cycle(1.0, 1)
    np.testing.assert_allclose(host(s, np.array([0, 1, 5])), 1 / 25 / 1e4, rtol=1e-15)
    # pct_start = 1 (two phases): the descent never starts; the peak is held
    s = jaxsched.one_cycle(1.0, 10, pct_start=1.0, anneal_strategy="linear")
    np.testing.assert_allclose(host(s, np.array([9, 10, 100])), 1.0, rtol=1e-15)
    # float counts evaluate the continuous formula
    s = jaxsched.one_cycle(1.0, 10, pct_start=0.2, anneal_strategy="linear", div_factor=10.0)
    np.testing.assert_allclose(host(s, np.array([0.5])), 0.1 + 0.9 * 0.5, rtol=1e-12)


def test_long_tail_float32():
    """The end of a long cosine anneal keeps relative precision in float32 (optax's is 0)."""
    n = 10**6
    low = 1e-30
    s = jaxsched.one_cycle(1.0, n, div_factor=1.0, final_div_factor=1 / low)
    k = np.array([n - 11, n - 5, n - 2, n - 1], np.int64)
    length = n - 1 - (0.3 * n - 1)
    ref = [low + (1 - low) * math.sin(math.pi / 2 * (n - 1 - t) / length) ** 2 for t in k]
    got = np.asarray(jax.jit(s)(jnp.asarray(k, jnp.int32)))
    np.testing.assert_allclose(got, ref, rtol=1e-5)


# ----------------------------------------------------------------------------- standard checks
SCHEDULES = {  # name: (builder, lower bound, upper bound, horizon)
    "cos": (lambda: jaxsched.one_cycle(0.5, 200), 0.5 / 25 / 1e4, 0.5, 199),
    "linear3": (lambda: jaxsched.one_cycle(1.0, 150, pct_start=0.25, anneal_strategy="linear",
                                           three_phase=True, div_factor=5.0), 1 / 5 / 1e4, 1.0, 149),
    "epochs": (lambda: jaxsched.one_cycle(2.0, epochs=3, steps_per_epoch=7), 2 / 25 / 1e4, 2.0, 20),
    "momentum": (lambda: jaxsched.one_cycle_momentum(0.8, 0.95, 120), 0.8, 0.95, 119),
    "momentum3": (lambda: jaxsched.one_cycle_momentum(0.8, 0.95, 100, three_phase=True,
                                                      anneal_strategy="linear"), 0.8, 0.95, 99),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_standard_checks(name):
    build, lo, hi, horizon = SCHEDULES[name]
    s = build()
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=lo, hi=hi, horizon=horizon)


TRACE = [
    (jaxsched.one_cycle, dict(max_value=1.0, total_steps=100, three_phase=True),
     {"max_value": [0.1, 1.0, 3.0], "total_steps": [1, 40, 100], "pct_start": [0.0, 0.25, 1.0],
      "div_factor": [1.0, 25.0, 100.0], "final_div_factor": [1.0, 1e4]}),
    (jaxsched.one_cycle, dict(max_value=1.0, epochs=4, steps_per_epoch=25,
                              anneal_strategy="linear"),
     {"epochs": [1, 4, 9], "steps_per_epoch": [1, 25, 40], "pct_start": [0.1, 0.3]}),
    (jaxsched.one_cycle_momentum, dict(total_steps=60),
     {"base_momentum": [0.0, 0.85], "max_momentum": [0.9, 0.95], "total_steps": [2, 60],
      "pct_start": [0.2, 0.5]}),
]


@pytest.mark.parametrize("build,kwargs,hyper", TRACE,
                         ids=[f"{b.__name__}-{i}" for i, (b, _, _) in enumerate(TRACE)])
def test_traceable(build, kwargs, hyper):
    assert_all_traceable(build, kwargs, hyper)


def test_config_forms():
    s = jaxsched.one_cycle(1.0, epochs=4, steps_per_epoch=25)
    assert s == jaxsched.one_cycle(1.0, total_steps=100)
    assert s.to_config()["params"]["total_steps"] == 100
    cfg = {"type": "one_cycle", "params": {"max_value": 1.0, "epochs": 4, "steps_per_epoch": 25}}
    assert jaxsched.from_config(cfg) == s
    assert jaxsched.one_cycle(1.0, 100, epochs=4, steps_per_epoch=25) == s  # consistent: accepted
    cfg = {"type": "one_cycle_momentum", "params": {"total_steps": 30, "three_phase": True}}
    m = jaxsched.from_config(cfg)
    assert jaxsched.from_config(m.to_config()) == m


# ----------------------------------------------------------------------------- invalid arguments
INVALID = [
    (dict(max_value=1.0), ValueError, "total_steps"),
    (dict(max_value=1.0, epochs=3), ValueError, "steps_per_epoch"),
    (dict(max_value=1.0, steps_per_epoch=3), ValueError, "epochs"),
    (dict(max_value=1.0, total_steps=10, epochs=3, steps_per_epoch=4), ValueError, "total_steps"),
    (dict(max_value=1.0, total_steps=0), ValueError, "total_steps"),
    (dict(max_value=1.0, total_steps=-5), ValueError, "total_steps"),
    (dict(max_value=1.0, total_steps=10.5), ValueError, "total_steps"),
    (dict(max_value=1.0, total_steps="10"), TypeError, "total_steps"),
    (dict(max_value=1.0, total_steps=True), TypeError, "total_steps"),
    (dict(max_value=1.0, epochs=0, steps_per_epoch=3), ValueError, "epochs"),
    (dict(max_value=1.0, epochs=2, steps_per_epoch=2.5), ValueError, "steps_per_epoch"),
    (dict(max_value=math.nan, total_steps=10), ValueError, "max_value"),
    (dict(max_value=1.0, total_steps=10, pct_start=1.5), ValueError, "pct_start"),
    (dict(max_value=1.0, total_steps=10, pct_start=-0.1), ValueError, "pct_start"),
    (dict(max_value=1.0, total_steps=10, anneal_strategy="cosine"), ValueError, "anneal_strategy"),
    (dict(max_value=1.0, total_steps=10, div_factor=0.0), ValueError, "div_factor"),
    (dict(max_value=1.0, total_steps=10, final_div_factor=-1.0), ValueError, "final_div_factor"),
    (dict(max_value=1.0, total_steps=10, final_div_factor=math.inf), ValueError, "final_div_factor"),
    (dict(max_value=1.0, total_steps=10, three_phase=1), TypeError, "three_phase"),
]


@pytest.mark.parametrize("kwargs,exc,match", INVALID)
def test_invalid_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        jaxsched.one_cycle(**kwargs)


@pytest.mark.parametrize("kwargs,match", [
    (dict(base_momentum=1.0, total_steps=10), "base_momentum"),
    (dict(max_momentum=-0.5, total_steps=10), "max_momentum"),
    (dict(), "total_steps"),
    (dict(total_steps=10, pct_start=2.0), "pct_start"),
])
def test_invalid_momentum_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        jaxsched.one_cycle_momentum(**kwargs)

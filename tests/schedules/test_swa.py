"""swa_schedule: live against torch.optim.swa_utils.SWALR, a float64 reference and verified vectors."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import schedule_checks as sc
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched


def reference(k, init_value, swa_value, anneal_steps, anneal_strategy="cos"):
    """SWALR's closed form for the lr after construction + k step() calls (float64)."""
    step = max(1, k) if anneal_steps == 0 else k
    p = max(0.0, min(1.0, step / max(1, anneal_steps)))
    alpha = p if anneal_strategy == "linear" else (1 - math.cos(math.pi * p)) / 2
    return swa_value * alpha + init_value * (1 - alpha)


def torch_swalr(init_value, swa_value, anneal_steps, anneal_strategy, n):
    """The lr that update k (0 <= k < n) uses with torch's SWALR stepping a real SGD."""
    param = torch.nn.Parameter(torch.zeros(2, dtype=torch.float64))
    opt = torch.optim.SGD([param], lr=init_value)
    sched = torch.optim.swa_utils.SWALR(
        opt, swa_lr=swa_value, anneal_epochs=anneal_steps, anneal_strategy=anneal_strategy
    )
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        param.grad = torch.ones_like(param)
        opt.step()
        sched.step()
    return np.asarray(lrs, dtype=np.float64)


def jax_values(s, n, pad=64):
    """float32 jit values at 0..n-1: counts padded to one shape, one evaluator for all."""
    t = np.minimum(np.arange(max(n, pad)), n - 1)
    return np.asarray(sc.jit_eval(s, jnp.asarray(t, jnp.int32)), np.float64)[:n]


# ---------------------------------------------------------------- peers
@pytest.mark.parametrize(
    "strategy, expected",
    [("linear", [1, 0.775, 0.55, 0.325, 0.1, 0.1]), ("cos", [1, 0.868198, 0.55, 0.231802, 0.1, 0.1])],
)
def test_verified_vectors(backend, strategy, expected):
    s = jaxsched.swa_schedule(1.0, 0.1, anneal_steps=4, anneal_strategy=strategy)
    out = backend.evaluate(s, np.arange(6))
    np.testing.assert_allclose(out, expected, rtol=0, atol=5e-7 + (1e-7 if not backend.float64 else 0))


@pytest.mark.parametrize("strategy", ["cos", "linear"])
def test_zero_anneal_is_swa_from_construction(backend, strategy):
    s = jaxsched.swa_schedule(0.7, 0.05, anneal_steps=0, anneal_strategy=strategy)
    np.testing.assert_allclose(torch_swalr(0.7, 0.05, 0, strategy, 5), 0.05, rtol=1e-15)
    np.testing.assert_allclose(backend.evaluate(s, np.arange(5)), 0.05, **backend.tolerance(0.7))


@settings(max_examples=30, deadline=None)
@given(
    init=st.floats(1e-4, 10.0),
    swa=st.floats(1e-5, 10.0),
    anneal=st.integers(0, 30),
    strategy=st.sampled_from(["cos", "linear"]),
)
def test_live_torch_swalr(init, swa, anneal, strategy):
    n = anneal + 6
    expect = torch_swalr(init, swa, anneal, strategy, n)
    peak = max(init, swa)
    closed = np.array([reference(k, init, swa, anneal, strategy) for k in range(n)])
    np.testing.assert_allclose(expect, closed, rtol=1e-12, atol=1e-14 * peak)  # the closed form
    s = jaxsched.swa_schedule(init, swa, anneal, strategy)
    np.testing.assert_allclose(sc.host(s, np.arange(n)), expect, rtol=1e-12, atol=1e-14 * peak)
    np.testing.assert_allclose(jax_values(s, n), expect, rtol=1e-6, atol=1e-7 * peak)


# ---------------------------------------------------------------- formula and precision
CONFIGS = [
    dict(init_value=1.0, swa_value=0.1, anneal_steps=10, anneal_strategy="cos"),
    dict(init_value=0.05, swa_value=0.5, anneal_steps=7, anneal_strategy="linear"),
    dict(init_value=3.0, swa_value=0.0, anneal_steps=1000, anneal_strategy="cos"),
    dict(init_value=1.0, swa_value=0.25, anneal_steps=0, anneal_strategy="linear"),
    dict(init_value=1.0, swa_value=0.25, anneal_steps=1, anneal_strategy="cos"),
]


@pytest.mark.parametrize("cfg", CONFIGS)
def test_against_reference(backend, cfg):
    counts = sc.COUNTS
    expect = np.array([reference(int(k), **cfg) for k in counts])
    out = backend.evaluate(jaxsched.swa_schedule(**cfg), counts)
    np.testing.assert_allclose(out, expect, **backend.tolerance(max(cfg["init_value"], cfg["swa_value"])))


@pytest.mark.parametrize("cfg", CONFIGS)
def test_standard_checks(cfg):
    s = jaxsched.swa_schedule(**cfg)
    sc.assert_backends_agree(s)
    sc.assert_strong_float32(s)
    sc.assert_vmap_counts(s)
    sc.assert_config_roundtrip(s)
    lo, hi = sorted([cfg["init_value"], cfg["swa_value"]])
    mono = "decreasing" if cfg["init_value"] >= cfg["swa_value"] else "increasing"
    sc.assert_properties(s, lo=lo, hi=hi, horizon=max(cfg["anneal_steps"], 1), monotone=mono)


def test_float32_tail_keeps_relative_precision():
    a = 10**6
    s = jaxsched.swa_schedule(1.0, 0.0, anneal_steps=a)
    k = np.arange(a - 10, a + 1)
    expect = np.array([math.sin(math.pi / 2 * (a - x) / a) ** 2 for x in k])  # 1 - alpha, exact form
    out = np.asarray(s(jnp.asarray(k, jnp.int32)), np.float64)
    np.testing.assert_allclose(out, expect, rtol=1e-5, atol=0)
    assert out[-2] > 0 and out[-1] == 0


def test_fractional_anneal_steps():
    s = jaxsched.swa_schedule(1.0, 0.2, anneal_steps=2.5, anneal_strategy="linear")
    expect = [1.0 - 0.8 * min(k / 2.5, 1.0) for k in range(5)]
    np.testing.assert_allclose(sc.host(s, np.arange(5)), expect, rtol=1e-15)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize(
    "name, values",
    [("init_value", [0.5, 1.0, 2.0]), ("swa_value", [0.01, 0.1, 0.3]), ("anneal_steps", [0, 5, 20])],
)
def test_traceable(name, values, strategy):
    kw = dict(init_value=1.0, swa_value=0.1, anneal_steps=10, anneal_strategy=strategy)
    sc.assert_traceable(jaxsched.swa_schedule, kw, name, values)


def test_grad_wrt_anneal_steps_is_finite():
    f = jax.jit(jax.grad(lambda a, t: jaxsched.swa_schedule(1.0, 0.1, a)(t)))
    for a in (0.0, 3.0, 10.0):
        for t in (0, 2, 3, 20):
            assert np.isfinite(float(f(jnp.float32(a), t)))


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kw, exc, match",
    [
        (dict(anneal_steps=-1), ValueError, "anneal_steps"),
        (dict(anneal_steps=float("nan")), ValueError, "anneal_steps"),
        (dict(anneal_steps=True), TypeError, "anneal_steps"),
        (dict(anneal_steps="10"), TypeError, "anneal_steps"),
        (dict(anneal_strategy="cosine"), ValueError, "anneal_strategy"),
        (dict(anneal_strategy=None), TypeError, "anneal_strategy"),
        (dict(init_value=float("inf")), ValueError, "init_value"),
        (dict(init_value=None), TypeError, "init_value"),
        (dict(swa_value=float("nan")), ValueError, "swa_value"),
        (dict(swa_value="0.1"), TypeError, "swa_value"),
    ],
)
def test_invalid(kw, exc, match):
    args = {"init_value": 1.0, "swa_value": 0.1, **kw}
    with pytest.raises(exc, match=match):
        jaxsched.swa_schedule(**args)

"""lr_range_test: against a float64 reference, DeepSpeed's stepping protocol and its vectors."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
import pytest
import schedule_checks as sc
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched


def reference(t: int, min_value, step_size, step_rate, staircase=False, mode="linear", max_value=None):
    """The documented formula in plain float64 Python."""
    x = math.floor(t / step_size) if staircase else t / step_size
    if mode == "linear":
        out = min_value * (1.0 + step_rate * x)
    else:
        out = min_value * math.exp(min(step_rate * x, 700.0))  # capped below anyway
    return out if max_value is None else min(out, max_value)


class DeepSpeedRangeTest:
    """DeepSpeed's ``LRRangeTest`` protocol, written from its documented behaviour (anchors b3).

    Construction (``last_batch_iteration=-1``) writes ``min_lr``; each ``step()`` increments
    ``last_batch_iteration`` and writes ``min_lr * (1 + rate * interval(it + 1))``.
    """

    def __init__(self, min_lr, step_size, step_rate, staircase):
        self.min_lr, self.size, self.rate, self.staircase = min_lr, step_size, step_rate, staircase
        self.it = -1
        self.lr = min_lr

    def step(self):
        self.it += 1
        b = float(self.it + 1) / self.size
        x = math.floor(b) if self.staircase else b
        self.lr = self.min_lr * (1 + self.rate * x)


def deepspeed_lrs(n, **kw):
    """The lr used by updates 0..n-1 (the lr in the group when the update runs)."""
    sched = DeepSpeedRangeTest(**kw)
    out = []
    for _ in range(n):
        out.append(sched.lr)  # optimizer.step() uses the current lr
        sched.step()
    return np.asarray(out)


def from_deepspeed(lr_range_test_min_lr=1e-3, lr_range_test_step_size=2000,
                   lr_range_test_step_rate=1.0, lr_range_test_staircase=False):
    """The mapping of DeepSpeed's parameters onto lr_range_test: one to one, no step shift."""
    return jaxsched.lr_range_test(
        lr_range_test_min_lr, lr_range_test_step_size, lr_range_test_step_rate, lr_range_test_staircase
    )


# ---------------------------------------------------------------- DeepSpeed parity
@pytest.mark.parametrize(
    "staircase, expected",
    [(False, [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]), (True, [0.1, 0.1, 0.2, 0.2, 0.3, 0.3])],
)
def test_deepspeed_verified_vectors(backend, staircase, expected):
    s = from_deepspeed(0.1, 2, 1.0, staircase)
    out = backend.evaluate(s, np.arange(6))
    np.testing.assert_allclose(out, expected, **backend.tolerance(0.35))
    # the protocol simulation reproduces the verified vectors too (it is the peer here)
    np.testing.assert_allclose(
        deepspeed_lrs(6, min_lr=0.1, step_size=2, step_rate=1.0, staircase=staircase),
        expected, rtol=1e-15,
    )


@settings(max_examples=25, deadline=None)
@given(
    min_lr=st.floats(1e-6, 1.0),
    size=st.integers(1, 50),
    rate=st.floats(0.0, 20.0),
    staircase=st.booleans(),
)
def test_deepspeed_protocol_random(min_lr, size, rate, staircase):
    n = 120
    expect = deepspeed_lrs(n, min_lr=min_lr, step_size=size, step_rate=rate, staircase=staircase)
    s = from_deepspeed(min_lr, size, rate, staircase)
    np.testing.assert_allclose(sc.host(s, np.arange(n)), expect, rtol=1e-12)
    out32 = np.asarray(s(jnp.arange(n, dtype=jnp.int32)), dtype=np.float64)
    np.testing.assert_allclose(out32, expect, rtol=1e-6, atol=1e-7 * float(expect.max()))


# ---------------------------------------------------------------- formula
CONFIGS = [
    dict(min_value=1e-3, step_size=2000, step_rate=1.0),
    dict(min_value=0.1, step_size=7, step_rate=0.5, staircase=True),
    dict(min_value=0.01, step_size=10, step_rate=2.0, max_value=0.5),
    dict(min_value=0.01, step_size=10, step_rate=2.0, staircase=True, max_value=0.35),
    dict(min_value=1e-5, step_size=100, step_rate=math.log(1e5), mode="exponential", max_value=1.0),
    dict(min_value=1e-4, step_size=3, step_rate=1.5, staircase=True, mode="exponential", max_value=0.2),
]
COUNTS = np.array([0, 1, 2, 3, 6, 7, 9, 10, 11, 13, 20, 50, 99, 100, 101, 250, 1000, 4000, 10**6])


@pytest.mark.parametrize("cfg", CONFIGS)
def test_against_reference(backend, cfg):
    s = jaxsched.lr_range_test(**cfg)
    expect = np.array([reference(int(t), **cfg) for t in COUNTS])
    out = backend.evaluate(s, COUNTS)
    tol = backend.tolerance(float(expect.max()))
    if cfg.get("mode") == "exponential" and not backend.float64:
        tol["rtol"] = 3e-6  # exp(r x) with r x up to log(1e5): float32 rounding of r x, amplified
    np.testing.assert_allclose(out, expect, **tol)


@pytest.mark.parametrize("cfg", CONFIGS)
def test_standard_checks(cfg):
    s = jaxsched.lr_range_test(**cfg)
    counts = COUNTS[COUNTS <= 10**5]  # keep the uncapped linear values modest
    sc.assert_backends_agree(s, counts)
    sc.assert_strong_float32(s)
    sc.assert_vmap_counts(s, counts)
    sc.assert_config_roundtrip(s)
    hi = cfg.get("max_value")
    if hi is None:
        top = reference(10**4, **cfg)
        sc.assert_properties(s, lo=cfg["min_value"], hi=top, monotone="increasing",
                             counts=np.arange(0, 10**4 + 1, 7))
    else:
        horizon = next(t for t in range(10**5) if reference(t, **cfg) >= hi)
        sc.assert_properties(s, lo=cfg["min_value"], hi=hi, horizon=horizon, monotone="increasing")


def test_exponential_recipe_sweeps_lo_to_hi():
    lo, hi, n = 1e-6, 3.0, 250
    s = jaxsched.lr_range_test(lo, step_size=n, step_rate=math.log(hi / lo), mode="exponential",
                               max_value=hi)
    out = sc.host(s, np.arange(n + 5))
    assert out[0] == lo
    np.testing.assert_allclose(out[n], hi, rtol=1e-13)
    assert np.all(out[n + 1:] == hi)
    ratios = out[1:n] / out[: n - 1]  # geometric: a constant ratio (hi/lo)**(1/n)
    np.testing.assert_allclose(ratios, (hi / lo) ** (1 / n), rtol=1e-12)
    # float32 keeps the relative precision along the sweep
    out32 = np.asarray(s(jnp.arange(n + 5, dtype=jnp.int32)), np.float64)
    np.testing.assert_allclose(out32, out, rtol=3e-6)


def test_linear_recipe_sweeps_lo_to_hi():
    lo, hi, n = 0.01, 2.0, 40
    s = jaxsched.lr_range_test(lo, step_size=n, step_rate=hi / lo - 1, max_value=hi)
    out = sc.host(s, np.arange(n + 3))
    np.testing.assert_allclose(out, np.minimum(lo + (hi - lo) * np.arange(n + 3) / n, hi), rtol=1e-13)
    assert out[-1] == hi


def test_float_step_size_and_float_counts():
    s = jaxsched.lr_range_test(0.2, step_size=2.5, step_rate=1.0, staircase=True)
    t = np.array([0, 2, 3, 4, 5, 7.5, 8.0])
    expect = [0.2 * (1 + math.floor(x / 2.5)) for x in t]
    np.testing.assert_allclose(sc.host(s, t), expect, rtol=1e-15)


@pytest.mark.parametrize(
    "name, values",
    [("min_value", [0.01, 0.02, 0.05]), ("step_size", [5, 10, 20]), ("step_rate", [0.5, 1.0, 3.0]),
     ("max_value", [0.3, 0.5, 1.0])],
)
@pytest.mark.parametrize("mode", ["linear", "exponential"])
def test_traceable(name, values, mode):
    kw = dict(min_value=0.01, step_size=10, step_rate=1.0, mode=mode, max_value=0.25)
    counts = np.array([0, 1, 5, 10, 17, 30, 100, 1000])
    sc.assert_traceable(jaxsched.lr_range_test, kw, name, values, counts=counts)
    sc.assert_traceable(jaxsched.lr_range_test, {**kw, "staircase": True}, name, values, counts=counts)


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kw, exc, match",
    [
        (dict(min_value=-0.1), ValueError, "min_value"),
        (dict(min_value=0.0, mode="exponential", max_value=1.0), ValueError, "min_value"),
        (dict(min_value=float("nan")), ValueError, "min_value"),
        (dict(min_value="0.1"), TypeError, "min_value"),
        (dict(min_value=True), TypeError, "min_value"),
        (dict(min_value=0.1, step_size=0), ValueError, "step_size"),
        (dict(min_value=0.1, step_size=-3), ValueError, "step_size"),
        (dict(min_value=0.1, step_size=float("inf")), ValueError, "step_size"),
        (dict(min_value=0.1, step_size=None), TypeError, "step_size"),
        (dict(min_value=0.1, step_rate=-1.0), ValueError, "step_rate"),
        (dict(min_value=0.1, step_rate=float("nan")), ValueError, "step_rate"),
        (dict(min_value=0.1, staircase=1), TypeError, "staircase"),
        (dict(min_value=0.1, mode="geometric"), ValueError, "mode"),
        (dict(min_value=0.1, mode=None), TypeError, "mode"),
        (dict(min_value=0.1, mode="exponential"), ValueError, "max_value"),
        (dict(min_value=0.1, max_value=0.05), ValueError, "max_value"),
        (dict(min_value=0.1, max_value=float("inf")), ValueError, "max_value"),
        (dict(min_value=0.1, max_value="1"), TypeError, "max_value"),
    ],
)
def test_invalid(kw, exc, match):
    with pytest.raises(exc, match=match):
        jaxsched.lr_range_test(**kw)


def test_degenerate_configs():
    flat = jaxsched.lr_range_test(0.3, step_rate=0.0)
    np.testing.assert_array_equal(sc.host(flat), 0.3)
    same = jaxsched.lr_range_test(0.3, step_size=5, step_rate=2.0, mode="exponential", max_value=0.3)
    np.testing.assert_array_equal(sc.host(same), 0.3)
    zero = jaxsched.lr_range_test(0.0, step_size=5)
    np.testing.assert_array_equal(sc.host(zero), 0.0)

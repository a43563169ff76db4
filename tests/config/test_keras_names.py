"""Keras 3's schedules by name (jaxsched/config/ecosystem/keras_names.py).

Expected values come from tests/config/golden/keras.json (the real keras 3.15.1 schedules, jax
backend, scripts/golden/make_keras.py), from the verified vectors of anchors.md (d), and from
float64 restatements of Keras' formulas written here with plain ``math``. jaxsched is compared
with itself only for consistency.

Precision: a ``float32`` golden case is Keras's own float32 arithmetic, and so are the
``float64`` cases of ``CosineDecay``/``CosineDecayRestarts`` (Keras's JAX backend evaluates
``cos``/``log`` in float32 under x64, as the golden file notes). Those are compared within
Keras's float32 rounding: ``8 eps32`` of the peak (``1 + cos`` cancels near its minimum, an
absolute error) plus ``2 eps32`` relative. The other ``float64`` cases are compared within
``rtol 1e-9``. The JAX float32 path is compared within ``1e-7 * peak + 1e-6`` relative.
"""

from __future__ import annotations

import bisect
import json
import math
from pathlib import Path

import hypothesis.strategies as st
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from schedule_checks import (
    assert_all_traceable,
    assert_backends_agree,
    assert_config_roundtrip,
    assert_strong_float32,
    host,
    jit_eval,
)

import jaxsched as js

GOLDEN = json.loads((Path(__file__).parent / "golden" / "keras.json").read_text())
CASES = GOLDEN["cases"]
EPS32 = 2.0**-24
FLOAT32_MATH = ("CosineDecay", "CosineDecayRestarts")  # cos/log in float32 even under x64
# one count shape for every case (the longest golden case has 2100 steps): cases of one
# structure share a single compilation whatever their length
PAD = jnp.arange(2304, dtype=jnp.int32)


def build(name: str, **params):
    return js.from_config({"type": f"keras.{name}", "params": params})


def _jax(s, n: int) -> np.ndarray:
    assert n <= PAD.shape[0]
    out = jit_eval(s, PAD)
    assert out.dtype == jnp.float32
    return np.asarray(out, dtype=np.float64)[:n]


# ------------------------------------------------------------------ golden vectors
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden(case):
    n = case["steps"]
    s = build(case["name"], **case["params"])
    ours = host(s, np.arange(n))
    refs = [np.asarray(case["lr"])] + ([np.asarray(case["lr_jit"])] if "lr_jit" in case else [])
    for ref in refs:
        peak = float(np.max(np.abs(ref)))
        if case["dtype"] == "float64" and case["name"] not in FLOAT32_MATH:
            np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-12 * peak)
        else:
            np.testing.assert_allclose(ours, ref, rtol=2 * EPS32, atol=8 * EPS32 * peak)
        np.testing.assert_allclose(_jax(s, n), ref, rtol=1e-6, atol=1e-7 * peak)


# ------------------------------------------------------------------ verified vectors (anchors d)
@pytest.mark.parametrize("name, params, expect", [
    ("PiecewiseConstantDecay", dict(boundaries=[2, 4], values=[1, .5, .25]),
     [1, 1, 1, .5, .5, .25]),
    ("PolynomialDecay", dict(initial_learning_rate=1.0, decay_steps=4, end_learning_rate=0.0,
                             cycle=True), [1, .75, .5, .25, 0, .375, .25, .125, 0, .25]),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=4, alpha=0.1, warmup_target=1.0,
                         warmup_steps=2), [0, .5, 1, .8682, .55, .2318, .1, .1]),
    ("CosineDecayRestarts", dict(initial_learning_rate=1.0, first_decay_steps=2, t_mul=2.0,
                                 m_mul=0.5, alpha=0.1), [1, .55, .55, .4841, .325, .1659, .325,
                                                         .3164]),
    ("InverseTimeDecay", dict(initial_learning_rate=1.0, decay_steps=2, decay_rate=0.5,
                              staircase=True), [1, 1, .6667, .6667, .5]),
])
def test_anchor_vectors(name, params, expect):
    np.testing.assert_allclose(host(build(name, **params), np.arange(len(expect))), expect,
                               atol=5e-5)


# ------------------------------------------------------------------ float64 references
def cosine_ref(i, d, alpha=0.0, target=None, w=0):
    def f(t):
        if target is None:
            return i * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * min(t, d) / d)) + alpha)
        t = min(t, d + w)
        if t < w:
            return i + (target - i) * t / w
        return target * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * (t - w) / d)) + alpha)

    return f


def restarts_ref(i, d0, t_mul, m_mul, alpha):
    def f(t):
        k, start, length = 0, 0.0, float(d0)  # the restart located exactly
        while start + length <= t:
            start, length, k = start + length, length * t_mul, k + 1
        x = (t - start) / length
        return i * ((1 - alpha) * 0.5 * m_mul**k * (1 + math.cos(math.pi * x)) + alpha)

    return f


def poly_ref(i, d, end, power, cycle):
    def f(t):
        if cycle:
            dd = d * (1 if t == 0 else math.ceil(t / d))
            return (i - end) * (1 - t / dd) ** power + end
        return (i - end) * (1 - min(t, d) / d) ** power + end

    return f


HYP = settings(max_examples=25, deadline=None, derandomize=True)


def _check(name, params, ref, n=60):
    np.testing.assert_allclose(host(build(name, **params), np.arange(n)),
                               [ref(t) for t in range(n)], rtol=1e-9, atol=1e-12)


@HYP
@given(i=st.floats(0.0, 2.0), d=st.integers(1, 30), alpha=st.floats(0, 1),
       target=st.one_of(st.none(), st.floats(0.1, 2.0)), w=st.integers(0, 10))
def test_cosine_decay_reference(i, d, alpha, target, w):
    p = dict(initial_learning_rate=i, decay_steps=d, alpha=alpha, warmup_target=target,
             warmup_steps=w)
    _check("CosineDecay", p, cosine_ref(i, d, alpha, target, w if target is not None else 0))


@HYP
@given(i=st.floats(0.01, 2.0), d0=st.integers(1, 8), t_mul=st.sampled_from([1.0, 1.5, 2.0, 3]),
       m_mul=st.floats(0.2, 1.0), alpha=st.floats(0, 0.5))
def test_cosine_restarts_reference(i, d0, t_mul, m_mul, alpha):
    p = dict(initial_learning_rate=i, first_decay_steps=d0, t_mul=t_mul, m_mul=m_mul,
             alpha=alpha)
    _check("CosineDecayRestarts", p, restarts_ref(i, d0, t_mul, m_mul, alpha))


@HYP
@given(i=st.floats(0.01, 2.0), d=st.integers(1, 20), end=st.floats(0, 0.5),
       power=st.floats(0.2, 3.0), cycle=st.booleans())
def test_polynomial_reference(i, d, end, power, cycle):
    p = dict(initial_learning_rate=i, decay_steps=d, end_learning_rate=end, power=power,
             cycle=cycle)
    _check("PolynomialDecay", p, poly_ref(i, d, end, power, cycle))


@HYP
@given(i=st.floats(0.01, 2.0), d=st.sampled_from([1, 2, 3, 2.5, 10]), r=st.floats(0, 2),
       staircase=st.booleans(), inverse=st.booleans())
def test_exponential_and_inverse_reference(i, d, r, staircase, inverse):
    def ref(t):
        p = math.floor(t / d) if staircase else t / d
        return i / (1 + r * p) if inverse else i * r**p

    name = "InverseTimeDecay" if inverse else "ExponentialDecay"
    _check(name, dict(initial_learning_rate=i, decay_steps=d, decay_rate=r, staircase=staircase),
           ref)


@HYP
@given(bounds=st.lists(st.sampled_from([0, 1, 2, 3, 5, 2.5, 7.5, 12]), min_size=1, max_size=4))
def test_piecewise_reference(bounds):
    bounds = sorted(bounds)
    values = [0.5**k for k in range(len(bounds) + 1)]

    def ref(t):  # Keras: v0 for t <= b0, v_{i+1} for b_i < t <= b_{i+1}, v_n for t > b_{n-1}
        return values[bisect.bisect_left(bounds, t)]

    _check("PiecewiseConstantDecay", dict(boundaries=bounds, values=values), ref, n=16)


# ------------------------------------------------------------------ consistency
REPRESENTATIVE = [
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=50, alpha=0.1,
                         warmup_target=1.0, warmup_steps=10)),
    ("CosineDecayRestarts", dict(initial_learning_rate=1.0, first_decay_steps=10, t_mul=2.0,
                                 m_mul=0.5, alpha=0.05)),
    ("ExponentialDecay", dict(initial_learning_rate=1.0, decay_steps=7, decay_rate=0.5,
                              staircase=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=1.0, decay_steps=7, decay_rate=0.5)),
    ("PiecewiseConstantDecay", dict(boundaries=[10, 100], values=[1.0, 0.1, 0.01])),
    ("PolynomialDecay", dict(initial_learning_rate=1.0, decay_steps=30, power=2.0, cycle=True)),
]


@pytest.mark.parametrize("name, params", REPRESENTATIVE, ids=[n for n, _ in REPRESENTATIVE])
def test_consistency(name, params):
    s = build(name, **params)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_config_roundtrip(s)


TRACED = [
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=50, alpha=0.1,
                         warmup_target=1.0, warmup_steps=10),
     {"alpha": [0.1, 0.2], "warmup_target": [1.0, 0.5], "initial_learning_rate": [0.1, 0.0]}),
    ("CosineDecayRestarts", dict(initial_learning_rate=1.0, first_decay_steps=10, alpha=0.05),
     {"alpha": [0.05, 0.1], "initial_learning_rate": [1.0, 0.5], "t_mul": [2.0, 1.5]}),
    ("PiecewiseConstantDecay", dict(boundaries=[10, 100], values=[1.0, 0.1, 0.01]),
     {"boundaries": [[10, 100], [5, 50]], "values": [[1.0, 0.1, 0.01], [1.0, 0.5, 0.25]]}),
]


@pytest.mark.parametrize("name, params, hyper", TRACED, ids=[n for n, _, _ in TRACED])
def test_traceable(name, params, hyper):
    counts = np.array([0, 1, 2, 5, 9, 10, 11, 49, 50, 100, 101, 500])
    assert_all_traceable(lambda **kw: build(name, **kw), params, hyper, counts=counts)


# ------------------------------------------------------------------ validation
@pytest.mark.parametrize("name, params, exc, match", [
    ("CosineDecay", dict(initial_learning_rate=1.0, decay_steps=0), ValueError, "decay_steps"),
    ("CosineDecay", dict(initial_learning_rate=1.0, decay_steps=5, alpha=float("nan")),
     ValueError, "alpha"),
    ("CosineDecay", dict(initial_learning_rate=1.0, decay_steps=5, warmup_target=1.0,
                         warmup_steps=-1), ValueError, "warmup_steps"),
    ("CosineDecay", dict(initial_learning_rate=1.0, decay_steps=5, warmup_target="1"),
     TypeError, "warmup_target"),
    ("CosineDecay", dict(initial_learning_rate=1.0, decay_steps=5, name=3), TypeError, "name"),
    ("CosineDecayRestarts", dict(initial_learning_rate=1.0, first_decay_steps=0), ValueError,
     "first_decay_steps"),
    ("CosineDecayRestarts", dict(initial_learning_rate=1.0, first_decay_steps=5, t_mul=0.5),
     ValueError, "t_mul"),
    ("CosineDecayRestarts", dict(initial_learning_rate=1.0, first_decay_steps=5, m_mul=-1.0),
     ValueError, "m_mul"),
    ("ExponentialDecay", dict(initial_learning_rate=1.0, decay_steps=-3, decay_rate=0.5),
     ValueError, "decay_steps"),
    ("ExponentialDecay", dict(initial_learning_rate=1.0, decay_steps=3, decay_rate=-0.5),
     ValueError, "decay_rate"),
    ("ExponentialDecay", dict(initial_learning_rate=1.0, decay_steps=3, decay_rate=0.5,
                              staircase="no"), TypeError, "staircase"),
    ("InverseTimeDecay", dict(initial_learning_rate=True, decay_steps=3, decay_rate=0.5),
     TypeError, "initial_learning_rate"),
    ("InverseTimeDecay", dict(initial_learning_rate=1.0, decay_steps=0, decay_rate=0.5),
     ValueError, "decay_steps"),
    ("PiecewiseConstantDecay", dict(boundaries=[2, 4], values=[1.0, 0.5]), ValueError,
     "values"),
    ("PiecewiseConstantDecay", dict(boundaries=[4, 2], values=[1.0, 0.5, 0.1]), ValueError,
     "boundaries"),
    ("PiecewiseConstantDecay", dict(boundaries=[-1, 2], values=[1.0, 0.5, 0.1]), ValueError,
     "boundaries"),
    ("PiecewiseConstantDecay", dict(boundaries=[2], values=[1.0, float("inf")]), ValueError,
     "values"),
    ("PolynomialDecay", dict(initial_learning_rate=1.0, decay_steps=0), ValueError,
     "decay_steps"),
    ("PolynomialDecay", dict(initial_learning_rate=1.0, decay_steps=5, power=-1.0), ValueError,
     "power"),
    ("PolynomialDecay", dict(initial_learning_rate=1.0, decay_steps=5, cycle=1), TypeError,
     "cycle"),
])
def test_invalid(name, params, exc, match):
    with pytest.raises(exc, match=match):
        build(name, **params)


def test_defaults_are_keras_defaults():
    # PolynomialDecay ends at 1e-4 by default; CosineDecayRestarts doubles its period (t_mul=2)
    s = build("PolynomialDecay", initial_learning_rate=1.0, decay_steps=4)
    assert host(s, [4, 100]).tolist() == pytest.approx([1e-4, 1e-4], rel=1e-12)
    s = build("CosineDecayRestarts", initial_learning_rate=1.0, first_decay_steps=2)
    np.testing.assert_allclose(host(s, [0, 2, 6, 14]), 1.0)  # restarts at 2, 2+4, 6+8
    # warmup_steps without warmup_target is ignored, as in Keras
    a = build("CosineDecay", initial_learning_rate=1.0, decay_steps=10, warmup_steps=5)
    b = build("CosineDecay", initial_learning_rate=1.0, decay_steps=10)
    np.testing.assert_array_equal(host(a), host(b))

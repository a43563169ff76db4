"""The k-decay polynomial (jaxsched/schedules/polynomial_k.py), timm's ``PolyLRScheduler`` curve.

Expected values: a float64 reference written here with plain ``math`` from timm's formula
(anchors.md b6: ``lr_min + (lr - lr_min) (1 - t^k / T^k)^power``) and torch's
``PolynomialLR`` stepping a real optimizer for ``k = 1``.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_traceable,
    assert_vmap_counts,
    host,
)

from jaxsched.schedules.polynomial_k import polynomial_k_decay


def ref(i, t_total, end, power, k):
    return lambda t: end + (i - end) * (1 - min(max(t, 0), t_total) ** k / t_total**k) ** power


@settings(max_examples=30, deadline=None, derandomize=True)
@given(i=st.floats(0.01, 3.0), t_total=st.integers(1, 200), end=st.floats(0.0, 0.5),
       power=st.floats(0.0, 4.0), k=st.floats(0.2, 4.0))
def test_reference(i, t_total, end, power, k):
    s = polynomial_k_decay(i, t_total, end, power, k)
    counts = np.unique(np.linspace(0, 2 * t_total, 60).astype(int))
    np.testing.assert_allclose(host(s, counts), [ref(i, t_total, end, power, k)(t) for t in counts],
                               rtol=1e-12, atol=1e-15)


def test_torch_polynomial_lr_when_k_is_1():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    sched = torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=7, power=2.0)
    got = []
    for _ in range(12):
        got.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(host(polynomial_k_decay(0.5, 7, 0.0, 2.0), np.arange(12)), got,
                               rtol=1e-12, atol=1e-15)


def test_float32_tail_keeps_relative_precision():
    s = polynomial_k_decay(1.0, 10**6, power=2.0, k_decay=1.5)
    t = np.array([10**6 - 10, 10**6 - 1])
    expect = [ref(1.0, 10**6, 0.0, 2.0, 1.5)(x) for x in t]
    np.testing.assert_allclose(np.asarray(s(t), np.float64), expect, rtol=1e-5)


def test_consistency_and_properties():
    s = polynomial_k_decay(1.0, 40, 0.1, 1.5, 0.5)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=0.1, hi=1.0, horizon=40, monotone="decreasing")


@pytest.mark.parametrize("name, values", [
    ("init_value", [1.0, 0.5]), ("decay_steps", [40, 25]), ("end_value", [0.1, 0.0]),
    ("power", [1.5, 0.5]), ("k_decay", [0.5, 2.0]),
])
def test_traceable(name, values):
    kw = dict(init_value=1.0, decay_steps=40, end_value=0.1, power=1.5, k_decay=0.5)
    assert_traceable(polynomial_k_decay, kw, name, values)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(decay_steps=0), ValueError, "decay_steps"),
    (dict(decay_steps=-3), ValueError, "decay_steps"),
    (dict(power=-1.0), ValueError, "power"),
    (dict(k_decay=0.0), ValueError, "k_decay"),
    (dict(k_decay=math.nan), ValueError, "k_decay"),
    (dict(init_value=math.inf), ValueError, "init_value"),
    (dict(end_value="0"), TypeError, "end_value"),
    (dict(decay_steps=True), TypeError, "decay_steps"),
])
def test_invalid(kw, exc, match):
    with pytest.raises(exc, match=match):
        polynomial_k_decay(**{"init_value": 1.0, "decay_steps": 10, **kw})

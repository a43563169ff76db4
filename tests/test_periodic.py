"""``cosine_annealing``: the periodic cosine (torch's ``CosineAnnealingLR`` past ``T_max``).

Expected values come from a float64 reference written here with ``math`` (the textbook closed
form), from live torch (``CosineAnnealingLR`` stepping a real SGD optimizer) and from the verified
vector of anchors.md (d).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_traceable,
    assert_vmap_counts,
    host,
)

from jaxsched.schedules.periodic import CosineAnnealing, cosine_annealing


def reference(t: float, init: float, d: float, end: float) -> float:
    t = math.fmod(t, 2 * d)  # exact; keeps the argument of cos accurate for large t
    return end + (init - end) * (1 + math.cos(math.pi * t / d)) / 2


def torch_cosine(steps: int, lr: float, t_max: int, eta_min: float) -> np.ndarray:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max, eta_min=eta_min)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.asarray(out)


@pytest.mark.parametrize(
    "init, d, end", [(1.0, 10, 0.1), (3e-4, 7, 0.0), (0.5, 1, 0.2), (0.1, 4.5, 0.3), (2.0, 1000, -1.0)]
)
def test_matches_closed_form(backend, init, d, end):
    s = cosine_annealing(init, d, end)
    far = np.array([999, 1000, 1001, 2000, 2999, 10**6 + 3])
    counts = np.unique(np.concatenate([np.arange(0, 60), far]))
    ref = np.array([reference(float(t), init, d, end) for t in counts])
    got = backend.evaluate(s, counts)
    np.testing.assert_allclose(got, ref, **backend.tolerance(max(abs(init), abs(end))))


def test_anchor_vector():
    # anchors.md (d), torch 2.13: CosineAnnealingLR(T_max=10, eta_min=0.1) with lr 1
    s = cosine_annealing(1.0, 10, 0.1)
    np.testing.assert_allclose(host(s, [10, 11, 20]), [0.1, 0.12202456766718, 1.0], rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(lr=st.floats(1e-4, 2.0), t_max=st.integers(1, 60), frac=st.floats(0.0, 1.5))
def test_live_torch(lr, t_max, frac):
    eta_min = frac * lr
    n = 4 * t_max + 3  # two full periods
    ref = torch_cosine(n, lr, t_max, eta_min)
    got = host(cosine_annealing(lr, t_max, eta_min), np.arange(n))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-15 * max(lr, eta_min))


def test_periodic_not_held():
    s = cosine_annealing(1.0, 5, 0.0)
    vals = host(s, [0, 5, 10, 15, 20, 7, 13])
    np.testing.assert_allclose(vals, [1, 0, 1, 0, 1, reference(7, 1, 5, 0), reference(13, 1, 5, 0)],
                               atol=1e-15)


def test_float32_precision_both_ends():
    d = 10**6
    s = cosine_annealing(1.0, d, 0.0)
    counts = np.array([d - 1, d - 10, d + 1, 2 * d - 1, 3 * d - 1], dtype=np.int32)
    got = np.asarray(jax.jit(s)(jnp.asarray(counts)), np.float64)
    ref = np.array([reference(float(t), 1.0, d, 0.0) for t in counts])
    small = ref < 1e-6
    np.testing.assert_allclose(got[small], ref[small], rtol=1e-5)  # relative precision at the bottom
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)


def test_exact_at_int32_limit():
    d = 1000
    big = 2**31 - 1  # = 2147483 * 1000 + 647: an odd half period, 647 steps in
    s = cosine_annealing(1.0, d, 0.0)
    want = reference(647.0 + d, 1.0, d, 0.0)
    assert abs(float(jax.jit(s)(jnp.int32(big))) - want) < 1e-6
    assert abs(float(host(s, [big])[0]) - want) < 1e-12


def test_backends_and_properties():
    for s in (cosine_annealing(1.0, 10, 0.1), cosine_annealing(0.3, 2.5), cosine_annealing(1.0, 1)):
        assert_backends_agree(s)
        assert_strong_float32(s)
        assert_vmap_counts(s)
        assert_config_roundtrip(s)
        assert isinstance(s, CosineAnnealing)
    assert_properties(cosine_annealing(1.0, 10, 0.1), lo=0.1, hi=1.0)
    assert_properties(cosine_annealing(0.2, 3, 0.5), lo=0.2, hi=0.5)


@pytest.mark.parametrize(
    "name, values",
    [("init_value", [0.5, 1.0, 2.0]), ("decay_steps", [5, 10, 17]), ("decay_steps", [2.5, 10.0]),
     ("end_value", [0.0, 0.1, 0.3])],
)
def test_traceable(name, values):
    assert_traceable(cosine_annealing, dict(init_value=1.0, decay_steps=10, end_value=0.1), name, values)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(init_value=1.0, decay_steps=0), ValueError, "decay_steps"),
        (dict(init_value=1.0, decay_steps=-3), ValueError, "decay_steps"),
        (dict(init_value=1.0, decay_steps=float("inf")), ValueError, "decay_steps"),
        (dict(init_value=1.0, decay_steps="10"), TypeError, "decay_steps"),
        (dict(init_value=1.0, decay_steps=True), TypeError, "decay_steps"),
        (dict(init_value=float("nan"), decay_steps=10), ValueError, "init_value"),
        (dict(init_value=None, decay_steps=10), TypeError, "init_value"),
        (dict(init_value=1.0, decay_steps=10, end_value=float("inf")), ValueError, "end_value"),
        (dict(init_value=1.0, decay_steps=10, end_value="0"), TypeError, "end_value"),
    ],
)
def test_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cosine_annealing(**kwargs)

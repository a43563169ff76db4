"""``cosine_wave``: the periodic cosine with ``num_cycles`` waves and a phase (HF's cosines).

Expected values come from a float64 reference written here with ``math`` (HF's own expression,
``0.5 * (1 + cos(2 pi c p))``) and from torch's ``CosineAnnealingLR`` stepping a real optimizer
(periodic past ``T_max``).
"""

from __future__ import annotations

import math

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

import jaxsched
from jaxsched.schedules.cosine_wave import CosineWave, cosine_wave


def reference(t, init, d, end=0.0, cycles=0.5, phase=0):
    return end + (init - end) * 0.5 * (1.0 + math.cos(2.0 * math.pi * cycles * (t + phase) / d))


CONFIGS = [
    dict(init_value=1.0, decay_steps=10),
    dict(init_value=3e-4, decay_steps=7, end_value=3e-6, num_cycles=1.75, phase_steps=3),
    dict(init_value=1.0, decay_steps=8, end_value=0.1, num_cycles=2.5),
    dict(init_value=2.0, decay_steps=1, end_value=0.5, phase_steps=1),
    dict(init_value=1.0, decay_steps=4.5, num_cycles=0.25),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
def test_matches_reference(cfg):
    s = cosine_wave(**cfg)
    t = np.arange(0, 120)
    ref = [reference(k, cfg["init_value"], cfg["decay_steps"], cfg.get("end_value", 0.0),
                     cfg.get("num_cycles", 0.5), cfg.get("phase_steps", 0)) for k in t]
    peak = cfg["init_value"]
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-13 * peak)
    # float32 (c exact in binary here; an inexact c such as 1.7 is rounded to float32 first,
    # which moves the phase by about 2**-24 * c * t)
    np.testing.assert_allclose(np.asarray(s(t), np.float64), ref, rtol=2e-6, atol=1e-6 * peak)


def test_torch_cosine_annealing_is_periodic_wave():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.05)
    lrs = []
    for _ in range(40):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(host(cosine_wave(0.5, 6, 0.05), np.arange(40)), lrs, rtol=1e-12)


def test_periodic_and_exact_ends():
    s = cosine_wave(1.0, 10, end_value=0.2)
    vals = host(s, np.array([0, 10, 20, 30, 40, 5, 25]))
    np.testing.assert_array_equal(vals[[0, 2, 4]], 1.0)  # crests are exactly init_value
    np.testing.assert_allclose(vals[[1, 3]], 0.2, rtol=1e-15)
    np.testing.assert_allclose(vals[5], vals[6], rtol=1e-15)
    assert float(cosine_wave(1.0, 10, num_cycles=0.0)(12345)) == 1.0  # no wave: the constant


def test_float32_keeps_relative_precision_near_the_trough():
    d = 10**6
    s = cosine_wave(1.0, d)
    for t in (d - 1, d - 3, d + 2):
        ref = math.sin(math.pi / 2 * (d - t) / d) ** 2  # the exact value, about 2.5e-12 .. 2e-11
        assert abs(float(s(t)) - ref) <= 1e-3 * ref


def test_consistency_checks():
    s = cosine_wave(3e-4, 7, 3e-6, num_cycles=1.5, phase_steps=2)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert isinstance(jaxsched.from_config(s.to_config()), CosineWave)
    assert_properties(cosine_wave(1.0, 10, 0.1), lo=0.1, hi=1.0)


@pytest.mark.parametrize(
    "name,values",
    [("init_value", [1.0, 2.0]), ("decay_steps", [5, 9]), ("end_value", [0.0, 0.3]),
     ("num_cycles", [0.5, 1.25]), ("phase_steps", [0, 3])],
)
def test_traceable(name, values):
    kwargs = dict(init_value=1.0, decay_steps=7, end_value=0.1, num_cycles=0.75, phase_steps=1)
    assert_traceable(cosine_wave, kwargs, name, values, counts=np.arange(0, 30, 3))


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(decay_steps=0), ValueError, "decay_steps"),
        (dict(decay_steps=-2), ValueError, "decay_steps"),
        (dict(num_cycles=-0.5), ValueError, "num_cycles"),
        (dict(phase_steps=-1), ValueError, "phase_steps"),
        (dict(init_value=float("nan")), ValueError, "init_value"),
        (dict(end_value=float("inf")), ValueError, "end_value"),
        (dict(decay_steps=True), TypeError, "decay_steps"),
        (dict(num_cycles="half"), TypeError, "num_cycles"),
    ],
)
def test_invalid(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cosine_wave(**{"init_value": 1.0, "decay_steps": 5, **kwargs})


@settings(max_examples=25, deadline=None)
@given(
    init=st.floats(1e-4, 10.0),
    frac=st.floats(0.0, 1.0),
    d=st.integers(1, 500),
    cycles=st.sampled_from([0.25, 0.5, 1.0, 2.5, 3.0]),
    phase=st.integers(0, 5),
)
def test_hypothesis_reference(init, frac, d, cycles, phase):
    s = cosine_wave(init, d, init * frac, cycles, phase)
    t = np.arange(0, 3 * d + 2)
    ref = [reference(k, init, d, init * frac, cycles, phase) for k in t]
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-9, atol=1e-12 * init)

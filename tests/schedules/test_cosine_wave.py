"""``cosine_wave`` / ``cosine_annealing``: the periodic cosine (torch ``CosineAnnealingLR`` past
``T_max``, HF's cosines with ``num_cycles`` waves and a phase), one class ``CosineWave``.

Expected values come from a float64 reference written here with ``math`` (HF's own expression,
``0.5 * (1 + cos(2 pi c p))``, with the phase reduced exactly with ``fractions``), from live
torch (``CosineAnnealingLR`` stepping a real SGD optimizer) and from the verified vector of
anchors.md (d).
"""

from __future__ import annotations

import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_traceable,
    assert_vmap_counts,
    host,
    jit_eval,
)

import jaxsched
from jaxsched.schedules.cosine_wave import CosineWave, cosine_annealing, cosine_wave

BIG = 2**31 - 1


def reference(t, init, d, end=0.0, cycles=0.5, phase=0):
    """float64 HF/torch closed form; the phase (in waves) is reduced mod 1 exactly."""
    waves = Fraction(cycles) * (Fraction(t) + Fraction(phase)) / Fraction(d)
    frac = float(waves - math.floor(waves))
    return end + (init - end) * 0.5 * (1.0 + math.cos(2.0 * math.pi * frac))


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


# ----------------------------------------------------------------------------- cosine_annealing
@pytest.mark.parametrize(
    "init, d, end", [(1.0, 10, 0.1), (3e-4, 7, 0.0), (0.5, 1, 0.2), (0.1, 4.5, 0.3), (2.0, 1000, -1.0)]
)
def test_annealing_matches_closed_form(backend, init, d, end):
    s = cosine_annealing(init, d, end)
    far = np.array([999, 1000, 1001, 2000, 2999, 10**6 + 3])
    counts = np.unique(np.concatenate([np.arange(0, 60), far]))
    ref = np.array([reference(int(t), init, d, end) for t in counts])
    got = backend.evaluate(s, counts)
    np.testing.assert_allclose(got, ref, **backend.tolerance(max(abs(init), abs(end))))


def test_anchor_vector():
    # anchors.md (d), torch 2.13: CosineAnnealingLR(T_max=10, eta_min=0.1) with lr 1
    s = cosine_annealing(1.0, 10, 0.1)
    np.testing.assert_allclose(host(s, [10, 11, 20]), [0.1, 0.12202456766718, 1.0], rtol=1e-12)


@settings(max_examples=20, deadline=None)
@given(lr=st.floats(1e-4, 2.0), t_max=st.integers(1, 60), frac=st.floats(0.0, 1.5))
@example(lr=0.5, t_max=6, frac=0.1)
def test_live_torch(lr, t_max, frac):
    eta_min = frac * lr
    n = 4 * t_max + 3  # two full periods
    ref = torch_cosine(n, lr, t_max, eta_min)
    for s in (cosine_annealing(lr, t_max, eta_min), cosine_wave(lr, t_max, eta_min)):
        np.testing.assert_allclose(host(s, np.arange(n)), ref, rtol=1e-12,
                                   atol=1e-15 * max(lr, eta_min))


def test_annealing_is_the_half_cycle_wave():
    s = cosine_annealing(0.3, 12, 0.01)
    assert isinstance(s, CosineWave)
    assert s == cosine_wave(0.3, 12, 0.01) == cosine_wave(0.3, 12, 0.01, 0.5, 0)
    cfg = s.to_config()
    assert cfg["type"] == "cosine_annealing"  # the call that built it
    assert jaxsched.from_config(cfg) == s
    assert jaxsched.from_config(cosine_wave(0.3, 12, 0.01).to_config()) == s
    # configs written under that name load, to the same schedule
    old = {"type": "cosine_annealing",
           "params": {"init_value": 0.3, "decay_steps": 12, "end_value": 0.01}}
    assert jaxsched.from_config(old) == s


def test_annealing_periodic_not_held():
    s = cosine_annealing(1.0, 5, 0.0)
    vals = host(s, [0, 5, 10, 15, 20, 7, 13])
    np.testing.assert_allclose(vals, [1, 0, 1, 0, 1, reference(7, 1, 5, 0), reference(13, 1, 5, 0)],
                               atol=1e-15)


def test_float32_precision_both_ends():
    d = 10**6
    s = cosine_annealing(1.0, d, 0.0)
    counts = np.array([d - 1, d - 10, d + 1, 2 * d - 1, 3 * d - 1], dtype=np.int32)
    got = np.asarray(jax.jit(s)(jnp.asarray(counts)), np.float64)
    ref = np.array([reference(int(t), 1.0, d, 0.0) for t in counts])
    small = ref < 1e-6
    np.testing.assert_allclose(got[small], ref[small], rtol=1e-5)  # relative precision at the bottom
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)


def test_float32_keeps_relative_precision_near_the_trough():
    d = 10**6
    s = cosine_wave(1.0, d)
    for t in (d - 1, d - 3, d + 2):
        ref = math.sin(math.pi / 2 * (d - t) / d) ** 2  # the exact value, about 2.5e-12 .. 2e-11
        assert abs(float(s(t)) - ref) <= 1e-3 * ref


# ----------------------------------------------------------------------------- exact phase
@pytest.mark.parametrize("d", [10, 1000, 7, 1, BIG, 2**30 + 3])
def test_annealing_exact_at_int32_limit(d):
    s = cosine_annealing(1.0, d, 0.1)
    want = reference(BIG, 1.0, d, 0.1)
    assert abs(float(jax.jit(s)(jnp.int32(BIG))) - want) < 5e-8
    assert abs(float(s.evaluate(torch.tensor(BIG), torch)) - want) < 5e-8  # float32, int64 count
    assert abs(float(host(s, [BIG])[0]) - want) < 1e-12


@pytest.mark.parametrize(
    "cfg",
    [(1.0, 7, 0.1, 1.5, 3), (1.0, 7, 0.1, 2.0, BIG - 4), (2.0, 1000, 0.5, 3.0, 999),
     (1.0, 10**6, 0.0, 0.5, 1), (1.0, 3, 0.0, 0.0, 5)],
    ids=str,
)
def test_wave_exact_for_half_integer_cycles(cfg):
    """2c an integer, integer D and a: the phase is exact up to the int32 limit (and
    count + phase_steps past it does not overflow)."""
    s = cosine_wave(*cfg)
    t = np.array([0, 1, 5, 999, 10**6 - 1, 10**6 + 2, 2**24 + 1, 2**30 + 7, BIG - 1, BIG])
    ref = np.array([reference(int(k), *cfg) for k in t])
    got32 = np.asarray(jax.jit(s)(jnp.asarray(t, jnp.int32)), np.float64)
    np.testing.assert_allclose(got32, ref, rtol=0, atol=1e-7 * cfg[0])
    np.testing.assert_allclose(s.evaluate(torch.asarray(t), torch).double().numpy(), ref,
                               rtol=0, atol=1e-7 * cfg[0])
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-13 * cfg[0])


def test_fractional_cycles_host_precision_far_out():
    """c not a multiple of 1/2: float64 phase from the exact (t + a) // D and (t + a) % D."""
    s = cosine_wave(1.0, 10, 0.1, num_cycles=0.3, phase_steps=4)
    t = np.array([0, 3, 17, 10**6 + 1, 10**9 + 3, BIG])
    ref = [reference(int(k), 1.0, 10, 0.1, 0.3, 4) for k in t]
    np.testing.assert_allclose(host(s, t), ref, rtol=0, atol=1e-8)


def test_float_counts_and_float_steps():
    cases = [((1.0, 4, 0.1), [0.5, 3.25, 4.0, 7.5]), ((1.0, 4.5, 0.0, 1.5, 0.5), [0.0, 1.25, 6.0, 100.5]),
             ((2.0, 10, 0.5, 0.75, 2), [0.5, 9.5, 33.3])]
    for cfg, ts in cases:
        s = cosine_wave(*cfg)
        ref = [reference(k, *cfg) for k in ts]
        np.testing.assert_allclose(host(s, np.asarray(ts)), ref, rtol=1e-12, atol=1e-13)
        # eager float32 call; the counts are padded to one length (repeating the last) so every
        # case reuses the primitives compiled for that shape (a new length recompiles each one)
        padded = np.asarray(ts + [ts[-1]] * (4 - len(ts)), np.float32)
        got32 = np.asarray(s(jnp.asarray(padded)), np.float64)[: len(ts)]
        np.testing.assert_allclose(got32, ref, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- cosine_wave
CONFIGS = [
    dict(init_value=1.0, decay_steps=10),
    dict(init_value=3e-4, decay_steps=7, end_value=3e-6, num_cycles=1.75, phase_steps=3),
    dict(init_value=1.0, decay_steps=8, end_value=0.1, num_cycles=2.5),
    dict(init_value=2.0, decay_steps=1, end_value=0.5, phase_steps=1),
    dict(init_value=1.0, decay_steps=4.5, num_cycles=0.25),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=str)
def test_wave_matches_reference(cfg):
    s = cosine_wave(**cfg)
    t = np.arange(0, 120)
    ref = [reference(int(k), cfg["init_value"], cfg["decay_steps"], cfg.get("end_value", 0.0),
                     cfg.get("num_cycles", 0.5), cfg.get("phase_steps", 0)) for k in t]
    peak = cfg["init_value"]
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-13 * peak)
    # float32 (c exact in binary here; an inexact c such as 1.7 is rounded to float32 first,
    # which moves the phase by about 2**-24 * c * t)
    np.testing.assert_allclose(np.asarray(s(t), np.float64), ref, rtol=2e-6, atol=1e-6 * peak)


def test_periodic_and_exact_ends():
    s = cosine_wave(1.0, 10, end_value=0.2)
    vals = host(s, np.array([0, 10, 20, 30, 40, 5, 25]))
    np.testing.assert_array_equal(vals[[0, 2, 4]], 1.0)  # crests are exactly init_value
    np.testing.assert_allclose(vals[[1, 3]], 0.2, rtol=1e-15)
    np.testing.assert_allclose(vals[5], vals[6], rtol=1e-15)
    assert float(cosine_wave(1.0, 10, num_cycles=0.0)(12345)) == 1.0  # no wave: the constant
    assert float(cosine_wave(1.0, 10, num_cycles=0.0)(12345.5)) == 1.0


@pytest.mark.parametrize("cycles, phase", [(0.5, 0), (0.5, 3), (1.0, 2), (0.75, 1), (2.5, 0)])
def test_grad_num_cycles(cycles, phase):
    """d f / d c = -(I - E)/2 sin(2 pi c (t + a)/D) 2 pi (t + a)/D, also on the exact path."""
    init, d, end = 1.0, 16, 0.2
    t = np.array([0, 1, 5, 13, 40])
    f = jax.jit(jax.vmap(jax.grad(lambda c, k: cosine_wave(init, d, end, c, phase)(k)),
                         in_axes=(None, 0)))  # one compile, not one per primitive
    got = np.asarray(f(jnp.float32(cycles), jnp.asarray(t, jnp.int32)), np.float64)
    u = (t + phase) / d
    want = -(init - end) / 2 * np.sin(2 * np.pi * cycles * u) * 2 * np.pi * u
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_backends_and_properties():
    for s in (cosine_annealing(1.0, 10, 0.1), cosine_annealing(0.3, 2.5), cosine_annealing(1.0, 1),
              cosine_wave(3e-4, 7, 3e-6, num_cycles=1.5, phase_steps=2),
              cosine_wave(1.0, 9, 0.1, num_cycles=0.25, phase_steps=4),
              cosine_wave(1.0, 7.5, 0.1, num_cycles=1.0, phase_steps=0.5)):
        assert_backends_agree(s)
        assert_strong_float32(s)
        assert_vmap_counts(s)
        assert_config_roundtrip(s)
        assert isinstance(jaxsched.from_config(s.to_config()), CosineWave)
    assert_properties(cosine_annealing(1.0, 10, 0.1), lo=0.1, hi=1.0)
    assert_properties(cosine_annealing(0.2, 3, 0.5), lo=0.2, hi=0.5)
    assert_properties(cosine_wave(1.0, 10, 0.1, 2.5, 3), lo=0.1, hi=1.0)


@pytest.mark.parametrize(
    "name, values",
    [("init_value", [0.5, 1.0, 2.0]), ("decay_steps", [5, 10, 17]), ("decay_steps", [2.5, 10.0]),
     ("end_value", [0.0, 0.1, 0.3])],
)
def test_annealing_traceable(name, values):
    assert_traceable(cosine_annealing, dict(init_value=1.0, decay_steps=10, end_value=0.1), name, values)


@pytest.mark.parametrize(
    "name,values",
    [("init_value", [1.0, 2.0]), ("decay_steps", [5, 9]), ("decay_steps", [4.5, 9.0]),
     ("end_value", [0.0, 0.3]), ("num_cycles", [0.5, 1.25]), ("num_cycles", [1.0, 2.0]),
     ("phase_steps", [0, 3]), ("phase_steps", [0.5, 3.0])],
)
def test_wave_traceable(name, values):
    kwargs = dict(init_value=1.0, decay_steps=7, end_value=0.1, num_cycles=0.75, phase_steps=1)
    assert_traceable(cosine_wave, kwargs, name, values, counts=np.arange(0, 30, 3))


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
def test_annealing_validation(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cosine_annealing(**kwargs)


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(decay_steps=0), ValueError, "decay_steps"),
        (dict(decay_steps=-2), ValueError, "decay_steps"),
        (dict(num_cycles=-0.5), ValueError, "num_cycles"),
        (dict(num_cycles=float("nan")), ValueError, "num_cycles"),
        (dict(phase_steps=-1), ValueError, "phase_steps"),
        (dict(phase_steps=float("inf")), ValueError, "phase_steps"),
        (dict(init_value=float("nan")), ValueError, "init_value"),
        (dict(end_value=float("inf")), ValueError, "end_value"),
        (dict(decay_steps=True), TypeError, "decay_steps"),
        (dict(num_cycles="half"), TypeError, "num_cycles"),
        (dict(phase_steps="1"), TypeError, "phase_steps"),
    ],
)
def test_wave_invalid(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        cosine_wave(**{"init_value": 1.0, "decay_steps": 5, **kwargs})


@settings(max_examples=25, deadline=None)
@given(
    init=st.floats(1e-4, 10.0),
    frac=st.floats(0.0, 1.0),
    d=st.integers(1, 500),
    cycles=st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.5, 3.0, 0.3]),
    phase=st.integers(0, 5),
)
def test_hypothesis_reference(init, frac, d, cycles, phase):
    s = cosine_wave(init, d, init * frac, cycles, phase)
    t = np.arange(0, 3 * d + 2)
    ref = [reference(int(k), init, d, init * frac, cycles, phase) for k in t]
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-9, atol=1e-12 * init)
    padded = np.full(3 * 500 + 2, t[-1])  # one shape for every example: one compile per structure
    padded[: t.size] = t
    got32 = np.asarray(jit_eval(s, jnp.asarray(padded, jnp.int32)), np.float64)[: t.size]
    np.testing.assert_allclose(got32, ref,
                               rtol=2e-6, atol=1e-6 * init)

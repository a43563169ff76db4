"""``one_cycle_with_decay`` and its momentum: DeepSpeed's ``OneCycle``.

DeepSpeed cannot be installed here. Expected values come from the verified DeepSpeed vectors of
anchors.md (b3: old and new stairs, the Adam vector with decay) and from a float64 re-statement
of DeepSpeed's ``OneCycle`` object (v0.19.6 source: construction at batch index -1, ``step()``
then ``get_lr()`` on ``last_batch_iteration``), written below with plain Python ``math``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_all_traceable,
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_vmap_counts,
    host,
    int32_counts,
    jit_eval_many,
)

import jaxsched


class DeepSpeedOneCycle:
    """DeepSpeed's OneCycle as a plain object (float64), for one parameter group with betas."""

    def __init__(self, min_lr, max_lr, decay_lr_rate=0.0, first=2000, second=None, first_stairs=0,
                 second_stairs=None, decay_step_size=0, min_mom=0.8, max_mom=0.9, decay_mom_rate=0.0):
        first = float(first)
        second = float(second) if second is not None else first
        self.total, self.ratio, self.first, self.second = first + second, first / (first + second), \
            first, second
        self.n1 = first_stairs
        self.n2 = first_stairs if second_stairs is None else second_stairs
        self.dss = decay_step_size
        self.skip_lr = math.isclose(decay_step_size, 0) or math.isclose(decay_lr_rate, 0)
        self.skip_mom = math.isclose(decay_step_size, 0) or math.isclose(decay_mom_rate, 0)
        self.min_lr, self.max_lr, self.lr_rate = min_lr, max_lr, decay_lr_rate
        self.min_mom, self.max_mom, self.mom_rate = min_mom, max_mom, decay_mom_rate
        self.it = -1
        self.lr, self.beta1 = min_lr, min_mom  # written at construction

    def _scale(self):
        b = self.it + 1
        cycle = math.floor(1 + b / self.total)
        x = 1.0 + b / self.total - cycle
        if x <= self.ratio:
            s, n = x / self.ratio, self.n1
        else:
            s, n = (x - 1) / (self.ratio - 1), self.n2
        if n > 0:
            ci = b % self.total
            pos = ci * n / self.first if ci <= self.first else (self.total - ci) * n / self.second
            s = math.floor(pos) / n
        return s

    def step(self):
        self.it += 1
        if self.it < self.total:
            s = self._scale()
            self.lr = self.min_lr + (self.max_lr - self.min_lr) * s
            self.beta1 = self.max_mom - (self.max_mom - self.min_mom) * s
        else:
            d = self.it - self.total + 1
            self.lr = self.min_lr if self.skip_lr else self.min_lr / (1 + self.lr_rate * d / self.dss)
            self.beta1 = self.max_mom if self.skip_mom else self.max_mom * (
                1 + self.mom_rate * d / self.dss)


def deepspeed_trace(steps, **kw):
    """(lr, beta1) that update k = 0..steps-1 uses (the values after k calls of step())."""
    ds = DeepSpeedOneCycle(**kw)
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append(ds.lr)
        moms.append(ds.beta1)
        ds.step()
    return np.asarray(lrs), np.asarray(moms)


LR_KEYS = ("cycle_min_lr", "cycle_max_lr", "decay_lr_rate")
MOM_KEYS = ("cycle_min_mom", "cycle_max_mom", "decay_mom_rate")
SHAPE_KEYS = ("cycle_first_step_size", "cycle_second_step_size", "cycle_first_stair_count",
              "cycle_second_stair_count", "decay_step_size")


def build(lr, mom, shape):
    s = jaxsched.one_cycle_with_decay(*lr, *shape)
    m = jaxsched.one_cycle_with_decay_momentum(*mom, *shape)
    ref = dict(min_lr=lr[0], max_lr=lr[1], decay_lr_rate=lr[2], first=shape[0], second=shape[1],
               first_stairs=shape[2], second_stairs=shape[3], decay_step_size=shape[4],
               min_mom=mom[0], max_mom=mom[1], decay_mom_rate=mom[2])
    return s, m, ref


BELOW_ONE_F64 = np.nextafter(1.0, 0.0)
BELOW_ONE_F32 = float(np.nextafter(np.float32(1.0), np.float32(0.0)))
PAD = 256


# ----------------------------------------------------------------------------- verified vectors
def test_verified_vectors():
    k = np.arange(10)
    # anchors b3: min .1, max 1, S1 = 4 (S2 = S1), stair count 2
    old = [.1, .325, .55, .775, 1, .775, .55, .325, .1, .1]  # counts ignored (<= v0.19.3)
    new = [.1, .1, .55, .55, 1, .55, .55, .1, .1, .1]  # v0.19.4 stairs
    s = jaxsched.one_cycle_with_decay(0.1, 1.0, cycle_first_step_size=4)
    np.testing.assert_allclose(host(s, k), old, rtol=1e-12)
    s = jaxsched.one_cycle_with_decay(0.1, 1.0, cycle_first_step_size=4, cycle_first_stair_count=2)
    np.testing.assert_allclose(host(s, k), new, rtol=1e-12)
    # Adam; .1 -> 1; S1 = 2, S2 = 3, decay_step_size = 2, decay_lr_rate = .5
    adam = [.1, .55, 1, .7, .4, .1, .08, .0667, .0571, .05]
    s = jaxsched.one_cycle_with_decay(0.1, 1.0, 0.5, 2, 3, decay_step_size=2)
    np.testing.assert_allclose(host(s, k), adam, atol=5e-5)
    np.testing.assert_allclose(np.asarray(jax.jit(s)(jnp.arange(10))), adam, atol=5e-5)


def test_reference_matches_verified_vectors():
    """The float64 DeepSpeed re-statement reproduces the verified vectors (it is a valid oracle)."""
    lr, _ = deepspeed_trace(10, min_lr=0.1, max_lr=1.0, first=4, first_stairs=2)
    np.testing.assert_allclose(lr, [.1, .1, .55, .55, 1, .55, .55, .1, .1, .1], rtol=1e-12)
    lr, _ = deepspeed_trace(10, min_lr=0.1, max_lr=1.0, decay_lr_rate=0.5, first=2, second=3,
                            decay_step_size=2)
    np.testing.assert_allclose(lr, [.1, .55, 1, .7, .4, .1, .08, .0667, .0571, .05], atol=5e-5)


# ----------------------------------------------------------------------------- DeepSpeed parity
@settings(max_examples=30, deadline=None)
@given(
    lr=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 2.0), st.sampled_from([0.0, 0.5, 3.0])),
    mom=st.tuples(st.floats(0.0, 0.98), st.floats(0.0, 0.98),
                  st.sampled_from([0.0, 0.01, 0.2, -0.3])),
    first=st.integers(1, 40),
    second=st.one_of(st.none(), st.integers(0, 40)),
    stairs=st.tuples(st.integers(0, 12), st.one_of(st.none(), st.integers(0, 12))),
    decay_step_size=st.sampled_from([0, 1, 5, 7.5, 50]),
)
def test_deepspeed_parity(lr, mom, first, second, stairs, decay_step_size):
    shape = (first, second, stairs[0], stairs[1], decay_step_size)
    s, m, ref = build(lr, mom, shape)
    total = first + (first if second is None else second)
    steps = min(total + 100, PAD)
    lr_ref, mom_ref = deepspeed_trace(steps, **ref)
    k = np.arange(steps)
    # first_value=cycle_min_mom reproduces update 0 as well (m0, checked last)
    m0 = jaxsched.one_cycle_with_decay_momentum(*mom, *shape, first_value=mom[0])
    s32, m32, m0_32 = (np.asarray(x) for x in jit_eval_many((s, m, m0), jnp.arange(PAD)))
    np.testing.assert_allclose(host(s, k), lr_ref, rtol=1e-12, atol=1e-15)
    peak = max(np.max(np.abs(lr_ref)), 1e-30)
    np.testing.assert_allclose(s32[:steps], lr_ref, rtol=1e-6, atol=1e-7 * peak)
    # momentum: update 0 is DeepSpeed's construction value (cycle_min_mom), not the formula;
    # jaxsched equals DeepSpeed wherever DeepSpeed is in [0, 1), else it is clipped into it.
    got, got32 = host(m, k)[1:], m32[1:steps]
    want = mom_ref[1:]
    np.testing.assert_allclose(got, np.clip(want, 0.0, BELOW_ONE_F64), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got32, np.clip(want, 0.0, 1.0), rtol=1e-6, atol=1e-7)
    assert np.all(got < 1.0) and np.all(got32 < 1.0) and np.all(got >= 0.0)
    assert mom_ref[0] == mom[0] and float(host(m, np.array([0]))[0]) == mom[1]
    np.testing.assert_allclose(host(m0, k), np.clip(mom_ref, 0.0, BELOW_ONE_F64), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(m0_32[:steps], np.clip(mom_ref, 0.0, 1.0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("first,second,n1,n2", [(4, 4, 2, None), (4, 6, 3, 0), (5, 0, 2, None),
                                                (7, 3, 0, 2), (6, 9, 4, 5), (3, 5, 9, 11)])
def test_stairs_match_reference(first, second, n1, n2):
    s = jaxsched.one_cycle_with_decay(0.0, 1.0, 0.0, first, second, n1, n2)
    ref, _ = deepspeed_trace(first + second + 5, min_lr=0.0, max_lr=1.0, first=first,
                             second=second, first_stairs=n1, second_stairs=n2)
    k = np.arange(first + second + 5)
    np.testing.assert_allclose(host(s, k), ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.asarray(jax.jit(s)(int32_counts(k))), ref, rtol=1e-6, atol=1e-7)


def test_momentum_never_reaches_one():
    m = jaxsched.one_cycle_with_decay_momentum(0.8, 0.9, decay_mom_rate=0.5,
                                               cycle_first_step_size=2, decay_step_size=2)
    k = np.array([0, 2, 4, 5, 6, 100, 10**6])
    got64 = host(m, k)
    got32 = np.asarray(jax.jit(m)(int32_counts(k)))
    _, ref = deepspeed_trace(7, min_lr=0.1, max_lr=1.0, first=2, decay_step_size=2, min_mom=0.8,
                             max_mom=0.9, decay_mom_rate=0.5)
    assert ref[5] == 0.9 * 1.25 and ref[5] > 1  # DeepSpeed: beta1 = 1.125, an invalid beta
    assert got64[3] == BELOW_ONE_F64 and np.all(got64[3:] == BELOW_ONE_F64)
    assert np.all(got32[3:] == BELOW_ONE_F32)
    np.testing.assert_allclose(got64[:3], [0.9, 0.8, 0.9], rtol=1e-15)


def test_negative_momentum_rate_is_held_at_zero():
    """DeepSpeed takes any real ``decay_mom_rate``; a negative one lowers the momentum after the
    cycle (cycle length C = 4) by hand: 0.9 (1 - 0.5 (t - 4)/2), and never below 0."""
    m = jaxsched.one_cycle_with_decay_momentum(0.8, 0.9, decay_mom_rate=-0.5,
                                               cycle_first_step_size=2, decay_step_size=2)
    k = np.array([4, 5, 6, 8, 10, 10**6, 2**31 - 1])
    want = [0.9, 0.9 * 0.75, 0.9 * 0.5, 0.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(host(m, k), want, rtol=1e-15, atol=0)
    got32 = np.asarray(jax.jit(m)(int32_counts(k)))
    np.testing.assert_allclose(got32, want, rtol=1e-6, atol=0)
    assert np.all(got32 >= 0)


def test_first_value():
    m = jaxsched.one_cycle_with_decay_momentum(0.8, 0.9, cycle_first_step_size=4, first_value=0.7)
    plain = jaxsched.one_cycle_with_decay_momentum(0.8, 0.9, cycle_first_step_size=4)
    k = np.array([-3, 0, 1, 2, 4, 8, 50])
    want = [0.7, 0.7, 0.875, 0.85, 0.8, 0.9, 0.9]
    np.testing.assert_allclose(host(m, k), want, rtol=1e-15)
    np.testing.assert_allclose(host(plain, k)[2:], want[2:], rtol=1e-15)
    # float counts: update 0 is every count below 1
    np.testing.assert_allclose(host(m, np.array([0.0, 0.5, 0.999, 1.0, 2.0])),
                               [0.7, 0.7, 0.7, 0.875, 0.85], rtol=1e-15)
    np.testing.assert_allclose(np.asarray(jax.jit(m)(int32_counts(k))), want, rtol=1e-6)
    assert plain.first_value is None and m != plain


def test_stairs_exact_under_int32_overflow_risk():
    """``num * count`` overflows int32 for S * n >= 2**31: the JAX path falls back to floats."""
    for first, n in [(40000, 40000), (100000, 50000)]:
        s = jaxsched.one_cycle_with_decay(0.0, 1.0, 0.0, first, first, n)
        k = np.array([0, 1, 3, 7, 12345, first // 2 + 1, first - 1, first, first + 1,
                      2 * first - 3, 2 * first + 5])
        ref = [math.floor(min(t, 2 * first - t) * n / first) / n if t < 2 * first else 0.0
               for t in k.tolist()]
        np.testing.assert_allclose(host(s, k), ref, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(np.asarray(jax.jit(s)(int32_counts(k))), ref,
                                   rtol=1e-6, atol=1e-7)


def test_float_counts_and_float_steps():
    s = jaxsched.one_cycle_with_decay(0.0, 1.0, 1.0, 4, 4, decay_step_size=2)
    np.testing.assert_allclose(host(s, np.array([1.0, 2.5, 6.0, 9.0])), [0.25, 0.625, 0.5, 0.0],
                               atol=1e-15)
    np.testing.assert_allclose(host(s, np.array([10.0])), [0.0], atol=1e-15)
    s = jaxsched.one_cycle_with_decay(1.0, 2.0, 1.0, 4, 4, decay_step_size=2.5)
    np.testing.assert_allclose(host(s, np.array([13])), [1 / (1 + 5 / 2.5)], rtol=1e-15)


# ----------------------------------------------------------------------------- standard checks
SCHEDULES = {  # name: (builder, lower bound, upper bound, horizon or None)
    "cycle": (lambda: jaxsched.one_cycle_with_decay(0.01, 0.1, 0.0, 30, 50), 0.01, 0.1, 80),
    "stairs": (lambda: jaxsched.one_cycle_with_decay(0.01, 0.1, 0.0, 30, 20, 3, 5), 0.01, 0.1, 50),
    "decay": (lambda: jaxsched.one_cycle_with_decay(0.01, 0.1, 0.5, 10, decay_step_size=4),
              0.0, 0.1, None),
    "momentum": (lambda: jaxsched.one_cycle_with_decay_momentum(0.85, 0.95, 0.0, 20, 10, 4),
                 0.85, 0.95, 30),
    "momentum_decay": (lambda: jaxsched.one_cycle_with_decay_momentum(0.85, 0.95, 0.01, 20,
                                                                      decay_step_size=10),
                       0.85, 1.0, None),
    "momentum_first": (lambda: jaxsched.one_cycle_with_decay_momentum(0.85, 0.95, 0.0, 20, 10, 4,
                                                                      first_value=0.85),
                       0.85, 0.95, 30),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_standard_checks(name):
    make, lo, hi, horizon = SCHEDULES[name]
    s = make()
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=lo, hi=hi, horizon=horizon)
    if name == "decay":  # monotone after the triangle
        assert np.all(np.diff(host(s, np.arange(20, 400))) < 0)


TRACE = [
    (jaxsched.one_cycle_with_decay,
     dict(cycle_min_lr=0.01, cycle_max_lr=0.1, decay_lr_rate=0.5, cycle_first_step_size=10,
          cycle_second_step_size=6, cycle_first_stair_count=3, cycle_second_stair_count=2,
          decay_step_size=4),
     {"cycle_min_lr": [0.0, 0.01, 0.05], "cycle_max_lr": [0.1, 1.0], "decay_lr_rate": [0.0, 0.5, 2.0],
      "cycle_first_step_size": [1, 10, 30], "cycle_second_step_size": [0, 6, 11],
      "cycle_first_stair_count": [0, 3, 10], "cycle_second_stair_count": [0, 2, 5],
      "decay_step_size": [0, 4, 9]}),
    (jaxsched.one_cycle_with_decay_momentum,
     dict(cycle_min_mom=0.8, cycle_max_mom=0.9, decay_mom_rate=0.2, cycle_first_step_size=10,
          decay_step_size=5),
     {"cycle_min_mom": [0.0, 0.8], "cycle_max_mom": [0.9, 0.95], "decay_mom_rate": [-0.5, 0.0, 0.2],
      "cycle_first_step_size": [2, 10], "decay_step_size": [0, 5]}),
    (jaxsched.one_cycle_with_decay_momentum,
     dict(cycle_min_mom=0.8, cycle_max_mom=0.9, decay_mom_rate=0.2, cycle_first_step_size=10,
          decay_step_size=5, first_value=0.8),
     {"first_value": [0.0, 0.5, 0.8]}),
]


@pytest.mark.parametrize("build_fn,kwargs,hyper", TRACE,
                         ids=[f"{b.__name__}-{i}" for i, (b, _, _) in enumerate(TRACE)])
def test_traceable(build_fn, kwargs, hyper):
    assert_all_traceable(build_fn, kwargs, hyper)


def test_config():
    cfg = {"type": "one_cycle_with_decay",
           "params": {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 4}}
    s = jaxsched.from_config(cfg)
    assert s.cycle_second_step_size == 4 and s.cycle_second_stair_count == 0
    assert jaxsched.from_config(s.to_config()) == s
    m = jaxsched.from_config({"type": "one_cycle_with_decay_momentum", "params": {}})
    assert m == jaxsched.one_cycle_with_decay_momentum()
    assert m.to_config()["params"]["first_value"] is None
    m = jaxsched.one_cycle_with_decay_momentum(0.8, 0.9, first_value=0.8)
    assert jaxsched.from_config(m.to_config()) == m


# ----------------------------------------------------------------------------- invalid arguments
LR = dict(cycle_min_lr=0.1, cycle_max_lr=1.0)
INVALID = [
    (jaxsched.one_cycle_with_decay, dict(cycle_min_lr=0.1), TypeError, "cycle_max_lr"),
    (jaxsched.one_cycle_with_decay, dict(LR, cycle_first_step_size=0), ValueError,
     "cycle_first_step_size"),
    (jaxsched.one_cycle_with_decay, dict(LR, cycle_first_step_size=2.5), ValueError,
     "cycle_first_step_size"),
    (jaxsched.one_cycle_with_decay, dict(LR, cycle_second_step_size=-1), ValueError,
     "cycle_second_step_size"),
    (jaxsched.one_cycle_with_decay, dict(LR, cycle_first_stair_count=-1), ValueError,
     "cycle_first_stair_count"),
    (jaxsched.one_cycle_with_decay, dict(LR, cycle_second_stair_count=1.5), ValueError,
     "cycle_second_stair_count"),
    (jaxsched.one_cycle_with_decay, dict(LR, decay_step_size=-2), ValueError, "decay_step_size"),
    (jaxsched.one_cycle_with_decay, dict(LR, decay_lr_rate=-0.1), ValueError, "decay_lr_rate"),
    (jaxsched.one_cycle_with_decay, dict(LR, decay_lr_rate=math.nan), ValueError, "decay_lr_rate"),
    (jaxsched.one_cycle_with_decay, dict(cycle_min_lr=math.inf, cycle_max_lr=1.0), ValueError,
     "cycle_min_lr"),
    (jaxsched.one_cycle_with_decay, dict(LR, cycle_first_step_size="4"), TypeError,
     "cycle_first_step_size"),
    (jaxsched.one_cycle_with_decay, dict(LR, decay_step_size=False), TypeError, "decay_step_size"),
    (jaxsched.one_cycle_with_decay_momentum, dict(cycle_min_mom=1.0), ValueError, "cycle_min_mom"),
    (jaxsched.one_cycle_with_decay_momentum, dict(cycle_max_mom=-0.1), ValueError, "cycle_max_mom"),
    (jaxsched.one_cycle_with_decay_momentum, dict(decay_mom_rate=math.inf), ValueError,
     "decay_mom_rate"),
    (jaxsched.one_cycle_with_decay_momentum, dict(cycle_first_step_size=0), ValueError,
     "cycle_first_step_size"),
    (jaxsched.one_cycle_with_decay_momentum, dict(first_value=1.0), ValueError, "first_value"),
    (jaxsched.one_cycle_with_decay_momentum, dict(first_value=-0.1), ValueError, "first_value"),
    (jaxsched.one_cycle_with_decay_momentum, dict(first_value=math.nan), ValueError, "first_value"),
    (jaxsched.one_cycle_with_decay_momentum, dict(first_value="0.8"), TypeError, "first_value"),
    (jaxsched.one_cycle_with_decay, dict(LR, cycle_first_stair_count=-1), ValueError,
     "DeepSpeed's CLI default -1"),
]


@pytest.mark.parametrize("build_fn,kwargs,exc,match", INVALID)
def test_invalid_arguments(build_fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        build_fn(**kwargs)

"""``cyclic_schedule``, ``cyclic_momentum``, ``exponential_cyclic_schedule``.

Expected values come from live torch (``CyclicLR`` stepping a real SGD optimizer with momentum),
from a float64 reference of TensorFlow Addons' formula written here with ``math``, and from the
verified ``triangular2`` vector of anchors.md (b2).
"""

from __future__ import annotations

import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from schedule_checks import (
    assert_all_traceable,
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_traceable,
    assert_vmap_counts,
    host,
    jit_eval,
    jit_eval_many,
)

import jaxsched


# ----------------------------------------------------------------------------- torch reference
def _scale_fn(mode, gamma):
    if mode == "triangular":
        return lambda x: 1.0
    if mode == "triangular2":
        return lambda x: 1 / (2.0 ** (x - 1))
    return lambda x: gamma**x


def torch_cyclic(steps, base, peak, up, down, mode, gamma, scale_mode, base_m, max_m):
    """(lr, momentum) that update k = 0..steps-1 uses under torch's CyclicLR (SGD + momentum)."""
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.5, momentum=0.5)
    kw = dict(mode=mode, gamma=gamma)
    if scale_mode is not None:  # torch forces the default for built-in modes: use scale_fn
        kw = dict(scale_fn=_scale_fn(mode, gamma), scale_mode=scale_mode)
    sched = torch.optim.lr_scheduler.CyclicLR(
        opt, base_lr=base, max_lr=peak, step_size_up=up, step_size_down=down,
        base_momentum=base_m, max_momentum=max_m, **kw,
    )
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        p.grad = torch.ones_like(p)
        opt.step()
        sched.step()
    return np.asarray(lrs), np.asarray(moms)


def assert_close_host(got, ref, atol):
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=atol)


def assert_close_f32(got, ref):
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7 * peak)


PAD = 256  # evaluate on one padded count array, so the jitted function compiles once per kind


def jax_values(s, steps):
    return np.asarray(jit_eval(s, jnp.arange(PAD)))[:steps]


def jax_values_many(schs, steps):
    return [np.asarray(out)[:steps] for out in jit_eval_many(tuple(schs), jnp.arange(PAD))]


steps_up = st.integers(1, 40)
steps_down = st.one_of(st.none(), st.integers(0, 40))
modes = st.sampled_from(["triangular", "triangular2", "exp_range"])
scale_modes = st.sampled_from([None, "cycle", "iterations"])
values = st.floats(0.0, 2.0, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(base=values, peak=values, up=steps_up, down=steps_down, mode=modes,
       # gamma exactly representable in float32: the JAX path rounds hyperparameters to float32,
       # and gamma**t amplifies that input rounding t-fold (not a formula error)
       gamma=st.floats(0.875, 1.0, width=32), scale_mode=scale_modes,
       base_m=st.floats(0.0, 0.98), max_m=st.floats(0.0, 0.98))
def test_torch_parity(base, peak, up, down, mode, gamma, scale_mode, base_m, max_m):
    total = up + (up if down is None else down)
    steps = 3 * total + 7
    lr_ref, mom_ref = torch_cyclic(steps, base, peak, up, down, mode, gamma, scale_mode, base_m,
                                   max_m)
    s = jaxsched.cyclic_schedule(base, peak, up, down, mode, gamma, scale_mode)
    m = jaxsched.cyclic_momentum(base_m, max_m, up, down, mode, gamma, scale_mode)
    k = np.arange(steps)
    # torch forms max - (max - base) * s in float64: near an exact 0 it leaves ~16 ulp of the
    # amplitude (seen: 1.8e-15 at amplitude 0.5 where the exact value is 0); rtol stays 1e-12
    assert_close_host(host(s, k), lr_ref, 1e-14 * abs(peak - base))
    assert_close_host(host(m, k), mom_ref, 1e-14 * abs(max_m - base_m))
    lr32, mom32 = jax_values_many((s, m), steps)
    assert_close_f32(lr32, lr_ref)
    assert_close_f32(mom32, mom_ref)


@settings(max_examples=20, deadline=None)
# multiples of 1/8: exact in float32, so the float32 check measures the formula, not the rounding
# of the step sizes themselves (which the cycle count multiplies)
@given(up=st.integers(4, 160).map(lambda x: x / 8), down=st.integers(0, 160).map(lambda x: x / 8),
       mode=modes,
       scale_mode=scale_modes)
def test_torch_parity_float_step_sizes(up, down, mode, scale_mode):
    """torch converts the step sizes to float; non-integer ones run jaxsched's float path."""
    steps = int(3 * (up + down)) + 7
    lr_ref, _ = torch_cyclic(steps, 0.1, 1.0, up, down, mode, 0.97, scale_mode, 0.8, 0.9)
    s = jaxsched.cyclic_schedule(0.1, 1.0, up, down, mode, 0.97, scale_mode)
    k = np.arange(steps)
    np.testing.assert_allclose(host(s, k), lr_ref, rtol=1e-9, atol=1e-12)
    assert_close_f32(jax_values(s, steps), lr_ref)


def test_verified_triangular2_vector():
    # anchors b2: CyclicLR triangular2, 0.1 -> 1, up=2, down=3
    expect = [0.1, .55, 1, .7, .4, .1, .325, .55, .4, .25, .1, .2125, .325]
    s = jaxsched.cyclic_schedule(0.1, 1.0, 2, 3, mode="triangular2")
    np.testing.assert_allclose(host(s, np.arange(13)), expect, rtol=1e-12)


# ----------------------------------------------------------------------------- TFA reference
def tfa_exp_cyclic(t, initial, maximal, step_size, scale_mode, gamma):
    """TensorFlow Addons' CyclicalLearningRate.__call__ with scale_fn = gamma**x, in float64."""
    cycle = math.floor(1 + t / (2 * step_size))
    x = abs(t / step_size - 2 * cycle + 1)
    mode_step = cycle if scale_mode == "cycle" else t
    return initial + (maximal - initial) * max(0.0, 1 - x) * gamma**mode_step


@pytest.mark.parametrize("scale_mode", ["iterations", "cycle"])
@pytest.mark.parametrize("step_size", [1, 3, 7])
def test_exponential_cyclic_matches_tfa(scale_mode, step_size):
    k = np.arange(0, 12 * step_size)
    ref = [tfa_exp_cyclic(int(t), 0.01, 0.5, step_size, scale_mode, 0.93) for t in k]
    s = jaxsched.exponential_cyclic_schedule(0.01, 0.5, step_size, 0.93, scale_mode)
    assert_close_host(host(s, k), ref, 1e-15)
    assert_close_f32(np.asarray(jax.jit(s)(jnp.asarray(k))), ref)
    assert s == jaxsched.cyclic_schedule(0.01, 0.5, step_size, step_size, "exp_range", 0.93,
                                         scale_mode)


# ----------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("up,down", [(3, 4), (1000, 1), (7, 0), (2000, 2000)])
def test_integer_cycles_exact_at_large_counts(up, down):
    """Position and cycle come from integer floor division, exact up to 2**31 - 1."""
    total = up + down
    counts = np.array([2**31 - 1, 2**31 - 2, 2**30 + 5, 10**9 + 3, 16777217, 16777219])
    s = jaxsched.cyclic_schedule(0.0, 1.0, up, down)
    expect = []
    for n in counts.tolist():
        r = n % total
        expect.append(float(Fraction(r, up) if r <= up else Fraction(total - r, down)))
    got = np.asarray(jax.jit(s)(jnp.asarray(counts, jnp.int32)))
    np.testing.assert_allclose(got, expect, rtol=1e-6, atol=1e-7)
    assert_close_host(host(s, counts), expect, 1e-15)


def test_float_counts_are_continuous():
    s = jaxsched.cyclic_schedule(0.0, 1.0, 4, 4)
    np.testing.assert_allclose(host(s, np.array([0.5, 2.0, 4.0, 6.5, 8.25])),
                               [0.125, 0.5, 1.0, 0.375, 0.0625], rtol=1e-12)


def test_defaults():
    s = jaxsched.cyclic_schedule(0.1, 1.0)
    assert (s.step_size_up, s.step_size_down, s.mode, s.scale_mode) == (2000, 2000, "triangular",
                                                                         "cycle")
    assert jaxsched.cyclic_schedule(0.1, 1.0, mode="exp_range").scale_mode == "iterations"
    m = jaxsched.cyclic_momentum()
    assert (m.base_momentum, m.max_momentum) == (0.8, 0.9)


# ----------------------------------------------------------------------------- standard checks
SCHEDULES = {  # name: (builder, lower bound, upper bound)
    "triangular": (lambda: jaxsched.cyclic_schedule(0.1, 1.0, 7, 13), 0.1, 1.0),
    "triangular2": (lambda: jaxsched.cyclic_schedule(0.1, 1.0, 10, 5, mode="triangular2"), 0.1, 1.0),
    # gammas exact in float32 (gamma**t multiplies the float32 rounding of gamma by t)
    "exp_range": (lambda: jaxsched.cyclic_schedule(0.05, 0.5, 20, mode="exp_range",
                                                   gamma=1 - 2**-10), 0.05, 0.5),
    "exp_cycle": (lambda: jaxsched.cyclic_schedule(0.05, 0.5, 4, 6, "exp_range", 0.875, "cycle"),
                  0.05, 0.5),
    "sawtooth": (lambda: jaxsched.cyclic_schedule(0.0, 1.0, 9, 0), 0.0, 1.0),
    "inverted": (lambda: jaxsched.cyclic_schedule(1.0, 0.2, 3, 5), 0.2, 1.0),
    "momentum": (lambda: jaxsched.cyclic_momentum(0.85, 0.95, 5, 8, mode="triangular2"), 0.85, 0.95),
    "tfa": (lambda: jaxsched.exponential_cyclic_schedule(1e-4, 1e-2, 25, 1 - 2**-7), 1e-4, 1e-2),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_standard_checks(name):
    build, lo, hi = SCHEDULES[name]
    s = build()
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=lo, hi=hi)


TRACE = [
    (jaxsched.cyclic_schedule,
     dict(base_value=0.1, max_value=1.0, step_size_up=5, step_size_down=3, mode="exp_range",
          gamma=0.99),
     {"base_value": [0.0, 0.1, 0.3], "max_value": [0.5, 1.0, 2.0], "step_size_up": [1, 5, 20],
      "step_size_down": [0, 3, 11], "gamma": [0.5, 1 - 2**-7, 1.0]}),
    (jaxsched.cyclic_schedule,
     dict(base_value=0.1, max_value=1.0, step_size_up=5, mode="triangular2"),
     {"step_size_up": [2, 5, 9]}),
    (jaxsched.cyclic_momentum,
     dict(base_momentum=0.8, max_momentum=0.9, step_size_up=4, mode="exp_range", gamma=0.875,
          scale_mode="cycle"),
     {"base_momentum": [0.0, 0.8, 0.85], "max_momentum": [0.9, 0.95, 0.5],
      "step_size_up": [1, 4, 10], "step_size_down": [0, 2, 7], "gamma": [0.0, 0.875, 1.0]}),
    (jaxsched.exponential_cyclic_schedule,
     dict(base_value=0.01, max_value=0.1, step_size=6, gamma=0.9375),
     {"base_value": [0.0, 0.01], "max_value": [0.1, 0.2], "step_size": [1, 6, 30],
      "gamma": [0.875, 0.9375, 1.0]}),
]


@pytest.mark.parametrize("build,kwargs,hyper", TRACE,
                         ids=[f"{b.__name__}-{i}" for i, (b, _, _) in enumerate(TRACE)])
def test_traceable(build, kwargs, hyper):
    assert_all_traceable(build, kwargs, hyper)


def test_float_step_sizes_traceable():
    assert_traceable(jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0,
                                                    step_size_up=2.5), "step_size_up",
                     [1.5, 2.5, 7.25])


# ----------------------------------------------------------------------------- invalid arguments
INVALID = [
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, step_size_up=0), ValueError,
     "step_size_up"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, step_size_up=-3), ValueError,
     "step_size_up"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, step_size_down=-1), ValueError,
     "step_size_down"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, step_size_up=math.inf),
     ValueError, "step_size_up"),
    (jaxsched.cyclic_schedule, dict(base_value=math.nan, max_value=1.0), ValueError, "base_value"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=math.inf), ValueError, "max_value"),
    (jaxsched.cyclic_schedule, dict(base_value="0.1", max_value=1.0), TypeError, "base_value"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=True), TypeError, "max_value"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, step_size_up=None), TypeError,
     "step_size_up"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, mode="exp"), ValueError, "mode"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, mode=1), TypeError, "mode"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, gamma=1.5), ValueError, "gamma"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, gamma=-0.1), ValueError,
     "gamma"),
    (jaxsched.cyclic_schedule, dict(base_value=0.1, max_value=1.0, scale_mode="epoch"), ValueError,
     "scale_mode"),
    (jaxsched.cyclic_momentum, dict(base_momentum=1.0), ValueError, "base_momentum"),
    (jaxsched.cyclic_momentum, dict(max_momentum=-0.1), ValueError, "max_momentum"),
    (jaxsched.cyclic_momentum, dict(max_momentum=math.nan), ValueError, "max_momentum"),
    (jaxsched.cyclic_momentum, dict(step_size_down=-2), ValueError, "step_size_down"),
    (jaxsched.exponential_cyclic_schedule, dict(base_value=0.1, max_value=1.0, step_size=0),
     ValueError, "step_size"),
    (jaxsched.exponential_cyclic_schedule,
     dict(base_value=0.1, max_value=1.0, step_size=2, scale_mode="epoch"), ValueError,
     "scale_mode"),
]


@pytest.mark.parametrize("build,kwargs,exc,match", INVALID)
def test_invalid_arguments(build, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        build(**kwargs)


def test_from_config_names():
    cfg = {"type": "cyclic_momentum", "params": {"step_size_up": 3}}
    assert jaxsched.from_config(cfg) == jaxsched.cyclic_momentum(step_size_up=3)
    cfg = {"type": "exponential_cyclic_schedule",
           "params": {"base_value": 0.1, "max_value": 1.0, "step_size": 4, "gamma": 0.9}}
    s = jaxsched.from_config(cfg)
    assert jaxsched.from_config(s.to_config()) == s

"""``warmup_stable_decay``: warmup, a constant peak, a decay to a floor.

Expected values come from float64 references written here with ``math`` (jaxsched's documented
formula, HF ``get_wsd_schedule`` and optimus-dl ``wsd`` as described in anchors.md b5/b9) and
from the two verified HF vectors of anchors.md (d).
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
    traced_params,
)

import jaxsched

WARMUP_SHAPES = ["linear", "cosine", "exponential", "log", "1-sqrt"]
DECAY_SHAPES = ["linear", "cosine", "1-sqrt", "exponential", "polynomial"]


# ----------------------------------------------------------------------------- references
def ref_ramp(t, w, init, peak, shape, skip):
    e = 1 if skip else 0
    q = (t + e) / (w + e)
    if shape == "exponential":
        return init * (peak / init) ** q
    u = {
        "linear": lambda: q,
        "cosine": lambda: 0.5 * (1 - math.cos(math.pi * q)),
        "1-sqrt": lambda: 1 - math.sqrt(1 - q),
        "log": lambda: min(1.0, math.log(t + e + 1) / math.log(max(w + e, 2))),
    }[shape]()
    return init + (peak - init) * u


def ref_wsd(t, peak, n, w, d, init=0.0, end=0.0, wshape="linear", dshape="linear", power=2.0,
            skip=False):
    t = max(t, 0)
    if t < w:
        return ref_ramp(t, w, init, peak, wshape, skip)
    s = n - d
    if t < s:
        return peak
    if t >= n:
        return end
    q = (t - s) / d
    if dshape == "exponential":
        return peak * (end / peak) ** q
    g = {
        "linear": 1 - q,
        "cosine": 0.5 * (1 + math.cos(math.pi * q)),
        "1-sqrt": 1 - math.sqrt(q),
        "polynomial": (1 - q) ** power,
    }[dshape]
    return end + (peak - end) * g


def hf_wsd_lambda(s, W, D, S, warmup_type, decay_type, m, num_cycles=0.5):
    """transformers ``get_wsd_schedule``'s multiplier (anchors.md b5)."""
    if s < W:
        q = s / max(1, W)
        u = {"linear": q, "cosine": 0.5 * (1 - math.cos(math.pi * q)),
             "1-sqrt": 1 - math.sqrt(1 - q)}[warmup_type]
        return max(0.0, u * (1 - m) + m)
    if s < W + S:
        return 1.0
    if s < W + S + D:
        q = (s - W - S) / max(1, D)
        g = {"linear": 1 - q, "cosine": 0.5 * (1 + math.cos(2 * math.pi * num_cycles * q)),
             "1-sqrt": 1 - math.sqrt(q)}[decay_type]
        return max(0.0, g * (1 - m) + m)
    return m


def optimus_wsd_factor(t, iters, W, fract_decay, decay_type, final, init_div):
    """optimus-dl ``wsd`` (anchors.md b9) with ``cooldown_start_lr_factor=1``."""
    n_decay = int(fract_decay * iters)
    n_hold = iters - n_decay
    if t < W:
        return t / W + (1 - t / W) / init_div
    if t < n_hold:
        return 1.0
    if t >= iters:
        return final
    p = (t - n_hold) / n_decay
    return {"linear": final + (1 - final) * (1 - p),
            "cosine": final + (1 - final) * 0.5 * (1 + math.cos(math.pi * p)),
            "exp": final ** p,
            "sqrt": final + (1 - final) * (1 - p ** 0.5)}[decay_type]


# ----------------------------------------------------------------------------- correctness
@pytest.mark.parametrize("dshape", DECAY_SHAPES)
@pytest.mark.parametrize("wshape", WARMUP_SHAPES)
def test_against_reference(wshape, dshape):
    kw = dict(peak=2.0, n=30, w=6, d=11, init=0.1, end=0.05, wshape=wshape, dshape=dshape,
              power=1.5)
    s = jaxsched.warmup_stable_decay(
        2.0, 30, 6, decay_steps=11, init_value=0.1, end_value=0.05, warmup_shape=wshape,
        decay_shape=dshape, power=1.5)
    t = np.arange(40)
    np.testing.assert_allclose(host(s, t), [ref_wsd(int(k), **kw) for k in t], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dshape", DECAY_SHAPES)
def test_backends(backend, dshape):
    s = jaxsched.warmup_stable_decay(1.0, 30, 5, decay_steps=12, init_value=0.01, end_value=0.02,
                                     warmup_shape="cosine", decay_shape=dshape, skip_zero=True)
    t = np.arange(40)
    expect = [ref_wsd(int(k), 1.0, 30, 5, 12, 0.01, 0.02, "cosine", dshape, skip=True) for k in t]
    np.testing.assert_allclose(backend.evaluate(s, t), expect, **backend.tolerance(1.0))


def test_three_ways_to_give_the_decay():
    # decay_steps=D, decay_start=N-D and decay_fraction=D/N are the same schedule
    a = jaxsched.warmup_stable_decay(1.0, 40, 4, decay_steps=10, decay_shape="cosine")
    b = jaxsched.warmup_stable_decay(1.0, 40, 4, decay_start=30, decay_shape="cosine")
    c = jaxsched.warmup_stable_decay(1.0, 40, 4, decay_fraction=0.25, decay_shape="cosine")
    expect = [ref_wsd(k, 1.0, 40, 4, 10, dshape="cosine") for k in range(50)]
    for s in (a, b, c):
        np.testing.assert_allclose(host(s, np.arange(50)), expect, rtol=1e-12, atol=1e-14)
    # the fraction is rounded to the nearest step (half up): 0.29 * 100 = 28.999... -> 29
    s = jaxsched.warmup_stable_decay(1.0, 100, decay_fraction=0.29)
    np.testing.assert_allclose(host(s, np.arange(110)), [ref_wsd(k, 1.0, 100, 0, 29) for k in range(110)],
                               atol=1e-14)
    s = jaxsched.warmup_stable_decay(1.0, 5, decay_fraction=0.5)  # 2.5 -> 3
    np.testing.assert_allclose(host(s, np.arange(7)), [ref_wsd(k, 1.0, 5, 0, 3) for k in range(7)],
                               atol=1e-14)


# ----------------------------------------------------------------------------- peers
LR = 3e-4


def test_hf_verified_vectors():
    # anchors.md (d): HF transformers 5.23 multipliers, scaled by a base lr
    s = jaxsched.warmup_stable_decay(LR, 10, 2, decay_steps=4, init_value=0.1 * LR, end_value=0.1 * LR,
                                     decay_shape="1-sqrt")
    hf = [.1, .55, 1, 1, 1, 1, 1, .55, .363604, .220577, .1, .1, .1]
    np.testing.assert_allclose(host(s, np.arange(13)), np.array(hf) * LR, rtol=0, atol=6e-7 * LR)
    s = jaxsched.warmup_stable_decay(LR, 10, 4, decay_steps=4, warmup_shape="1-sqrt",
                                     decay_shape="cosine")
    hf = [0, .133975, .292893, .5, 1, 1, 1, .853553, .5, .146447, 0, 0, 0]
    np.testing.assert_allclose(host(s, np.arange(13)), np.array(hf) * LR, rtol=0, atol=6e-7 * LR)
    got = np.asarray(jax.jit(s)(jnp.arange(13)), np.float64)
    np.testing.assert_allclose(got, np.array(hf) * LR, rtol=2e-6, atol=6e-7 * LR)


@settings(max_examples=25, deadline=None)
@given(
    W=st.integers(0, 12), S=st.integers(0, 12), D=st.integers(0, 12),
    m=st.sampled_from([0.0, 0.1, 0.37]),
    wt=st.sampled_from(["linear", "cosine", "1-sqrt"]),
    dt=st.sampled_from(["linear", "cosine", "1-sqrt"]),
)
def test_hf_get_wsd_schedule(W, S, D, m, wt, dt):
    n = W + S + D
    s = jaxsched.warmup_stable_decay(LR, n, W, decay_steps=D, init_value=m * LR, end_value=m * LR,
                                     warmup_shape=wt, decay_shape=dt)
    t = np.arange(n + 5)
    expect = [LR * hf_wsd_lambda(int(k), W, D, S, wt, dt, m) for k in t]
    np.testing.assert_allclose(host(s, t), expect, rtol=1e-12, atol=1e-15)


@settings(max_examples=20, deadline=None)
@given(
    iters=st.integers(2, 60), W=st.integers(0, 10), frac=st.floats(0.05, 0.9),
    decay_type=st.sampled_from(["linear", "cosine", "exp", "sqrt"]),
    final=st.sampled_from([0.0, 0.01, 0.2]), init_div=st.sampled_from([10.0, 100.0]),
)
def test_optimus_dl_wsd(iters, W, frac, decay_type, final, init_div):
    n_decay = int(frac * iters)
    if W + n_decay > iters or n_decay == 0 or (decay_type == "exp" and final == 0.0):
        return
    shape = {"linear": "linear", "cosine": "cosine", "exp": "exponential", "sqrt": "1-sqrt"}[decay_type]
    s = jaxsched.warmup_stable_decay(LR, iters, W, decay_steps=n_decay, init_value=LR / init_div,
                                     end_value=final * LR, decay_shape=shape)
    t = np.arange(iters + 5)
    expect = [LR * optimus_wsd_factor(int(k), iters, W, frac, decay_type, final, init_div) for k in t]
    np.testing.assert_allclose(host(s, t), expect, rtol=1e-12, atol=1e-15)


# ----------------------------------------------------------------------------- degenerate cases
@pytest.mark.parametrize(
    "args, kwargs, expect",
    [
        # no warmup: the peak from step 0
        ((1.0, 4, 0), dict(decay_steps=2), [1, 1, 1, 0.5, 0, 0]),
        # no decay: hold the peak until N, then end_value
        ((1.0, 4, 2), dict(decay_steps=0, end_value=0.1), [0, 0.5, 1, 1, 0.1, 0.1]),
        ((1.0, 4, 2), dict(decay_fraction=0.0, end_value=0.1), [0, 0.5, 1, 1, 0.1, 0.1]),
        ((1.0, 4, 2), dict(decay_start=4, end_value=0.1), [0, 0.5, 1, 1, 0.1, 0.1]),
        # warmup == total: ramp, then end_value at N
        ((1.0, 4, 4), dict(decay_steps=0, end_value=0.3), [0, 0.25, 0.5, 0.75, 0.3, 0.3]),
        # decay over the whole run
        ((1.0, 4, 0), dict(decay_fraction=1.0), [1, 0.75, 0.5, 0.25, 0, 0]),
        # 1-step schedules
        ((1.0, 1, 0), dict(decay_steps=1, end_value=0.2), [1, 0.2, 0.2, 0.2, 0.2, 0.2]),
        ((1.0, 1, 1), dict(decay_steps=0, init_value=0.5, end_value=0.2), [0.5, 0.2, 0.2, 0.2, 0.2, 0.2]),
        # N = 0: end_value throughout
        ((1.0, 0, 0), dict(decay_steps=0, end_value=0.2), [0.2] * 6),
    ],
)
def test_degenerate(args, kwargs, expect):
    peak, n, w = args
    spec = {k: kwargs[k] for k in ("decay_steps", "decay_start", "decay_fraction") if k in kwargs}
    d = (spec.get("decay_steps") if "decay_steps" in spec else n - spec["decay_start"]
         if "decay_start" in spec else math.floor(spec["decay_fraction"] * n + 0.5))
    init, end = kwargs.get("init_value", 0.0), kwargs.get("end_value", 0.0)
    s = jaxsched.warmup_stable_decay(*args, **kwargs)
    np.testing.assert_allclose(host(s, np.arange(6)), expect, atol=1e-12)
    assert_backends_agree(s, np.arange(8))
    for dshape in DECAY_SHAPES:
        if dshape == "exponential" and end <= 0:
            continue
        s = jaxsched.warmup_stable_decay(*args, decay_shape=dshape, **kwargs)
        ref = [ref_wsd(k, peak, n, w, d, init, end, dshape=dshape) for k in range(8)]
        np.testing.assert_allclose(host(s, np.arange(8)), ref, atol=1e-12)


def test_traced_overlap_is_finite_and_documented():
    # W > S cannot be checked when traced: the warmup wins, the decay is entered part-way down.
    t = jnp.arange(12)
    got = np.asarray(jax.jit(lambda w: jaxsched.warmup_stable_decay(1.0, 10, w, decay_steps=6)(t))(7))
    expect = [k / 7 for k in range(7)] + [(10 - k) / 6 for k in range(7, 10)] + [0.0, 0.0]
    np.testing.assert_allclose(got, expect, rtol=1e-6, atol=1e-7)


def test_float32_tails_keep_relative_precision():
    n = 10**6
    steps = np.array([n - 1000, n - 10, n - 1])
    r = (n - steps) / n
    refs = {"cosine": np.sin(np.pi / 2 * r) ** 2, "linear": r, "1-sqrt": r / (1 + np.sqrt(1 - r)),
            "polynomial": r**2}
    for shape, expect in refs.items():
        s = jaxsched.warmup_stable_decay(1.0, n, decay_steps=n, decay_shape=shape)
        got = np.asarray(jax.jit(s)(jnp.asarray(steps, jnp.int32)), np.float64)
        np.testing.assert_allclose(got, expect, rtol=1e-5)


# ----------------------------------------------------------------------------- contract checks
CONFIGS = {
    "hf": dict(args=(1.0, 100, 10), kw=dict(decay_steps=30, init_value=0.1, end_value=0.1,
                                            decay_shape="1-sqrt")),
    "fraction": dict(args=(0.5, 100, 0), kw=dict(decay_fraction=0.2, decay_shape="cosine")),
    "start": dict(args=(1.0, 100, 20), kw=dict(decay_start=50, init_value=0.01, end_value=0.001,
                                               warmup_shape="exponential", decay_shape="exponential")),
    "poly": dict(args=(1.0, 100, 5), kw=dict(decay_steps=90, decay_shape="polynomial", power=3.0,
                                             warmup_shape="log", skip_zero=True)),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_contract(name):
    cfg = CONFIGS[name]
    s = jaxsched.warmup_stable_decay(*cfg["args"], **cfg["kw"])
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    peak, n = cfg["args"][0], cfg["args"][1]
    lo = min(cfg["kw"].get("init_value", 0.0), cfg["kw"].get("end_value", 0.0))
    assert_properties(s, lo=lo, hi=peak, horizon=n)
    vals = host(s, np.arange(n + 10))
    top = int(np.argmax(vals))
    assert np.all(np.diff(vals[: top + 1]) >= 0) and np.all(np.diff(vals[top:]) <= 1e-15)


BASE = dict(peak_value=1.0, total_steps=100, warmup_steps=10, decay_steps=30, init_value=0.01,
            end_value=0.05, warmup_shape="exponential", decay_shape="exponential")


TRACE = [
    (jaxsched.warmup_stable_decay, {**BASE, **override}, name, values)
    for name, values, override in [
        ("peak_value", [1.0, 0.5], {}),
        ("total_steps", [100, 60, 250], {}),
        ("warmup_steps", [10, 0, 30], {}),
        ("decay_steps", [30, 0, 90], {}),
        ("decay_start", [70, 10, 100], dict(decay_steps=None)),
        ("decay_fraction", [0.3, 0.0, 0.9], dict(decay_steps=None)),
        ("init_value", [0.01, 0.5], {}),
        ("end_value", [0.05, 0.2], {}),
        ("power", [2.0, 0.5], dict(decay_shape="polynomial", warmup_shape="1-sqrt")),
    ]
]


@pytest.mark.parametrize("build, kwargs, hyper", traced_params(TRACE))
def test_traceable(build, kwargs, hyper):
    assert_all_traceable(build, kwargs, hyper)


@pytest.mark.parametrize("wshape, dshape", list(zip(WARMUP_SHAPES, DECAY_SHAPES)))
def test_grads_finite_for_every_shape(wshape, dshape):
    def f(peak, init, end, power, t):
        return jaxsched.warmup_stable_decay(peak, 40, 8, decay_steps=12, init_value=init,
                                            end_value=end, warmup_shape=wshape,
                                            decay_shape=dshape, power=power)(t)

    grads = jax.jit(jax.vmap(jax.grad(f, argnums=(0, 1, 2, 3)), in_axes=(None,) * 4 + (0,)))
    out = grads(1.0, 0.1, 0.05, 2.0, jnp.arange(50))
    assert all(np.all(np.isfinite(np.asarray(g))) for g in out)


def test_gathered_inside_a_sequence(backend):
    # a second WSD cycle (continued training) of the same structure is gathered by the sequence
    s = jaxsched.join_schedules(
        [jaxsched.warmup_stable_decay(1.0, 20, 4, decay_steps=6, decay_shape="cosine"),
         jaxsched.warmup_stable_decay(0.5, 10, 2, decay_steps=5, decay_shape="cosine",
                                      end_value=0.1)], [20])
    expect = [ref_wsd(k, 1.0, 20, 4, 6, dshape="cosine") if k < 20
              else ref_wsd(k - 20, 0.5, 10, 2, 5, end=0.1, dshape="cosine") for k in range(40)]
    np.testing.assert_allclose(backend.evaluate(s, np.arange(40)), expect, **backend.tolerance(1.0))


# ----------------------------------------------------------------------------- invalid arguments
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(decay_steps=None), ValueError, "exactly one of"),
        (dict(decay_start=50), ValueError, "exactly one of"),
        (dict(decay_steps=None, decay_start=50, decay_fraction=0.1), ValueError, "exactly one of"),
        (dict(warmup_steps=101), ValueError, "warmup_steps"),
        (dict(warmup_steps=-1), ValueError, "warmup_steps"),
        (dict(total_steps=-5), ValueError, "total_steps"),
        (dict(total_steps=float("inf")), ValueError, "total_steps"),
        (dict(total_steps="100"), TypeError, "total_steps"),
        (dict(decay_steps=91), ValueError, "decay_steps"),
        (dict(decay_steps=-1), ValueError, "decay_steps"),
        (dict(decay_steps=True), TypeError, "decay_steps"),
        (dict(decay_steps=None, decay_start=5), ValueError, "decay_start"),
        (dict(decay_steps=None, decay_start=101), ValueError, "decay_start"),
        (dict(decay_steps=None, decay_fraction=1.5), ValueError, "decay_fraction"),
        (dict(decay_steps=None, decay_fraction=-0.1), ValueError, "decay_fraction"),
        (dict(decay_steps=None, decay_fraction=0.95), ValueError, "decay_fraction"),
        (dict(decay_steps=None, decay_fraction=float("nan")), ValueError, "decay_fraction"),
        (dict(peak_value=float("nan")), ValueError, "peak_value"),
        (dict(peak_value=None), TypeError, "peak_value"),
        (dict(init_value="0"), TypeError, "init_value"),
        (dict(end_value=float("-inf")), ValueError, "end_value"),
        (dict(warmup_shape="quadratic"), ValueError, "warmup_shape"),
        (dict(decay_shape="sqrt"), ValueError, "decay_shape"),
        (dict(decay_shape=None), TypeError, "decay_shape"),
        (dict(decay_shape="exponential", end_value=0.0), ValueError, "end_value"),
        (dict(decay_shape="exponential", end_value=0.1, peak_value=-1.0), ValueError, "peak_value"),
        (dict(warmup_shape="exponential", init_value=0.0), ValueError, "init_value"),
        (dict(decay_shape="polynomial", power=0.0), ValueError, "power"),
        (dict(power=float("nan")), ValueError, "power"),
        (dict(skip_zero="yes"), TypeError, "skip_zero"),
    ],
)
def test_invalid(kwargs, exc, match):
    args = dict(peak_value=1.0, total_steps=100, warmup_steps=10, decay_steps=20)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        jaxsched.warmup_stable_decay(**args)

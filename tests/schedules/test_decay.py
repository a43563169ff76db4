"""Step, multistep, multiplicative, piecewise values, inverse time, inverse sqrt, cycling
polynomial and tanh decays (jaxsched/schedules/{decay,inverse,annealing}.py).

Expected values come from float64 references written here with plain Python ``math`` from the
peers' formulas (anchors.md b2, b4-b7), from torch's own schedulers stepping a real optimizer,
and from the verified reference vectors of anchors.md (d). jaxsched is compared with itself
only for consistency (backends, vmap, tracing, config round trips).
"""

from __future__ import annotations

import bisect
import math

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from schedule_checks import (
    assert_all_traceable,
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_vmap_counts,
    host,
    jit_eval,
    traced_params,
)

import jaxsched as js

TOP = 2**31 - 1


# ------------------------------------------------------------------ independent references
def step_ref(init, step_size, rate):
    return lambda t: init * rate ** math.floor(max(t, 0) / step_size)


def multistep_ref(init, milestones, rate):
    return lambda t: init * rate ** sum(1 for m in milestones if m <= max(t, 0))


def mult_ref(init, factor):
    return lambda t: init * factor ** max(t, 0)


def values_ref(boundaries, values):
    return lambda t: values[bisect.bisect_right(boundaries, max(t, 0))]


def inv_time_ref(init, decay_steps, rate, staircase=False, k=1.0):
    def f(t):
        q = max(t, 0) ** k / decay_steps  # Keras / Cerebras: the inner term, floored if staircase
        return init / (1 + rate * (math.floor(q) if staircase else q))

    return f


def inv_sqrt_ref(init, timescale=None, warmup=0, w0=0.0):
    """HF's inverse_sqrt (times ``init``), with a linear warmup from ``w0`` instead of 0."""

    def f(s):
        s = max(s, 0)
        if s < warmup:
            return w0 + (init - w0) * s / warmup
        tau = timescale or warmup or 10000
        return init / math.sqrt((s + tau - warmup) / tau)

    return f


def cerebras_inv_sqrt_ref(init, scale, warmup):
    return lambda t: init * scale / math.sqrt(max(warmup, max(t, 0)))


def keras_poly_ref(init, decay_steps, end, power, cycle):
    def f(t):
        t = max(t, 0)
        if cycle:
            d = decay_steps * (1 if t == 0 else math.ceil(t / decay_steps))
        else:
            d, t = decay_steps, min(t, decay_steps)
        return (init - end) * (1 - t / d) ** power + end

    return f


def timm_tanh_ref(init, t_initial, lr_min, lb, ub):
    """timm's TanhLRScheduler._get_lr with one cycle, no warmup, no noise."""

    def f(t):
        t = max(t, 0)
        i = t // t_initial
        if i >= 1:
            return lr_min
        tr = (t - t_initial * i) / t_initial
        return lr_min + 0.5 * (init - lr_min) * (1 - math.tanh(lb * (1.0 - tr) + ub * tr))

    return f


# ------------------------------------------------------------------ the cases
# (id, constructor, kwargs, reference, horizon, properties)
CASES = [
    ("step", js.step_decay, dict(init_value=2.0, step_size=3, decay_rate=0.5),
     step_ref(2.0, 3, 0.5), 30, dict(lo=0, hi=2, monotone="decreasing")),
    ("step_float", js.step_decay, dict(init_value=1.0, step_size=2.5, decay_rate=0.8),
     step_ref(1.0, 2.5, 0.8), 30, dict(lo=0, hi=1, monotone="decreasing")),
    ("step_grow", js.step_decay, dict(init_value=0.1, step_size=50000, decay_rate=1.5),
     step_ref(0.1, 50000, 1.5), 0, dict(lo=0.1, hi=0.1 * 1.5**30, monotone="increasing",
                                        counts=np.arange(0, 10**6 + 1, 2499))),
    ("multistep", js.multistep_decay, dict(init_value=1.0, milestones=[2, 2, 5], decay_rate=0.5),
     multistep_ref(1.0, [2, 2, 5], 0.5), 5, dict(lo=0, hi=1, monotone="decreasing")),
    ("multistep_float", js.multistep_decay,
     dict(init_value=3.0, milestones=[0, 4.5, 10, 40], decay_rate=0.3),
     multistep_ref(3.0, [0, 4.5, 10, 40], 0.3), 40, dict(lo=0, hi=3, monotone="decreasing")),
    ("multistep_empty", js.multistep_decay, dict(init_value=0.7, milestones=[], decay_rate=0.3),
     multistep_ref(0.7, [], 0.3), 0, dict(lo=0.7, hi=0.7)),
    ("multiplicative", js.multiplicative_decay, dict(init_value=1.0, factor=0.95),
     mult_ref(1.0, 0.95), 60, dict(lo=0, hi=1, monotone="decreasing")),
    ("multiplicative_zero", js.multiplicative_decay, dict(init_value=1.0, factor=0.0),
     mult_ref(1.0, 0.0), 5, dict(lo=0, hi=1, monotone="decreasing")),
    ("values", js.piecewise_constant_values,
     dict(boundaries=[2, 5, 5, 9], values=[1.0, 0.3, -1.0, 2.0, 0.5]),
     values_ref([2, 5, 5, 9], [1.0, 0.3, -1.0, 2.0, 0.5]), 9, dict(lo=0.3, hi=2.0)),
    ("values_one", js.piecewise_constant_values, dict(boundaries=[], values=[0.25]),
     values_ref([], [0.25]), 0, dict(lo=0.25, hi=0.25)),
    ("inv_time", js.inverse_time_decay, dict(init_value=1.0, decay_steps=10, decay_rate=0.5),
     inv_time_ref(1.0, 10, 0.5), 50, dict(lo=0, hi=1, monotone="decreasing")),
    ("inv_time_stair", js.inverse_time_decay,
     dict(init_value=2.0, decay_steps=3, decay_rate=2.0, staircase=True),
     inv_time_ref(2.0, 3, 2.0, True), 30, dict(lo=0, hi=2, monotone="decreasing")),
    ("inv_time_k", js.inverse_time_decay,
     dict(init_value=1.0, decay_steps=7.5, decay_rate=0.3, staircase=True, step_exponent=1.5),
     inv_time_ref(1.0, 7.5, 0.3, True, 1.5), 50, dict(lo=0, hi=1, monotone="decreasing")),
    ("inv_time_k_cont", js.inverse_time_decay,
     dict(init_value=1.0, decay_steps=4, decay_rate=1.0, step_exponent=0.5),
     inv_time_ref(1.0, 4, 1.0, False, 0.5), 50, dict(lo=0, hi=1, monotone="decreasing")),
    ("inv_sqrt_hf", js.inverse_sqrt_decay, dict(init_value=1.0, warmup_steps=2),
     inv_sqrt_ref(1.0, None, 2), 20, dict(lo=0, hi=1)),
    ("inv_sqrt_hf_nowarm", js.inverse_sqrt_decay, dict(init_value=0.5),
     inv_sqrt_ref(0.5, None, 0), 20, dict(lo=0, hi=0.5, monotone="decreasing")),
    ("inv_sqrt_tau", js.inverse_sqrt_decay,
     dict(init_value=1.0, timescale=3.0, warmup_steps=5, warmup_init_value=0.2),
     inv_sqrt_ref(1.0, 3.0, 5, 0.2), 20, dict(lo=0, hi=1)),
    ("inv_sqrt_flat", js.inverse_sqrt_decay,
     dict(init_value=0.5, warmup_steps=4, warmup_init_value=0.5),
     cerebras_inv_sqrt_ref(1.0, 1.0, 4), 20, dict(lo=0, hi=0.5, monotone="decreasing")),
    ("poly_cycle", js.polynomial_decay,
     dict(init_value=1.0, decay_steps=7, end_value=0.1, power=2.0, cycle=True),
     keras_poly_ref(1.0, 7, 0.1, 2.0, True), 70, dict(lo=0.1, hi=1)),
    ("poly_cycle_float", js.polynomial_decay,
     dict(init_value=1.0, decay_steps=2.5, end_value=0.0, power=0.5, cycle=True),
     keras_poly_ref(1.0, 2.5, 0.0, 0.5, True), 30,
     dict(lo=0, hi=1, counts=np.arange(-3, 10**4))),  # float D: float32 t is inexact past 2**24
    ("poly", js.polynomial_decay, dict(init_value=1.0, decay_steps=7, end_value=0.1, power=2.0),
     keras_poly_ref(1.0, 7, 0.1, 2.0, False), 7, dict(lo=0.1, hi=1, monotone="decreasing")),
    ("tanh", js.tanh_decay, dict(init_value=1.0, decay_steps=20, end_value=0.1),
     timm_tanh_ref(1.0, 20, 0.1, -7.0, 3.0), 20, dict(lo=0.1, hi=1, monotone="decreasing")),
    ("tanh_bounds", js.tanh_decay,
     dict(init_value=2.0, decay_steps=13, end_value=0.0, lower=-2.0, upper=40.0),
     timm_tanh_ref(2.0, 13, 0.0, -2.0, 40.0), 13, dict(lo=0, hi=2, monotone="decreasing")),
]
IDS = [c[0] for c in CASES]
HOLDS = {"multistep", "multistep_float", "multistep_empty", "values", "values_one", "poly",
         "tanh", "tanh_bounds"}


def _counts(horizon):
    return np.concatenate([np.arange(-3, 3 * horizon + 12), [10**4, 10**6, TOP]])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reference(case, backend):
    _, build, kw, ref, horizon, props = case
    counts = props.get("counts", _counts(horizon))
    expect = np.array([ref(int(t)) for t in counts])
    got = backend.evaluate(build(**kw), counts)
    scale = float(np.max(np.abs(expect[np.isfinite(expect)])))
    np.testing.assert_allclose(got, expect, **backend.tolerance(scale))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_standard_checks(case):
    name, build, kw, _, horizon, props = case
    s = build(**kw)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert_properties(s, horizon=horizon if name in HOLDS else None, **props)


# every numeric hyperparameter of every constructor: (constructor, kwargs, name, values)
TRACE = [
    (js.step_decay, dict(init_value=1.0, step_size=3), "init_value", [1.0, 0.25]),
    (js.step_decay, dict(init_value=1.0, step_size=3), "step_size", [3, 7]),
    (js.step_decay, dict(init_value=1.0, step_size=3), "step_size", [2.5, 4.0]),
    (js.step_decay, dict(init_value=1.0, step_size=3), "decay_rate", [0.5, 0.9]),
    (js.multistep_decay, dict(init_value=1.0, milestones=[2, 5]), "init_value", [1.0, 3.0]),
    (js.multistep_decay, dict(init_value=1.0, milestones=[2, 5]), "milestones",
     [[2, 2, 5], [0, 3, 90]]),
    (js.multistep_decay, dict(init_value=1.0, milestones=[2, 5]), "decay_rate", [0.5, 0.0]),
    (js.multiplicative_decay, dict(init_value=1.0, factor=0.9), "init_value", [1.0, 2.0]),
    (js.multiplicative_decay, dict(init_value=1.0, factor=0.9), "factor", [0.9, 0.0]),
    (js.piecewise_constant_values, dict(boundaries=[2, 5], values=[1.0, 0.5, 0.2]),
     "boundaries", [[2, 5], [0, 9]]),
    (js.piecewise_constant_values, dict(boundaries=[2, 5], values=[1.0, 0.5, 0.2]),
     "values", [[1.0, 0.5, 0.2], [2.0, -1.0, 0.1]]),
    (js.inverse_time_decay, dict(init_value=1.0, decay_steps=5, decay_rate=0.5),
     "init_value", [1.0, 2.0]),
    (js.inverse_time_decay, dict(init_value=1.0, decay_steps=5, decay_rate=0.5, staircase=True),
     "decay_steps", [5, 12]),
    (js.inverse_time_decay, dict(init_value=1.0, decay_steps=5, decay_rate=0.5),
     "decay_steps", [5.0, 12.5]),
    (js.inverse_time_decay, dict(init_value=1.0, decay_steps=5, decay_rate=0.5),
     "decay_rate", [0.5, 0.0]),
    (js.inverse_time_decay, dict(init_value=1.0, decay_steps=5, decay_rate=0.5, staircase=True),
     "step_exponent", [1.0, 0.5]),
    (js.inverse_time_decay, dict(init_value=1.0, decay_steps=5, decay_rate=0.5),
     "step_exponent", [1.0, 2.0]),
    (js.inverse_sqrt_decay, dict(init_value=1.0, warmup_steps=4), "init_value", [1.0, 0.1]),
    (js.inverse_sqrt_decay, dict(init_value=1.0, warmup_steps=4), "timescale", [3.0, 100.0]),
    (js.inverse_sqrt_decay, dict(init_value=1.0), "warmup_steps", [0, 5]),
    (js.inverse_sqrt_decay, dict(init_value=1.0, timescale=2.0), "warmup_steps", [0.0, 2.5]),
    (js.inverse_sqrt_decay, dict(init_value=1.0, warmup_steps=4), "warmup_init_value",
     [0.0, 1.0]),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, cycle=True), "init_value",
     [1.0, 0.5]),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, cycle=True), "decay_steps", [4, 7]),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, cycle=True), "decay_steps",
     [2.5, 4.0]),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, cycle=True), "end_value",
     [0.0, 0.1]),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, cycle=True), "power", [1.0, 0.0]),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4), "decay_steps", [4, 9]),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4), "power", [2.0, 0.5]),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=10), "init_value", [1.0, 3.0]),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=10), "decay_steps", [10, 25]),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=10), "end_value", [0.0, 0.2]),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=10), "lower", [-7.0, -1.0]),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=10), "upper", [3.0, 60.0]),
]


@pytest.mark.parametrize("build,kwargs,hyper", traced_params(TRACE))
def test_traceable(build, kwargs, hyper):
    assert_all_traceable(build, kwargs, hyper, grad={"values": True})


# ------------------------------------------------------------------ live torch parity
def torch_lrs(make, base_lr, n):
    """The lr used by each of ``n`` updates of a real torch optimizer (float64 Python floats)."""
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


def _parity(ours, expect):
    counts = np.arange(len(expect))
    np.testing.assert_allclose(host(ours, counts), expect, rtol=1e-12, atol=0)
    peak = float(np.max(np.abs(expect)))
    # one fixed shape of counts, so that examples of one structure share a compilation
    got = np.asarray(jit_eval(ours, jnp.arange(512, dtype=jnp.int32)), dtype=np.float64)
    np.testing.assert_allclose(got[: len(expect)], expect, rtol=1e-6, atol=1e-7 * peak)


TORCH = settings(max_examples=25, deadline=None, derandomize=True)
# float32-representable hyperparameters: the float32 path cannot be closer to torch than its
# float32 inputs (a factor rounded by 3e-8 is off by 4.5e-6 after 150 steps)
lrs_st = st.floats(2**-10, 10.0, allow_nan=False, width=32)
rates_st = st.one_of(st.just(0.0), st.floats(0.0625, 1.25, allow_nan=False, width=32))


@TORCH
@given(lrs_st, st.integers(1, 20), rates_st)
def test_torch_steplr(lr, step_size, gamma):
    n = 3 * 3 * step_size + 1  # three decays, three times over
    expect = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size, gamma), lr, n)
    _parity(js.step_decay(lr, step_size, gamma), expect)


@TORCH
@given(lrs_st, st.lists(st.integers(0, 60), max_size=6), rates_st)
def test_torch_multisteplr(lr, milestones, gamma):
    milestones = sorted(milestones + milestones[:1])  # a duplicate whenever there is one
    n = 3 * max(milestones + [3]) + 1
    expect = torch_lrs(
        lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones, gamma), lr, n
    )
    _parity(js.multistep_decay(lr, milestones, gamma), expect)


@TORCH
@given(lrs_st, st.one_of(st.just(0.0), st.floats(0.0625, 1.0625, allow_nan=False, width=32)))
def test_torch_multiplicativelr(lr, factor):
    expect = torch_lrs(
        lambda o: torch.optim.lr_scheduler.MultiplicativeLR(o, lambda k: factor), lr, 150
    )
    _parity(js.multiplicative_decay(lr, factor), expect)


@TORCH
@given(lrs_st, st.integers(1, 40),
       st.one_of(st.just(0.0), st.floats(2**-6, 3.0, allow_nan=False, width=32)))
def test_torch_polynomiallr(lr, total, power):
    expect = torch_lrs(
        lambda o: torch.optim.lr_scheduler.PolynomialLR(o, total_iters=total, power=power),
        lr, 3 * total + 1,
    )
    _parity(js.polynomial_decay(lr, total, 0.0, power), expect)


# ------------------------------------------------------------------ verified vectors (anchors d)
def _vec(s, n):
    return host(s, np.arange(n))


def test_anchor_vectors():
    # Keras 3.15.1
    np.testing.assert_allclose(
        _vec(js.polynomial_decay(1.0, 4, end_value=0.0, cycle=True), 10),
        [1, 0.75, 0.5, 0.25, 0, 0.375, 0.25, 0.125, 0, 0.25], atol=1e-7)
    np.testing.assert_allclose(
        _vec(js.inverse_time_decay(1.0, 2, 0.5, staircase=True), 5),
        [1, 1, 0.6667, 0.6667, 0.5], atol=5e-5)
    keras_b = [2, 4]  # Keras keeps the old value at the boundary: shift integer boundaries by 1
    np.testing.assert_allclose(
        _vec(js.piecewise_constant_values([b + 1 for b in keras_b], [1.0, 0.5, 0.25]), 6),
        [1, 1, 1, 0.5, 0.5, 0.25], atol=1e-12)
    # torch 2.13
    np.testing.assert_allclose(
        _vec(js.step_decay(1.0, 3, 0.5), 8), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25], atol=1e-12)
    np.testing.assert_allclose(
        _vec(js.multistep_decay(1.0, [2, 2, 5], 0.5), 7),
        [1, 1, 0.25, 0.25, 0.25, 0.125, 0.125], atol=1e-12)
    np.testing.assert_allclose(
        _vec(js.multiplicative_decay(1.0, 0.5), 4), [1, 0.5, 0.25, 0.125], atol=1e-12)
    # HF transformers 5.23, inverse_sqrt with W = 2
    np.testing.assert_allclose(
        _vec(js.inverse_sqrt_decay(1.0, warmup_steps=2), 9),
        [0, 0.5, 1, 0.816497, 0.707107, 0.632456, 0.57735, 0.534522, 0.5], atol=1e-6)
    # timm MultiStepLRScheduler([3, 5], 0.5) decays one step early: milestones m - 1
    np.testing.assert_allclose(
        _vec(js.multistep_decay(1.0, [max(m - 1, 0) for m in [3, 5]], 0.5), 7),
        [1, 1, 0.5, 0.5, 0.25, 0.25, 0.25], atol=1e-12)
    # timm tanh: the ends are not exact (b6)
    s = js.tanh_decay(1.0, 10**6)
    assert abs(float(host(s, [0])[0]) - 0.99999917) < 1e-8
    assert abs(float(host(s, [10**6 - 1])[0]) - 0.00247) < 1e-5
    assert float(host(s, [10**6])[0]) == 0.0


@pytest.mark.parametrize("w", [4, 1, 0.5, 2.5, 30])
@pytest.mark.parametrize("scale", [1.0, 0.3])
def test_cerebras_inverse_sqrt_mapping(w, scale):
    """Cerebras InverseSquareRootDecayLR(I, scale, W) = inverse_sqrt_decay(P, W, W, P)."""
    init = 2.0
    peak = init * scale / math.sqrt(w)
    s = js.inverse_sqrt_decay(peak, timescale=w, warmup_steps=w, warmup_init_value=peak)
    counts = np.arange(0, 200)
    expect = [cerebras_inv_sqrt_ref(init, scale, w)(int(t)) for t in counts]
    np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12)
    # the same with the default timescale (= W for W > 0)
    s2 = js.inverse_sqrt_decay(peak, warmup_steps=w, warmup_init_value=peak)
    np.testing.assert_allclose(host(s2, counts), expect, rtol=1e-12)


def test_hf_default_timescale_without_warmup():
    s = js.inverse_sqrt_decay(1.0)
    counts = np.array([0, 1, 100, 10**4, 3 * 10**4, 10**6])
    np.testing.assert_allclose(host(s, counts), [1 / math.sqrt((t + 1e4) / 1e4) for t in counts],
                               rtol=1e-12)
    assert float(host(s, [3 * 10**4])[0]) == pytest.approx(0.5, rel=1e-12)


# ------------------------------------------------------------------ exactness near 2**31 - 1
BIG = np.arange(TOP - 7, TOP + 1)  # 2**31 - 8 .. 2**31 - 1


def _jit_int32(s):
    return np.asarray(jit_eval(s, jnp.asarray(BIG, jnp.int32)))  # shared: one compile per structure


def test_step_decay_exact_at_int32_limit():
    # step_size = 7: the exponent n // 7 as Python integer arithmetic (float32 t / 7 is wrong for
    # 6 of these 8 counts, but the values r**q cannot show a difference of 1 in q ~ 3e8).
    s = js.step_decay(1.0, 7, 1.0 - 2.0**-24)
    expect = [(1.0 - 2.0**-24) ** (n // 7) for n in BIG.tolist()]
    np.testing.assert_allclose(_jit_int32(s), expect, rtol=1e-5)
    # the floor flips inside this range: 2**31 - 2 is a multiple of 7 and of step_size below
    for size in (2**31 - 2, (2**31 - 2) // 7):
        s = js.step_decay(1.0, size, 0.5)
        expect = [0.5 ** (n // size) for n in BIG.tolist()]
        assert len(set(expect)) == 2
        np.testing.assert_array_equal(_jit_int32(s), np.float32(expect))


def test_boundaries_exact_at_int32_limit():
    n = BIG.tolist()
    b = TOP - 2
    np.testing.assert_array_equal(
        _jit_int32(js.multistep_decay(1.0, [b, b], 0.5)), [1.0 if k < b else 0.25 for k in n])
    np.testing.assert_array_equal(
        _jit_int32(js.piecewise_constant_values([b - 3, b], [1.0, 2.0, 3.0])),
        [1.0 if k < b - 3 else 2.0 if k < b else 3.0 for k in n])
    np.testing.assert_array_equal(
        _jit_int32(js.inverse_time_decay(1.0, b, 1.0, staircase=True)),
        np.float32([1.0 if k < b else 0.5 for k in n]))
    ref = timm_tanh_ref(1.0, b, 0.25, -7.0, 3.0)
    np.testing.assert_allclose(_jit_int32(js.tanh_decay(1.0, b, 0.25)), [ref(k) for k in n],
                               rtol=1e-6)
    # cycling polynomial: the steps left in the cycle, k D - n, are exact integers
    for d in (1000, 7, 2**30 + 3):
        ref = keras_poly_ref(1.0, d, 0.0, 1.0, True)
        np.testing.assert_allclose(_jit_int32(js.polynomial_decay(1.0, d, cycle=True)),
                                   [ref(k) for k in n], rtol=1e-6, atol=0)


# ------------------------------------------------------------------ graphs, gradients, types
@pytest.mark.parametrize("build", [
    lambda b: js.multistep_decay(1.0, b, 0.5),
    lambda b: js.piecewise_constant_values(b, np.linspace(1.0, 0.1, len(b) + 1)),
])
def test_bounded_graph(build):
    def size(n):
        s = build(list(range(0, 3 * n, 3)))
        return len(jax.make_jaxpr(lambda sch, t: sch(t))(s, jnp.int32(5)).eqns)

    assert size(3) == size(300)


def test_tanh_gradient_where_the_argument_crosses_zero():
    # x = l (1 - r) + u r = 0 at r = 0.7 (t = 7, T = 10): d f / d u = (I - E) (-(1 - tanh^2 x)/2) r
    grad = jax.jit(jax.grad(lambda u, t: js.tanh_decay(2.0, 10, 0.5, -7.0, u)(t)))
    g = grad(jnp.float32(3.0), 7)
    assert float(g) == pytest.approx(-(2.0 - 0.5) * 0.5 * 0.7, rel=1e-5)
    g = grad(jnp.float32(3.0), 3)
    x = -7.0 * 0.7 + 3.0 * 0.3
    assert float(g) == pytest.approx(-(1.5) * 0.5 * (1 - math.tanh(x) ** 2) * 0.3, rel=1e-4)


def test_tanh_float32_tail_keeps_relative_precision():
    # 1 - tanh(x) cancels to 0 near x = 30 even in float64: the reference is mpmath at 50 digits
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    total, lb, ub = 10**5, -7.0, 30.0
    s = js.tanh_decay(1.0, total, 0.0, lb, ub)
    counts = np.array([total - 100, total - 10, total - 1])
    expect = []
    for t in counts.tolist():
        r = mpmath.mpf(t) / total
        expect.append(float((1 - mpmath.tanh(lb * (1 - r) + ub * r)) / 2))
    assert min(expect) > 1e-27
    np.testing.assert_allclose(jit_eval(s, jnp.asarray(counts, jnp.int32)), expect, rtol=1e-4)
    np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12)


def test_types_and_configs():
    assert isinstance(js.polynomial_decay(1.0, 4), js.Polynomial)
    assert js.polynomial_decay(1.0, 4, 0.1, 2.0) == js.polynomial_schedule(1.0, 0.1, 2.0, 4)
    assert isinstance(js.polynomial_decay(1.0, 4, cycle=True), js.PolynomialDecay)
    for name in ("step_decay", "multistep_decay", "multiplicative_decay", "inverse_time_decay",
                 "inverse_sqrt_decay", "polynomial_decay", "tanh_decay",
                 "piecewise_constant_values"):
        assert name in js.registered_names()
    cfg = {"type": "multistep_decay", "params": {"init_value": 1.0, "milestones": [3, 3]}}
    np.testing.assert_allclose(host(js.from_config(cfg), [0, 3]), [1.0, 0.01], rtol=1e-12)
    assert js.inverse_sqrt_decay(1.0).to_config()["params"]["timescale"] is None


# ------------------------------------------------------------------ invalid arguments
NAN, INF = float("nan"), float("inf")
BAD = [
    (js.step_decay, dict(init_value=1.0, step_size=0), ValueError, "step_size"),
    (js.step_decay, dict(init_value=1.0, step_size=-3), ValueError, "step_size"),
    (js.step_decay, dict(init_value=1.0, step_size=NAN), ValueError, "step_size"),
    (js.step_decay, dict(init_value=1.0, step_size=INF), ValueError, "step_size"),
    (js.step_decay, dict(init_value=1.0, step_size=True), TypeError, "step_size"),
    (js.step_decay, dict(init_value=1.0, step_size="3"), TypeError, "step_size"),
    (js.step_decay, dict(init_value=1.0, step_size=None), TypeError, "step_size"),
    (js.step_decay, dict(init_value=1.0, step_size=3, decay_rate=-0.1), ValueError, "decay_rate"),
    (js.step_decay, dict(init_value=1.0, step_size=3, decay_rate=NAN), ValueError, "decay_rate"),
    (js.step_decay, dict(init_value="1", step_size=3), TypeError, "init_value"),
    (js.step_decay, dict(init_value=INF, step_size=3), ValueError, "init_value"),
    (js.multistep_decay, dict(init_value=1.0, milestones=[5, 2]), ValueError, "milestones"),
    (js.multistep_decay, dict(init_value=1.0, milestones=[-1, 2]), ValueError, "milestones"),
    (js.multistep_decay, dict(init_value=1.0, milestones=[1, NAN]), ValueError, "milestones"),
    (js.multistep_decay, dict(init_value=1.0, milestones=[1, "2"]), TypeError, "milestones"),
    (js.multistep_decay, dict(init_value=1.0, milestones=[1, True]), TypeError, "milestones"),
    (js.multistep_decay, dict(init_value=1.0, milestones="12"), TypeError, "milestones"),
    (js.multistep_decay, dict(init_value=1.0, milestones=5), TypeError, "milestones"),
    (js.multistep_decay, dict(init_value=1.0, milestones=[2], decay_rate=-1), ValueError,
     "decay_rate"),
    (js.multiplicative_decay, dict(init_value=1.0, factor=-0.5), ValueError, "factor"),
    (js.multiplicative_decay, dict(init_value=1.0, factor=NAN), ValueError, "factor"),
    (js.multiplicative_decay, dict(init_value=1.0, factor=True), TypeError, "factor"),
    (js.multiplicative_decay, dict(init_value=None, factor=0.5), TypeError, "init_value"),
    (js.piecewise_constant_values, dict(boundaries=[4, 2], values=[1, 2, 3]), ValueError,
     "boundaries"),
    (js.piecewise_constant_values, dict(boundaries=[-1], values=[1, 2]), ValueError, "boundaries"),
    (js.piecewise_constant_values, dict(boundaries=[1, 2], values=[1, 2]), ValueError, "values"),
    (js.piecewise_constant_values, dict(boundaries=[1], values=[1, 2, 3]), ValueError, "values"),
    (js.piecewise_constant_values, dict(boundaries=[1], values=np.ones((2, 1))), ValueError,
     "values"),
    (js.piecewise_constant_values, dict(boundaries=[1], values=[1, NAN]), ValueError, "values"),
    (js.piecewise_constant_values, dict(boundaries=[1], values=[1, True]), TypeError, "values"),
    (js.piecewise_constant_values, dict(boundaries=[1], values="ab"), TypeError, "values"),
    (js.piecewise_constant_values, dict(boundaries=[1], values=2.0), TypeError, "values"),
    (js.piecewise_constant_values, dict(boundaries=3, values=[1, 2]), TypeError, "boundaries"),
    (js.inverse_time_decay, dict(init_value=1, decay_steps=0, decay_rate=1), ValueError,
     "decay_steps"),
    (js.inverse_time_decay, dict(init_value=1, decay_steps=2, decay_rate=-1), ValueError,
     "decay_rate"),
    (js.inverse_time_decay, dict(init_value=1, decay_steps=2, decay_rate=1, step_exponent=0),
     ValueError, "step_exponent"),
    (js.inverse_time_decay, dict(init_value=1, decay_steps=2, decay_rate=1, step_exponent=-1),
     ValueError, "step_exponent"),
    (js.inverse_time_decay, dict(init_value=1, decay_steps=2, decay_rate=1, staircase="yes"),
     TypeError, "staircase"),
    (js.inverse_time_decay, dict(init_value=1, decay_steps=2, decay_rate=1, staircase=1),
     TypeError, "staircase"),
    (js.inverse_sqrt_decay, dict(init_value=1.0, timescale=0.0), ValueError, "timescale"),
    (js.inverse_sqrt_decay, dict(init_value=1.0, timescale=-5), ValueError, "timescale"),
    (js.inverse_sqrt_decay, dict(init_value=1.0, timescale=True), TypeError, "timescale"),
    (js.inverse_sqrt_decay, dict(init_value=1.0, warmup_steps=-1), ValueError, "warmup_steps"),
    (js.inverse_sqrt_decay, dict(init_value=1.0, warmup_init_value=NAN), ValueError,
     "warmup_init_value"),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=0), ValueError, "decay_steps"),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=0, cycle=True), ValueError,
     "decay_steps"),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, power=-1), ValueError, "power"),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, power=-1, cycle=True), ValueError,
     "power"),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, end_value=INF, cycle=True),
     ValueError, "end_value"),
    (js.polynomial_decay, dict(init_value=1.0, decay_steps=4, cycle="no"), TypeError, "cycle"),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=0), ValueError, "decay_steps"),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=5, lower=3.0, upper=3.0), ValueError,
     "upper"),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=5, lower=4.0), ValueError, "upper"),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=5, lower=NAN), ValueError, "lower"),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=5, upper="3"), TypeError, "upper"),
    (js.tanh_decay, dict(init_value=1.0, decay_steps=5, end_value=INF), ValueError, "end_value"),
]


@pytest.mark.parametrize("build,kwargs,exc,name", BAD,
                         ids=[f"{b.__name__}-{n}-{i}" for i, (b, _, _, n) in enumerate(BAD)])
def test_invalid_arguments(build, kwargs, exc, name):
    with pytest.raises(exc, match=f"`{name}"):
        build(**kwargs)


# ------------------------------------------------------------------ inside a sequence
@pytest.mark.parametrize("pair", [
    ((js.step_decay, (1.0, 3, 0.5), step_ref(1.0, 3, 0.5)),
     (js.step_decay, (2.0, 2.5, 0.9), step_ref(2.0, 2.5, 0.9))),
    ((js.inverse_sqrt_decay, (1.0, None, 3), inv_sqrt_ref(1.0, None, 3)),
     (js.inverse_sqrt_decay, (0.5, None, 2), inv_sqrt_ref(0.5, None, 2))),
    ((js.polynomial_decay, (1.0, 4, 0.0, 1.0, True), keras_poly_ref(1.0, 4, 0.0, 1.0, True)),
     (js.polynomial_decay, (0.5, 3, 0.1, 2.0, True), keras_poly_ref(0.5, 3, 0.1, 2.0, True))),
    ((js.tanh_decay, (1.0, 10), timm_tanh_ref(1.0, 10, 0.0, -7.0, 3.0)),
     (js.tanh_decay, (0.5, 5, 0.1, -3.0, 4.0), timm_tanh_ref(0.5, 5, 0.1, -3.0, 4.0))),
    ((js.inverse_time_decay, (1.0, 3, 0.5, True), inv_time_ref(1.0, 3, 0.5, True)),
     (js.inverse_time_decay, (2.0, 4, 1.0, True, 1.5), inv_time_ref(2.0, 4, 1.0, True, 1.5))),
    ((js.multistep_decay, (1.0, [2, 5], 0.5), multistep_ref(1.0, [2, 5], 0.5)),
     (js.multiplicative_decay, (0.5, 0.5), mult_ref(0.5, 0.5))),
], ids=["step", "inv_sqrt", "poly_cycle", "tanh", "inv_time", "multistep_mult"])
def test_in_a_sequence(pair, backend):
    """Two children of one kind are gathered by index (scalar leaves of the count's shape)."""
    (b0, a0, r0), (b1, a1, r1) = pair
    s = js.join_schedules([b0(*a0), b1(*a1)], [7])
    counts = np.arange(0, 40)
    expect = np.array([r0(t) if t < 7 else r1(t - 7) for t in counts.tolist()])
    np.testing.assert_allclose(backend.evaluate(s, counts), expect,
                               **backend.tolerance(float(np.max(np.abs(expect)))))

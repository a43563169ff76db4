"""The composition algebra: product, add, scale, clip/floor, offset and the Schedule operators.

Expected values come from float64 references written here from the children's plain-Python
formulas, from torch's own ChainedScheduler stepping a real optimizer, and from the verified
vector of anchors.md (b2). jaxsched's own outputs are compared with themselves only for
consistency (backends, vmap, round trips) and in the constant-identity sanity checks.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
from hypothesis import given, settings
from schedule_checks import (
    COUNTS,
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_traceable,
    assert_vmap_counts,
    host,
    jit_eval,
)

import jaxsched as js


# ------------------------------------------------------------------ independent references
def cos_ref(init, steps, end=0.0):
    def f(t):
        t = max(t, 0)
        return end + (init - end) * 0.5 * (1 + math.cos(math.pi * min(t, steps) / steps))

    return f


def exp_ref(init, steps, rate):
    return lambda t: init * rate ** (max(t, 0) / steps)


def lin_ref(init, end, steps):
    return lambda t: init + (end - init) * min(max(t, 0), steps) / steps


def const_ref(value):
    return lambda t: value


def join_ref(fns, bounds):
    def f(t):
        t = max(t, 0)
        starts = [0, *bounds]
        i = sum(1 for b in bounds if b <= t)
        return fns[i](t - starts[i])

    return f


def ref_values(fn, counts=COUNTS):
    return np.array([fn(int(k)) for k in np.asarray(counts)], dtype=np.float64)


# ------------------------------------------------------------------ cases
# name -> (build, reference, lo, hi, horizon, monotone)
CASES = {
    "product": (
        lambda: js.product([js.cosine_decay(1.0, 100, 0.1), js.exponential_decay(2.0, 50, 0.5)]),
        lambda t: cos_ref(1.0, 100, 0.1)(t) * exp_ref(2.0, 50, 0.5)(t),
        0.0, 2.0, None, "decreasing",
    ),
    "product3_nested": (
        lambda: js.product([
            js.product([js.linear_schedule(0.0, 1.0, 20), js.cosine_decay(1.0, 200)]),
            js.constant_schedule(3e-4),
        ]),
        lambda t: lin_ref(0.0, 1.0, 20)(t) * cos_ref(1.0, 200)(t) * 3e-4,
        0.0, 3e-4, 200, None,
    ),
    "add": (
        lambda: js.add([js.cosine_decay(0.9, 100), js.linear_schedule(0.0, 0.1, 10)]),
        lambda t: cos_ref(0.9, 100)(t) + lin_ref(0.0, 0.1, 10)(t),
        0.0, 1.0, 100, None,
    ),
    "scale": (
        lambda: js.scale(js.cosine_decay(1.0, 100, 0.1), 3e-4),
        lambda t: 3e-4 * cos_ref(1.0, 100, 0.1)(t),
        3e-5, 3e-4, 100, "decreasing",
    ),
    "clip": (
        lambda: js.clip(js.linear_schedule(0.0, 1.0, 100), 0.2, 0.7),
        lambda t: min(max(lin_ref(0.0, 1.0, 100)(t), 0.2), 0.7),
        0.2, 0.7, 100, "increasing",
    ),
    "clip_max_only": (
        lambda: js.clip(js.linear_schedule(0.5, 2.0, 100), max_value=1.5),
        lambda t: min(lin_ref(0.5, 2.0, 100)(t), 1.5),
        0.5, 1.5, 67, "increasing",
    ),
    "floor": (
        lambda: js.floor(js.exponential_decay(1.0, 10, 0.5), 0.01),
        lambda t: max(exp_ref(1.0, 10, 0.5)(t), 0.01),
        0.01, 1.0, 67, "decreasing",
    ),
    "offset": (
        lambda: js.offset(js.cosine_decay(1.0, 100, 0.1), 50),
        lambda t: cos_ref(1.0, 100, 0.1)(max(t - 50, 0)),
        0.1, 1.0, 150, "decreasing",
    ),
    "offset_value_before": (
        lambda: js.offset(js.linear_schedule(1.0, 0.0, 30), start=7, value_before=0.25),
        lambda t: 0.25 if t < 7 else lin_ref(1.0, 0.0, 30)(t - 7),
        0.0, 1.0, 37, None,
    ),
    "hold_every": (  # s(P floor(t / P)): the value at the start of each period of 7
        lambda: js.hold_every(js.cosine_decay(1.0, 100, 0.1), 7),
        lambda t: cos_ref(1.0, 100, 0.1)(7 * (t // 7)),
        0.1, 1.0, 106, "decreasing",
    ),
    "join_of_offsets": (  # children of one structure: the sequence gathers composite leaves
        lambda: js.join_schedules(
            [js.offset(js.cosine_decay(1.0, 40), 5, 0.3), js.offset(js.cosine_decay(0.5, 20), 9, 0.1)],
            [60],
        ),
        join_ref(
            [lambda t: 0.3 if t < 5 else cos_ref(1.0, 40)(t - 5),
             lambda t: 0.1 if t < 9 else cos_ref(0.5, 20)(t - 9)],
            [60],
        ),
        0.0, 1.0, 89, None,
    ),
    "join_of_products": (
        lambda: js.join_schedules(
            [js.product([js.cosine_decay(1.0, 40), js.constant_schedule(2.0)]),
             js.product([js.cosine_decay(0.5, 20), js.constant_schedule(0.5)])],
            [30],
        ),
        join_ref(
            [lambda t: 2.0 * cos_ref(1.0, 40)(t), lambda t: 0.5 * cos_ref(0.5, 20)(t)], [30]
        ),
        0.0, 2.0, 50, None,
    ),
    "nested": (  # a product of a join of a scale and a clip, with an offset exponential
        lambda: js.product([
            js.join_schedules(
                [js.scale(js.linear_schedule(0.0, 1.0, 10), 2.0),
                 js.clip(js.cosine_decay(2.0, 100), min_value=0.2)],
                [10],
            ),
            js.offset(js.exponential_decay(1.0, 20, 0.5), 30, 1.0),
        ]),
        lambda t: join_ref(
            [lambda u: 2.0 * lin_ref(0.0, 1.0, 10)(u), lambda u: max(cos_ref(2.0, 100)(u), 0.2)],
            [10],
        )(t) * (1.0 if t < 30 else exp_ref(1.0, 20, 0.5)(t - 30)),
        0.0, 2.0, None, None,
    ),
    "operators": (
        lambda: 3e-4 * (js.cosine_decay(1.0, 100) * js.linear_schedule(0.5, 1.0, 10)) + 1e-5,
        lambda t: 3e-4 * cos_ref(1.0, 100)(t) * lin_ref(0.5, 1.0, 10)(t) + 1e-5,
        1e-5, 3.1e-4, 100, None,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_reference(name, backend):
    build, ref, *_ = CASES[name]
    s = build()
    expect = ref_values(ref)
    scale = float(np.max(np.abs(expect)))
    np.testing.assert_allclose(backend.evaluate(s, COUNTS), expect, **backend.tolerance(scale))


@pytest.mark.parametrize("name", sorted(CASES))
def test_standard_checks(name):
    build, ref, lo, hi, horizon, monotone = CASES[name]
    s = build()
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    assert_properties(s, lo=lo, hi=hi, horizon=horizon, monotone=monotone)


def test_float_counts_and_negative_counts():
    s = js.offset(js.linear_schedule(1.0, 0.0, 10), start=4, value_before=2.0)
    counts = np.array([-3.0, 0.0, 3.5, 3.999, 4.0, 6.5, 14.0, 20.25])
    expect = [2.0, 2.0, 2.0, 2.0, 1.0, 0.75, 0.0, 0.0]
    np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(host(s, np.array([-7, -1])), [2.0, 2.0])


def test_structure_and_flattening():
    a, b, c = js.cosine_decay(1.0, 10), js.exponential_decay(1.0, 5, 0.5), js.constant_schedule(2.0)
    assert js.product([js.product([a, b]), c]).schedules == (a, b, c)
    assert js.product([a, js.product([b, c])]).schedules == (a, b, c)
    assert js.add([js.add([a, b]), js.add([c, a])]).schedules == (a, b, c, a)
    # different kinds are not inlined into each other
    mixed = js.product([js.add([a, b]), c])
    assert isinstance(mixed.schedules[0], js.Sum) and len(mixed.schedules) == 2
    assert (a * b * c).schedules == (a, b, c)
    assert (a + b + c).schedules == (a, b, c)
    cfg = js.product([js.join_schedules([js.scale(a, 2.0), b], [5]), c]).to_config()
    assert cfg["type"] == "product"
    inner = cfg["params"]["schedules"][0]
    assert inner["type"] == "join_schedules"
    assert inner["params"]["schedules"][0] == {"type": "scale", "params": {
        "schedule": a.to_config(), "factor": 2.0}}
    assert js.floor(a, 0.1).to_config()["type"] == "floor"  # the call that built it
    assert js.from_config({"type": "floor", "params": {"schedule": a.to_config(), "min_value": 0.1}}) == (
        js.clip(a, 0.1)
    )
    assert js.offset(a, 5).to_config()["params"] == {"schedule": a.to_config(), "start": 5,
                                                      "value_before": None}


def test_operators_build_the_constructors():
    s, e = js.cosine_decay(1.0, 10), js.exponential_decay(1.0, 5, 0.5)
    assert s * 0.5 == js.scale(s, 0.5)
    assert 0.5 * s == js.scale(s, 0.5)
    assert 2 * s == js.scale(s, 2)
    assert s * e == js.product([s, e])
    assert e * s == js.product([e, s])
    assert s + e == js.add([s, e])
    assert s + 0.1 == js.add([s, js.constant_schedule(0.1)])
    assert 0.1 + s == js.add([js.constant_schedule(0.1), s])
    assert sum([s, e, s]) == js.add([s, e, s])
    assert 0 + s is s
    # numbers of other libraries, on either side
    for num in (np.float64(0.5), np.float32(0.5), np.asarray(0.5), jnp.asarray(0.5), torch.tensor(0.5)):
        for out in (num * s, s * num):
            assert isinstance(out, js.Scale)
            np.testing.assert_allclose(host(out, [0, 5, 10]), [0.5, 0.25, 0.0], atol=1e-7)
        assert isinstance(num + s, js.Sum) and isinstance(s + num, js.Sum)
    # calling the result is still the optax Schedule protocol
    assert float((s * 0.5)(5)) == pytest.approx(0.25, abs=1e-7)


def test_operators_with_tracers():
    s = js.cosine_decay(1.0, 10)
    counts = jnp.arange(12)
    ref = np.array([cos_ref(1.0, 10)(k) for k in range(12)])
    a = jnp.asarray([0.5, 2.0])
    cases = ((lambda a, t: (a * s)(t), lambda a: a * ref),
             (lambda a, t: (s * a)(t), lambda a: a * ref),
             (lambda a, t: (a + s)(t), lambda a: a + ref),
             (lambda a, t: (s + a)(t), lambda a: a + ref))

    # every traced case in one compiled program (one compile instead of nine): vmap over the
    # traced operand (jitted: see test_vmap_hyperparameter_concrete_jax_count), the traced
    # scalar ``a2`` (a weak float, as ``jax.jit(f)(2.0, counts)``), and ``a * s + a``
    @jax.jit
    def traced(a, a2, t):
        return ([(jax.vmap(f, in_axes=(0, None))(a, t), f(a2, t)) for f, _ in cases],
                (a2 * s + a2)(counts))

    outs, affine = traced(a, 2.0, counts)
    for (batched, single), (_, expect) in zip(outs, cases):
        np.testing.assert_allclose(np.asarray(batched), [expect(0.5), expect(2.0)], rtol=1e-6,
                                   atol=1e-6)
        np.testing.assert_allclose(np.asarray(single), expect(2.0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(np.asarray(affine), 2 * ref + 2, rtol=1e-6, atol=1e-6)
    g = jax.grad(lambda a: (a * s + a * a)(3))(2.0)
    assert float(g) == pytest.approx(cos_ref(1.0, 10)(3) + 4.0, rel=1e-6)


def test_vmap_hyperparameter_concrete_jax_count():
    s = js.cosine_decay(1.0, 10)
    out = jax.vmap(lambda a: (a * s)(jnp.arange(12)))(jnp.asarray([0.5, 2.0]))
    np.testing.assert_allclose(np.asarray(out[1]), [2 * cos_ref(1.0, 10)(k) for k in range(12)],
                               rtol=1e-6, atol=1e-6)


def test_numpy_array_operand_defers_to_schedule():
    s = js.constant_schedule(1.0)
    batched = np.array([2.0, 3.0]) * s  # one schedule with a batched factor, not an object array
    assert isinstance(batched, js.Schedule)
    np.testing.assert_allclose(np.asarray(batched.evaluate(0, np)), [2.0, 3.0])
    assert isinstance(np.float64(2.0) * s, js.Schedule)


def test_constant_identities():
    s = js.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, end_value=0.05)
    np.testing.assert_array_equal(host(js.product([s, js.constant_schedule(1.0)])), host(s))
    np.testing.assert_array_equal(host(js.add([s, js.constant_schedule(0.0)])), host(s))
    np.testing.assert_array_equal(host(js.scale(s, 1.0)), host(s))
    np.testing.assert_array_equal(host(js.offset(s, 0)), host(s))
    np.testing.assert_array_equal(host(js.clip(s, -1.0, 2.0)), host(s))


def test_callable_children_and_optax():
    s = js.cosine_decay(1.0, 10)
    half = s * (lambda t: 0.5 * jnp.ones_like(t, dtype=jnp.float32))
    assert isinstance(half, js.Product) and isinstance(half.schedules[1], js.Function)
    np.testing.assert_allclose(np.asarray(half(jnp.arange(11))),
                               [0.5 * cos_ref(1.0, 10)(k) for k in range(11)], rtol=1e-6, atol=1e-7)
    with pytest.raises(TypeError, match="user function"):
        half.to_config()
    # an optax optimizer on a composite; the injected lr stays float32 next to bf16 params
    lr = js.scale(js.clip(s, 0.1, 0.8), 0.5)
    opt = optax.inject_hyperparams(optax.sgd)(learning_rate=lr)
    params = {"w": jnp.ones(3, jnp.bfloat16)}
    state = opt.init(params)
    for _ in range(3):
        _, state = opt.update(params, state, params)
    assert state.hyperparams["learning_rate"].dtype == jnp.float32
    assert float(state.hyperparams["learning_rate"]) == pytest.approx(
        0.5 * min(max(cos_ref(1.0, 10)(2), 0.1), 0.8), rel=1e-6)


# ------------------------------------------------------------------ traceability
def _cos(peak):
    return js.cosine_decay(peak, 100, 0.1)


TRACE = [
    (lambda schedule, factor: js.scale(schedule, factor), dict(schedule=_cos(1.0), factor=0.5),
     "factor", [0.5, 2.0]),
    (lambda peak, factor: js.scale(_cos(peak), factor), dict(peak=1.0, factor=0.5), "peak",
     [1.0, 3.0]),
    (lambda peak, rate: js.product([_cos(peak), js.exponential_decay(1.0, 50, rate)]),
     dict(peak=1.0, rate=0.5), "peak", [1.0, 2.0]),
    (lambda peak, rate: js.product([_cos(peak), js.exponential_decay(1.0, 50, rate)]),
     dict(peak=1.0, rate=0.5), "rate", [0.5, 0.9]),
    (lambda peak, base: js.add([_cos(peak), js.constant_schedule(base)]), dict(peak=1.0, base=0.1),
     "base", [0.1, 0.3]),
    (lambda schedule, min_value, max_value: js.clip(schedule, min_value, max_value),
     dict(schedule=_cos(1.0), min_value=0.2, max_value=0.8), "min_value", [0.2, 0.5]),
    (lambda schedule, min_value, max_value: js.clip(schedule, min_value, max_value),
     dict(schedule=_cos(1.0), min_value=0.2, max_value=0.8), "max_value", [0.6, 0.9]),
    (lambda schedule, min_value: js.floor(schedule, min_value), dict(schedule=_cos(1.0), min_value=0.2),
     "min_value", [0.2, 0.5]),
    (lambda schedule, start, value_before: js.offset(schedule, start, value_before),
     dict(schedule=_cos(1.0), start=10, value_before=0.3), "start", [0, 10, 99]),
    (lambda schedule, start, value_before: js.offset(schedule, start, value_before),
     dict(schedule=_cos(1.0), start=10, value_before=0.3), "value_before", [0.0, 0.3]),
    (lambda schedule, start: js.offset(schedule, start), dict(schedule=_cos(1.0), start=10), "start",
     [2.5, 10.0]),
    (lambda a, peak: a * _cos(peak) + a, dict(a=0.5, peak=1.0), "a", [0.5, 2.0]),
    (lambda schedule, period: js.hold_every(schedule, period), dict(schedule=_cos(1.0), period=4),
     "period", [1, 4, 9]),
]


@pytest.mark.parametrize("build,kwargs,name,values", TRACE,
                         ids=[f"{i}-{t[2]}" for i, t in enumerate(TRACE)])
def test_traceable(build, kwargs, name, values):
    assert_traceable(build, kwargs, name, values)


# ------------------------------------------------------------------ torch parity
def _torch_lrs(make, n, lr=1.0):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


def test_chained_scheduler_anchor_vector():
    # anchors.md (b2): ChainedScheduler([ConstantLR(0.1, 2), ExponentialLR(0.9)]), base lr 1
    s = js.product([js.join_schedules([js.constant_schedule(0.1), js.constant_schedule(1.0)], [2]),
                    js.exponential_decay(1.0, 1, 0.9)])
    np.testing.assert_allclose(host(s, np.arange(5)), [0.1, 0.09, 0.81, 0.729, 0.6561], rtol=1e-12)
    live = _torch_lrs(lambda o: torch.optim.lr_scheduler.ChainedScheduler(
        [torch.optim.lr_scheduler.ConstantLR(o, 0.1, 2), torch.optim.lr_scheduler.ExponentialLR(o, 0.9)]),
        5)
    np.testing.assert_allclose(live, [0.1, 0.09, 0.81, 0.729, 0.6561], rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    lr=st.floats(1e-4, 1.0),
    factor=st.floats(0.05, 1.0),
    total=st.integers(1, 20),
    gamma=st.floats(0.8, 1.0),
    linear=st.booleans(),
)
def test_chained_scheduler_live(lr, factor, total, gamma, linear):
    LR = torch.optim.lr_scheduler

    def make(o):
        first = LR.LinearLR(o, factor, 1.0, total) if linear else LR.ConstantLR(o, factor, total)
        return LR.ChainedScheduler([first, LR.ExponentialLR(o, gamma)])

    if linear:
        first = js.linear_schedule(factor, 1.0, total)
    else:
        first = js.join_schedules([js.constant_schedule(factor), js.constant_schedule(1.0)], [total])
    s = lr * (first * js.exponential_decay(1.0, 1, gamma))
    n = 40
    np.testing.assert_allclose(host(s, np.arange(n)), _torch_lrs(make, n, lr), rtol=1e-9, atol=0)


@settings(max_examples=25, deadline=None)
@given(
    peak=st.floats(0.1, 2.0),
    decay=st.integers(1, 300),
    start=st.integers(0, 300),
    before=st.one_of(st.none(), st.floats(0.0, 1.0)),
    lo=st.floats(0.0, 0.5),
    width=st.floats(0.0, 1.5),
)
def test_offset_clip_random(peak, decay, start, before, lo, width):
    s = js.clip(js.offset(js.cosine_decay(peak, decay), start, before), lo, lo + width)

    def ref(t):
        t = max(t, 0)
        val = cos_ref(peak, decay)(max(t - start, 0))
        if before is not None and t < start:
            val = before
        return min(max(val, lo), lo + width)

    counts = np.array([-2, 0, 1, start - 1, start, start + 1, start + decay // 2, start + decay,
                       start + decay + 5, 10**6])
    expect = ref_values(ref, counts)
    np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12, atol=1e-12)
    got32 = np.asarray(jit_eval(s, jnp.asarray(counts, jnp.int32)))
    np.testing.assert_allclose(got32, expect, rtol=2e-6, atol=2e-7 * max(peak, lo + width))


# ------------------------------------------------------------------ invalid arguments
S = js.cosine_decay(1.0, 10)

INVALID = [
    (lambda: js.product(S), TypeError, "schedules"),
    (lambda: js.product("ab"), TypeError, "schedules"),
    (lambda: js.product([]), ValueError, "schedules"),
    (lambda: js.product([S]), ValueError, "schedules"),
    (lambda: js.product([S, 0.5]), TypeError, r"schedules\[1\].*constant_schedule"),
    (lambda: js.product([S, "x"]), TypeError, r"schedules\[1\]"),
    (lambda: js.add([]), ValueError, "schedules"),
    (lambda: js.add([None, S]), TypeError, r"schedules\[0\]"),
    (lambda: js.add(S), TypeError, "schedules"),
    (lambda: js.scale(S, "2"), TypeError, "factor"),
    (lambda: js.scale(S, True), TypeError, "factor"),
    (lambda: js.scale(S, float("nan")), ValueError, "factor"),
    (lambda: js.scale(S, None), TypeError, "factor"),
    (lambda: js.scale(0.5, S), TypeError, "schedule"),
    (lambda: js.clip(S), ValueError, "min_value"),
    (lambda: js.clip(S, 0.7, 0.2), ValueError, "min_value.*max_value"),
    (lambda: js.clip(S, np.array([0.1, 0.9]), 0.5), ValueError, "min_value"),
    (lambda: js.clip(S, float("inf")), ValueError, "min_value"),
    (lambda: js.clip(S, max_value="1"), TypeError, "max_value"),
    (lambda: js.clip("s", 0.1), TypeError, "schedule"),
    (lambda: js.floor(S, None), TypeError, "min_value"),
    (lambda: js.floor(S, float("-inf")), ValueError, "min_value"),
    (lambda: js.offset(S, -3), ValueError, "start"),
    (lambda: js.hold_every(S, 0), ValueError, "period"),
    (lambda: js.hold_every(S, 2.5), ValueError, "period"),
    (lambda: js.hold_every(3.0, 2), TypeError, "schedule"),
    (lambda: js.offset(S, float("nan")), ValueError, "start"),
    (lambda: js.offset(S, "3"), TypeError, "start"),
    (lambda: js.offset(S, None), TypeError, "start"),
    (lambda: js.offset(S, 3, value_before=float("inf")), ValueError, "value_before"),
    (lambda: js.offset(S, 3, value_before=False), TypeError, "value_before"),
    (lambda: S * True, TypeError, "factor"),
    (lambda: S * object(), TypeError, "unsupported operand"),
    (lambda: S * "a", TypeError, "Cosine"),
    (lambda: S + None, TypeError, "unsupported operand"),
    (lambda: [1] + S, TypeError, "list"),
    (lambda: js.from_config({"type": "product", "params": {"schedules": [S.to_config()]}}),
     ValueError, "schedules"),
]


@pytest.mark.parametrize("fn,exc,match", INVALID, ids=[str(i) for i in range(len(INVALID))])
def test_invalid_arguments(fn, exc, match):
    with pytest.raises(exc, match=match):
        fn()


def test_traced_bounds_are_not_checked():
    s = jax.jit(lambda lo, hi: js.clip(S, lo, hi)(jnp.arange(3)))(0.9, 0.2)  # max wins, as numpy
    np.testing.assert_allclose(np.asarray(s), [0.2, 0.2, 0.2])


def test_subtraction_negation_division_operators():
    s = js.cosine_decay(1.0, 10)
    ref = np.array([cos_ref(1.0, 10)(k) for k in range(12)])
    counts = np.arange(12)
    np.testing.assert_allclose(host(1.0 - s, counts), 1.0 - ref, atol=1e-12)
    np.testing.assert_allclose(host(s - 0.25, counts), ref - 0.25, atol=1e-12)
    np.testing.assert_allclose(host(-s, counts), -ref, atol=1e-12)
    np.testing.assert_allclose(host(s / 4, counts), ref / 4, atol=1e-12)
    np.testing.assert_allclose(host(s - 0.5 * s, counts), 0.5 * ref, atol=1e-12)
    with pytest.raises(TypeError):
        s / s

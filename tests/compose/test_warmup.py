"""``warmup``: a ramp in front of any schedule.

Expected values come from float64 references written here with ``math``, from live torch
(``SequentialLR([LinearLR, X])``) and optax, and from the verified vectors of anchors.md
(DeepSpeed ``WarmupLR``, timm ``warmup_prefix``, Keras ``CosineDecay(warmup_target)``, HF).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
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

SHAPES = ["linear", "cosine", "exponential", "log", "1-sqrt"]


# ----------------------------------------------------------------------------- references
def ref_ramp(t, w, init, target, shape, skip):
    """The documented warmup ramp at step ``t < w``, in float64."""
    e = 1 if skip else 0
    q = (t + e) / (w + e)
    if shape == "exponential":
        return init * (target / init) ** q
    if shape == "linear":
        u = q
    elif shape == "cosine":
        u = 0.5 * (1 - math.cos(math.pi * q))
    elif shape == "1-sqrt":
        u = 1 - math.sqrt(1 - q)
    else:  # log, DeepSpeed's form
        u = min(1.0, math.log(t + e + 1) / math.log(max(w + e, 2)))
    return init + (target - init) * u


# (builder, float64 reference of the child) pairs
CHILDREN = {
    "constant": (lambda: jaxsched.constant_schedule(0.8), lambda t: 0.8),
    "cosine": (
        lambda: jaxsched.cosine_decay(1.0, 6, end_value=0.1),
        lambda t: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(t, 6) / 6)),
    ),
    "exponential": (
        lambda: jaxsched.exponential_decay(0.5, 2, 0.7),
        lambda t: 0.5 * 0.7 ** (t / 2),
    ),
    "join": (
        lambda: jaxsched.join_schedules(
            [jaxsched.constant_schedule(0.8), jaxsched.linear_schedule(0.8, 0.2, 5)], [3]
        ),
        lambda t: 0.8 if t < 3 else 0.8 - 0.6 * min(t - 3, 5) / 5,
    ),
}


def ref_warmup(child_ref, w, init, shape, skip, t):
    t = max(t, 0)
    if t >= w:
        return child_ref(t - w)
    return ref_ramp(t, w, init, child_ref(0), shape, skip)


T = np.arange(0, 25)


# ----------------------------------------------------------------------------- correctness
@pytest.mark.parametrize("child", list(CHILDREN))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("skip", [False, True])
@pytest.mark.parametrize("w", [0, 1, 2, 5])
def test_against_reference(child, shape, skip, w):
    build, child_ref = CHILDREN[child]
    init = 0.05
    s = jaxsched.warmup(build(), w, init, shape=shape, skip_zero=skip)
    expect = [ref_warmup(child_ref, w, init, shape, skip, int(t)) for t in T]
    np.testing.assert_allclose(host(s, T), expect, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
def test_backends(backend, shape):
    build, child_ref = CHILDREN["cosine"]
    s = jaxsched.warmup(build(), 7, 0.02, shape=shape, skip_zero=shape == "cosine")
    expect = [ref_warmup(child_ref, 7, 0.02, shape, shape == "cosine", int(t)) for t in T]
    np.testing.assert_allclose(backend.evaluate(s, T), expect, **backend.tolerance(1.0))


def test_skip_zero_definition():
    # The ramp of length W + 1 evaluated from its step 1: evenly spaced, target reached at W.
    s = jaxsched.warmup(2.0, 3, 1.0, skip_zero=True)
    np.testing.assert_allclose(host(s, np.arange(6)), [1.25, 1.5, 1.75, 2.0, 2.0, 2.0])
    for shape in SHAPES:
        s = jaxsched.warmup(2.0, 4, 1.0, shape=shape, skip_zero=True)
        vals = host(s, np.arange(6))
        assert vals[0] > 1.0 and vals[4] == 2.0  # update 0 is not wasted; P at W
        assert np.all(np.diff(vals) >= 0)


def test_zero_warmup_is_the_child():
    for child, (build, _) in CHILDREN.items():
        np.testing.assert_array_equal(host(jaxsched.warmup(build(), 0, 0.3)), host(build()))


def test_float_counts_and_fractional_warmup():
    s = jaxsched.warmup(1.0, 4)
    np.testing.assert_allclose(host(s, np.array([0.5, 1.5, 3.5, 4.0, 9.5])), [0.125, 0.375, 0.875, 1, 1])
    s = jaxsched.warmup(1.0, 2.5, shape="log")  # fractional W: log ramp clamped at the target
    vals = host(s, np.array([0.0, 1.0, 2.0, 2.4, 3.0]))
    assert np.all(np.isfinite(vals)) and np.all(vals <= 1.0) and vals[0] == 0.0


# ----------------------------------------------------------------------------- peers
def test_deepspeed_warmuplr_vectors():
    # anchors b3: values after 0, 1, ... step() calls, i.e. update k uses g(max(k - 1, 0)).
    ks = np.arange(7)
    lin = jaxsched.warmup(1.0, 4, 0.0, shape="linear")
    np.testing.assert_allclose(host(lin, np.maximum(ks - 1, 0)), [0, 0, 0.25, 0.5, 0.75, 1, 1])
    log = jaxsched.warmup(1.0, 4, 0.0, shape="log")
    np.testing.assert_allclose(
        host(log, np.maximum(ks - 1, 0)), [0, 0, 0.5, 0.7925, 1, 1, 1], atol=5e-5
    )
    # DeepSpeed silently raises W = 1 to 2
    w1 = jaxsched.warmup(1.0, 2, 0.0)
    np.testing.assert_allclose(host(w1, np.maximum(np.arange(5) - 1, 0)), [0, 0, 0.5, 1, 1])


def test_timm_keras_hf_vectors():
    # timm cosine t_initial=4, lr_min=.1, warmup_t=2, warmup_prefix=True; Keras CosineDecay(0, 4,
    # alpha=.1, warmup_target=1, warmup_steps=2): the same vector (anchors b6, d).
    s = jaxsched.warmup(jaxsched.cosine_decay(1.0, 4, end_value=0.1), 2)
    np.testing.assert_allclose(host(s, np.arange(8)), [0, 0.5, 1, 0.8682, 0.55, 0.2318, 0.1, 0.1],
                               atol=5e-5)
    # HF linear with W=2, N=10
    s = jaxsched.warmup(jaxsched.linear_schedule(1.0, 0.0, 8), 2)
    np.testing.assert_allclose(host(s, np.arange(13)),
                               [0, .5, 1, .875, .75, .625, .5, .375, .25, .125, 0, 0, 0], atol=1e-12)
    # HF constant_with_warmup W=3
    np.testing.assert_allclose(host(jaxsched.warmup(1.0, 3), np.arange(6)),
                               [0, 1 / 3, 2 / 3, 1, 1, 1], atol=1e-12)
    # HF cosine_warmup_with_min_lr (W=2, N=10, r=.1): ramp (s+1)/W, peak at W-1, then the
    # (periodic, so compared up to N-1) cosine over N-W steps
    s = jaxsched.warmup(jaxsched.cosine_decay(1.0, 8, 0.1), 1, skip_zero=True)
    np.testing.assert_allclose(
        host(s, np.arange(10)),
        [.5, 1, .965746, .868198, .722208, .55, .377792, .231802, .134254, .1], atol=1e-6)
    # the same with W=3, warmup_lr_rate=.2
    s = jaxsched.warmup(jaxsched.cosine_decay(1.0, 7, 0.1), 2, 0.2)
    np.testing.assert_allclose(
        host(s, np.arange(10)),
        [.2, .6, 1, .955436, .83057, .650134, .449866, .26943, .144564, .1], atol=1e-6)
    # torch SequentialLR([LinearLR(0.1, total_iters=3), CosineAnnealingLR(T_max=4)], [3])
    s = jaxsched.warmup(jaxsched.cosine_decay(1.0, 4), 3, 0.1)
    np.testing.assert_allclose(host(s, np.arange(8)),
                               [.1, .4, .7, 1, .853553, .5, .146447, 0], atol=1e-6)


def _torch_sequential(start_factor, w, child, n, lr):
    from torch.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LinearLR, SequentialLR

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    warm = LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=w)
    kind, arg1, arg2 = child
    after = (CosineAnnealingLR(opt, T_max=arg1, eta_min=arg2) if kind == "cosine"
             else ExponentialLR(opt, gamma=arg1))
    sched = SequentialLR(opt, [warm, after], milestones=[w])
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(out)


@settings(max_examples=20, deadline=None)
@given(
    start=st.floats(0.01, 1.0),
    w=st.integers(1, 12),
    t_max=st.integers(1, 20),
    eta=st.floats(0.0, 0.5),
    gamma=st.floats(0.5, 1.0),
    cosine=st.booleans(),
)
def test_torch_sequential_linear_warmup(start, w, t_max, eta, gamma, cosine):
    lr = 0.3
    if cosine:
        child, n = jaxsched.cosine_decay(lr, t_max, eta * lr), w + t_max + 1  # torch is periodic
        theirs = _torch_sequential(start, w, ("cosine", t_max, eta * lr), n, lr)
    else:
        child, n = jaxsched.exponential_decay(lr, 1, gamma), w + 30
        theirs = _torch_sequential(start, w, ("exp", gamma, None), n, lr)
    ours = host(jaxsched.warmup(child, w, start * lr), np.arange(n))
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_optax_warmup_family():
    t = jnp.arange(0, 60)
    pairs = [
        (optax.warmup_cosine_decay_schedule(0.01, 1.0, 7, 40, 0.05),
         jaxsched.warmup(jaxsched.cosine_decay(1.0, 33, 0.05), 7, 0.01)),
        (optax.warmup_constant_schedule(0.1, 0.7, 9), jaxsched.warmup(0.7, 9, 0.1)),
        (optax.warmup_exponential_decay_schedule(0.0, 0.5, 5, 3, 0.8),
         jaxsched.warmup(jaxsched.exponential_decay(0.5, 3, 0.8), 5)),
    ]
    for theirs, ours in pairs:
        # optax's values in one compiled call each (op by op compiles each of its ~20
        # primitives for this shape, ~10x the cost)
        np.testing.assert_allclose(host(ours, np.arange(60)), np.asarray(jax.jit(theirs)(t)),
                                   atol=3e-7)


# ----------------------------------------------------------------------------- contract checks
WRAPPED = {
    "constant": lambda: jaxsched.warmup(0.8, 10, 0.0),
    "cosine": lambda: jaxsched.warmup(jaxsched.cosine_decay(1.0, 90, 0.1), 10, 0.0, shape="cosine"),
    "exponential": lambda: jaxsched.warmup(jaxsched.exponential_decay(0.5, 20, 0.7), 10, 0.01,
                                           shape="exponential", skip_zero=True),
    "join": lambda: jaxsched.warmup(CHILDREN["join"][0](), 10, 0.0, shape="1-sqrt"),
    "log": lambda: jaxsched.warmup(0.8, 10, 0.1, shape="log"),
}


@pytest.mark.parametrize("name", list(WRAPPED))
def test_contract(name):
    s = WRAPPED[name]()
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)
    monotone = "increasing" if name in ("constant", "log") else None
    assert_properties(s, lo=0.0, hi=1.0, horizon=None if name == "exponential" else 200,
                      monotone=monotone)


@pytest.mark.parametrize("shape", SHAPES)
def test_traceable_warmup_hyperparameters(shape):
    child = jaxsched.cosine_decay(1.0, 50, 0.1)

    def build(warmup_steps=8, init_value=0.05):
        return jaxsched.warmup(child, warmup_steps, init_value, shape=shape)

    assert_traceable(build, {}, "warmup_steps", [0, 3, 8])
    assert_traceable(build, {}, "init_value", [0.05, 0.2])


def test_traceable_child_hyperparameters():
    # the child's own leaves are traced through the composite (and its value at 0 is the target)
    def with_cosine(peak=1.0):
        return jaxsched.warmup(jaxsched.cosine_decay(peak, 50, 0.1), 5, 0.01, shape="exponential")

    assert_traceable(with_cosine, {}, "peak", [1.0, 0.5])

    def with_join(boundary=3):
        return jaxsched.warmup(jaxsched.join_schedules(
            [jaxsched.constant_schedule(0.8), jaxsched.exponential_decay(0.8, 4, 0.7)], [boundary]),
            6, 0.0, shape="1-sqrt")

    assert_traceable(with_join, {}, "boundary", [3, 0, 9])


def test_gathered_inside_a_sequence(backend):
    # Two warmups of one structure are stacked and gathered by the sequence: leaves become
    # arrays of the count's shape.
    s = jaxsched.join_schedules(
        [jaxsched.warmup(jaxsched.cosine_decay(1.0, 6, 0.1), 3, 0.0, shape="cosine"),
         jaxsched.warmup(jaxsched.cosine_decay(0.5, 4, 0.0), 2, 0.1, shape="cosine")], [10])
    cos = CHILDREN["cosine"][1]

    def second(t):
        return 0.5 * 0.5 * (1 + math.cos(math.pi * min(t, 4) / 4))

    expect = [ref_warmup(cos, 3, 0.0, "cosine", False, t) if t < 10
              else ref_warmup(second, 2, 0.1, "cosine", False, t - 10) for t in range(25)]
    np.testing.assert_allclose(backend.evaluate(s, np.arange(25)), expect, **backend.tolerance(1.0))


def test_float32_precision_at_the_start_of_long_ramps():
    # 1 - cos(pi q) and 1 - sqrt(1 - q) cancel near q = 0 in float32 (and lose digits even in
    # float64); the references use the exact identities sin^2 and q / (1 + sqrt(1 - q)).
    w = 10**6
    steps = np.array([1, 7, 1000])
    q = steps / w
    refs = {
        "cosine": np.sin(np.pi * q / 2) ** 2,
        "1-sqrt": q / (1 + np.sqrt(1 - q)),
        "linear": q,
    }
    for shape, expect in refs.items():
        s = jaxsched.warmup(1.0, w, 0.0, shape=shape)
        got = np.asarray(jax.jit(s)(jnp.asarray(steps, jnp.int32)), np.float64)
        np.testing.assert_allclose(got, expect, rtol=2e-6)


def test_traced_exponential_target_is_not_checked():
    # a traced child value cannot be validated; construction inside jit works
    out = jax.jit(lambda p: jaxsched.warmup(p, 4, 0.1, shape="exponential")(2))(jnp.float32(0.4))
    np.testing.assert_allclose(float(out), 0.1 * 4 ** 0.5, rtol=1e-6)


# ----------------------------------------------------------------------------- invalid arguments
@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(warmup_steps=-1), ValueError, "warmup_steps"),
        (dict(warmup_steps=float("nan")), ValueError, "warmup_steps"),
        (dict(warmup_steps=float("inf")), ValueError, "warmup_steps"),
        (dict(warmup_steps=True), TypeError, "warmup_steps"),
        (dict(warmup_steps="10"), TypeError, "warmup_steps"),
        (dict(init_value=float("nan")), ValueError, "init_value"),
        (dict(init_value="0"), TypeError, "init_value"),
        (dict(init_value=None), TypeError, "init_value"),
        (dict(shape="sqrt"), ValueError, "shape"),
        (dict(shape=1), TypeError, "shape"),
        (dict(skip_zero=1), TypeError, "skip_zero"),
        (dict(shape="exponential", init_value=0.0), ValueError, "init_value"),
        (dict(shape="exponential", init_value=-1.0), ValueError, "init_value"),
        (dict(schedule=None), TypeError, "schedule"),
        (dict(schedule="cosine"), TypeError, "schedule"),
        (dict(schedule=True), TypeError, "schedule"),
        (dict(schedule=float("inf")), ValueError, "schedule"),
        (dict(schedule=0.0, shape="exponential", init_value=0.1), ValueError, "schedule"),
        (dict(schedule=jaxsched.cosine_decay(-1.0, 5), shape="exponential", init_value=0.1),
         ValueError, "schedule"),
    ],
)
def test_invalid(kwargs, exc, match):
    args = dict(schedule=jaxsched.constant_schedule(1.0), warmup_steps=5, init_value=0.0)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        jaxsched.warmup(**args)


def test_callable_child_and_function_schedule():
    s = jaxsched.warmup(lambda n: 1.0 / jnp.sqrt(1.0 + n), 4, 0.0)
    got = np.asarray(jax.jit(s)(jnp.arange(8)))
    expect = [ref_warmup(lambda t: 1 / math.sqrt(1 + t), 4, 0.0, "linear", False, t) for t in range(8)]
    np.testing.assert_allclose(got, expect, rtol=1e-6)
    with pytest.raises(TypeError):
        s.to_config()

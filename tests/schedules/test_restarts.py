"""Restarts: repeat, cosine_restarts (SGDR) and cosine_hard_restarts.

Expected values come from torch's own CosineAnnealingWarmRestarts stepping a real optimizer, the
verified vectors of anchors.md (Keras CosineDecayRestarts, HF cosine_with_restarts, torch
T_0=3/T_mult=2), and float64 references written here in plain Python: timm's and Keras' cycle
formulas as their sources state them, and a cycle walker that steps through the boundaries one
cycle at a time. jaxsched's own outputs are compared with themselves only for consistency.
"""

from __future__ import annotations

import math
import warnings

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from schedule_checks import (
    COUNTS,
    assert_all_traceable,
    assert_backends_agree,
    assert_config_roundtrip,
    assert_properties,
    assert_strong_float32,
    assert_vmap_counts,
    host,
    int32_counts,
    jit_eval,
    jit_eval_many,
)

import jaxsched as js


def _padded(counts):
    """The counts padded to a multiple of 256 (repeating the last one), as int32, converted on
    the host and device_put (``jnp.asarray`` compiles a conversion or copy program per shape)."""
    flat = np.asarray(counts).reshape(-1)
    padded = np.full(-(-max(flat.size, 1) // 256) * 256, flat[-1] if flat.size else 0, np.int64)
    padded[: flat.size] = flat
    return int32_counts(padded)


def jax_eval(s, counts):
    """jit(jax.numpy) values; counts padded to a multiple of 256 (repeating the last one), so
    that schedules of one structure share a compilation whatever the number of counts."""
    counts = np.asarray(counts)
    out = np.asarray(jit_eval(s, _padded(counts)), dtype=np.float64)
    return out[: counts.size].reshape(counts.shape)


def jax_eval_many(schedules, counts):
    """:func:`jax_eval` of several schedules, in one compiled program."""
    counts = np.asarray(counts)
    outs = jit_eval_many(tuple(schedules), _padded(counts))
    return [np.asarray(o, dtype=np.float64)[: counts.size].reshape(counts.shape) for o in outs]


def f32_close(actual, expected, peak):
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-7 * peak)


# ------------------------------------------------------------------ independent references
def torch_warm_restarts(t0, t_mult, eta_min, lr, steps):
    """Group lr used by update k = 0..steps-1, stepping a real optimizer (recursive form)."""
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=lr)
    sch = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=t0, T_mult=t_mult, eta_min=eta_min)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        p.grad = torch.ones_like(p)
        opt.step()
        sch.step()
    return np.array(out)


def walk_ref(child, period, mult, decay=1.0, limit=None, floor=0.0, peak=None, end=None, stretch=False):
    """Restarts by walking the boundaries one cycle at a time (float64)."""

    def f(t):
        t = max(t, 0)
        start, length, i, held = 0, period, 0, False
        while t >= start + length:
            if limit is not None and i == limit - 1:
                held = True
                break
            start, length, i = start + length, length * mult, i + 1
        tau = length if held else t - start
        if stretch:
            tau = tau / mult**i
        val = child(tau)
        a = decay**i if peak is None else (decay**i * peak - floor) / (peak - floor)
        out = floor + a * (val - floor)
        return end if (held and end is not None) else out

    return f


def timm_cycle(t, t_initial, cycle_mul):
    """timm's cycle index, cycle length and local time (timm/scheduler/cosine_lr.py)."""
    if cycle_mul != 1:
        i = math.floor(math.log(1 - t / t_initial * (1 - cycle_mul), cycle_mul))
        t_i = cycle_mul**i * t_initial
        t_curr = t - (1 - cycle_mul**i) / (1 - cycle_mul) * t_initial
    else:
        i = t // t_initial
        t_i = t_initial
        t_curr = t - t_initial * i
    return i, t_i, t_curr


def timm_cosine(lr, t_initial, lr_min=0.0, cycle_mul=1.0, cycle_decay=1.0, cycle_limit=1, k_decay=1.0):
    def f(t):
        i, t_i, t_curr = timm_cycle(t, t_initial, cycle_mul)
        if i >= cycle_limit:
            return lr_min
        lr_max = lr * cycle_decay**i
        k = k_decay
        return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t_curr**k / t_i**k))

    return f


def timm_tanh(lr, t_initial, lb=-7.0, ub=3.0, lr_min=0.0, cycle_mul=1.0, cycle_decay=1.0, cycle_limit=1):
    def f(t):
        i, t_i, t_curr = timm_cycle(t, t_initial, cycle_mul)
        if i >= cycle_limit:
            return lr_min
        lr_max = lr * cycle_decay**i
        tr = t_curr / t_i
        return lr_min + 0.5 * (lr_max - lr_min) * (1 - math.tanh(lb * (1.0 - tr) + ub * tr))

    return f


def timm_poly(lr, t_initial, power, lr_min=0.0, cycle_mul=1.0, cycle_decay=1.0, cycle_limit=1):
    def f(t):
        i, t_i, t_curr = timm_cycle(t, t_initial, cycle_mul)
        if i >= cycle_limit:
            return lr_min
        lr_max = lr * cycle_decay**i
        return lr_min + (lr_max - lr_min) * (1 - t_curr / t_i) ** power

    return f


def keras_restarts(init, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    """Keras 3 CosineDecayRestarts as anchors.md (b7) states it."""

    def f(t):
        x = t / first_decay_steps
        if t_mul == 1.0:
            i = math.floor(x)
            x -= i
        else:
            i = math.floor(math.log(1 - x * (1 - t_mul)) / math.log(t_mul))
            x = (x - (1 - t_mul**i) / (1 - t_mul)) / t_mul**i
        return init * ((1 - alpha) * 0.5 * m_mul**i * (1 + math.cos(math.pi * x)) + alpha)

    return f


def hf_hard_restarts(lr, warmup, total, num_cycles):
    """HF get_cosine_with_hard_restarts_schedule_with_warmup: lr * lambda(s)."""

    def f(s):
        if s < warmup:
            return lr * s / max(1, warmup)
        progress = (s - warmup) / max(1, total - warmup)
        if progress >= 1.0:
            return 0.0
        return lr * max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((num_cycles * progress) % 1.0))))

    return f


def cos_ref(init, steps, end=0.0):
    return lambda t: end + (init - end) * 0.5 * (1 + math.cos(math.pi * min(t, steps) / steps))


def lin_ref(init, end, steps):
    return lambda t: init + (end - init) * min(t, steps) / steps


def exp_ref(init, steps, rate):
    return lambda t: init * rate ** (t / steps)


def warmup_cos_ref(init, peak, warm, total, end):
    def f(t):
        if t < warm:
            return init + (peak - init) * t / warm
        return cos_ref(peak, total - warm, end)(t - warm)

    return f


def ref_values(fn, counts):
    return np.array([fn(int(k)) for k in np.asarray(counts)], dtype=np.float64)


# ------------------------------------------------------------------ torch parity
@settings(max_examples=20, deadline=None)
@given(
    t0=st.integers(1, 10),
    t_mult=st.integers(1, 3),
    eta_min=st.floats(0.0, 0.5),
    lr=st.floats(0.6, 2.0),
)
def test_torch_warm_restarts_parity(t0, t_mult, eta_min, lr):
    steps = t0 * (1 + t_mult + t_mult**2) + 2 * t0 + 1  # at least three cycles and then some
    expect = torch_warm_restarts(t0, t_mult, eta_min, lr, steps)
    s = js.cosine_restarts(lr, t0, t_mult, end_value=eta_min)
    counts = np.arange(160)  # one shape for every example: jit compiles once
    np.testing.assert_allclose(host(s, counts)[:steps], expect, rtol=1e-12, atol=1e-14 * lr)
    f32_close(jax_eval(s, counts)[:steps], expect, lr)


def test_torch_anchor_vector():
    # anchors.md (b2): CosineAnnealingWarmRestarts(T_0=3, T_mult=2)
    expect = [1, .75, .25, 1, .933, .75, .5, .25, .067, 1, .983, .933, .854]
    s = js.cosine_restarts(1.0, 3, 2)
    np.testing.assert_allclose(host(s, np.arange(13)), expect, atol=5e-4)


def test_torch_misplaced_restart_follows_stepping():
    # anchors.md (b2): T_0=1, T_mult=3: step(121) (closed form, float log) gives eta_min, while
    # 121 plain step() calls restart at the base lr. jaxsched follows the stepping.
    expect = torch_warm_restarts(1, 3, 0.1, 1.0, 130)
    assert expect[121] == 1.0
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sch = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=1, T_mult=3, eta_min=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sch.step(121)
    closed = opt.param_groups[0]["lr"]
    assert abs(closed - 0.1) < 1e-12  # the misplaced restart: the case is a real one
    s = js.cosine_restarts(1.0, 1, 3, end_value=0.1)
    np.testing.assert_allclose(host(s, np.arange(130)), expect, rtol=1e-12)
    f32_close(jax_eval(s, np.arange(130)), expect, 1.0)
    for xp in (np, torch):
        assert float(s.evaluate(xp.asarray([121]), xp)[0]) == 1.0


@pytest.mark.parametrize("mult, period, starts", [
    (2, 1, [2**k - 1 for k in range(25, 32)]),  # the last boundary is 2**31 - 1 itself
    (3, 1, [(3**k - 1) // 2 for k in range(15, 20)]),
    (3, 7, [7 * (3**k - 1) // 2 for k in range(12, 18)]),
    (1, 1_000_003, [1_000_003 * k for k in (1000, 2000, 2147)]),
])
def test_exact_integer_boundaries_in_int32(mult, period, starts):
    """Restarts land exactly on the integer boundaries up to 2**31 - 1, float32 included."""
    s = js.cosine_restarts(1.0, period, mult, end_value=0.25)
    counts = np.array([b + d for b in starts for d in (-1, 0, 1) if b + d <= 2**31 - 1])

    def exact(t):  # the cycle walker with the cosine stretched over each cycle
        start, length = 0, period
        while t >= start + length:
            start, length = start + length, length * mult
        tau = t - start
        return 0.25 + 0.75 * math.sin(math.pi / 2 * (length - tau) / length) ** 2

    expect = np.array([exact(int(k)) for k in counts])
    np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12)
    out = jax_eval(s, counts)
    np.testing.assert_allclose(out, expect, rtol=1e-6)
    assert np.all(out[np.isin(counts, starts)] == 1.0)
    torch_out = s.evaluate(torch.asarray(counts), torch).double().numpy()
    np.testing.assert_allclose(torch_out, expect, rtol=1e-6)


@pytest.mark.parametrize("mult, period, limit", [(2, 1, 3), (2, 7, 5), (3, 1, 4), (5, 3, 2)])
def test_cycle_limit_holds_exactly_far_past_the_last_cycle(mult, period, limit):
    """With a cycle limit, counts far past the last cycle (cycle index estimate well above the
    limit, up to 2**31 - 1) hold the end of the last cycle, and the last cycles' boundaries stay
    exact: the cycle walker against every backend, with the schedule closed over and as a jit
    argument (hyperparameters traced). The repeated child is a linear decay longer than every
    cycle, so the held value ``1 - T_{L-1} / span`` depends on the last cycle's exact length."""
    span = 4 * period * mult**limit
    child = js.linear_schedule(1.0, 0.0, span)
    cosine = js.cosine_restarts(1.0, period, mult, end_value=0.25, cycle_limit=limit)
    repeated = js.repeat(child, period, mult, cycle_limit=limit)
    starts = [period * (mult**k - 1) // (mult - 1) for k in range(limit + 1)]
    counts = np.array(sorted({b + d for b in starts[1:] for d in (-1, 0, 1)}
                             | {10**3, 10**5, 10**7, 10**9, 2**31 - 2, 2**31 - 1}))

    def walk(t):  # the cycle walker: (local time, cycle length), held after `limit` cycles
        start, length = 0, period
        for _ in range(limit - 1):
            if t < start + length:
                break
            start, length = start + length, length * mult
        return min(t - start, length), length

    def cosine_ref(t):
        tau, length = walk(t)
        return 0.25 + 0.75 * math.sin(math.pi / 2 * (length - tau) / length) ** 2

    for s, ref in ((cosine, cosine_ref), (repeated, lambda t: 1.0 - walk(t)[0] / span)):
        expect = np.array([ref(int(k)) for k in counts])
        np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12)
        np.testing.assert_allclose(jax_eval(s, counts), expect, rtol=1e-6)  # traced
        closed = jax.jit(s)(int32_counts(counts))
        np.testing.assert_allclose(np.asarray(closed, np.float64), expect, rtol=1e-6)
        torch_out = s.evaluate(torch.asarray(counts), torch).double().numpy()
        np.testing.assert_allclose(torch_out, expect, rtol=1e-6)


@pytest.mark.parametrize("mult", [2, 3, 5])
def test_exact_integer_boundaries_int64_host(mult):
    """Host (int64) counts: restarts exact up to 2**62, the step before each is the cycle's end."""
    bounds = [(mult**k - 1) // (mult - 1) for k in range(1, 64) if (mult**k - 1) // (mult - 1) < 2**62]
    counts = np.array(bounds + [b - 1 for b in bounds[1:]], dtype=np.int64)
    s = js.cosine_restarts(1.0, 1, mult, end_value=0.25)
    last = [0.25 + 0.75 * math.sin(math.pi / 2 / mult**k) ** 2 for k in range(1, len(bounds))]
    for xp, rtol in ((np, 1e-12), (torch, 1e-6)):  # torch: int counts evaluate in float32
        out = np.asarray(s.evaluate(xp.asarray(counts), xp), dtype=np.float64)
        assert np.all(out[: len(bounds)] == 1.0)
        np.testing.assert_allclose(out[len(bounds):], last, rtol=rtol)


def test_float32_tail_keeps_relative_precision():
    # last step of a cycle of 2**30 steps: value ~ (pi/2 / 2**30)**2, not 0
    s = js.cosine_restarts(1.0, 1, 2)
    k = 2**31 - 2
    true = math.sin(math.pi / 2 / 2**30) ** 2
    assert abs(float(jax.jit(s)(jnp.int32(k))) / true - 1) < 1e-5


# ------------------------------------------------------------------ Keras and timm
def test_keras_anchor_vector():
    # anchors.md (d): CosineDecayRestarts(1, 2, t_mul=2, m_mul=.5, alpha=.1), Keras 3.15.1 float32
    expect = [1, .55, .55, .4841, .325, .1659, .325, .3164]
    s = js.cosine_restarts(1.0, 2, 2, end_value=0.1, decay=0.5, decay_mode="amplitude")
    np.testing.assert_allclose(host(s, np.arange(8)), expect, atol=6e-5)
    np.testing.assert_allclose(jax_eval(s, np.arange(8)), expect, atol=6e-5)


@pytest.mark.parametrize("init, d0, t_mul, m_mul, alpha", [
    (1.0, 2, 2.0, 0.5, 0.1),
    (0.3, 5, 1.0, 0.8, 0.2),
    (2.0, 7, 1.5, 0.7, 0.05),
    (1.0, 10, 3.0, 1.0, 0.0),
])
def test_keras_formula(init, d0, t_mul, m_mul, alpha):
    counts = np.arange(400)
    expect = ref_values(keras_restarts(init, d0, t_mul, m_mul, alpha), counts)
    s = js.cosine_restarts(init, d0, t_mul, end_value=alpha * init, decay=m_mul, decay_mode="amplitude")
    np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12, atol=1e-14 * init)
    f32_close(jax_eval(s, counts), expect, init)


@pytest.mark.parametrize("kw", [
    dict(lr=1.0, t_initial=10, lr_min=0.1, cycle_mul=1.0, cycle_decay=0.5, cycle_limit=4),
    dict(lr=0.5, t_initial=7, lr_min=0.05, cycle_mul=1.5, cycle_decay=0.8, cycle_limit=5),
    dict(lr=1.0, t_initial=4, lr_min=0.0, cycle_mul=2.0, cycle_decay=0.7, cycle_limit=6, k_decay=2.0),
    dict(lr=2.0, t_initial=9, lr_min=0.3, cycle_mul=1.3, cycle_decay=1.0, cycle_limit=1, k_decay=0.5),
    dict(lr=1.0, t_initial=3, lr_min=0.6, cycle_mul=1.0, cycle_decay=0.2, cycle_limit=8),  # lr_max < lr_min
])
def test_timm_cosine_cycles(kw):
    counts = np.arange(300)
    expect = ref_values(timm_cosine(**kw), counts)
    s = js.cosine_restarts(
        kw["lr"], kw["t_initial"], kw["cycle_mul"], end_value=kw["lr_min"], decay=kw["cycle_decay"],
        cycle_limit=kw["cycle_limit"], k_decay=kw.get("k_decay", 1.0), decay_mode="peak",
    )
    np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12, atol=1e-14)
    f32_close(jax_eval(s, counts), expect, kw["lr"])


@pytest.mark.parametrize("kw", [
    dict(lr=1.0, t_initial=10, lr_min=0.1, cycle_mul=1.0, cycle_decay=0.5, cycle_limit=3),
    dict(lr=0.5, t_initial=6, lr_min=0.02, cycle_mul=1.5, cycle_decay=0.8, cycle_limit=4),
    dict(lr=1.0, t_initial=5, lr_min=0.0, cycle_mul=2.0, cycle_decay=0.9, cycle_limit=4),
])
def test_timm_poly_and_tanh_via_repeat(kw):
    counts = np.arange(200)
    lr, t0, lr_min = kw["lr"], kw["t_initial"], kw["lr_min"]
    common = dict(period=t0, period_mult=kw["cycle_mul"], decay=kw["cycle_decay"],
                  cycle_limit=kw["cycle_limit"], floor=lr_min, peak=lr, end_value=lr_min, stretch=True)
    poly = js.repeat(js.polynomial_schedule(lr, lr_min, 0.7, t0), **common)
    expect = ref_values(timm_poly(power=0.7, **kw), counts)
    np.testing.assert_allclose(host(poly, counts), expect, rtol=1e-12, atol=1e-14)
    f32_close(jax_eval(poly, counts), expect, lr)

    lb, ub = -7.0, 3.0

    def tanh_child(t):  # a jax.numpy user function: the tanh shape from lr to lr_min over t0
        r = jnp.asarray(t, jnp.float32) / t0
        return lr_min + 0.5 * (lr - lr_min) * (1 - jnp.tanh(lb * (1.0 - r) + ub * r))

    tanh = js.repeat(tanh_child, **common)
    expect = ref_values(timm_tanh(lb=lb, ub=ub, **kw), counts)
    f32_close(jax_eval(tanh, counts), expect, lr)


# ------------------------------------------------------------------ HF hard restarts
def test_hf_anchor_vector():
    # anchors.md (d): HF 5.23 cosine_with_restarts, W=2, N=10, 2 cycles
    expect = [0, .5, 1, .853553, .5, .146447, 1, .853553, .5, .146447, 0, 0, 0]
    s = js.cosine_hard_restarts(1.0, 10, num_cycles=2, warmup_steps=2)
    np.testing.assert_allclose(host(s, np.arange(13)), expect, atol=1e-6)
    np.testing.assert_allclose(jax_eval(s, np.arange(13)), expect, atol=1e-6)


@pytest.mark.parametrize("lr, warm, total, cycles", [
    (1.0, 0, 50, 1), (0.5, 5, 60, 3), (2.0, 3, 31, 4), (1.0, 10, 100, 1.5), (1.0, 7, 8, 2),
    (1.0, 0, 97, 5),
])
def test_hf_formula(lr, warm, total, cycles, backend):
    counts = np.arange(total + 20)
    expect = ref_values(hf_hard_restarts(lr, warm, total, cycles), counts)
    s = js.cosine_hard_restarts(lr, total, cycles, warm)
    # every case evaluates one padded shape (the last count repeated), so the jitted evaluator
    # compiles once per structure, not once per length; the padding is sliced off
    padded = np.concatenate([counts, np.full(128 - counts.size, counts[-1])])
    out = backend.evaluate(s, padded)[: counts.size]
    np.testing.assert_allclose(out, expect, **backend.tolerance(lr))


def test_hard_restarts_end_value_and_float_steps():
    s = js.cosine_hard_restarts(1.0, 20, 2, 4, end_value=0.1)
    counts = np.arange(30)

    def ref(t):
        if t < 4:
            return t / 4
        if t >= 20:
            return 0.1
        phase = ((t - 4) * 2 / 16) % 1.0
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * phase))

    np.testing.assert_allclose(host(s, counts), ref_values(ref, counts), rtol=1e-12)
    # float step counts (fractional horizon) take the float path and agree
    sf = js.cosine_hard_restarts(1.0, 20.0 + 0.5, 2, 4, end_value=0.1)
    ref2 = [(t / 4 if t < 4 else 0.1 if t >= 20.5 else
             0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (((t - 4) * 2 / 16.5) % 1.0)))) for t in counts]
    np.testing.assert_allclose(host(sf, counts), ref2, rtol=1e-12)


# ------------------------------------------------------------------ repeat over children
REPEAT_CASES = {
    "linear": (
        lambda: js.repeat(js.linear_schedule(1.0, 0.0, 10), 10),
        walk_ref(lin_ref(1.0, 0.0, 10), 10, 1),
    ),
    "linear_decay_floor": (
        lambda: js.repeat(js.linear_schedule(1.0, 0.1, 8), 8, decay=0.5, floor=0.1),
        walk_ref(lin_ref(1.0, 0.1, 8), 8, 1, decay=0.5, floor=0.1),
    ),
    "exponential_grow": (
        lambda: js.repeat(js.exponential_decay(1.0, 5, 0.5), 6, period_mult=2, decay=0.9),
        walk_ref(exp_ref(1.0, 5, 0.5), 6, 2, decay=0.9),
    ),
    "exponential_float_mult_stretch": (
        lambda: js.repeat(js.exponential_decay(2.0, 4, 0.3), 7, period_mult=1.5, stretch=True),
        walk_ref(exp_ref(2.0, 4, 0.3), 7, 1.5, stretch=True),
    ),
    "warmup_cosine_peak_limit": (
        lambda: js.repeat(js.warmup_cosine_decay_schedule(0.0, 1.0, 3, 12, 0.05), 12, period_mult=2,
                          decay=0.6, cycle_limit=3, floor=0.05, peak=1.0),
        walk_ref(warmup_cos_ref(0.0, 1.0, 3, 12, 0.05), 12, 2, decay=0.6, limit=3, floor=0.05, peak=1.0),
    ),
    "warmup_cosine_end_value": (
        lambda: js.repeat(js.warmup_cosine_decay_schedule(0.0, 1.0, 2, 9, 0.0), 9, cycle_limit=2,
                          end_value=0.01),
        walk_ref(warmup_cos_ref(0.0, 1.0, 2, 9, 0.0), 9, 1, limit=2, end=0.01),
    ),
    "linear_held_end_of_last_cycle": (
        # the child is shorter than the grown cycles: the hold is its final value, decayed
        lambda: js.repeat(js.linear_schedule(1.0, 0.2, 5), 5, period_mult=3, decay=0.5, cycle_limit=3),
        walk_ref(lin_ref(1.0, 0.2, 5), 5, 3, decay=0.5, limit=3),
    ),
    "float_period": (
        lambda: js.repeat(js.linear_schedule(1.0, 0.0, 10), 6.5, period_mult=1.2, decay=0.95),
        walk_ref(lin_ref(1.0, 0.0, 10), 6.5, 1.2, decay=0.95),
    ),
}


@pytest.mark.parametrize("name", sorted(REPEAT_CASES))
def test_repeat_against_reference(name, backend):
    build, ref = REPEAT_CASES[name]
    counts = np.concatenate([np.arange(300), COUNTS])
    expect = ref_values(ref, counts)
    out = backend.evaluate(build(), counts)
    tol = backend.tolerance(float(np.max(np.abs(expect))))
    if name == "float_period" and not backend.float64:
        # 1.2 is not a float32: m^i (so S_i and the local time) carries its rounding, ~1e-4 steps
        tol = dict(rtol=1e-5, atol=1e-5 * max(abs(expect)))
    np.testing.assert_allclose(out, expect, **tol)


def test_repeat_leaves_gathered_elementwise():
    # two repeats of one structure in a sequence: their leaves are gathered into count-shaped
    # arrays, so every cycle formula must be elementwise in every leaf.
    a = js.repeat(js.linear_schedule(1.0, 0.0, 4), 4, 2, decay=0.5)
    b = js.repeat(js.linear_schedule(0.5, 0.1, 3), 3, 3, decay=0.9)
    s = js.join_schedules([a, b], [20])
    ra = walk_ref(lin_ref(1.0, 0.0, 4), 4, 2, decay=0.5)
    rb = walk_ref(lin_ref(0.5, 0.1, 3), 3, 3, decay=0.9)
    counts = np.arange(80)
    c2 = js.join_schedules([js.cosine_restarts(1.0, 3, 2), js.cosine_restarts(0.5, 2, 1, 0.1)], [10])
    s32, c2_32 = jax_eval_many((s, c2), counts)  # two structures, one compile
    expect = [ra(t) if t < 20 else rb(t - 20) for t in counts]
    np.testing.assert_allclose(host(s, counts), expect, rtol=1e-12)
    f32_close(s32, expect, 1.0)
    expect2 = []
    for t in counts:
        if t < 10:
            start, length = 0, 3
            while t >= start + length:
                start, length = start + length, length * 2
            expect2.append(0.5 * (1 + math.cos(math.pi * (t - start) / length)))
        else:
            expect2.append(cos_ref(0.5, 2, 0.1)((t - 10) % 2))
    np.testing.assert_allclose(host(c2, counts), expect2, rtol=1e-12, atol=1e-15)
    f32_close(c2_32, expect2, 1.0)


def test_traced_integral_multiplier_restarts_on_integers():
    # a float 2.0 traced through jit still restarts on the integer boundaries
    f = jax.jit(lambda m, t: js.cosine_restarts(1.0, 3, m, 0.1)(t))
    counts = np.arange(3 * (2**12 - 1) + 5)
    out = np.asarray(f(np.float32(2.0), jax.device_put(counts.astype(np.int32))), dtype=np.float64)
    expect = host(js.cosine_restarts(1.0, 3, 2, 0.1), counts)
    f32_close(out, expect, 1.0)
    # the first restart is at `period` exactly for any multiplier
    for m in (1.1, 1.3, 1.5, 1.7, 2.5):
        s = js.cosine_restarts(1.0, 7, m)
        assert float(host(s, [7])[0]) == 1.0 and float(jax_eval(s, [7])[0]) == 1.0


#: Float multipliers known at trace time, each with an integer period: ``locate`` takes the
#: exact integer path alone for a whole number, the float path alone for a non-whole one, and
#: both (picked per element) for a mix; the results equal those of computing both.
KNOWN_MULTS = {
    "whole": (7, 2.0, True),
    "not whole": (7, 1.5, True),
    "whole in float32 only": (3, 1.0 + 2.0**-30, True),  # float32 1.0 (equal cycles)
    "past int32": (5, 2.0**31, True),
    "mixed per element": (7, None, False),
}


def _cycle_fields(cyc):
    return [cyc.index, cyc.local.t, cyc.length, cyc.remaining, cyc.scale, cyc.held]


def test_known_float_multiplier_takes_one_path_with_the_same_cycles(monkeypatch):
    from jaxsched.core.arrays import Count, resolve_namespace
    from jaxsched.schedules import cycles

    counts = np.concatenate([np.arange(400), [2**30, 2**31 - 2, 2**31 - 1]])
    cases = [(name, period, np.where(counts % 3 == 0, 2.0, 1.5) if mult is None else mult,
              limit, one_path)
             for name, (period, mult, one_path) in sorted(KNOWN_MULTS.items())
             for limit in (None, 3)]
    both = cycles._locate_whole
    calls = []
    monkeypatch.setattr(cycles, "_locate_whole", lambda *a: calls.append(a) or both(*a))

    def pairs(count, xp):
        out = []
        for _, period, mult, limit, _ in cases:
            c = Count.make(count, resolve_namespace(xp, count))
            p, m, lim = c.steps(period), c.steps(mult), c.steps(limit)
            got = cycles.locate(c, p, m, lim, raw=(period, mult))
            out.append((_cycle_fields(got), _cycle_fields(both(c, p, m, lim))))
        return out

    # NumPy float64 and torch float32 (the dtype the test of wholeness is made in); under jit,
    # JAX takes the one-path branch in the Keras and timm golden tests (t_mul=2.0 closed over)
    results = [pairs(counts, np), pairs(torch.asarray(counts), torch)]
    mixed = sum(not one_path for *_, one_path in cases)
    assert len(calls) == 2 * mixed  # only a mix computes both paths
    for per_case in results:
        for (name, _, _, limit, _), (got, want) in zip(cases, per_case, strict=True):
            for g, w in zip(got, want):
                if w is None:
                    assert g is None, (name, limit)
                else:
                    np.testing.assert_array_equal(np.asarray(g), np.asarray(w), err_msg=f"{name} {limit}")


# ------------------------------------------------------------------ standard checks
BUILDS = {
    "repeat": (
        js.repeat,
        dict(schedule=js.linear_schedule(1.0, 0.1, 12), period=12, period_mult=2, decay=0.7,
             cycle_limit=4, floor=0.1, peak=1.0, end_value=0.05),
        {"period": [10.0, 12.5], "period_mult": [1.0, 1.5, 2.0], "decay": [0.5, 0.7],
         "cycle_limit": [2, 4], "floor": [0.0, 0.1], "peak": [1.0, 1.5], "end_value": [0.0, 0.05]},
    ),
    "repeat_stretch": (
        js.repeat,
        dict(schedule=js.cosine_decay(1.0, 10, 0.0), period=10.5, period_mult=1.5, decay=0.8, stretch=True),
        {},
    ),
    "cosine_restarts": (
        js.cosine_restarts,
        dict(init_value=1.0, period=10, period_mult=2, end_value=0.1, decay=0.8, cycle_limit=5,
             k_decay=1.5),
        {"init_value": [1.0, 2.0], "period": [10, 17], "period_mult": [1.0, 1.7, 3.0],
         "end_value": [0.0, 0.1], "decay": [0.8, 1.0], "cycle_limit": [3, 5], "k_decay": [0.5, 1.5]},
    ),
    "cosine_restarts_peak": (
        js.cosine_restarts,
        dict(init_value=1.0, period=8.5, period_mult=1.0, end_value=0.1, decay=0.5, decay_mode="peak"),
        {},
    ),
    "cosine_hard_restarts": (
        js.cosine_hard_restarts,
        dict(init_value=1.0, total_steps=200, num_cycles=3, warmup_steps=20, end_value=0.05),
        {"init_value": [0.5, 1.0], "total_steps": [100, 200], "num_cycles": [2, 3],
         "warmup_steps": [0, 20], "end_value": [0.0, 0.05]},
    ),
    "cosine_hard_restarts_float": (
        js.cosine_hard_restarts,
        dict(init_value=1.0, total_steps=150.5, num_cycles=2.5, warmup_steps=10.0),
        {},
    ),
}


@pytest.mark.parametrize("name", sorted(BUILDS))
def test_standard_checks(name):
    build, kw, _ = BUILDS[name]
    s = build(**kw)
    assert_backends_agree(s)
    assert_strong_float32(s)
    assert_vmap_counts(s)
    assert_config_roundtrip(s)


# every numeric hyperparameter of each constructor; the variants add float-path leaves
TRACED = ("repeat", "cosine_restarts", "cosine_hard_restarts")


@pytest.mark.parametrize("name", TRACED)
def test_traceable(name):
    build, kw, params = BUILDS[name]
    assert_all_traceable(build, kw, params)


def test_properties():
    s = js.cosine_restarts(1.0, 10, 2, 0.1, 0.8, cycle_limit=3)
    assert_properties(s, lo=0.1, hi=1.0, horizon=70)
    s = js.cosine_restarts(1.0, 7, 1.5, 0.1)
    assert_properties(s, lo=0.1, hi=1.0)
    s = js.repeat(js.linear_schedule(1.0, 0.0, 5), 5, 3, decay=0.5, cycle_limit=3)
    assert_properties(s, lo=0.0, hi=1.0, horizon=5 + 15 + 45)
    s = js.cosine_hard_restarts(1.0, 100, 3, 10, 0.05)
    assert_properties(s, lo=0.0, hi=1.0, horizon=100)
    # degenerate but legal: no warmup / warmup == total / a single-step cycle
    assert_properties(js.cosine_hard_restarts(1.0, 5, 1, 5, 0.2), lo=0.0, hi=1.0, horizon=5)
    assert float(host(js.cosine_hard_restarts(1.0, 5, 1, 5, 0.2), [5])[0]) == 0.2
    assert_properties(js.cosine_hard_restarts(1.0, 0, 1, 0, 0.2), lo=0.2, hi=0.2, horizon=0)
    assert_properties(js.cosine_restarts(1.0, 1, 1, 0.3), lo=1.0, hi=1.0)


def test_repeat_function_child_and_decay_zero():
    s = js.repeat(lambda t: 1.0 - 0.1 * jnp.minimum(t, 5), 5, decay=0.0, cycle_limit=3)
    out = jax_eval(s, np.arange(20))
    expect = [1.0 - 0.1 * t if t < 5 else 0.0 for t in range(20)]
    f32_close(out, expect, 1.0)
    with pytest.raises(TypeError, match="cannot be serialised"):
        s.to_config()


def test_gradients_match_finite_differences():
    """jax.grad (float32) wrt period, period_mult and k_decay against float64 central differences."""
    counts = np.array([3, 17, 40, 77, 150])
    kw = dict(init_value=1.0, period=7.5, period_mult=1.5, end_value=0.1, decay=0.8, k_decay=1.3)
    names = ("period", "period_mult", "k_decay")

    def f(h, t):
        return js.cosine_restarts(**{**kw, **dict(zip(names, h))})(t)

    x0 = np.array([kw[n] for n in names])
    # device_put of host-converted arrays: jnp.asarray would compile a copy program per shape
    args = jax.device_put((x0.astype(np.float32), counts.astype(np.int32)))
    jac = np.asarray(jax.jit(jax.vmap(jax.grad(f), in_axes=(None, 0)))(*args))
    for j, n in enumerate(names):
        e = 1e-6 * np.eye(3)[j]
        fd = (host(js.cosine_restarts(**{**kw, n: x0[j] + e[j]}), counts)
              - host(js.cosine_restarts(**{**kw, n: x0[j] - e[j]}), counts)) / 2e-6
        np.testing.assert_allclose(jac[:, j], fd, rtol=2e-3, atol=2e-4, err_msg=n)


# ------------------------------------------------------------------ invalid arguments
LIN = js.linear_schedule(1.0, 0.0, 10)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(period=0), ValueError, "period"),
    (dict(period=-3), ValueError, "period"),
    (dict(period=float("nan")), ValueError, "period"),
    (dict(period=float("inf")), ValueError, "period"),
    (dict(period=True), TypeError, "period"),
    (dict(period="10"), TypeError, "period"),
    (dict(period=10, period_mult=0.5), ValueError, "period_mult"),
    (dict(period=10, period_mult=float("nan")), ValueError, "period_mult"),
    (dict(period=10, decay=-0.1), ValueError, "decay"),
    (dict(period=10, decay="x"), TypeError, "decay"),
    (dict(period=10, cycle_limit=0), ValueError, "cycle_limit"),
    (dict(period=10, cycle_limit=2.5), ValueError, "cycle_limit"),
    (dict(period=10, cycle_limit=True), TypeError, "cycle_limit"),
    (dict(period=10, floor=float("inf")), ValueError, "floor"),
    (dict(period=10, peak=0.0), ValueError, "peak"),
    (dict(period=10, peak="1"), TypeError, "peak"),
    (dict(period=10, end_value=0.1), ValueError, "end_value"),
    (dict(period=10, cycle_limit=2, end_value=float("nan")), ValueError, "end_value"),
    (dict(period=10, stretch=1), TypeError, "stretch"),
])
def test_repeat_invalid(kw, exc, match):
    with pytest.raises(exc, match=match):
        js.repeat(LIN, **kw)


def test_repeat_invalid_child():
    with pytest.raises(TypeError, match="schedule"):
        js.repeat(3.0, 10)


@pytest.mark.parametrize("kw, exc, match", [
    (dict(init_value=float("nan")), ValueError, "init_value"),
    (dict(init_value=None), TypeError, "init_value"),
    (dict(period=0), ValueError, "period"),
    (dict(period=False), TypeError, "period"),
    (dict(period_mult=0.9), ValueError, "period_mult"),
    (dict(end_value=float("-inf")), ValueError, "end_value"),
    (dict(decay=-1.0), ValueError, "decay"),
    (dict(cycle_limit=0), ValueError, "cycle_limit"),
    (dict(k_decay=0.0), ValueError, "k_decay"),
    (dict(k_decay="1"), TypeError, "k_decay"),
    (dict(decay_mode="max"), ValueError, "decay_mode"),
    (dict(decay_mode=1), TypeError, "decay_mode"),
])
def test_cosine_restarts_invalid(kw, exc, match):
    with pytest.raises(exc, match=match):
        js.cosine_restarts(**{"init_value": 1.0, "period": 10, **kw})


@pytest.mark.parametrize("kw, exc, match", [
    (dict(init_value=float("nan")), ValueError, "init_value"),
    (dict(total_steps=-1), ValueError, "total_steps"),
    (dict(total_steps=5, warmup_steps=10), ValueError, "total_steps"),
    (dict(warmup_steps=-2), ValueError, "warmup_steps"),
    (dict(warmup_steps="2"), TypeError, "warmup_steps"),
    (dict(num_cycles=0), ValueError, "num_cycles"),
    (dict(num_cycles=True), TypeError, "num_cycles"),
    (dict(end_value=float("nan")), ValueError, "end_value"),
])
def test_hard_restarts_invalid(kw, exc, match):
    with pytest.raises(exc, match=match):
        js.cosine_hard_restarts(**{"init_value": 1.0, "total_steps": 100, **kw})


def test_config_names():
    for name in ("repeat", "cosine_restarts", "cosine_hard_restarts"):
        assert name in js.registered_names()
    cfg = {"type": "repeat", "params": {"schedule": {"type": "cosine_decay", "params": {
        "init_value": 1.0, "decay_steps": 5}}, "period": 5, "decay": 0.5}}
    s = js.from_config(cfg)
    expect = ref_values(walk_ref(cos_ref(1.0, 5), 5, 1, decay=0.5), np.arange(20))
    np.testing.assert_allclose(host(s, np.arange(20)), expect, rtol=1e-12, atol=1e-15)

"""``replan`` (a new horizon or a new plan from step ``at`` on), ``stretch`` (Composer's
scale-schedule ratio), ``minimum`` and ``maximum``.

Expected values come from float64 references written here with ``math`` from the documented
rules (a cosine runs the rest of its arc to the new end; a WSD keeps its decay length; piecewise
boundaries move in proportion, to the nearest step), and from hand derivations in comments.
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
    assert_strong_float32,
    assert_traceable,
    assert_vmap_counts,
    host,
    jit_eval,
)

import jaxsched


# ----------------------------------------------------------------------------- references
def ref_cosine_arc(t, init, decay, end, k, n):
    """The documented cosine re-plan, float64: old for t <= k, then the arc's remaining steps
    R = (n - t)(D - k)/(n - k), value E + (I - E)(1 + cos(pi (D - R)/D))/2."""
    if t <= k or k >= decay:
        p = min(t, decay) / decay
    else:
        r = max(n - t, 0) * (decay - k) / (n - k)
        p = (decay - r) / decay
    return end + (init - end) * 0.5 * (1 + math.cos(math.pi * p))


def ref_wsd_linear(t, peak, total, warmup, decay, end):
    """A linear WSD from 0, float64."""
    if t < warmup:
        return peak * t / warmup
    if t < total - decay:
        return peak
    if t < total:
        return end + (peak - end) * (total - t) / decay
    return end


COS = dict(init=1.0, decay=100, end=0.1)


def cosine():
    return jaxsched.cosine_decay(COS["init"], COS["decay"], COS["end"])


# ----------------------------------------------------------------------------- horizon, by family
def _jitted_padded(s, counts, size):
    """``s`` jitted at int32 ``counts``, through one evaluator taking the schedule as an argument
    and counts padded to ``size`` (the last count repeated): every parametrization below has one
    tree structure, so they share one compile instead of one each."""
    padded = np.full(size, counts[-1])
    padded[: counts.size] = counts
    return np.asarray(jit_eval(s, jnp.asarray(padded, jnp.int32)))[: counts.size]


@pytest.mark.parametrize("k,n", [(40, 300), (40, 60), (0, 50), (99, 150), (120, 400)])
def test_cosine_runs_the_rest_of_its_arc_to_the_new_end(k, n):
    s = jaxsched.replan(cosine(), at=k, total_steps=n)
    counts = np.arange(0, n + 20)
    ref = [ref_cosine_arc(t, COS["init"], COS["decay"], COS["end"], k, n) for t in counts]
    np.testing.assert_allclose(host(s, counts), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(_jitted_padded(s, counts, 420), ref, rtol=1e-5, atol=1e-6)


def test_cosine_hand_values():
    # D=10, k=5, N=15: rate (10-5)/(15-5) = 1/2; t=6 -> R = 9/2, phase 5.5/10
    s = jaxsched.replan(jaxsched.cosine_decay(1.0, 10), at=5, total_steps=15)
    got = host(s, [5, 6, 10, 15])
    want = [0.5, 0.5 * (1 + math.cos(0.55 * math.pi)), 0.5 * (1 + math.cos(0.75 * math.pi)), 0.0]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_polynomial_continues_from_the_current_value():
    # (1 - t/100)^2 at k=50 is 1/4; then 1/4 (1 - (t - 50)/100)^2 to 0 at 150
    s = jaxsched.replan(jaxsched.polynomial_schedule(1.0, 0.0, 2.0, 100), at=50, total_steps=150)
    t = np.arange(0, 200)
    ref = np.where(t <= 50, (1 - t / 100) ** 2, 0.25 * np.clip(1 - (t - 50) / 100, 0, 1) ** 2)
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-15)


def test_a_transition_that_has_not_begun_keeps_its_begin():
    # linear 1 -> 0 over [20, 30]; at=10 with N=60: the same begin, now ending at 60
    s = jaxsched.replan(jaxsched.linear_schedule(1.0, 0.0, 10, transition_begin=20), at=10,
                        total_steps=60)
    t = np.arange(0, 70)
    ref = np.where(t < 20, 1.0, np.clip(1 - (t - 20) / 40, 0, 1))
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("k,n,start", [
    (50, 200, 180),  # stable phase: lengthens, decay keeps its 20 steps
    (5, 60, 40),     # in the warmup: the warmup keeps its 10 steps
    (50, 70, 50),    # too short for the whole decay: it uses what is left (from k)
    (80, 300, 280),  # k == S, the decay has not moved yet: it still keeps its length
])
def test_wsd_stable_phase_moves_and_decay_keeps_its_length(k, n, start):
    old = jaxsched.warmup_stable_decay(1.0, 100, 10, decay_steps=20, end_value=0.1)
    s = jaxsched.replan(old, at=k, total_steps=n)
    t = np.arange(0, n + 10)
    ref = [ref_wsd_linear(x, 1.0, 100, 10, 20, 0.1) if x <= k else
           ref_wsd_linear(x, 1.0, n, 10, n - start, 0.1) for x in t]
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-15)


def test_wsd_in_its_decay_stretches_the_rest_of_it():
    # 1-sqrt decay over [80, 100], k=90 (q=1/2), N=110: q runs from 1/2 to 1 over 20 steps
    old = jaxsched.warmup_stable_decay(1.0, 100, 10, decay_steps=20, end_value=0.1,
                                       decay_shape="1-sqrt")
    s = jaxsched.replan(old, at=90, total_steps=110)
    t = np.arange(91, 115)
    q = np.minimum(0.5 + (t - 90) / 40, 1.0)
    np.testing.assert_allclose(host(s, t), 0.1 + 0.9 * (1 - np.sqrt(q)), rtol=1e-12, atol=1e-15)


def test_wsd_decay_fraction_keeps_its_length_in_steps():
    old = jaxsched.warmup_stable_decay(1.0, 100, decay_fraction=0.2)  # D = 20 steps
    s = jaxsched.replan(old, at=50, total_steps=1000)
    np.testing.assert_allclose(host(s, [979, 980, 990, 1000]), [1.0, 1.0, 0.5, 0.0], atol=1e-15)


@pytest.mark.parametrize("build,field", [
    (lambda: jaxsched.piecewise_constant(1.0, [30, 60, 90], [0.5, 0.5, 0.5]), "pc"),
    (lambda: jaxsched.multistep_decay(1.0, [30, 60, 90], 0.5), "ms"),
    (lambda: jaxsched.piecewise_constant_values([30, 60, 90], [1.0, 0.5, 0.25, 0.125]), "pv"),
])
def test_piecewise_boundaries_move_in_proportion(build, field):
    # k=40, H=90, N=140: 60 -> 40 + round(20 * 100/50) = 80, 90 -> 140; 30 is in the past
    s = jaxsched.replan(build(), at=40, total_steps=140)
    t = np.arange(0, 160)
    ref = np.select([t < 30, t < 80, t < 140], [1.0, 0.5, 0.25], 0.125)
    np.testing.assert_array_equal(host(s, t), ref)
    np.testing.assert_array_equal(np.asarray(jax.jit(s)(jnp.asarray(t, jnp.int32))), ref)


def test_piecewise_boundaries_round_to_the_nearest_step():
    # k=0, H=10, N=25: 3 -> 7.5 -> 8 (half up), 10 -> 25
    s = jaxsched.replan(jaxsched.multistep_decay(1.0, [3, 10], 0.5), at=0, total_steps=25)
    t = np.arange(0, 30)
    np.testing.assert_array_equal(host(s, t), np.select([t < 8, t < 25], [1.0, 0.5], 0.25))


def test_piecewise_interpolate_continues_from_the_current_value():
    # knots 0:1, 30:0.5, 60:0.25, 90:0.125; k=40 (value 5/12) -> knots 80:0.25 and 140:0.125
    old = jaxsched.piecewise_interpolate("linear", 1.0, [30, 60, 90], [0.5, 0.5, 0.5])
    s = jaxsched.replan(old, at=40, total_steps=140)
    v40 = 0.5 - 0.25 * 10 / 30
    t = np.arange(41, 150)
    ref = np.where(t < 80, v40 + (0.25 - v40) * (t - 40) / 40,
                   np.where(t < 140, 0.25 - 0.125 * (t - 80) / 60, 0.125))
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-15)


def test_optax_warmup_cosine_keeps_its_warmup():
    old = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100, 0.1)
    # in the warmup: the warmup stays 10 steps, the cosine now spans [10, 200]
    s = jaxsched.replan(old, at=5, total_steps=200)
    t = np.arange(0, 210)
    ref = [x / 10 if x < 10 else ref_cosine_arc(x - 10, 1.0, 190, 0.1, 0, 190) for x in t]
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-14)
    # after it: the rest of the cosine arc (local k=40 of 90) over [50, 200]
    s = jaxsched.replan(old, at=50, total_steps=200)
    ref = [x / 10 if x < 10 else ref_cosine_arc(x - 10, 1.0, 90, 0.1, 40, 190) for x in t]
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-14)


def test_warmup_scale_and_clip_of_a_cosine():
    base = jaxsched.cosine_decay(1.0, 90)
    t = np.arange(0, 220)
    arc = [ref_cosine_arc(x - 10, 1.0, 90, 0.0, 40, 190) if x >= 10 else x / 10 for x in t]
    s = jaxsched.replan(jaxsched.warmup(base, 10), at=50, total_steps=200)
    np.testing.assert_allclose(host(s, t), arc, rtol=1e-12, atol=1e-14)
    s = jaxsched.replan(jaxsched.clip(jaxsched.scale(jaxsched.warmup(base, 10), 0.1), 0.01), at=50,
                        total_steps=200)
    np.testing.assert_allclose(host(s, t), np.maximum(0.1 * np.asarray(arc), 0.01), rtol=1e-12)


def test_constant_and_finished_schedules_are_unchanged():
    c = jaxsched.constant_schedule(0.3)
    np.testing.assert_array_equal(host(jaxsched.replan(c, at=5, total_steps=50)), host(c))
    done = cosine()
    np.testing.assert_array_equal(host(jaxsched.replan(done, at=200, total_steps=500)), host(done))


def test_a_horizon_at_k_ends_at_k_plus_one():
    s = jaxsched.replan(cosine(), at=40, total_steps=40)
    v40 = 0.1 + 0.9 * 0.5 * (1 + math.cos(0.4 * math.pi))
    np.testing.assert_allclose(host(s, [40, 41, 100]), [v40, 0.1, 0.1], rtol=1e-12)


# ----------------------------------------------------------------------------- properties
PLANS = {
    "cosine": lambda: jaxsched.cosine_decay(1.0, 200, 0.05),
    "warmup_cosine": lambda: jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 20, 200, 0.05),
    "wsd_cosine": lambda: jaxsched.warmup_stable_decay(1.0, 200, 20, decay_steps=50,
                                                       end_value=0.05, decay_shape="cosine"),
    "poly": lambda: jaxsched.polynomial_schedule(1.0, 0.05, 1.5, 200),
    "interp": lambda: jaxsched.piecewise_interpolate("cosine", 1.0, [50, 120, 200], [0.5, 0.4, 0.25]),
}
END = {"cosine": 0.05, "warmup_cosine": 0.05, "wsd_cosine": 0.05, "poly": 0.05, "interp": 0.05}


@pytest.mark.parametrize("name", sorted(PLANS))
@settings(max_examples=8, deadline=None)
@given(k=st.integers(25, 190), extra=st.integers(-60, 400))
def test_equal_before_continuous_at_k_and_ends_at_n(name, k, extra):
    old = PLANS[name]()
    n = max(k + 1, 200 + extra)
    s = jaxsched.replan(old, at=k, total_steps=n)
    t = np.arange(0, n + 30)
    got, was = host(s, t), host(old, t)
    # equal before k, bit for bit (float32: test_equal_before_k_in_float32)
    np.testing.assert_array_equal(got[: k + 1], was[: k + 1])
    # no jump: the first step of the new plan is no larger than its largest step
    steps = np.abs(np.diff(got[k:]))
    assert steps[0] <= steps.max() + 1e-12
    assert steps.max() <= 4.0 * max(np.abs(np.diff(was)).max(), 1.0 / (n - k)) + 1e-12
    # the end value at the new horizon, held
    np.testing.assert_allclose(got[n:], END[name], rtol=1e-12)


def test_equal_before_k_in_float32():
    t = jnp.arange(0, 200, dtype=jnp.int32)
    for name in ("warmup_cosine", "wsd_cosine"):
        old = PLANS[name]()
        got = jax.jit(lambda s: s(t))(jaxsched.replan(old, at=150, total_steps=400))
        # two graphs that XLA compiles apart: equal to the rounding of one operation (the host
        # float64 values are equal bit for bit, see above)
        np.testing.assert_allclose(np.asarray(got)[:151], np.asarray(jax.jit(old)(t))[:151],
                                   rtol=2.5e-7, atol=0)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_replan_backends_jit_vmap_and_config(name):
    s = jaxsched.replan(PLANS[name](), at=60, total_steps=500)
    counts = np.array([0, 1, 59, 60, 61, 100, 300, 499, 500, 501, 10**6])
    if name in ("wsd_cosine", "interp"):  # the heaviest rules; the others share their helpers
        assert_backends_agree(s, counts)
    if name == "wsd_cosine":
        assert_vmap_counts(s, counts)
    assert_strong_float32(s)
    assert_config_roundtrip(s)
    cfg = s.to_config()
    assert cfg["type"] == "replan" and set(cfg["params"]) == {"schedule", "at", "total_steps"}


def test_at_and_total_steps_are_traceable():
    counts = np.array([0, 10, 60, 100, 250, 399, 400, 1000])
    cos = lambda at, total_steps: jaxsched.replan(  # noqa: E731
        jaxsched.cosine_decay(1.0, 200), at=at, total_steps=total_steps)
    assert_traceable(cos, dict(at=60, total_steps=400), "at", [60, 170], counts=counts)
    assert_traceable(cos, dict(at=60, total_steps=400), "total_steps", [300, 900], counts=counts,
                     grad=False)
    build = lambda at, total_steps: jaxsched.replan(  # noqa: E731
        jaxsched.warmup_stable_decay(1.0, 200, 20, decay_steps=50), at=at, total_steps=total_steps)
    # vmap over the horizon, against the one-by-one host values
    many = jax.jit(jax.vmap(lambda n: build(60, n)(jnp.asarray(counts))))(jnp.asarray([300, 400, 900]))
    for row, n in zip(np.asarray(many), (300, 400, 900)):
        np.testing.assert_allclose(row, host(build(60, n), counts), rtol=1e-6, atol=1e-7)
    # grad with respect to a value of the old plan through the re-planned tail is finite
    g = jax.grad(lambda p: jaxsched.replan(jaxsched.cosine_decay(p, 100), at=40, total_steps=300)(200))
    assert np.isfinite(float(jax.jit(g)(1.0)))  # compiled: op by op compiles every primitive


def test_float32_tail_of_a_long_extension():
    # a cosine of 1e5 steps, re-planned at 5e4 to end at 1e6: the last 1000 steps in float32
    s = jaxsched.replan(jaxsched.cosine_decay(1.0, 100_000), at=50_000, total_steps=1_000_000)
    t = np.arange(1_000_000 - 1000, 1_000_001)
    ref = np.asarray([ref_cosine_arc(x, 1.0, 100_000, 0.0, 50_000, 1_000_000) for x in t])
    got = np.asarray(jax.jit(s)(jnp.asarray(t, jnp.int32)), np.float64)
    np.testing.assert_allclose(got[:-1], ref[:-1], rtol=1e-4)
    assert got[-1] == 0.0


# ----------------------------------------------------------------------------- then=
def test_then_scales_the_new_plan_to_start_from_the_current_value():
    old = jaxsched.cosine_decay(1.0, 10)
    s = jaxsched.replan(old, at=5, then=jaxsched.linear_schedule(1.0, 0.0, 4))
    # old(5) = 1/2; then a linear cooldown 1/2 -> 0 over 4 steps
    np.testing.assert_allclose(host(s, np.arange(0, 12)),
                               list(host(old, np.arange(6))) + [0.375, 0.25, 0.125, 0, 0, 0],
                               atol=1e-15)
    assert_backends_agree(s, np.arange(0, 12))
    assert_config_roundtrip(s)
    assert set(s.to_config()["params"]) == {"schedule", "at", "then", "anchor"}


def test_then_with_anchor_none_uses_its_values_and_checks_them():
    old = jaxsched.cosine_decay(1.0, 10)
    s = jaxsched.replan(old, at=5, then=jaxsched.cosine_decay(0.5, 4), anchor="none")
    np.testing.assert_allclose(host(s, [5, 6, 9]), [0.5, 0.25 * (1 + math.cos(math.pi / 4)), 0.0],
                               atol=1e-15)
    with pytest.raises(ValueError, match=r"`then` must start at the current value"):
        jaxsched.replan(old, at=5, then=jaxsched.cosine_decay(0.6, 4), anchor="none")
    with pytest.raises(ValueError, match=r"`then` must not start at 0"):
        jaxsched.replan(old, at=5, then=jaxsched.linear_schedule(0.0, 1.0, 4))


@settings(max_examples=10, deadline=None)
@given(k=st.integers(0, 300), d=st.integers(1, 500))
def test_then_is_continuous_at_k(k, d):
    old = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 20, 300)
    s = jaxsched.replan(old, at=k, then=jaxsched.warmup_stable_decay(1.0, d, decay_steps=d,
                                                                    decay_shape="1-sqrt"))
    t = np.arange(0, k + d + 5)
    got = host(s, t)
    np.testing.assert_array_equal(got[: k + 1], host(old, t[: k + 1]))
    v = float(host(old, [k])[0])
    # one step of the new plan: v (1 - sqrt(1/d)) after the first step
    assert abs(got[k + 1] - v * (1 - math.sqrt(1 / d))) <= 1e-12
    assert got[k + d] == 0.0


def test_then_traceable_at_and_jit():
    old = jaxsched.cosine_decay(1.0, 100)
    build = lambda at: jaxsched.replan(old, at=at, then=jaxsched.linear_schedule(1.0, 0.0, 10))  # noqa: E731
    assert_traceable(build, dict(at=50), "at", [10, 50, 90])


# ----------------------------------------------------------------------------- errors
def test_replan_errors_name_the_parameter():
    c = cosine()
    with pytest.raises(ValueError, match="exactly one of `total_steps` and `then`"):
        jaxsched.replan(c, at=5)
    with pytest.raises(ValueError, match="exactly one of"):
        jaxsched.replan(c, at=5, total_steps=10, then=c)
    with pytest.raises(ValueError, match=r"`at` must be >= 0"):
        jaxsched.replan(c, at=-1, total_steps=10)
    with pytest.raises(ValueError, match=r"`total_steps` must be >= 50 \(`at`\)"):
        jaxsched.replan(c, at=50, total_steps=10)
    with pytest.raises(ValueError, match=r"`total_steps` must be >= 20 \(the end of the warmup"):
        jaxsched.replan(jaxsched.warmup(c, 20), at=5, total_steps=10)
    with pytest.raises(ValueError, match=r"`total_steps` must be >= 20 \(the start of the last"):
        jaxsched.replan(jaxsched.warmup_cosine_decay_schedule(0, 1, 20, 100), at=5, total_steps=15)
    with pytest.raises(ValueError, match=r"cannot move a `step_decay` schedule \(StepDecay\)"):
        jaxsched.replan(jaxsched.step_decay(1.0, 10), at=5, total_steps=100)
    with pytest.raises(ValueError, match=r"`exponential_decay`.*then="):
        jaxsched.replan(jaxsched.warmup(jaxsched.exponential_decay(1.0, 10, 0.5), 5), at=5,
                        total_steps=100)
    with pytest.raises(TypeError, match="`schedule` must be a jaxsched Schedule"):
        jaxsched.replan(lambda t: 1.0, at=5, total_steps=10)
    with pytest.raises(ValueError, match="`anchor` must be one of"):
        jaxsched.replan(c, at=5, then=c, anchor="shift")
    with pytest.raises(TypeError, match="`then` must be callable"):
        jaxsched.replan(c, at=5, then=0.5)


# ----------------------------------------------------------------------------- torch resume
def _run(sched, opt, steps):
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_torch_resume_loads_the_old_checkpoint_into_the_replanned_scheduler():
    from jaxsched.torch import Scheduler

    old = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 10, 100, 1e-3)
    k, n = 40, 300
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([p], lr=0.1)
    first = Scheduler(opt, old)
    before = _run(first, opt, k)
    state = first.state_dict()  # k updates done: the values of step k are in the groups

    new = jaxsched.replan(old, at=k, total_steps=n)
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    second = Scheduler(opt2, new)
    second.load_state_dict(state)  # the fingerprint of `old` is recognised
    after = _run(second, opt2, n + 10 - k)
    np.testing.assert_allclose(before + after, host(new, np.arange(n + 10)), rtol=1e-12)
    np.testing.assert_array_equal(before, host(old, np.arange(k)))
    assert after[-1] == pytest.approx(1e-3)

    # torch's own resume rule: last_epoch = k - 1, construction advances to step k
    opt3 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    for g in opt3.param_groups:
        g["initial_lr"] = 0.1
    third = Scheduler(opt3, new, last_epoch=k - 1)
    np.testing.assert_allclose(_run(third, opt3, 20), host(new, np.arange(k, k + 20)), rtol=1e-12)


def test_torch_resume_refuses_a_checkpoint_past_the_replan_step():
    from jaxsched.torch import Scheduler

    old = jaxsched.cosine_decay(0.1, 100)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    first = Scheduler(opt, old)
    _run(first, opt, 50)
    state = first.state_dict()
    late = jaxsched.replan(old, at=30, then=jaxsched.linear_schedule(1.0, 0.0, 10))
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    second = Scheduler(opt2, late)
    with pytest.raises(ValueError, match="schedule"):
        second.load_state_dict(state)
    second.load_state_dict(state, allow_changes=("schedule",))  # a deliberate change
    assert second.last_epoch == 50
    assert opt2.param_groups[0]["lr"] == pytest.approx(float(host(late, [50])[0]))


# ----------------------------------------------------------------------------- stretch
@pytest.mark.parametrize("ratio,bounds", [(0.1, [3, 8]), (1.5, [45, 120]), (2.0, [60, 160]),
                                          (0.3, [9, 24])])
def test_stretch_moves_integer_boundaries_exactly(ratio, bounds):
    s = jaxsched.stretch(jaxsched.multistep_decay(1.0, [30, 80], 0.1), ratio)
    t = np.arange(0, 200)
    ref = np.select([t < bounds[0], t < bounds[1]], [1.0, 0.1], 0.01)
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-15)
    # one structure for every ratio: one shared compile (hyperparameters as arguments)
    np.testing.assert_allclose(np.asarray(jit_eval(s, jnp.asarray(t, jnp.int32))), ref, rtol=1e-6)
    assert_backends_agree(s, t)


def test_stretch_of_a_continuous_schedule_runs_on_scaled_time():
    s = jaxsched.stretch(jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100), 2.5)
    t = np.arange(0, 300)
    u = t / 2.5
    ref = np.where(u < 10, u / 10, 0.5 * (1 + np.cos(np.pi * np.minimum(u - 10, 90) / 90)))
    np.testing.assert_allclose(host(s, t), ref, rtol=1e-12, atol=1e-15)
    assert_config_roundtrip(s)
    assert_traceable(lambda ratio: jaxsched.stretch(jaxsched.cosine_decay(1.0, 100), ratio),
                     dict(ratio=2.0), "ratio", [0.5, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"`ratio` must be > 0"):
        jaxsched.stretch(jaxsched.cosine_decay(1.0, 100), 0.0)


# ----------------------------------------------------------------------------- minimum, maximum
def test_minimum_and_maximum_of_schedules():
    a = jaxsched.linear_schedule(0.0, 2.0, 4)
    b = jaxsched.cosine_decay(1.0, 8)
    t = np.arange(0, 12)
    ra = np.clip(t / 2, 0, 2)
    rb = 0.5 * (1 + np.cos(np.pi * np.minimum(t, 8) / 8))
    lo, hi = jaxsched.minimum([a, b]), jaxsched.maximum([a, b])
    np.testing.assert_allclose(host(lo, t), np.minimum(ra, rb), atol=1e-15)
    np.testing.assert_allclose(host(hi, t), np.maximum(ra, rb), atol=1e-15)
    for s in (lo, hi):
        assert_backends_agree(s, t)
        assert_config_roundtrip(s)
    # clip bounds that are schedules: a plan kept between a decaying floor and a ceiling
    c = jaxsched.constant_schedule(0.6)
    band = jaxsched.minimum([jaxsched.maximum([c, jaxsched.linear_schedule(0.8, 0.0, 8)]), b])
    floor = np.maximum(0.6, 0.8 * np.clip(1 - t / 8, 0, 1))
    np.testing.assert_allclose(host(band, t), np.minimum(floor, rb), atol=1e-15)
    assert len(jaxsched.minimum([lo, c]).schedules) == 3  # nested minima are inlined
    with pytest.raises(ValueError, match="at least 2"):
        jaxsched.maximum([a])
    with pytest.raises(TypeError, match=r"`schedules\[1\]` must be a schedule"):
        jaxsched.minimum([a, 0.5])


def test_phases_of_replanned_and_stretched_schedules():
    from jaxsched.phases import phases

    p = jaxsched.warmup_stable_decay(1.0, 100, 10, decay_steps=20)
    got = [(x.start, x.label) for x in phases(jaxsched.replan(p, at=50, total_steps=200), 220)]
    assert got == [(0, "warmup"), (10, "stable"), (51, "re-planned to end at 200")]
    cool = jaxsched.replan(p, at=50, then=jaxsched.linear_schedule(1.0, 0.0, 30))
    assert [x.start for x in phases(cool, 220)] == [0, 10, 51, 80]
    assert [x.start for x in phases(jaxsched.stretch(p, 2.0), 220)] == [0, 20, 160, 200]

"""Phases: expected starts derived by hand from each schedule's definition."""

from __future__ import annotations

import jax
import numpy as np
import pytest

import jaxsched
from jaxsched.phases import Phase, phases

CASES = [
    # warmup W=10 of a linear 0 -> 1, cosine until D=100 (optax: decay_steps counts the warmup)
    (jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100), 120,
     [(0, "linear warmup"), (10, "cosine decay"), (100, "end value")]),
    # torch OneCycleLR: phase 1 ends at step pct*N - 1 = 29 (the peak); 3-phase: 2*pct*N - 2 = 58
    (jaxsched.one_cycle(1.0, total_steps=100), 110, [(0, "up"), (30, "anneal"), (100, "end value")]),
    (jaxsched.one_cycle(1.0, total_steps=100, pct_start=0.25, three_phase=True), 100,
     [(0, "up"), (25, "down"), (49, "annihilate")]),
    # WSD N=100, W=10, 20 % decay: decay starts at 100 - round(0.2 * 100) = 80
    (jaxsched.warmup_stable_decay(1.0, total_steps=100, warmup_steps=10, decay_fraction=0.2), 101,
     [(0, "warmup"), (10, "stable"), (80, "decay"), (100, "end value")]),
    # triangular cycles 10 up, 5 down
    (jaxsched.cyclic_schedule(0.1, 1.0, step_size_up=10, step_size_down=5), 31,
     [(0, "up 1"), (10, "down 1"), (15, "up 2"), (25, "down 2"), (30, "up 3")]),
    # SGDR period 10, mult 2: restarts at 10, 30, 70
    (jaxsched.cosine_restarts(1.0, period=10, period_mult=2), 100,
     [(0, "cycle 1"), (10, "cycle 2"), (30, "cycle 3"), (70, "cycle 4")]),
    (jaxsched.cosine_restarts(1.0, period=10, cycle_limit=2), 100,
     [(0, "cycle 1"), (10, "cycle 2"), (20, "end value")]),
    (jaxsched.piecewise_constant_schedule(1.0, {10: 0.5, 20: 0.1}), 30,
     [(0, "initial"), (10, "boundary 1"), (20, "boundary 2")]),
    (jaxsched.step_decay(1.0, step_size=7, decay_rate=0.5), 20,
     [(0, "step 1"), (7, "step 2"), (14, "step 3")]),
    (jaxsched.warmup(jaxsched.cosine_decay(1.0, 100), 5, shape="cosine"), 200,
     [(0, "cosine warmup"), (5, "cosine decay"), (105, "end value")]),
    (jaxsched.polynomial_schedule(1.0, 0.0, 2.0, transition_steps=50, transition_begin=20), 80,
     [(0, "hold"), (20, "polynomial decay (power 2)"), (70, "end value")]),
    # DeepSpeed WarmupDecayLR: update k uses g(k - 1) (held at update 0), log warmup W=10, decay
    (jaxsched.from_config({"type": "deepspeed.WarmupDecayLR",
                           "params": {"total_num_steps": 100, "warmup_num_steps": 10}}), 102,
     [(0, "hold"), (1, "log warmup"), (11, "linear decay"), (101, "end value")]),
    # DeepSpeed OneCycle: 10 up, 10 down (second = first), then decay
    (jaxsched.from_config({"type": "deepspeed.OneCycle", "params": {
        "cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 10, "decay_step_size": 5}}),
     40, [(0, "up"), (10, "down"), (20, "decay")]),
    (jaxsched.lr_range_test(1e-4, step_size=10, step_rate=2.0), 50, [(0, "lr range test")]),
]


@pytest.mark.parametrize("schedule,n,expected", CASES, ids=[str(i) for i in range(len(CASES))])
def test_phase_starts(schedule, n, expected):
    got = phases(schedule, n)
    assert [(p.start, p.label) for p in got] == expected
    assert got[-1].end == n
    assert all(a.end == b.start for a, b in zip(got, got[1:]))


def test_boundaries_are_where_the_formula_changes():
    """Inside a phase of a warmup + linear decay the slope is constant; it changes at each start."""
    pieces = [jaxsched.linear_schedule(0.0, 1.0, 8), jaxsched.linear_schedule(1.0, 0.2, 40)]
    s = jaxsched.join_schedules(pieces, [8])
    v = np.asarray(s.evaluate(np.arange(60), np), np.float64)
    slope = np.diff(v)
    kinks = [k for k in range(1, len(slope)) if not np.isclose(slope[k], slope[k - 1], atol=1e-12)]
    # slope[k] = v[k+1] - v[k] changes at k when update k is the first of a new piece
    assert kinks == [p.start for p in phases(s, 60)][1:] == [8, 48]


def test_open_ended_and_errors():
    s = jaxsched.cosine_decay(1.0, 10)
    assert phases(s) == [Phase(0, 10, "cosine decay"), Phase(10, None, "end value")]
    with pytest.raises(ValueError, match="num_steps"):
        phases(s, 0)
    with pytest.raises(TypeError, match="schedule"):
        phases(lambda t: t, 10)
    with pytest.raises(TypeError, match="concrete"):
        jax.jit(lambda sch: phases(sch, 10) and 0.0)(s)

"""``hf.greedy`` (``semantics="greedy"`` of the plateau state machine) against LIVE transformers.

transformers 5.24 is installed here: its ``GreedyLR`` (``src/transformers/optimization.py``)
drives a real torch optimizer next to ours on random metric streams, and the lrs are compared
after every report: the torch bridge (host rule), the array rule in NumPy float64, and the array
rule under ``jax.jit`` + ``lax.scan`` in float32. One hand-derived sequence pins the rules
independently of the peer. ``smooth=True`` (the peer's ``StreamingAverage``: a running sum of the
last ``window_size`` reports) is compared the same way, with a checkpoint resumed halfway, plus
two hand derivations (the smoothed decisions, and the window emptied by a reset).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from schedule_checks import assert_lrs_close

import jaxsched as js
from jaxsched.torch import Scheduler

# transformers costs ~2 s to import: only looked up at collection (the module is skipped
# without it, as before) and imported by the first test that drives GreedyLR, not by every
# xdist worker that collects this file
if importlib.util.find_spec("transformers") is None:
    pytest.skip("could not import 'transformers.optimization'", allow_module_level=True)


@functools.cache
def _greedy_cls():
    return getattr(importlib.import_module("transformers.optimization"), "GreedyLR", None)


@pytest.fixture
def _needs_greedy():
    if _greedy_cls() is None:
        pytest.skip("transformers without GreedyLR")


needs_greedy = pytest.mark.usefixtures("_needs_greedy")


def GreedyLR(*args, **kwargs):  # the peer's class, imported on first use
    return _greedy_cls()(*args, **kwargs)

HYP = settings(max_examples=12, deadline=None, derandomize=True)


def _metrics(seed: int, n: int) -> list[float]:
    """Runs of improvement, plateaus (exact repeats), rises and jumps: raises, lowerings and
    (with a small reset_start) resets all happen."""
    rng = np.random.default_rng(seed)
    out, m = [], 1.0
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            m -= abs(rng.normal(0, 0.05))
        elif r < 0.55:
            m += abs(rng.normal(0, 0.05))
        elif r < 0.58:
            m = float(rng.normal(0, 2))
        out.append(round(m, 2) if rng.random() < 0.5 else m)
    return out


def _optimizer(lrs: list[float]) -> torch.optim.Optimizer:
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))], "lr": lr}
              for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0])


def _lrs(opt: torch.optim.Optimizer) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


CONFIGS = [
    {},
    {"patience": 2, "factor": 0.5, "min_lr": 1e-3, "max_lr": 0.5},
    {"patience": 1, "cooldown": 2, "warmup": 1, "reset_start": 2, "min_lr": 0.01,
     "max_lr": 0.2, "factor": 0.5},
    {"mode": "max", "patience": 0, "threshold_mode": "rel", "threshold": 0.01, "factor": 0.7,
     "min_lr": 0.02, "reset_start": 1},
    {"patience": 1, "factor": 0.5, "min_lr": [0.01, 0.002], "max_lr": [0.3, 0.1],
     "reset_start": 3, "eps": 1e-3},
]


@needs_greedy
@pytest.mark.parametrize("params", CONFIGS, ids=[str(c) for c in CONFIGS])
@pytest.mark.parametrize("seed", [0, 1])
def test_bridge_matches_live_greedy(params, seed):
    lrs = [0.1, 0.05] if isinstance(params.get("min_lr"), list) else [0.1]
    theirs, ours = _optimizer(lrs), _optimizer(lrs)
    ref = GreedyLR(theirs, **params)
    resets = []
    reset = ref._reset
    ref._reset = lambda: (resets.append(1), reset())  # count the peer's resets
    sched = Scheduler.from_config(ours, {"type": "hf.greedy",
                                         "params": dict(params, num_warmup_steps=3)})
    changed = 0
    for m in _metrics(seed, 150):
        before = _lrs(theirs)
        ref.step(m)
        sched.step(m)
        assert_lrs_close(_lrs(ours), _lrs(theirs), rtol=1e-12, atol=0)
        changed += _lrs(theirs) != before
    assert changed >= 3  # the stream moves the lr
    if params.get("reset_start", 500) <= 2:
        assert resets  # ... and exercises the reset


@needs_greedy
@pytest.mark.parametrize("params", CONFIGS[:4], ids=[str(c) for c in CONFIGS[:4]])
def test_array_rule_matches_live_greedy(params):
    metrics = _metrics(7, 120)
    theirs = _optimizer([0.1])
    ref = GreedyLR(theirs, **params)
    expected = []
    for m in metrics:
        ref.step(m)
        expected.append(_lrs(theirs)[0])
    spec = js.from_config({"type": "hf.greedy", "params": dict(params, lr=0.1)})
    state = js.plateau_init(spec.plateau, xp=np)
    got = []
    for m in metrics:
        state = js.plateau_update(spec.plateau, state, m)
        got.append(float(state.scale) * 0.1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    # float32 under jit + scan: same decisions for these streams (2-decimal metrics)
    scales = _scan(spec.plateau, jnp.asarray(metrics, jnp.float32))
    np.testing.assert_allclose(np.asarray(scales) * 0.1, expected, rtol=2e-5)


@jax.jit
def _scan(config, metrics):
    def body(state, m):
        state = js.plateau_update(config, state, m)
        return state, state.scale

    return jax.lax.scan(body, js.plateau_init(config), metrics)[1]


SMOOTH = [
    {"smooth": True, "window_size": 3, "patience": 1, "cooldown": 2, "warmup": 1,
     "reset_start": 2, "min_lr": 0.01, "max_lr": 0.2, "factor": 0.5},
    {"smooth": True, "window_size": 8, "mode": "max", "patience": 0, "threshold_mode": "rel",
     "threshold": 0.01, "factor": 0.7, "min_lr": 0.02, "reset_start": 1},
    {"smooth": True, "window_size": 1, "patience": 2, "factor": 0.5, "min_lr": 1e-3,
     "max_lr": 0.5},
]


@needs_greedy
@pytest.mark.parametrize("params", SMOOTH, ids=[f"W{c['window_size']}" for c in SMOOTH])
def test_smoothed_matches_live_greedy(params):
    """Bridge (with a checkpoint resumed halfway), NumPy array rule and float32 jit+scan against
    the peer's lrs; the rolling sum equals the peer's ``StreamingAverage.sum`` bit for bit."""
    metrics = _metrics(11, 150)
    theirs, ours = _optimizer([0.1]), _optimizer([0.1])
    ref = GreedyLR(theirs, **params)
    resets = []
    reset = ref._reset
    ref._reset = lambda: (resets.append(1), reset())
    cfg = {"type": "hf.greedy", "params": params}
    sched = Scheduler.from_config(ours, cfg)
    spec = js.from_config({"type": "hf.greedy", "params": dict(params, lr=0.1)})
    state = js.plateau_init(spec.plateau, xp=np)
    expected, changed = [], 0
    for k, m in enumerate(metrics):
        if k == len(metrics) // 2:  # checkpoint and resume: the window travels in the state
            sd = sched.state_dict()
            assert len(sd["plateau"]["window_values"]) == params["window_size"]
            ours = _optimizer([0.1])
            sched = Scheduler.from_config(ours, cfg)
            sched.load_state_dict(sd)
        before = _lrs(theirs)
        ref.step(m)
        sched.step(m)
        state = js.plateau_update(spec.plateau, state, m)
        expected.append(_lrs(theirs)[0])
        assert_lrs_close(_lrs(ours), _lrs(theirs), rtol=1e-12, atol=0)
        np.testing.assert_allclose(float(state.scale) * 0.1, expected[-1], rtol=1e-12, atol=0)
        avg = ref._streaming_avg
        assert float(state.avg) == avg.sum and int(state.window_fill) == len(avg.values)
        changed += _lrs(theirs) != before
    assert changed >= 3
    if params.get("reset_start", 500) <= 2:
        assert resets  # a reset empties the window (both sides)
    if params["window_size"] == 3:  # one compile: the window's size is static (its shape)
        scales = _scan(spec.plateau, jnp.asarray(metrics, jnp.float32))
        np.testing.assert_allclose(np.asarray(scales) * 0.1, expected, rtol=2e-5)


@needs_greedy
def test_smoothed_per_group_matches_live_greedy():
    """Two param groups with their own min_lr and max_lr share one rolling window (the metric)."""
    params = {"smooth": True, "window_size": 4, "patience": 1, "factor": 0.5,
              "min_lr": [0.01, 0.002], "max_lr": [0.3, 0.1], "reset_start": 3, "eps": 1e-3}
    theirs, ours = _optimizer([0.1, 0.05]), _optimizer([0.1, 0.05])
    ref = GreedyLR(theirs, **params)
    sched = Scheduler.from_config(ours, {"type": "hf.greedy", "params": params})
    changed = 0
    for m in _metrics(5, 150):
        before = _lrs(theirs)
        ref.step(m)
        sched.step(m)
        assert_lrs_close(_lrs(ours), _lrs(theirs), rtol=1e-12, atol=0)
        changed += _lrs(theirs) != before
    assert changed >= 3


def test_smoothed_checkpoint_is_checked():
    cfg = {"type": "hf.greedy", "params": {"smooth": True, "window_size": 3}}
    sched = Scheduler.from_config(_optimizer([0.1]), cfg)
    for m in [3.0, 2.0]:
        sched.step(m)
    sd = sched.state_dict()
    assert sd["plateau"]["window_values"] == [0.0, 3.0, 2.0] and sd["plateau"]["window_fill"] == 2
    assert sd["plateau_config"]["smooth_window"] == 3
    for key, bad in (("window_fill", 4), ("window_fill", -1), ("window_values", [1.0, 2.0])):
        broken = {**sd, "plateau": {**sd["plateau"], key: bad}}
        with pytest.raises(ValueError, match=key):
            Scheduler.from_config(_optimizer([0.1]), cfg).load_state_dict(broken)
    # an unsmoothed checkpoint has no window (and loads into an unsmoothed scheduler only)
    plain = Scheduler.from_config(_optimizer([0.1]), {"type": "hf.greedy", "params": {}})
    assert "window_values" not in plain.state_dict()["plateau"]
    with pytest.raises(ValueError, match="smooth_window"):
        plain.load_state_dict(sd)


def test_smoothing_changes_the_decisions_hand_derived():
    """window 2, patience 0, factor 0.5, lr 0.1, max_lr 1, abs threshold 0; metrics 4, 2, 6, 6, 0.

    Means 4, 3, 4, 6, 3: good (inf) -> 0.2; 3 < 4 good -> 0.4; 4 bad -> 0.2; 6 bad -> 0.1;
    3 is not below best 3 -> 0.05. Unsmoothed, the last report (0 < 2) would raise the lr.
    """
    params = {"lr": 0.1, "patience": 0, "factor": 0.5, "max_lr": 1.0, "threshold": 0.0}
    lrs = {}
    for smooth in (True, False):
        spec = js.from_config({"type": "hf.greedy",
                               "params": dict(params, smooth=smooth, window_size=2)})
        state = js.plateau_init(spec.plateau, xp=np)
        lrs[smooth] = []
        for m in [4.0, 2.0, 6.0, 6.0, 0.0]:
            state = js.plateau_update(spec.plateau, state, m)
            lrs[smooth].append(round(float(state.scale) * 0.1, 12))
    assert lrs[True] == [0.2, 0.4, 0.2, 0.1, 0.05]
    assert lrs[False][-1] > lrs[False][-2]
    assert state.window_values is None  # unsmoothed: no window in the state


def test_reset_empties_the_window_hand_derived():
    """window 2, patience 0, factor 0.5, lr 0.1 = max_lr, min_lr 0.05, reset_start 1, abs 0.

    1: mean 1 improves (raise capped at 0.1: no change). 3: mean 2 bad -> 0.05 = min_lr, the
    1st lowering at min_lr: reset (lr 0.1, best inf, window emptied). 0.5: mean 0.5 (not
    (3 + 0.5) / 2 = 1.75) becomes best.
    """
    spec = js.from_config({"type": "hf.greedy", "params": {
        "lr": 0.1, "patience": 0, "factor": 0.5, "max_lr": 0.1, "min_lr": 0.05,
        "reset_start": 1, "threshold": 0.0, "smooth": True, "window_size": 2}})
    state = js.plateau_init(spec.plateau, xp=np)
    for m in [1.0, 3.0]:
        state = js.plateau_update(spec.plateau, state, m)
    assert float(state.scale) == 1.0 and int(state.window_fill) == 0 and float(state.avg) == 0.0
    state = js.plateau_update(spec.plateau, state, 0.5)
    assert float(state.best) == 0.5 and int(state.window_fill) == 1


@needs_greedy
@HYP
@given(seed=st.integers(0, 10**6), mode=st.sampled_from(["min", "max"]),
       threshold_mode=st.sampled_from(["rel", "abs"]), threshold=st.sampled_from([0.0, 1e-6, 0.02]),
       factor=st.sampled_from([0.5, 0.9, 0.95]), patience=st.integers(0, 3),
       cooldown=st.integers(0, 2), warmup=st.integers(0, 2), reset_start=st.integers(0, 4),
       min_lr=st.sampled_from([0.0, 1e-3, 0.05]), max_lr=st.sampled_from([0.1, 0.3, 1.0]),
       smooth=st.booleans(), window_size=st.integers(1, 6))
def test_random_configs_match_live_greedy(seed, mode, threshold_mode, threshold, factor, patience,
                                          cooldown, warmup, reset_start, min_lr, max_lr, smooth,
                                          window_size):
    params = dict(mode=mode, threshold_mode=threshold_mode, threshold=threshold, factor=factor,
                  patience=patience, cooldown=cooldown, warmup=warmup, reset_start=reset_start,
                  min_lr=min_lr, max_lr=max_lr, smooth=smooth, window_size=window_size)
    theirs, ours = _optimizer([0.1]), _optimizer([0.1])
    ref = GreedyLR(theirs, **params)
    sched = Scheduler.from_config(ours, {"type": "hf.greedy", "params": params})
    for m in _metrics(seed, 80):
        ref.step(m)
        sched.step(m)
        assert_lrs_close(_lrs(ours), _lrs(theirs), rtol=1e-12, atol=0)


def test_hand_derivation():
    """lr 0.1, patience 1, factor 0.5, warmup 1, cooldown 1, min_lr 0.05, max_lr 0.3,
    reset_start 1, abs threshold 0; metrics 3, 2, 1, 0.5, then 0.4 twelve times.

    1: 3 < inf, good 1. 2: good 2 > 1: lr min(0.2, 0.3) = 0.2, warmup 1. 3: held (best stays
    2). 4: 0.5 good 1. 5: 0.4 good 2: lr min(0.4, 0.3) = 0.3, held once (6). 7, 8: bad 1, 2:
    lr 0.15, cooldown 1 (9 held). 10, 11: lr 0.075 (12 held). 13, 14: lr max(0.0375, 0.05) =
    0.05, every lr at min_lr: the 1st such lowering reaches reset_start=1: lr back to 0.1,
    best cleared, then the cooldown (15 held). 16: 0.4 improves on the cleared best: good 1.
    """
    spec = js.from_config({"type": "hf.greedy", "params": {
        "lr": 0.1, "patience": 1, "factor": 0.5, "warmup": 1, "cooldown": 1, "min_lr": 0.05,
        "max_lr": 0.3, "reset_start": 1, "threshold": 0.0}})
    state = js.plateau_init(spec.plateau, xp=np)
    lrs, counts = [], []
    for m in [3, 2, 1, 0.5] + [0.4] * 12:
        state = js.plateau_update(spec.plateau, state, m)
        lrs.append(round(float(state.scale) * 0.1, 12))
        counts.append(int(state.num_bad))
    assert lrs == [0.1, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.15, 0.15, 0.15, 0.075, 0.075, 0.075,
                   0.1, 0.1, 0.1]
    assert counts == [-1, 0, 0, -1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, -1]
    assert float(state.best) == 0.4 and int(state.cooldown_counter) == 0


def test_optax_transform_runs_greedy():
    spec = js.from_config({"type": "hf.greedy", "params": {"lr": 0.1, "patience": 0,
                                                           "max_lr": 0.4}})
    tx = spec.transform()
    state = tx.init(jnp.zeros(1))
    for m in [3.0, 2.0, 1.0]:
        _, state = tx.update(jnp.ones(1), state, value=m)
    # patience 0: each improvement raises, lr / 0.95 capped at 0.4; the first is on best=inf
    np.testing.assert_allclose(float(state.scale) * 0.1, 0.1 / 0.95 ** 3, rtol=1e-6)


def test_checkpoint_round_trip_with_negative_count():
    opt = _optimizer([0.1])
    sched = Scheduler.from_config(opt, {"type": "hf.greedy", "params": {"patience": 5}})
    for m in [3.0, 2.0, 1.0]:
        sched.step(m)
    sd = sched.state_dict()
    other = Scheduler.from_config(_optimizer([0.1]), {"type": "hf.greedy",
                                                      "params": {"patience": 5}})
    other.load_state_dict(sd)
    assert int(other._plateau_state.num_bad) == -3


@pytest.mark.parametrize("params, err, name", [
    ({"factor": 1.0}, ValueError, "factor"),
    ({"patience": -1}, ValueError, "patience"),
    ({"cooldown": -1}, ValueError, "cooldown"),
    ({"warmup": -2}, ValueError, "warmup"),
    ({"min_lr": -1e-3}, ValueError, "min_lr"),
    ({"max_lr": 0.0}, ValueError, "max_lr"),
    ({"reset_start": -1}, ValueError, "reset_start"),
    ({"threshold_mode": "log"}, ValueError, "threshold_mode"),
    ({"mode": "up"}, ValueError, "mode"),
    ({"smooth": "yes"}, TypeError, "smooth"),
    ({"window_size": 0}, ValueError, "window_size"),
    ({"smooth": True, "window_size": 2.5}, (TypeError, ValueError), "window_size"),
    ({"eps": -1.0}, ValueError, "eps"),
    ({"verbose": "yes"}, TypeError, "verbose"),
])
def test_bad_input_refused_by_name(params, err, name):
    with pytest.raises(err, match=f"`{name}`"):
        js.from_config({"type": "hf.greedy", "params": params})


def test_greedy_options_refused_elsewhere():
    with pytest.raises(ValueError, match="`max_lr`"):
        js.plateau_config(semantics="torch", max_lr=1.0)
    with pytest.raises(ValueError, match="`window`"):
        js.plateau_config(semantics="greedy", base_lr=0.1, max_lr=1.0, window=3)
    with pytest.raises(ValueError, match="`smooth_window`"):
        js.plateau_config(semantics="torch", smooth_window=3)
    with pytest.raises(ValueError, match="`smooth_window`"):
        js.plateau_config(semantics="greedy", base_lr=0.1, max_lr=1.0, smooth_window=0)

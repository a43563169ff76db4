"""The Python-float plateau rule (``HostPlateau``, the torch bridge's host mode) equals the
array rule (``plateau_update`` on NumPy float64) on random metric streams."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

from jaxsched.training.plateau import plateau_config
from jaxsched.training.plateau_rule import HostPlateau, plateau_init, plateau_update


def _streams(rng: np.random.Generator, n: int) -> list[list[float]]:
    """Noisy plateaus, exact repeats, ties, negative values, NaN and inf."""
    walk = np.cumsum(rng.normal(size=n)) * 0.1
    steps = np.repeat(rng.normal(size=n // 8 + 1), 8)[:n]
    tied = rng.integers(0, 3, size=n).astype(float)
    special = rng.normal(size=n)
    special[rng.integers(0, n, size=n // 10)] = np.nan
    special[rng.integers(0, n, size=n // 20)] = np.inf
    special[rng.integers(0, n, size=n // 20)] = -np.inf
    return [list(map(float, s)) for s in (walk, -walk, steps, tied, special)]


def _same(a: np.ndarray, want: np.ndarray) -> bool:
    """Same shape, same values, NaN where NaN: a pass here is a pass of assert_array_equal."""
    try:  # (None fields are object arrays: compared with ==, as the assertion does)
        return a.shape == want.shape and np.array_equal(a, want, equal_nan=want.dtype.kind in "fc")
    except TypeError:  # anything else numpy cannot compare: let the assertion decide
        return False


def _assert_same(host: HostPlateau, state: object, m: int) -> None:
    got = host.state()
    for name, a, b in zip(state._fields, got, state):
        want = np.broadcast_to(np.asarray(b), (m,)) if m > 1 else np.asarray(b)
        a = np.asarray(a, dtype=want.dtype)
        # assert_array_equal costs ~50 us a call and runs ~200k times here: the cheap exact
        # check goes first, and on a miss the assertion itself decides (and reports)
        if not _same(a, want):
            np.testing.assert_array_equal(a, want, err_msg=name)


CONFIGS = [
    dict(factor=0.5, patience=1),
    dict(factor=0.3, patience=2, cooldown=2, window=3),
    dict(factor=0.5, patience=0, threshold=0.05, threshold_mode="abs", min_scale=0.1),
    dict(factor=0.7, patience=3, min_lr=0.02, base_lr=0.1, eps=1e-3),
    dict(factor=0.5, patience=1, mode="max", cooldown=1),
    dict(factor=0.5, patience=1, skip=5),  # timm's plateau warmup: early reports ignored
    dict(factor=0.3, patience=2, window=3, skip=4),
]


@pytest.mark.parametrize("semantics", ["native", "torch", "optax"])
@pytest.mark.parametrize("options", CONFIGS)
def test_host_rule_equals_array_rule_on_random_streams(semantics, options):
    rng = np.random.default_rng(zlib.crc32(f"{semantics}{options}".encode()))
    try:
        cfg = plateau_config(semantics=semantics, **options)
    except (TypeError, ValueError) as e:  # an option this semantics does not take
        pytest.skip(str(e))
    for stream in _streams(rng, 200):
        host, state = HostPlateau(cfg), plateau_init(cfg, xp=np)
        for x in stream:
            host.update(x)
            with np.errstate(all="ignore"):  # inf - inf in a window's mean: NaN, as the host's
                state = plateau_update(cfg, state, np.float64(x), xp=np)
            _assert_same(host, state, 1)


@pytest.mark.parametrize("semantics", ["native", "torch"])
def test_host_rule_equals_array_rule_per_group(semantics):
    cfg = plateau_config(factor=0.5, patience=1, min_lr=[0.05, 0.2], base_lr=[1.0, 0.5],
                         semantics=semantics)
    rng = np.random.default_rng(3)
    host, state = HostPlateau(cfg, 2), plateau_init(cfg, xp=np)
    for x in np.repeat(rng.normal(size=40), 3):
        changed_before = list(host.scales)
        changed = host.update(float(x))
        assert changed == (host.scales != changed_before)
        state = plateau_update(cfg, state, np.float64(x), xp=np)
        _assert_same(host, state, 2)


def test_host_rule_loads_an_array_state():
    cfg = plateau_config(factor=0.5, patience=1)
    state = plateau_init(cfg, xp=np)
    for x in (1.0, 2.0, 3.0, 4.0):
        state = plateau_update(cfg, state, x, xp=np)
    host = HostPlateau(cfg)
    host.load(state)
    _assert_same(host, state, 1)
    assert host.scales == [float(state.scale)]
    assert math.isclose(host.scales[0], 0.5)


@pytest.mark.parametrize("semantics", ["native", "torch", "optax"])
def test_host_rule_per_element_counters_equal_array_rule(semantics):
    # a loaded state whose counters differ per element: each element runs its own rule
    # (the shared-counter path needs equal counters); then a stream, against the array rule
    cfg = plateau_config(factor=0.5, patience=2, cooldown=1, min_lr=[0.05, 0.2],
                         base_lr=[1.0, 0.5], semantics=semantics)
    state = plateau_init(cfg, xp=np)
    state = state._replace(scale=np.array([1.0, 0.5]), best=np.array([0.3, np.inf]),
                           num_bad=np.array([1, 0]), cooldown_counter=np.array([0, 1]))
    host = HostPlateau(cfg, 2)
    host.load(state)
    assert host._t is None  # per-element counters
    _assert_same(host, state, 2)
    rng = np.random.default_rng(7)
    for x in np.repeat(rng.normal(size=30), 3):
        host.update(float(x))
        state = plateau_update(cfg, state, np.float64(x), xp=np)
        _assert_same(host, state, 2)


def test_host_rule_shares_the_counters_of_elements_with_the_same_trigger_options():
    # per-group scale options (min_lr, base_lr): one counter state, per-element scales
    cfg = plateau_config(factor=0.5, patience=1, min_lr=[0.05, 0.2], base_lr=[1.0, 0.5],
                         semantics="torch")
    host = HostPlateau(cfg, 2)
    assert host._t is not None
    for _ in range(7):  # reports 3, 5 and 7 trigger (the 2nd bad one in a row, patience 1)
        host.update(1.0)
    # group 0: 1 -> 0.5 -> 0.25 -> 0.125; group 1 (lr 0.5, min_lr 0.2): lr 0.25, then 0.2 held
    assert host._t is not None and host.scales == [0.125, 0.4]


def test_host_rule_pickles_and_continues_alike():
    import pickle

    cfg = plateau_config(factor=0.5, patience=1, window=2, semantics="torch")
    a = HostPlateau(cfg)
    for x in (3.0, 2.0, 2.0, 2.0):
        a.update(x)
    b = pickle.loads(pickle.dumps(a))
    assert b.state() == a.state()
    for x in (2.0, 2.0, 1.0, 1.0, 1.0, 1.0):
        assert a.update(x) == b.update(x)
        assert a.state() == b.state()


def test_host_rule_after_a_floor_keeps_the_scale_without_recomputing():
    # torch semantics with eps: once a reduction would be smaller than eps, every later
    # trigger leaves the scale alone (the rule remembers the evaluation that changed nothing)
    cfg = plateau_config(factor=0.5, patience=0, base_lr=1.0, eps=0.3, semantics="torch")
    host, state = HostPlateau(cfg), plateau_init(cfg, xp=np)
    for _ in range(12):  # every report is bad: a trigger each time
        host.update(5.0)
        state = plateau_update(cfg, state, np.float64(5.0), xp=np)
        _assert_same(host, state, 1)
    assert host.scales == [0.5]  # 1.0 -> 0.5; 0.5 -> 0.25 is a change of 0.25 < eps


EXTRA = [  # Paddle's rule (cooldown ignores the metric, the first evaluation sets best)
    dict(semantics="paddle", factor=0.5, patience=1, cooldown=2, threshold=0.0,
         threshold_mode="abs", min_lr=0.05, base_lr=1.0),
    dict(semantics="paddle", factor=0.3, patience=0, cooldown=1, mode="max", window=3, skip=4),
    # greedy's rolling mean (HF GreedyLR smooth=True): the window and its running sum
    dict(semantics="greedy", factor=0.5, patience=1, cooldown=1, warmup=1, min_lr=0.05,
         base_lr=0.1, max_lr=0.3, reset_start=1, smooth_window=3),
    dict(semantics="greedy", factor=0.9, patience=0, min_lr=1e-3, base_lr=0.1, max_lr=1.0,
         smooth_window=1),
]


@pytest.mark.parametrize("options", EXTRA, ids=lambda o: f"{o['semantics']}-{o.get('smooth_window')}")
def test_host_rule_equals_array_rule_paddle_and_smoothed_greedy(options):
    rng = np.random.default_rng(zlib.crc32(f"{options}".encode()))
    cfg = plateau_config(**options)
    for stream in _streams(rng, 96):
        host, state = HostPlateau(cfg), plateau_init(cfg, xp=np)
        for x in stream:
            host.update(x)
            with np.errstate(all="ignore"):  # inf - inf in a window's sum: NaN, as the host's
                state = plateau_update(cfg, state, np.float64(x), xp=np)
            _assert_same(host, state, 1)

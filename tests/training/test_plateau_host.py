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


def _assert_same(host: HostPlateau, state: object, m: int) -> None:
    got = host.state()
    for name, a, b in zip(state._fields, got, state):
        want = np.broadcast_to(np.asarray(b), (m,)) if m > 1 else np.asarray(b)
        np.testing.assert_array_equal(np.asarray(a, dtype=want.dtype), want, err_msg=name)


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

"""``keras.ReduceLROnPlateau`` (the ``semantics="keras"`` plateau rule) against keras' callback.

Keras is not installed here, so the reference is a float64 transcription of
``ReduceLROnPlateau.on_epoch_end`` and ``_reset`` written from keras-team/keras,
``keras/src/callbacks/reduce_lr_on_plateau.py`` at commit
040582fc160b1080954ddc1f554dd70fbbb1da5a (Keras 3): the cooldown counts down first and clears
the wait, ``monitor_op`` is ``a < b - min_delta`` (``"max"``: ``a > b + min_delta``), the wait
grows only outside the remaining cooldown, and the ``patience``-th bad epoch lowers the lr iff
it lies above ``min_lr``; only a lowering restarts the wait and the cooldown. The lr is kept as a
Python float (keras keeps a float32 variable; the float64 rule is what jaxsched documents).
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings

import jaxsched as js
from jaxsched.torch import Scheduler

HYP = settings(max_examples=15, deadline=None, derandomize=True)


class KerasReference:
    """Keras 3's ReduceLROnPlateau.on_epoch_end, in float64, the lr held here."""

    def __init__(self, lr, monitor="val_loss", factor=0.1, patience=10, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        self.lr, self.factor, self.patience = lr, factor, patience
        self.min_delta, self.cooldown, self.min_lr = min_delta, cooldown, min_lr
        if mode == "min" or (mode == "auto" and "acc" not in monitor):
            self.op = lambda a, b: a < b - self.min_delta
            self.best = math.inf
        else:
            self.op = lambda a, b: a > b + self.min_delta
            self.best = -math.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_epoch_end(self, current):
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.cooldown_counter > 0:
            self.wait += 1
            if self.wait >= self.patience:
                if self.lr > self.min_lr:
                    self.lr = max(self.lr * self.factor, self.min_lr)
                    self.cooldown_counter = self.cooldown
                    self.wait = 0


def _metrics(seed: int, n: int) -> list[float]:
    """A noisy walk with plateaus (repeats, rounded ties) and occasional jumps."""
    rng = np.random.default_rng(seed)
    out, m = [], 1.0
    for _ in range(n):
        r = rng.random()
        if r < 0.3:
            m -= abs(rng.normal(0, 0.2))
        elif r < 0.5:
            m += abs(rng.normal(0, 0.1))
        elif r < 0.55:
            m = float(rng.normal(0, 3))
        out.append(round(m, 3) if rng.random() < 0.5 else m)
    return out


def _reference_lrs(params: dict, lr: float, metrics: list[float]) -> list[float]:
    ref = KerasReference(lr, **params)
    out = []
    for m in metrics:
        ref.on_epoch_end(m)
        out.append(ref.lr)
    return out


def test_hand_derivation():
    """patience=2, cooldown=1, factor=0.5, min_lr=0.3, lr=1 on a constant metric. Epoch 1
    improves on best=inf (wait 0); 2: wait 1; 3: wait 2 -> lr 0.5, cooldown 1, wait 0; 4: the
    cooldown counts down to 0, and 0 is outside it: wait 1; 5: wait 2 -> lr max(0.25, 0.3) =
    0.3; 6: cooldown to 0, wait 1; 7: wait 2 triggers but lr == min_lr: no drop, no reset;
    8: wait 3."""
    spec = js.from_config({"type": "keras.ReduceLROnPlateau", "params": {
        "patience": 2, "cooldown": 1, "factor": 0.5, "min_lr": 0.3, "lr": 1.0, "min_delta": 0}})
    state = js.plateau_init(spec.plateau, xp=np)
    lrs, waits = [], []
    for m in [1.0] * 8:
        state = js.plateau_update(spec.plateau, state, m)
        lrs.append(float(state.scale))
        waits.append(int(state.num_bad))
    # epoch 1 improves on best=inf, then constant: bad epochs start at epoch 2
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3]
    assert waits == [0, 1, 0, 1, 0, 1, 2, 3]


CONFIGS = [
    {},
    {"factor": 0.5, "patience": 2},
    {"monitor": "val_accuracy", "factor": 0.3, "patience": 1},
    {"mode": "max", "min_delta": 0.05, "patience": 0},
    {"min_delta": 0.1, "cooldown": 2, "patience": 1},
    {"cooldown": 3, "patience": 2, "factor": 0.5, "min_lr": 0.01},
    {"mode": "min", "patience": 1, "factor": 0.2, "min_lr": 0.02, "cooldown": 1},
]


def _optimizer(lr: float) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))], lr=lr)


@pytest.mark.parametrize("params", CONFIGS, ids=[str(c) for c in CONFIGS])
@pytest.mark.parametrize("seed", [0, 1])
def test_torch_bridge_and_host_rule_match_keras(params, seed):
    metrics = _metrics(seed, 80)
    expected = _reference_lrs(params, 0.1, metrics)
    assert expected[-1] < 0.1 or params.get("min_lr", 0) >= 0.1  # reductions happen
    opt = _optimizer(0.1)
    sched = Scheduler.from_config(opt, {"type": "keras.ReduceLROnPlateau",
                                        "params": dict(params, lr=0.1)})
    got = []
    for m in metrics:
        sched.step(m)
        got.append(float(opt.param_groups[0]["lr"]))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("params", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_array_rule_matches_keras_numpy_and_jit(params):
    metrics = _metrics(3, 60)
    expected = np.asarray(_reference_lrs(params, 0.1, metrics))
    spec = js.from_config({"type": "keras.ReduceLROnPlateau", "params": dict(params, lr=0.1)})
    state = js.plateau_init(spec.plateau, xp=np)
    got = []
    for m in metrics:
        state = js.plateau_update(spec.plateau, state, m)
        got.append(float(state.scale) * 0.1)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    # the same rule under jit + lax.scan (float32): the scales, and their reduction epochs
    scales = _scan(spec.plateau, jnp.asarray(metrics, jnp.float32))
    np.testing.assert_allclose(np.asarray(scales) * 0.1, expected, rtol=1e-5, atol=1e-30)  # f32 underflow


@jax.jit
def _scan(config, metrics):
    def body(state, m):
        state = js.plateau_update(config, state, m)
        return state, state.scale

    return jax.lax.scan(body, js.plateau_init(config), metrics)[1]


@HYP
@given(seed=st.integers(0, 10**6), mode=st.sampled_from(["min", "max"]),
       min_delta=st.sampled_from([0.0, 1e-4, 0.05]), factor=st.sampled_from([0.1, 0.5, 0.9]),
       patience=st.integers(0, 4), cooldown=st.integers(0, 3),
       min_lr=st.sampled_from([0.0, 1e-3, 0.04]))
def test_random_configs_match_keras(seed, mode, min_delta, factor, patience, cooldown, min_lr):
    params = dict(mode=mode, min_delta=min_delta, factor=factor, patience=patience,
                  cooldown=cooldown, min_lr=min_lr)
    metrics = _metrics(seed, 60)
    expected = _reference_lrs(params, 0.1, metrics)
    opt = _optimizer(0.1)
    sched = Scheduler.from_config(opt, {"type": "keras.ReduceLROnPlateau",
                                        "params": dict(params, lr=0.1)})
    got = []
    for m in metrics:
        sched.step(m)
        got.append(float(opt.param_groups[0]["lr"]))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_traceable_options_vmap():
    """factor and patience batched under vmap: each lane equals its own keras reference."""
    metrics = _metrics(5, 40)
    cfg = js.plateau_config(factor=jnp.asarray([0.5, 0.2]), patience=jnp.asarray([1, 2]),
                            threshold=0.0, threshold_mode="abs", semantics="keras")
    cfgs = [cfg.__class__(**{**cfg.__dict__, "factor": f, "patience": p})
            for f, p in [(0.5, 1), (0.2, 2)]]
    batched = jax.vmap(lambda c: _scan(c, jnp.asarray(metrics, jnp.float32)),
                       in_axes=(js.PlateauConfig(factor=0, patience=0, rtol=None, atol=None,
                                                 cooldown=None, min_scale=None, min_lr=None,
                                                 base_lr=None, eps=None, window=None,
                                                 mode="min", semantics="keras"),))(cfg)
    for lane, c in enumerate(cfgs):
        expected = _reference_lrs(dict(factor=float(c.factor), patience=int(c.patience),
                                       min_delta=0.0, mode="min"), 1.0, metrics)
        np.testing.assert_allclose(np.asarray(batched[lane]), expected, rtol=1e-5)


@pytest.mark.parametrize("params, name", [
    ({"min_delta": -0.1}, "min_delta"),
    ({"factor": 1.0}, "factor"),
    ({"factor": 0.0}, "factor"),
    ({"patience": -1}, "patience"),
    ({"patience": 1.5}, "patience"),
    ({"cooldown": -2}, "cooldown"),
    ({"min_lr": -1e-3}, "min_lr"),
    ({"mode": "up"}, "mode"),
    ({"lr": 0.0}, "lr"),
])
def test_bad_input_refused_by_name(params, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        js.from_config({"type": "keras.ReduceLROnPlateau", "params": params})


def test_bad_types_refused_by_name():
    with pytest.raises(TypeError, match="`monitor`"):
        js.from_config({"type": "keras.ReduceLROnPlateau", "params": {"monitor": 3}})
    with pytest.raises(ValueError, match="`threshold_mode`"):
        js.plateau_config(semantics="keras", threshold_mode="rel")
    with pytest.raises(ValueError, match="`eps`"):
        js.plateau_config(semantics="keras", threshold_mode="abs", eps=1e-8)

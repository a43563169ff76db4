"""Tests of jaxsched.training.plateau: the metric-driven state machine and its optax transformation.

Oracles: torch 2.13's ``ReduceLROnPlateau`` stepping a real optimizer (live), optax 0.2.8's
``contrib.reduce_on_plateau`` (live), the verified vectors of anchors.md, and a plain-Python
float64 reference of the native semantics written here.
"""

from __future__ import annotations

import dataclasses
import math
import pickle

import array_api_strict
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from jaxsched.training.plateau import (
    PlateauConfig,
    PlateauState,
    plateau_config,
    plateau_from_optax,
    plateau_from_torch,
    plateau_init,
    plateau_scale,
    plateau_transform,
    plateau_update,
    reduce_on_plateau,
)

# quarter-steps (exact in float32 and float64) plus values just around a relative threshold
_VALUES = [k / 4 for k in range(-8, 9)] + [0.5 * (1 - 1e-4), 0.5 * (1 - 2e-4), -0.5 * (1 + 1e-4)]
METRICS = st.lists(st.sampled_from(_VALUES), min_size=1, max_size=40)
SETTINGS = settings(max_examples=30, deadline=None)


# ---------------------------------------------------------------------------- oracles
def torch_lrs(metrics, lr=1.0, lrs=None, **kw):
    """lr of each param group after each ``step(metric)`` of torch's own ReduceLROnPlateau."""
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": g} for g in (lrs or [lr])]
    opt = torch.optim.SGD(groups, lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    out = []
    for m in metrics:
        sched.step(m)
        out.append([g["lr"] for g in opt.param_groups])
    return np.asarray(out) if lrs else np.asarray(out)[:, 0]


def native_reference(metrics, *, mode="min", factor=0.1, patience=10, rtol=1e-4, atol=0.0,
                     cooldown=0, min_scale=0.0, min_lr=0.0, base_lr=1.0, eps=0.0, window=1):
    """The documented native semantics in plain Python floats (scale after each report)."""
    better = (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
    sign = -1.0 if mode == "min" else 1.0
    best, bad, cool, scale, avg, k, out = -sign * math.inf, 0, 0, 1.0, 0.0, 0, []
    for m in metrics:
        avg, k = (k * avg + m) / (k + 1), k + 1  # optax's running mean (the documented form)
        if k == window:
            margin = rtol * abs(best) + atol if math.isfinite(best) else 0.0
            if better(avg, best + sign * margin):
                best, bad = avg, 0
            else:
                bad += 1
            if cool > 0:
                cool, bad = cool - 1, 0
            if bad > patience:
                new = max(scale * factor, min_scale, min_lr / base_lr)
                if (scale - new) * base_lr > eps:
                    scale = new
                cool, bad = cooldown, 0
            avg, k = 0.0, 0
        out.append(scale)
    return np.asarray(out)


def run(cfg, metrics, xp=np, **kw):
    """Scales after each report, with the pure functions, eagerly in namespace ``xp``."""
    state, out = plateau_init(cfg, xp=xp, **kw), []
    for m in metrics:
        state = plateau_update(cfg, state, m)
        out.append(np.asarray(state.scale, dtype=np.float64))
    return np.asarray(out)


def scan_scales(cfg, metrics):
    """Scales after each report with jax: lax.scan over the metrics (jit/vmap-able)."""
    def body(state, m):
        state = plateau_update(cfg, state, m)
        return state, state.scale
    return jax.lax.scan(body, plateau_init(cfg), metrics)[1]


def _optax_scales(tx, metrics):
    def one(ms):
        def body(state, m):
            updates, state = tx.update(jnp.ones(1), state, value=m)
            return state, updates[0]
        return jax.lax.scan(body, tx.init(jnp.zeros(1)), ms)[1]
    return np.asarray(jax.jit(jax.vmap(one))(metrics))


# ---------------------------------------------------------------------------- verified vectors
def test_verified_vectors_patience_2():
    """anchors.md b1/b2: constant metric, patience=2, factor=0.5."""
    ones = [1.0] * 7
    torch_cfg = plateau_config(factor=0.5, patience=2, semantics="torch")
    np.testing.assert_array_equal(run(torch_cfg, ones), [1, 1, 1, .5, .5, .5, .25])
    np.testing.assert_array_equal(torch_lrs(ones, factor=0.5, patience=2), [1, 1, 1, .5, .5, .5, .25])
    optax_cfg = plateau_config(factor=0.5, patience=2, semantics="optax")
    np.testing.assert_array_equal(run(optax_cfg, ones), [1, 1, .5, .5, .25, .25, .125])
    native = plateau_config(factor=0.5, patience=2)
    np.testing.assert_array_equal(run(native, ones), [1, 1, 1, .5, .5, .5, .25])


def test_torch_eps_stops_reductions():
    """torch skips a reduction smaller than eps: lr stops at 1e-8 with factor 0.1."""
    metrics = [1.0] * 14
    expected = torch_lrs(metrics, factor=0.1, patience=0)
    assert expected[-1] == expected[-2] == pytest.approx(1e-8, rel=1e-9)  # then held
    np.testing.assert_array_equal(run(plateau_config(patience=0, semantics="torch"), metrics), expected)
    native = run(plateau_config(patience=0), metrics)  # native: eps 0, keeps reducing
    assert native[-1] < 1e-11


# ---------------------------------------------------------------------------- torch parity
@SETTINGS
@given(mode=st.sampled_from(["min", "max"]), threshold_mode=st.sampled_from(["rel", "abs"]),
       threshold=st.sampled_from([0.0, 1e-4, 0.1, 0.5]), factor=st.sampled_from([0.1, 0.5, 0.9]),
       patience=st.integers(0, 3), cooldown=st.integers(0, 3),
       min_lr=st.sampled_from([0.0, 0.01, 0.2]), eps=st.sampled_from([0.0, 1e-8, 0.03]),
       lr=st.sampled_from([1.0, 0.5, 0.3]), metrics=METRICS)
def test_torch_parity(mode, threshold_mode, threshold, factor, patience, cooldown, min_lr, eps, lr,
                      metrics):
    kw = dict(mode=mode, threshold_mode=threshold_mode, threshold=threshold, factor=factor,
              patience=patience, cooldown=cooldown, min_lr=min_lr, eps=eps)
    expected = torch_lrs(metrics, lr=lr, **kw)
    got = run(plateau_config(semantics="torch", base_lr=lr, **kw), metrics) * lr
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_torch_parity_per_group_min_lr():
    """Array options broadcast: one state entry per torch param group."""
    metrics = [3.0, 2.0] + [2.0] * 12
    expected = torch_lrs(metrics, lrs=[1.0, 0.5], factor=0.5, patience=1, min_lr=[0.05, 0.2])
    cfg = plateau_config(factor=0.5, patience=1, min_lr=np.array([0.05, 0.2]),
                         base_lr=np.array([1.0, 0.5]), semantics="torch")
    got = run(cfg, metrics) * np.array([1.0, 0.5])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_torch_transformation_matches_torch():
    metrics = [5.0, 4.0, 4.5, 4.2, 4.1, 4.3, 3.9, 4.0, 4.0, 4.0, 4.0, 4.0]
    kw = dict(factor=0.5, patience=1, cooldown=1, min_lr=0.01, threshold=0.05)
    expected = torch_lrs(metrics, lr=0.1, **kw)
    for tx in (plateau_from_torch(lr=0.1, **kw), reduce_on_plateau(semantics="torch", base_lr=0.1, **kw)):
        state, got = tx.init(jnp.zeros(1)), []
        for m in metrics:
            updates, state = tx.update(jnp.ones(1), state, value=m)
            got.append(float(updates[0]) * 0.1)
        np.testing.assert_allclose(got, expected, rtol=1e-6)


# ---------------------------------------------------------------------------- native semantics
@SETTINGS
@given(mode=st.sampled_from(["min", "max"]), threshold_mode=st.sampled_from(["rel", "abs"]),
       threshold=st.sampled_from([0.0, 1e-4, 0.1, 0.5]), factor=st.sampled_from([0.1, 0.5]),
       patience=st.integers(0, 3), cooldown=st.integers(0, 2), min_scale=st.sampled_from([0.0, 0.05]),
       min_lr=st.sampled_from([None, 0.02]), eps=st.sampled_from([None, 0.01]),
       window=st.sampled_from([1, 2, 3]), metrics=METRICS)
def test_native_matches_reference(mode, threshold_mode, threshold, factor, patience, cooldown,
                                  min_scale, min_lr, eps, window, metrics):
    base_lr = None if min_lr is None else 0.5
    cfg = plateau_config(factor=factor, patience=patience, threshold=threshold,
                         threshold_mode=threshold_mode, cooldown=cooldown, mode=mode,
                         min_scale=min_scale, min_lr=min_lr, base_lr=base_lr, window=window, eps=eps)
    rtol, atol = (threshold, 0.0) if threshold_mode == "rel" else (0.0, threshold)
    expected = native_reference(metrics, mode=mode, factor=factor, patience=patience, rtol=rtol,
                                atol=atol, cooldown=cooldown, min_scale=min_scale,
                                min_lr=min_lr or 0.0, base_lr=base_lr or 1.0, eps=eps or 0.0,
                                window=window)
    np.testing.assert_array_equal(run(cfg, metrics), expected)


@SETTINGS
@given(mode=st.sampled_from(["min", "max"]), threshold=st.sampled_from([0.0, 0.25, 0.1]),
       patience=st.integers(0, 3), cooldown=st.integers(0, 2), metrics=METRICS)
def test_native_abs_equals_torch_abs(mode, threshold, patience, cooldown, metrics):
    """With an absolute threshold the sign issue vanishes: native == torch, live."""
    kw = dict(mode=mode, threshold=threshold, threshold_mode="abs", patience=patience,
              cooldown=cooldown, factor=0.5)
    expected = torch_lrs(metrics, eps=1e-8, **kw)
    np.testing.assert_array_equal(run(plateau_config(eps=1e-8, **kw), metrics), expected)


def test_negative_metrics_sign_correct():
    """optax#1767: with a constant negative loss optax (and torch rel) never reduce; native does."""
    metrics = jnp.full((8,), -1.0, jnp.float32)
    peer = _optax_scales(optax.contrib.reduce_on_plateau(patience=2, factor=0.5), metrics[None])[0]
    peer = peer.tolist()
    assert peer == [1.0] * 8  # the peer's failure
    np.testing.assert_array_equal(run(plateau_config(patience=2, factor=0.5, semantics="optax"),
                                      metrics.tolist()), peer)
    assert torch_lrs(metrics.tolist(), patience=2, factor=0.5).tolist() == [1.0] * 8
    native = run(plateau_config(patience=2, factor=0.5), metrics.tolist())
    np.testing.assert_array_equal(native, [1, 1, 1, .5, .5, .5, .25, .25])
    # max mode with negative metrics (e.g. a negative reward): a constant plateau also reduces
    native_max = run(plateau_config(patience=2, factor=0.5, mode="max"), [-3.0] * 8)
    np.testing.assert_array_equal(native_max, [1, 1, 1, .5, .5, .5, .25, .25])


def test_nan_metric_is_a_bad_evaluation():
    scales = run(plateau_config(patience=1, factor=0.5), [1.0, math.nan, math.nan, 0.5])
    np.testing.assert_array_equal(scales, [1, 1, .5, .5])


# ---------------------------------------------------------------------------- optax parity
@pytest.mark.parametrize("factor,rtol,atol,patience,cooldown,accumulation_size,min_scale", [
    (0.1, 1e-4, 0.0, 2, 0, 1, 0.0),
    (0.5, 0.1, 0.25, 1, 2, 1, 0.05),
    (0.5, 0.0, 0.25, 3, 1, 2, 0.0),
    (0.3, 0.1, 0.0, 1, 0, 3, 0.01),
])
def test_optax_parity(factor, rtol, atol, patience, cooldown, accumulation_size, min_scale):
    """Live optax 0.2.8, float32, on 16 random sequences (negative metrics included)."""
    kw = dict(factor=factor, rtol=rtol, atol=atol, patience=patience, cooldown=cooldown,
              accumulation_size=accumulation_size, min_scale=min_scale)
    metrics = jnp.asarray(np.random.default_rng(patience).integers(-6, 6, (16, 48)) / 4, jnp.float32)
    expected = _optax_scales(optax.contrib.reduce_on_plateau(**kw), metrics)
    assert len(np.unique(expected)) > 2  # the sequences do reduce
    np.testing.assert_array_equal(_optax_scales(plateau_from_optax(**kw), metrics), expected)


# ---------------------------------------------------------------------------- resume, jit, vmap
@pytest.mark.parametrize("semantics", ["native", "torch", "optax"])
def test_save_restore_midway(semantics):
    cfg = plateau_config(factor=0.5, patience=1, cooldown=1, window=2, semantics=semantics)
    metrics = [3.0, 2.0, 2.5, 2.0, 2.0, 2.2, 1.0, 1.5, 1.5, 1.5, 1.2, 1.9, 1.9]
    full = run(cfg, metrics)
    state = plateau_init(cfg, xp=np)
    for m in metrics[:5]:  # stop in the middle of an averaging window
        state = plateau_update(cfg, state, m)
    saved = pickle.dumps(jax.tree.map(np.asarray, state))
    for restore in (np.asarray, jnp.asarray):  # continue on the host, and with jax (float32)
        state, rest = jax.tree.map(restore, pickle.loads(saved)), []
        for m in metrics[5:]:
            state = plateau_update(cfg, state, m)
            rest.append(float(state.scale))
        np.testing.assert_array_equal(rest, full[5:])


def test_transformation_resume_and_dtype():
    tx = reduce_on_plateau(factor=0.5, patience=0)
    params = jnp.zeros(3, jnp.bfloat16)
    state = tx.init(params)
    updates, state = tx.update(jnp.ones(3, jnp.bfloat16), state, params, value=2.0)
    saved = jax.tree.map(np.asarray, state)
    updates, state = tx.update(jnp.ones(3, jnp.bfloat16), state, params, value=3.0)
    assert updates.dtype == jnp.bfloat16 and float(updates[0]) == 0.5
    with jax.numpy_dtype_promotion("strict"):  # bf16 updates, float32 scale: no promotion error
        jax.jit(tx.update)(jnp.ones(3, jnp.bfloat16), state, params, value=jnp.float32(3.0))
    updates2, _ = tx.update(jnp.ones(3, jnp.bfloat16), jax.tree.map(jnp.asarray, saved), params, value=3.0)
    np.testing.assert_array_equal(np.asarray(updates2, np.float32), np.asarray(updates, np.float32))


def _batched_configs(semantics):
    """Options exact in float32: powers of two and quarter-step metrics."""
    leaves = dict(factor=[0.5, 0.25, 0.5, 0.5], patience=[0, 1, 2, 1], rtol=[0.0, 0.0, 0.5, 0.0],
                  atol=[0.25, 0.5, 0.0, 0.25], cooldown=[0, 1, 0, 2], min_scale=[0.0, 0.0, 0.125, 0.0],
                  window=[1, 1, 2, 2], min_lr=[0.0] * 4, base_lr=[1.0] * 4, eps=[0.0] * 4)
    if semantics == "optax":
        leaves["patience"] = [1, 1, 2, 3]
    rows = [PlateauConfig(**{k: val[i] for k, val in leaves.items()}, semantics=semantics)
            for i in range(4)]
    batched = PlateauConfig(**{k: jnp.asarray(val) for k, val in leaves.items()}, semantics=semantics)
    return rows, batched


@pytest.mark.parametrize("semantics", ["native", "torch", "optax", "paddle"])
def test_jit_vmap_over_options_and_metrics(semantics):
    rows, batched = _batched_configs(semantics)
    metrics = np.random.default_rng(0).integers(-6, 6, (3, 30)) / 4
    both = jax.jit(jax.vmap(jax.vmap(scan_scales, (None, 0)), (0, None)))
    out = np.asarray(both(batched, jnp.asarray(metrics, jnp.float32)))
    assert out.shape == (4, 3, 30)
    for i, cfg in enumerate(rows):
        for j in range(3):
            np.testing.assert_array_equal(out[i, j], run(cfg, metrics[j]), err_msg=f"{i},{j}")


def test_jit_argument_no_recompile_and_grad():
    traces = []

    @jax.jit
    def final(cfg, metrics):
        traces.append(1)
        return scan_scales(cfg, metrics)[-1]

    metrics = jnp.asarray([1.0] * 10)
    a = final(plateau_config(factor=0.5, patience=1), metrics)
    b = final(plateau_config(factor=0.25, patience=2, threshold=0.3), metrics)
    assert len(traces) == 1
    assert float(a) == 0.5**4 and float(b) == 0.25**3
    # traced options through the validating constructor
    finals = jax.vmap(lambda f: scan_scales(plateau_config(factor=f, patience=1), metrics)[-1])(
        jnp.asarray([0.5, 0.25]))
    np.testing.assert_array_equal(np.asarray(finals), [0.5**4, 0.25**4])
    cfg = plateau_config(factor=0.5, patience=1)
    g = jax.grad(lambda f: scan_scales(dataclasses.replace(cfg, factor=f), metrics)[-1])(0.5)
    assert float(g) == pytest.approx(4 * 0.5**3)  # d factor**4 / d factor


# ---------------------------------------------------------------------------- backends
@pytest.mark.parametrize("cfg", [
    plateau_config(factor=0.5, patience=1, threshold=0.25, threshold_mode="abs", cooldown=1, window=2),
    plateau_config(factor=0.5, patience=0, mode="max", min_lr=0.125, base_lr=0.5, semantics="torch"),
    plateau_config(factor=0.25, patience=2, threshold=0.5, cooldown=1, min_scale=0.0625,
                   semantics="optax"),
    plateau_config(factor=0.5, patience=0, threshold=0.25, threshold_mode="abs", cooldown=2,
                   min_lr=0.125, base_lr=1.0, semantics="paddle"),
    plateau_config(factor=0.5, patience=0, threshold=0.0, cooldown=1, min_lr=0.125, base_lr=1.0,
                   max_lr=2.0, reset_start=2, semantics="greedy", smooth_window=2),
], ids=["native", "torch", "optax", "paddle", "greedy-smooth"])
def test_backends_agree(cfg):
    metrics = (np.random.default_rng(3).integers(-6, 6, 40) / 4).tolist()
    ref = run(cfg, metrics)
    assert len(np.unique(ref)) > 1
    for xp, kw in [(torch, {}), (torch, {"dtype": torch.float32}), (array_api_strict, {})]:
        np.testing.assert_array_equal(run(cfg, metrics, xp, **kw), ref, err_msg=str(xp))
    np.testing.assert_array_equal(np.asarray(jax.jit(scan_scales)(cfg, jnp.asarray(metrics))), ref)
    with jax.enable_x64(True):
        out = jax.jit(scan_scales)(cfg, jnp.asarray(metrics, jnp.float64))
        assert out.dtype == jnp.float64
        np.testing.assert_array_equal(np.asarray(out), ref)
    with jax.numpy_dtype_promotion("strict"):
        np.testing.assert_array_equal(np.asarray(jax.jit(scan_scales)(cfg, jnp.asarray(metrics))), ref)
    state = plateau_init(cfg, xp=torch, dtype=torch.float32)
    state = plateau_update(cfg, state, torch.tensor(1.0, requires_grad=True))
    assert isinstance(state.scale, torch.Tensor) and state.scale.dtype == torch.float32


@pytest.mark.parametrize("xp", [None, np, torch, array_api_strict])
def test_metric_of_any_array_type(xp):
    """A metric may be a number, a NumPy scalar, a jax array or a torch tensor (with grad)."""
    cfg = plateau_config(patience=0)
    state = plateau_init(cfg, xp=xp)
    for m in [jnp.asarray(1.0), np.float64(2.0), torch.tensor(3.0, requires_grad=True), 4]:
        state = plateau_update(cfg, state, m)
    assert float(state.scale) == pytest.approx(1e-3, rel=1e-6) and int(state.num_reports) == 4


# ---------------------------------------------------------------------------- composition
def test_composes_with_time_based_schedule():
    """chain(sgd(warmup_cosine), plateau): effective lr = schedule(k) * scale_k."""
    import jaxsched

    sched = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 5, 40, 0.1)
    peer_sched = optax.warmup_cosine_decay_schedule(0.0, 1.0, 5, 40, 0.1)
    metrics = [4.0, 3.0, 3.0, 3.0, 2.5, 2.5, 2.5, 2.5, 2.5, 2.0] + [2.0] * 20
    scales = torch_lrs(metrics, factor=0.5, patience=2)  # lr 1: torch's lr is the scale
    assert len(np.unique(scales)) > 3
    tx = optax.chain(optax.sgd(sched), reduce_on_plateau(factor=0.5, patience=2))
    ref_tx = optax.adamw(1.0, weight_decay=0.1)
    adam_tx = optax.chain(optax.adamw(sched, weight_decay=0.1), reduce_on_plateau(factor=0.5, patience=2))
    params = jnp.asarray([1.0, -2.0])
    s, s_ref, s_adam = tx.init(params), ref_tx.init(params), adam_tx.init(params)
    update, ref_update, adam_update = jax.jit(tx.update), jax.jit(ref_tx.update), jax.jit(adam_tx.update)
    for k, m in enumerate(metrics):
        grads = jnp.asarray([1.0, 0.5]) * (k + 1)
        lr_k = float(peer_sched(k)) * scales[k]
        u, s = update(grads, s, params, value=m)
        np.testing.assert_allclose(np.asarray(u), -lr_k * np.asarray(grads), rtol=2e-6, atol=1e-7)
        u_ref, s_ref = ref_update(grads, s_ref, params)
        u_adam, s_adam = adam_update(grads, s_adam, params, value=m)
        np.testing.assert_allclose(np.asarray(u_adam), lr_k * np.asarray(u_ref), rtol=2e-6, atol=1e-7)
        assert float(plateau_scale(s_adam)) == scales[k]


def test_plateau_scale_lookup():
    tx = reduce_on_plateau()
    assert float(plateau_scale(tx.init(jnp.zeros(1)))) == 1.0
    assert isinstance(tx.init(jnp.zeros(1)), PlateauState)
    with pytest.raises(ValueError, match="state"):
        plateau_scale(optax.sgd(0.1).init(jnp.zeros(1)))
    two = optax.chain(reduce_on_plateau(), reduce_on_plateau()).init(jnp.zeros(1))
    with pytest.raises(ValueError, match="exactly one"):
        plateau_scale(two)


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs,exc,name", [
    (dict(factor=1.0), ValueError, "factor"),
    (dict(factor=0.0), ValueError, "factor"),
    (dict(factor=math.nan), ValueError, "factor"),
    (dict(factor="0.1"), TypeError, "factor"),
    (dict(patience=-1), ValueError, "patience"),
    (dict(patience=1.5), ValueError, "patience"),
    (dict(patience=True), TypeError, "patience"),
    (dict(patience=0, semantics="optax"), ValueError, "patience"),
    (dict(threshold=-1e-4), ValueError, "threshold"),
    (dict(threshold=math.inf), ValueError, "threshold"),
    (dict(threshold=0.0, semantics="optax"), ValueError, "threshold"),
    (dict(threshold=1.5, semantics="optax"), ValueError, "threshold"),
    (dict(threshold_mode="relative"), ValueError, "threshold_mode"),
    (dict(cooldown=-2), ValueError, "cooldown"),
    (dict(mode="minimum"), ValueError, "mode"),
    (dict(mode=None), TypeError, "mode"),
    (dict(min_scale=1.5), ValueError, "min_scale"),
    (dict(min_scale=-0.1), ValueError, "min_scale"),
    (dict(min_lr=-1.0, base_lr=1.0), ValueError, "min_lr"),
    (dict(min_lr=1e-3), ValueError, "min_lr"),
    (dict(base_lr=0.0), ValueError, "base_lr"),
    (dict(window=0), ValueError, "window"),
    (dict(semantics="keras"), ValueError, "semantics"),
    (dict(eps=-1.0), ValueError, "eps"),
    (dict(eps=1e-8, semantics="optax"), ValueError, "eps"),
])
def test_invalid_arguments(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        reduce_on_plateau(**kwargs)


@pytest.mark.parametrize("kwargs,name", [
    (dict(rtol=0.0, atol=0.0), "rtol"), (dict(rtol=1.5), "rtol"), (dict(atol=-1.0), "atol"),
    (dict(accumulation_size=0), "accumulation_size"), (dict(patience=0), "patience"),
    (dict(factor=1.0), "factor"), (dict(min_scale=2.0), "min_scale"),
])
def test_invalid_optax_and_torch_names(kwargs, name):
    with pytest.raises(ValueError, match=name):
        plateau_from_optax(**kwargs)
    with pytest.raises(ValueError, match="threshold_mode"):
        plateau_from_torch(threshold_mode="bad")
    with pytest.raises(ValueError, match="min_lr"):
        plateau_from_torch(min_lr=-1.0)


def test_transform_rejects_array_options():
    with pytest.raises(ValueError, match="min_lr"):
        plateau_transform(plateau_config(min_lr=np.array([0.1, 0.2]), base_lr=1.0))
    with pytest.raises(TypeError, match="config"):
        plateau_transform({"factor": 0.1})

"""Metric-driven names (jaxsched/config/ecosystem/plateau_names.py) and ``timm.wsd``.

``torch.ReduceLROnPlateau`` and ``hf.reduce_lr_on_plateau`` are checked against live torch
(2.13) on random metric streams; ``timm.plateau`` against timm's ``PlateauLRScheduler.step``
transcribed below (timm 1.0.31, ``timm/scheduler/plateau_lr.py``; timm is not installed), which
drives the real torch ``ReduceLROnPlateau`` as timm does. ``timm.wsd`` is checked against a
float64 transcription of ``WSDLRScheduler._get_lr`` (``timm/scheduler/wsd_lr.py``, 1.0.31), on
top of the golden cases of test_timm_names.py.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch
from hypothesis import given, settings
from schedule_checks import assert_lrs_close

import jaxsched as js
from jaxsched.torch import Scheduler

HYP = settings(max_examples=30, deadline=None, derandomize=True)


def _params(lrs: list[float]) -> list[torch.nn.Parameter]:
    return [torch.nn.Parameter(torch.zeros(1, dtype=torch.float64)) for _ in lrs]


def _optimizer(lrs: list[float]) -> torch.optim.Optimizer:
    return torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(_params(lrs), lrs)],
                           lr=lrs[0])


def _metrics(seed: int, n: int) -> list[float]:
    """A noisy descent with long plateaus (repeats) and a few NaN-free jumps: reductions happen."""
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
        out.append(round(m, 3) if rng.random() < 0.5 else m)  # rounded: exact ties with best
    return out


TORCH_CONFIGS = [
    {},
    {"factor": 0.5, "patience": 2},
    {"mode": "max", "factor": 0.3, "patience": 1},
    {"threshold_mode": "abs", "threshold": 0.05, "patience": 0},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.1, "cooldown": 2, "patience": 1},
    {"cooldown": 3, "patience": 0, "factor": 0.5, "min_lr": 0.01},
    {"patience": 1, "factor": 0.2, "min_lr": [0.02, 0.001], "eps": 1e-3},
    {"mode": "max", "patience": 0, "cooldown": 1, "min_lr": [0.0, 0.005], "threshold": 0.01},
]


def _torch_lrs(opt: torch.optim.Optimizer) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


@pytest.mark.parametrize("name", ["torch.ReduceLROnPlateau", "hf.reduce_lr_on_plateau"])
@pytest.mark.parametrize("params", TORCH_CONFIGS, ids=[str(c) for c in TORCH_CONFIGS])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bridge_matches_live_torch(name, params, seed):
    lrs = [0.1, 0.05] if isinstance(params.get("min_lr"), list) or seed == 2 else [0.1]
    theirs, ours = _optimizer(lrs), _optimizer(lrs)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **params)
    cfg_params = dict(params, num_warmup_steps=5) if name.startswith("hf.") else params
    sched = Scheduler.from_config(ours, {"type": name, "params": cfg_params})
    assert _torch_lrs(ours) == _torch_lrs(theirs)
    reduced = False
    for m in _metrics(seed, 80):
        ref.step(m)
        sched.step(m)
        assert_lrs_close(_torch_lrs(ours), _torch_lrs(theirs), rtol=1e-12, atol=0)
        assert sched.get_last_lr() == _torch_lrs(ours)
        reduced |= _torch_lrs(theirs) != lrs
    assert reduced  # the stream exercises reductions


@HYP
@given(seed=st.integers(0, 10**6), mode=st.sampled_from(["min", "max"]),
       threshold_mode=st.sampled_from(["rel", "abs"]), threshold=st.sampled_from([0.0, 1e-4, 0.05]),
       factor=st.sampled_from([0.1, 0.5, 0.9]), patience=st.integers(0, 4),
       cooldown=st.integers(0, 3), min_lr=st.sampled_from([0.0, 1e-3, 0.04]))
def test_bridge_matches_live_torch_random(seed, mode, threshold_mode, threshold, factor, patience,
                                          cooldown, min_lr):
    params = dict(mode=mode, threshold_mode=threshold_mode, threshold=threshold, factor=factor,
                  patience=patience, cooldown=cooldown, min_lr=min_lr)
    theirs, ours = _optimizer([0.1]), _optimizer([0.1])
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **params)
    sched = Scheduler.from_config(ours, {"type": "torch.ReduceLROnPlateau", "params": params})
    for m in _metrics(seed, 60):
        ref.step(m)
        sched.step(m)
        assert_lrs_close(_torch_lrs(ours), _torch_lrs(theirs), rtol=1e-12, atol=0)


def test_from_config_returns_schedule_and_plateau():
    spec = js.from_config({"type": "torch.ReduceLROnPlateau",
                           "params": {"lr": 0.1, "mode": "max", "min_lr": 0.01, "patience": 3}})
    assert isinstance(spec, js.PlateauSchedule)
    assert float(spec.schedule(7)) == pytest.approx(0.1)
    p = spec.plateau
    assert (p.semantics, p.mode, p.patience, p.base_lr, p.min_lr, p.eps) == (
        "torch", "max", 3, 0.1, 0.01, 1e-8)
    # a per-group min_lr list: one PlateauSchedule per group, as other per-group lists
    specs = js.from_config({"type": "torch.ReduceLROnPlateau",
                            "params": {"lr": 0.1, "min_lr": [0.01, 0.02]}})
    assert [s.plateau.min_lr for s in specs] == [0.01, 0.02]
    # HF: the step counts are accepted and ignored, as get_scheduler does
    hf = js.from_config({"type": "hf.reduce_lr_on_plateau",
                         "params": {"num_warmup_steps": 10, "num_training_steps": 100, "lr": 0.1}})
    assert hf == js.from_config({"type": "torch.ReduceLROnPlateau", "params": {"lr": 0.1}})


def test_bridge_attributes_and_lr_from_the_optimizer():
    opt = _optimizer([0.3])
    sched = Scheduler.from_config(opt, {"type": "torch.ReduceLROnPlateau",
                                        "params": {"factor": 0.5, "patience": 0}})
    assert (sched.factor, sched.patience, sched.threshold_mode, sched.cooldown) == (0.5, 0, "rel", 0)
    sched.step(1.0)
    sched.step(1.0)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.15, rel=1e-15)


def test_optax_transform_matches_torch():
    params = {"factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": 0.02}
    spec = js.from_config({"type": "torch.ReduceLROnPlateau", "params": dict(params, lr=0.1)})
    tx = optax.chain(optax.sgd(spec.schedule), spec.transform())
    x = jnp.zeros(1)
    state = tx.init(x)
    theirs = _optimizer([0.1])
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **params)
    for m in _metrics(5, 40):
        updates, state = tx.update(jnp.ones(1), state, x, value=m)  # the metric acts on this update
        ref.step(m)
        assert -float(updates[0]) == pytest.approx(_torch_lrs(theirs)[0], rel=1e-6)


def test_bridge_errors():
    opt = _optimizer([0.1, 0.2])
    with pytest.raises(ValueError, match="min_lr must have the same length as optimizer.param_groups"):
        Scheduler.from_config(opt, {"type": "torch.ReduceLROnPlateau",
                                    "params": {"min_lr": [0.1, 0.2, 0.3]}})
    with pytest.raises(ValueError, match="metric-driven"):
        Scheduler.from_config(opt, {"type": "torch.ReduceLROnPlateau", "params": {}},
                              plateau=js.plateau_config())
    with pytest.raises(ValueError, match="factor"):
        js.from_config({"type": "torch.ReduceLROnPlateau", "params": {"factor": 1.5}})
    with pytest.raises(ValueError, match="threshold_mode"):
        js.from_config({"type": "hf.reduce_lr_on_plateau", "params": {"threshold_mode": "x"}})
    with pytest.raises(ValueError, match="patience_t"):  # did-you-mean: timm's own name
        js.from_config({"type": "torch.ReduceLROnPlateau", "params": {"patience_t": 3}})


# ------------------------------------------------------------------ timm.plateau
class TimmPlateauRef:
    """timm 1.0.31 ``PlateauLRScheduler`` (timm/scheduler/plateau_lr.py), transcribed, noise-free.

    ``__init__`` builds torch's ``ReduceLROnPlateau(patience=patience_t, factor=decay_rate,
    threshold, cooldown=cooldown_t, mode, min_lr=lr_min)`` on the optimizer, then with a warmup
    writes ``warmup_lr_init`` (``warmup_steps = (base - warmup_lr_init) / warmup_t``). ``step(epoch,
    metric)``: ``epoch <= warmup_t`` writes ``warmup_lr_init + epoch * s``; else the torch
    scheduler steps with the metric when one is given.
    """

    def __init__(self, optimizer, decay_rate=0.1, patience_t=10, threshold=1e-4, cooldown_t=0,
                 warmup_t=0, warmup_lr_init=0.0, lr_min=0.0, mode="max"):
        self.optimizer = optimizer
        self.base_values = [g["lr"] for g in optimizer.param_groups]
        self.lr_scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, patience=patience_t, factor=decay_rate, threshold=threshold,
            cooldown=cooldown_t, mode=mode, min_lr=lr_min)
        self.warmup_t, self.warmup_lr_init = warmup_t, warmup_lr_init
        if warmup_t:
            self.warmup_steps = [(v - warmup_lr_init) / warmup_t for v in self.base_values]
            for g in optimizer.param_groups:
                g["lr"] = warmup_lr_init
        else:
            self.warmup_steps = [1 for _ in self.base_values]

    def step(self, epoch, metric=None):
        if epoch <= self.warmup_t:
            for g, s in zip(self.optimizer.param_groups, self.warmup_steps):
                g["lr"] = self.warmup_lr_init + epoch * s
        elif metric is not None:
            self.lr_scheduler.step(metric)


@HYP
@given(seed=st.integers(0, 10**6), mode=st.sampled_from(["min", "max"]),
       decay_rate=st.sampled_from([0.1, 0.5]), patience_t=st.integers(0, 3),
       cooldown_t=st.integers(0, 2), warmup_t=st.integers(0, 5),
       warmup_lr_init=st.sampled_from([0.0, 1e-3, 0.05]), lr_min=st.sampled_from([0.0, 0.002]),
       threshold=st.sampled_from([1e-4, 0.02]), two_groups=st.booleans())
def test_timm_plateau_matches_timm(seed, mode, decay_rate, patience_t, cooldown_t, warmup_t,
                                   warmup_lr_init, lr_min, threshold, two_groups):
    params = dict(mode=mode, decay_rate=decay_rate, patience_t=patience_t, cooldown_t=cooldown_t,
                  warmup_t=warmup_t, warmup_lr_init=warmup_lr_init, lr_min=lr_min,
                  threshold=threshold)
    lrs = [0.1, 0.03] if two_groups else [0.1]
    theirs, ours = _optimizer(lrs), _optimizer(lrs)
    ref = TimmPlateauRef(theirs, **params)
    sched = Scheduler.from_config(ours, {"type": "timm.PlateauLRScheduler", "params": params})
    # the host state machine with the schedule, as an optax loop would run it
    spec = js.from_config({"type": "timm.plateau", "params": dict(params, lr=lrs[0])})
    state = js.plateau_init(spec.plateau, xp=np)
    metrics = _metrics(seed, 40)
    for epoch, m in enumerate(metrics):  # timm's train.py: step(epoch + 1, metric) after epoch
        expect = _torch_lrs(theirs)
        assert_lrs_close(_torch_lrs(ours), expect, rtol=1e-12, atol=1e-17)
        host = float(spec.schedule.evaluate(epoch, np)) * float(state.scale)
        assert host == pytest.approx(expect[0], rel=1e-12, abs=1e-17)
        ref.step(epoch + 1, m)
        sched.step(m)
        state = js.plateau_update(spec.plateau, state, m, xp=np)


def test_timm_plateau_defaults_and_refusals():
    spec = js.from_config({"type": "timm.plateau", "params": {"lr": 0.2, "verbose": False}})
    p = spec.plateau
    assert (p.mode, p.factor, p.patience, p.cooldown, p.skip) == ("max", 0.1, 10, 0, None)
    spec = js.from_config({"type": "timm.plateau", "params": {"lr": 1.0, "warmup_t": 4}})
    np.testing.assert_allclose(spec.schedule.evaluate(np.arange(6), np), [0, .25, .5, .75, 1, 1])
    assert spec.plateau.skip == 4
    with pytest.raises(ValueError, match="noise_range_t"):
        js.from_config({"type": "timm.plateau", "params": {"noise_range_t": 5}})
    with pytest.raises(ValueError, match="warmup_t"):
        js.from_config({"type": "timm.plateau", "params": {"warmup_t": -1}})
    with pytest.raises(ValueError, match="metric-driven"):
        from jaxsched.cli.configs import CliConfig, build

        build(CliConfig("x", "timm.plateau", {"type": "timm.plateau", "params": {}}))


def test_skip_ignores_the_first_reports_under_jit():
    import jax

    cfg = js.plateau_config(factor=0.5, patience=0, skip=3)
    state = js.plateau_init(cfg)
    step = jax.jit(lambda s, m: js.plateau_update(cfg, s, m))
    scales = []
    for m in [1.0, 2.0, 3.0, 1.0, 1.0, 1.0]:
        state = step(state, m)
        scales.append(float(state.scale))
    assert scales == [1.0, 1.0, 1.0, 1.0, 0.5, 0.25]  # reports 0-2 ignored: best starts at 1.0


# ------------------------------------------------------------------ timm.wsd
def timm_wsd_ref(p: dict, t: int) -> float:
    """timm 1.0.31 ``WSDLRScheduler`` (timm/scheduler/wsd_lr.py): update 0 is the construction
    value, then ``_get_lr(t)``, transcribed in float64."""
    lr, w, init = p["lr"], p.get("warmup_t", 0), p.get("warmup_lr_init", 0.0)
    lr_min, t0, dt = p.get("lr_min", 0.0), p["t_initial"], p["decay_t"]
    if t == 0:
        return init if w else lr
    if t < w:
        return init + t * ((lr - init) / w)
    ts = t - w
    fn = p.get("stable_fn", "constant")
    if fn == "constant":
        stable = 1.0
    else:
        tau = p.get("stable_timescale") or w
        stable = (1.0 + ts / tau) ** -(0.5 if fn == "rsqrt" else p.get("stable_power", 0.5))
    s = max(lr * stable, lr_min)
    td = ts - (t0 - dt)
    if td <= 0:
        return s
    frac = min(td / dt, 1.0)
    d = p.get("decay_fn", "1-sqrt")
    r = p.get("decay_ratio", 0.1)
    factor = {"linear": 1 - frac, "1-sqrt": 1 - math.sqrt(frac),
              "cosine": 0.5 * (1 + math.cos(math.pi * frac)),
              "power": 1 - frac ** p.get("decay_power", 0.5),
              "exp": (r**frac - r) / (1 - r)}[d]
    return lr_min + (s - lr_min) * factor


@HYP
@given(lr=st.floats(0.01, 2.0), t_initial=st.integers(1, 20), decay_frac=st.floats(0.01, 1.0),
       lr_min_frac=st.sampled_from([0.0, 0.1, 0.9]), warmup_t=st.integers(0, 5),
       warmup_lr_init=st.floats(0.0, 1.0),
       stable_fn=st.sampled_from(["constant", "rsqrt", "power"]),
       stable_timescale=st.sampled_from([None, 2.0, 7.5]), stable_power=st.floats(0.1, 2.0),
       decay_fn=st.sampled_from(["linear", "1-sqrt", "cosine", "power", "exp"]),
       decay_power=st.floats(0.2, 3.0), decay_ratio=st.floats(0.01, 0.9))
def test_timm_wsd_reference(lr, t_initial, decay_frac, lr_min_frac, warmup_t, stable_timescale,
                            stable_fn, **kw):
    if stable_fn != "constant" and stable_timescale is None and warmup_t == 0:
        stable_timescale = 3.0  # timm refuses rsqrt/power without a timescale (tested below)
    p = dict(lr=lr, t_initial=t_initial, decay_t=max(1, math.ceil(decay_frac * t_initial)),
             lr_min=lr * lr_min_frac, warmup_t=warmup_t, stable_fn=stable_fn,
             stable_timescale=stable_timescale, **kw)
    s = js.from_config({"type": "timm.wsd", "params": p})
    n = warmup_t + t_initial + 5
    expect = [timm_wsd_ref(p, t) for t in range(n)]
    np.testing.assert_allclose(s.evaluate(np.arange(n), np), expect, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("params, match", [
    ({"t_initial": 10, "decay_t": 11}, "decay_t"),
    ({"t_initial": 10, "decay_t": 0}, "decay_t"),
    ({"t_initial": 10, "decay_t": 4, "stable_fn": "rsqrt"}, "stable_timescale"),
    ({"t_initial": 10, "decay_t": 4, "stable_fn": "cubic"}, "stable_fn"),
    ({"t_initial": 10, "decay_t": 4, "decay_fn": "step"}, "decay_fn"),
    ({"t_initial": 10, "decay_t": 4, "decay_ratio": 1.0}, "decay_ratio"),
    ({"t_initial": 10, "decay_t": 4, "decay_power": 0.0}, "decay_power"),
    ({"t_initial": 10, "decay_t": 4, "lr_min": -0.1}, "lr_min"),
])
def test_timm_wsd_rejections(params, match):
    with pytest.raises(ValueError, match=match):
        js.from_config({"type": "timm.wsd", "params": dict(params, lr=1.0)})



def test_timm_wsd_callable_decay_fn_refused():
    from jaxsched.config.ecosystem.timm_names import wsd

    with pytest.raises(TypeError, match="decay_fn"):
        wsd(1.0, 10, 4, decay_fn=lambda f: 1 - f)


def test_timm_wsd_jit_and_roundtrip():
    s = js.from_config({"type": "timm.wsd", "params": {
        "lr": 0.5, "t_initial": 12, "decay_t": 4, "warmup_t": 3, "stable_fn": "power",
        "stable_power": 0.3, "decay_fn": "exp", "lr_min": 0.01}})
    host = s.evaluate(np.arange(20), np)
    np.testing.assert_allclose(np.asarray(s(jnp.arange(20))), host, rtol=2e-6)
    assert js.from_config(s.to_config()) == s


def test_inverse_power_decay():
    s = js.inverse_power_decay(2.0, 4.0, 1.5)
    t = np.arange(10)
    np.testing.assert_allclose(s.evaluate(t, np), 2.0 * (1 + t / 4.0) ** -1.5, rtol=1e-14)
    np.testing.assert_allclose(js.inverse_power_decay(1.0, 3.0).evaluate(t, np),
                               js.inverse_sqrt_decay(1.0, 3.0).evaluate(t, np), rtol=1e-14)
    with pytest.raises(ValueError, match="timescale"):
        js.inverse_power_decay(1.0, 0.0)

"""The torch bridge: jaxsched.torch.Scheduler against torch's own schedulers."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched
from jaxsched.torch import Scheduler

STEPS = 1000
SETTINGS = settings(max_examples=6, deadline=None, derandomize=True)


def _two_groups(opt_cls=torch.optim.SGD, **kw):
    """One group with a float lr, one with a tensor lr (torch's own test pattern).

    The tensor lr is float64: torch's recursive schedulers multiply the current lr in place, so
    a float32 tensor lr accumulates float32 rounding step after step (anchors.md c.5), which a
    1e-12 comparison would measure instead of the schedule.
    """
    a = torch.nn.Parameter(torch.zeros(2))
    b = torch.nn.Parameter(torch.zeros(2))
    return opt_cls([{"params": [a], "lr": 0.05},
                    {"params": [b], "lr": torch.tensor(0.5, dtype=torch.float64)}], **kw)


def _record(opt, sched, steps, momentum=False):
    lrs, moms = [], []
    for _ in range(steps):
        lrs.append([float(g["lr"]) for g in opt.param_groups])
        if momentum:
            moms.append([float(g["betas"][0]) if "betas" in g else float(g["momentum"])
                         for g in opt.param_groups])
        opt.step()
        sched.step()
    return np.asarray(lrs), np.asarray(moms)


def _assert_same(ours, theirs):
    scale = max(float(np.max(np.abs(theirs))), 1e-300)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15 * scale)


def _parity(torch_cls, torch_kwargs, cfg_params, steps=STEPS, opt_kw=None, momentum=False,
            opt_cls=torch.optim.SGD):
    opt_kw = opt_kw or {"momentum": 0.9}
    opt_t = _two_groups(opt_cls, **opt_kw)
    theirs = _record(opt_t, torch_cls(opt_t, **torch_kwargs), steps, momentum)
    opt_j = _two_groups(opt_cls, **opt_kw)
    name = "torch." + torch_cls.__name__
    bridge = Scheduler.from_config(opt_j, {"type": name, "params": cfg_params})
    ours = _record(opt_j, bridge, steps, momentum)
    _assert_same(ours[0], theirs[0])
    if momentum:
        _assert_same(ours[1], theirs[1])
    assert isinstance(opt_j.param_groups[1]["lr"], torch.Tensor)  # a tensor lr stays a tensor


L = torch.optim.lr_scheduler


@SETTINGS
@given(st.integers(1, 50), st.sampled_from([0.1, 0.5, 0.9]))
def test_steplr(step_size, gamma):
    kw = dict(step_size=step_size, gamma=gamma)
    _parity(L.StepLR, kw, kw)


@SETTINGS
@given(st.lists(st.integers(1, 400), min_size=1, max_size=5), st.sampled_from([0.1, 0.5]))
def test_multisteplr(milestones, gamma):
    kw = dict(milestones=sorted(milestones), gamma=gamma)
    _parity(L.MultiStepLR, kw, kw)


@SETTINGS
@given(st.sampled_from([0.1, 0.25, 0.5, 1.0]), st.integers(1, 300))
def test_constantlr(factor, total_iters):
    kw = dict(factor=factor, total_iters=total_iters)
    _parity(L.ConstantLR, kw, kw)


@SETTINGS
@given(st.sampled_from([0.125, 0.25, 1.0]), st.sampled_from([0.0, 0.5, 1.0]), st.integers(1, 300))
def test_linearlr(start, end, total_iters):
    kw = dict(start_factor=start, end_factor=end, total_iters=total_iters)
    _parity(L.LinearLR, kw, kw)


@SETTINGS
@given(st.sampled_from([0.99, 0.995, 0.999]))
def test_exponentiallr(gamma):
    _parity(L.ExponentialLR, dict(gamma=gamma), dict(gamma=gamma))


@SETTINGS
@given(st.integers(1, 300), st.sampled_from([0.5, 1.0, 2.0]))
def test_polynomiallr(total_iters, power):
    kw = dict(total_iters=total_iters, power=power)
    _parity(L.PolynomialLR, kw, kw)


@SETTINGS
@given(st.integers(1, 300), st.sampled_from([0.0, 0.001]))
def test_cosineannealinglr(t_max, eta_min):
    kw = dict(T_max=t_max, eta_min=eta_min)
    _parity(L.CosineAnnealingLR, kw, kw)


@SETTINGS
@given(st.integers(1, 100), st.integers(1, 3), st.sampled_from([0.0, 0.001]))
def test_cosineannealingwarmrestarts(t0, t_mult, eta_min):
    kw = dict(T_0=t0, T_mult=t_mult, eta_min=eta_min)
    _parity(L.CosineAnnealingWarmRestarts, kw, kw)


@SETTINGS
@given(st.integers(1, 200), st.one_of(st.none(), st.integers(1, 200)),
       st.sampled_from(["triangular", "triangular2", "exp_range"]))
def test_cycliclr_lr_and_momentum(up, down, mode):
    kw = dict(base_lr=0.01, max_lr=0.1, step_size_up=up, step_size_down=down, mode=mode,
              gamma=0.99951171875)
    _parity(L.CyclicLR, kw, kw, momentum=True)


@SETTINGS
@given(st.integers(20, 1000), st.sampled_from([0.25, 0.3, 0.5]), st.sampled_from(["cos", "linear"]),
       st.booleans())
def test_onecyclelr_lr_and_momentum(total, pct, strategy, three_phase):
    kw = dict(max_lr=0.1, total_steps=total, pct_start=pct, anneal_strategy=strategy,
              three_phase=three_phase)
    _parity(L.OneCycleLR, kw, kw, steps=total, momentum=True)


def test_onecyclelr_with_adam_writes_betas0_only():
    kw = dict(max_lr=0.1, total_steps=200)
    _parity(L.OneCycleLR, kw, kw, steps=200, opt_kw={"betas": (0.9, 0.99)}, momentum=True,
            opt_cls=torch.optim.Adam)


def test_lambdalr_multiplicativelr_swalr_sequential_chained():
    _parity(L.LambdaLR, dict(lr_lambda=lambda k: 0.99 ** k), dict(lr_lambda=lambda k: 0.99 ** k))
    _parity(L.MultiplicativeLR, dict(lr_lambda=lambda k: 0.995), dict(lr_lambda=0.995))
    opt_t = _two_groups(momentum=0.9)
    swa = torch.optim.swa_utils.SWALR(opt_t, swa_lr=0.01, anneal_epochs=20, anneal_strategy="cos")
    theirs = _record(opt_t, swa, 200)
    opt_j = _two_groups(momentum=0.9)
    ours = _record(opt_j, Scheduler.from_config(
        opt_j, {"type": "torch.SWALR", "params": dict(swa_lr=0.01, anneal_epochs=20)}), 200)
    _assert_same(ours[0], theirs[0])
    # SequentialLR and ChainedScheduler from nested torch configs
    opt_t = _two_groups(momentum=0.9)
    seq = L.SequentialLR(opt_t, [L.LinearLR(opt_t, 0.1, total_iters=30),
                                 L.CosineAnnealingLR(opt_t, T_max=100)], milestones=[30])
    theirs = _record(opt_t, seq, 300)
    opt_j = _two_groups(momentum=0.9)
    cfg = {"type": "torch.SequentialLR", "params": {
        "schedulers": [{"type": "torch.LinearLR", "params": {"start_factor": 0.1, "total_iters": 30}},
                       {"type": "torch.CosineAnnealingLR", "params": {"T_max": 100}}],
        "milestones": [30]}}
    ours = _record(opt_j, _relative(opt_j, cfg), 300)
    _assert_same(ours[0], theirs[0])


def _relative(opt, cfg):
    """A composite of relative torch names: one schedule per group with that group's lr."""
    import copy

    scheds = []
    for g in opt.param_groups:
        c = copy.deepcopy(cfg)
        for child in c["params"]["schedulers"]:
            child["params"]["lr"] = float(g["lr"])
        scheds.append(jaxsched.from_config(c))
    return Scheduler(opt, scheds)


def test_reference_vector_and_construction_value():
    opt = _two_groups()
    s = Scheduler(opt, jaxsched.linear_schedule(0.25, 1.0, 8))
    got = [s.get_last_lr()[0]]
    for _ in range(9):
        opt.step()
        s.step()
        got.append(s.get_last_lr()[0])
    np.testing.assert_allclose(got, [0.25, .34375, .4375, .53125, .625, .71875, .8125, .90625, 1.0,
                                     1.0], rtol=1e-15)


# ---------------------------------------------------------------------- optimizers and momentum
class ThreeBetas(torch.optim.Optimizer):
    """A minimal optimizer with three betas (as some Adam variants have)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.99, 0.999)):
        super().__init__(params, dict(lr=lr, betas=betas))

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-g["lr"] * g["betas"][0])


@pytest.mark.parametrize("opt_cls,kw,key", [
    (torch.optim.SGD, dict(lr=0.1, momentum=0.9), "momentum"),
    (torch.optim.Adam, dict(lr=0.1), "betas"),
    (torch.optim.AdamW, dict(lr=0.1, betas=(0.8, 0.95)), "betas"),
    (ThreeBetas, dict(lr=0.1), "betas"),
])
def test_momentum_goes_to_momentum_or_betas0_only(opt_cls, kw, key):
    opt = opt_cls([torch.nn.Parameter(torch.zeros(2))], **kw)
    before = tuple(opt.param_groups[0].get("betas", ()))
    mom = jaxsched.linear_schedule(0.95, 0.85, 10)
    s = Scheduler(opt, jaxsched.constant_schedule(0.1), momentum=mom)
    for k in range(12):
        m = opt.param_groups[0][key][0] if key == "betas" else opt.param_groups[0][key]
        assert m == pytest.approx(0.95 - 0.01 * min(k, 10), rel=1e-12)
        if key == "betas":
            assert tuple(opt.param_groups[0]["betas"][1:]) == before[1:]
        opt.step()
        s.step()


def test_momentum_for_an_optimizer_without_momentum_raises():
    opt = torch.optim.Adagrad([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
        Scheduler(opt, jaxsched.constant_schedule(0.1), momentum=jaxsched.constant_schedule(0.9))


def test_momentum_out_of_range_raises():
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        Scheduler(opt, 0.1, momentum=jaxsched.linear_schedule(0.9, 1.1, 10))


def test_weight_decay_schedule_and_current_values_before_first_step():
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(2))], lr=0.1, weight_decay=0.0)
    wd = jaxsched.cosine_decay(0.1, 10, 0.01)
    s = Scheduler(opt, jaxsched.constant_schedule(0.1), weight_decay=wd,
                  momentum=jaxsched.constant_schedule(0.9))
    vals = s.current_values()
    assert vals == [{"lr": pytest.approx(0.1), "momentum": pytest.approx(0.9),
                     "weight_decay": pytest.approx(0.1)}]
    for k in range(1, 12):
        opt.step()
        s.step()
        want = 0.01 + 0.09 * 0.5 * (1 + math.cos(math.pi * min(k, 10) / 10))
        assert opt.param_groups[0]["weight_decay"] == pytest.approx(want, rel=1e-12)
        assert s.current_values()[0]["weight_decay"] == pytest.approx(want, rel=1e-12)


def test_per_group_scales_from_lr_scale_key_and_list():
    a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [a], "lr_scale": 0.1}, {"params": [b]}], lr=1.0)
    s = Scheduler(opt, jaxsched.cosine_decay(1.0, 10))
    for k in range(12):
        base = 0.5 * (1 + math.cos(math.pi * min(k, 10) / 10))
        assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * base, rel=1e-12, abs=1e-300)
        assert opt.param_groups[1]["lr"] == pytest.approx(base, rel=1e-12, abs=1e-300)
        opt.step()
        s.step()
    opt2 = torch.optim.SGD([{"params": [a]}, {"params": [b]}], lr=1.0)
    s2 = Scheduler(opt2, jaxsched.constant_schedule(2.0), scales=[0.5, 3.0])
    assert [g["lr"] for g in opt2.param_groups] == [1.0, 6.0]
    with pytest.raises(ValueError, match="scales"):
        Scheduler(opt2, 1.0, scales=[1.0])
    assert s2.get_last_lr() is not s2.get_last_lr()  # a new list each call


def test_get_last_lr_is_a_snapshot():
    opt = _two_groups()
    s = Scheduler(opt, jaxsched.linear_schedule(1.0, 0.0, 10))
    snap = s.get_last_lr()
    snap[0] = 123.0
    assert s.get_last_lr()[0] == 1.0
    lr_tensor = opt.param_groups[1]["lr"]
    opt.step()
    s.step()
    assert float(lr_tensor) == pytest.approx(0.9)  # filled in place, same tensor


# ---------------------------------------------------------------------- resume
def _loop(opt, s, steps, metrics=None):
    out = []
    for k in range(steps):
        out.append([float(g["lr"]) for g in opt.param_groups] + [float(opt.param_groups[0]["betas"][0])])
        loss = (opt.param_groups[0]["params"][0] ** 2).sum() + 1.0
        loss.backward()
        opt.step()
        opt.zero_grad()
        if metrics is not None and k % 10 == 9:
            s.step(metrics[k // 10])
        else:
            s.step()
    return out


@pytest.mark.parametrize("with_plateau", [False, True])
@pytest.mark.parametrize("order", ["optimizer_first", "scheduler_first"])
def test_resume_is_bit_identical(order, with_plateau):
    rng = np.random.default_rng(7)
    metrics = list(rng.normal(size=50)) if with_plateau else None
    lr = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 20, 300, end_value=1e-3)
    mom = jaxsched.one_cycle_momentum(total_steps=300)

    def build():
        torch.manual_seed(0)
        p = torch.nn.Parameter(torch.randn(4))
        opt = torch.optim.AdamW([p], lr=0.1)
        plateau = jaxsched.plateau_config(patience=1, factor=0.5) if with_plateau else None
        return opt, Scheduler(opt, lr, momentum=mom, plateau=plateau)

    opt, s = build()
    full = _loop(opt, s, 300, metrics)
    full_param = opt.param_groups[0]["params"][0].detach().clone()
    cut = int(rng.integers(1, 299))
    cut -= cut % 10  # resume at a report boundary so the metric schedule lines up
    cut = max(cut, 10)
    opt, s = build()
    first = _loop(opt, s, cut, metrics)
    buf = io.BytesIO()
    torch.save({"opt": opt.state_dict(), "sched": s.state_dict(),
                "param": opt.param_groups[0]["params"][0].detach().clone()}, buf)
    buf.seek(0)
    ckpt = torch.load(buf, weights_only=True)
    opt2, s2 = build()
    with torch.no_grad():
        opt2.param_groups[0]["params"][0].copy_(ckpt["param"])
    if order == "optimizer_first":
        opt2.load_state_dict(ckpt["opt"])
        s2.load_state_dict(ckpt["sched"])
    else:
        s2.load_state_dict(ckpt["sched"])
        opt2.load_state_dict(ckpt["opt"])
    rest = _loop(opt2, s2, 300 - cut, metrics[cut // 10:] if metrics else None)
    assert first + rest == full  # bit-identical values
    assert torch.equal(opt2.param_groups[0]["params"][0].detach(), full_param)


def test_state_dict_is_plain_data():
    opt = _two_groups()
    s = Scheduler(opt, 0.1, plateau=jaxsched.plateau_config(patience=2))
    s.step(1.0)
    buf = io.BytesIO()
    torch.save(s.state_dict(), buf)
    buf.seek(0)
    sd = torch.load(buf, weights_only=True)
    assert sd["last_epoch"] == 1 and sd["plateau"] is not None


def test_from_config_deepspeed_block_and_momentum():
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=1e-3)
    block = {"type": "OneCycle", "params": {"cycle_min_lr": 0.001, "cycle_max_lr": 0.01,
                                            "cycle_first_step_size": 10, "cycle_momentum": True}}
    s = Scheduler.from_config(opt, block)
    assert s._mom is not None
    for _ in range(10):
        opt.step()
        s.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01, rel=1e-12)


def test_plateau_reduces_like_torch_by_name():
    metrics = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    opt_t = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    t = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, patience=2, factor=0.5)
    theirs = []
    for m in metrics:
        t.step(m)
        theirs.append(opt_t.param_groups[0]["lr"])
    opt_j = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    cfg = jaxsched.plateau_config(patience=2, factor=0.5, semantics="torch")
    s = Scheduler(opt_j, 1.0, plateau=cfg)
    ours = []
    for m in metrics:
        s.report(m)
        ours.append(opt_j.param_groups[0]["lr"])
    assert ours == theirs


# ---------------------------------------------------------------------- device mode
def test_device_mode_matches_host_mode_within_float32():
    lr = jaxsched.sgdr_schedule([dict(init_value=0.0, peak_value=0.1, warmup_steps=5,
                                      decay_steps=50)] * 3)
    mom = jaxsched.linear_schedule(0.95, 0.85, 40)
    opt_h = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=0.1)
    opt_d = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=0.1, capturable=True)
    h = Scheduler(opt_h, lr, momentum=mom)
    d = Scheduler(opt_d, lr, momentum=mom, mode="device")
    assert isinstance(opt_d.param_groups[0]["lr"], torch.Tensor)
    for _ in range(160):
        np.testing.assert_allclose(float(opt_d.param_groups[0]["lr"]), opt_h.param_groups[0]["lr"],
                                   rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(float(opt_d.param_groups[0]["betas"][0]),
                                   opt_h.param_groups[0]["betas"][0], rtol=1e-6)
        for o in (opt_h, opt_d, h, d):
            o.step()
    d.step_to(7)
    assert float(opt_d.param_groups[0]["lr"]) == pytest.approx(float(lr.evaluate(7, np)), rel=1e-6)


def test_compiled_step_with_device_mode_never_recompiles():
    import torch._dynamo
    from torch._dynamo.testing import CompileCounter

    torch._dynamo.reset()
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(0.01), capturable=True)
    sched = Scheduler(opt, jaxsched.warmup_cosine_decay_schedule(0.0, 0.01, 20, 200),
                      momentum=jaxsched.linear_schedule(0.95, 0.85, 200), mode="device")
    x, y = torch.randn(16, 4), torch.randn(16, 1)
    counter = CompileCounter()

    @torch.compile(backend=counter)
    def opt_step():
        opt.step()

    seen = []
    for _ in range(200):
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt_step()
        opt.zero_grad()
        sched.step()
        seen.append(float(opt.param_groups[0]["lr"]))
    assert counter.frame_count == 1, counter.frame_count  # compiled once, never again
    host = jaxsched.warmup_cosine_decay_schedule(0.0, 0.01, 20, 200).evaluate(np.arange(1, 201), np)
    np.testing.assert_allclose(seen, host, rtol=1e-6, atol=1e-10)


@SETTINGS
@given(st.sampled_from([0.05, 0.1, 0.5]), st.integers(1, 20), st.sampled_from([0.9, 0.99]))
def test_chainedscheduler(factor, total_iters, gamma):
    opt_t = _two_groups(momentum=0.9)
    chain = L.ChainedScheduler([L.ConstantLR(opt_t, factor=factor, total_iters=total_iters),
                                L.ExponentialLR(opt_t, gamma=gamma)])
    theirs = _record(opt_t, chain, 300)
    opt_j = _two_groups(momentum=0.9)
    cfg = {"type": "torch.ChainedScheduler", "params": {"schedulers": [
        {"type": "torch.ConstantLR", "params": {"factor": factor, "total_iters": total_iters}},
        {"type": "torch.ExponentialLR", "params": {"gamma": gamma}}]}}
    ours = _record(opt_j, _relative(opt_j, cfg), 300)
    _assert_same(ours[0], theirs[0])


@SETTINGS
@given(st.sampled_from([0.001, 0.01]), st.integers(0, 50), st.sampled_from(["cos", "linear"]))
def test_swalr(swa_lr, anneal_epochs, strategy):
    opt_t = _two_groups(momentum=0.9)
    theirs = _record(opt_t, torch.optim.swa_utils.SWALR(
        opt_t, swa_lr=swa_lr, anneal_epochs=anneal_epochs, anneal_strategy=strategy), 300)
    opt_j = _two_groups(momentum=0.9)
    ours = _record(opt_j, Scheduler.from_config(opt_j, {"type": "torch.SWALR", "params": dict(
        swa_lr=swa_lr, anneal_epochs=anneal_epochs, anneal_strategy=strategy)}), 300)
    _assert_same(ours[0], theirs[0])

"""The bridge's fast paths: plateau ``step(metric)`` in host mode (the rule in Python floats)
and device mode (a table on the device gathered by the device counter)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import jaxsched  # noqa: E402
from jaxsched.torch import Scheduler  # noqa: E402

LRS = (0.1, 0.05)


def _opt(kind: str = "sgd", lr_tensor: bool = False) -> Any:
    ps = [torch.nn.Parameter(torch.zeros(3)) for _ in LRS]
    groups = [{"params": [p], "lr": torch.tensor(a) if lr_tensor else a} for p, a in zip(ps, LRS)]
    if kind == "adam":
        return torch.optim.Adam(groups, betas=(0.9, 0.999))
    return torch.optim.SGD(groups, momentum=0.9)


def _stream(n: int, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(x) for x in np.repeat(rng.normal(size=n // 4 + 1), 4)[:n]]


@pytest.mark.parametrize("mode", ["host", "device"])
def test_plateau_step_metric_matches_reduce_lr_on_plateau(mode):
    opt_t, opt_j = _opt(), _opt()
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, factor=0.5, patience=2, cooldown=1,
                                                     min_lr=[0.01, 0.002])
    cfg = jaxsched.plateau_config(factor=0.5, patience=2, cooldown=1, min_lr=[0.01, 0.002],
                                  base_lr=list(LRS), semantics="torch")
    ours = Scheduler(opt_j, 1.0, scales=list(LRS), plateau=cfg, mode=mode, chunk_size=16)
    changes = 0
    for x in _stream(120):
        before = [float(g["lr"]) for g in opt_t.param_groups]
        ref.step(x)
        ours.step(x)
        want = [float(g["lr"]) for g in opt_t.param_groups]
        changes += want != before
        got = [float(g["lr"]) for g in opt_j.param_groups]
        if mode == "host":
            assert got == want
        else:
            np.testing.assert_allclose(got, want, rtol=1e-6)
    assert changes >= 3


def test_plateau_state_round_trips_through_state_dict():
    cfg = jaxsched.plateau_config(factor=0.5, patience=1)
    a = Scheduler(_opt(), jaxsched.cosine_annealing(1.0, 50), plateau=cfg)
    for x in _stream(30, 1):
        a.step(x)
    sd = a.state_dict()
    b = Scheduler(_opt(), jaxsched.cosine_annealing(1.0, 50), plateau=cfg)
    b.load_state_dict(sd)
    assert b.state_dict() == sd
    for x in _stream(20, 2):
        a.step(x)
        b.step(x)
        assert a.get_last_lr() == b.get_last_lr()


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_device_mode_matches_host_across_refills(kind):
    lr = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 7, 90)
    mom = jaxsched.one_cycle_momentum(0.85, 0.95, 90) if kind == "adam" else None
    opt_h, opt_d = _opt(kind), _opt(kind)
    host = Scheduler(opt_h, lr, momentum=mom, scales=list(LRS))
    dev = Scheduler(opt_d, lr, momentum=mom, scales=list(LRS), mode="device", chunk_size=16)
    for k in range(100):
        if k == 41:  # a jump refills from the new count
            host.step_to(60)
            dev.step_to(60)
        for gh, gd in zip(opt_h.param_groups, opt_d.param_groups):
            np.testing.assert_allclose(float(gd["lr"]), gh["lr"], rtol=2e-6, atol=1e-8)
            if mom is not None:
                np.testing.assert_allclose(float(gd["betas"][0]), gh["betas"][0], rtol=2e-6)
        host.step()
        dev.step()
    assert int(dev._device_step) == host.last_epoch


def test_device_step_is_three_ops_and_never_reads_back():
    from torch.utils._python_dispatch import TorchDispatchMode

    class Count(TorchDispatchMode):
        def __init__(self) -> None:
            super().__init__()
            self.ops: list[str] = []

        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            self.ops.append(str(func))
            return func(*args, **(kwargs or {}))

    opt = _opt("adam")
    s = Scheduler(opt, jaxsched.cosine_annealing(1.0, 1000), momentum=0.9, mode="device",
                  chunk_size=64)
    s.step()
    with Count() as c:
        s.step()
    assert len(c.ops) <= 3, c.ops
    assert not any("_local_scalar_dense" in op for op in c.ops)
    with Count() as c:  # a refill: the formula on counter + arange, still no read-back
        s.step_to(500)
    assert not any("_local_scalar_dense" in op or "item" in op for op in c.ops), c.ops


def test_device_mode_writes_tensors_the_groups_hold():
    # the user's own tensor lr is kept (and copied into); so is one optimizer.load_state_dict puts
    opt = _opt(lr_tensor=True)
    user_lr = opt.param_groups[0]["lr"]
    s = Scheduler(opt, jaxsched.cosine_annealing(1.0, 20), scales=list(LRS), mode="device")
    s.step()
    assert opt.param_groups[0]["lr"] is user_lr
    want = float(jaxsched.cosine_annealing(1.0, 20)(1)) * LRS[0]
    assert float(user_lr) == pytest.approx(want, rel=1e-6)
    opt.load_state_dict(opt.state_dict())  # new lr tensors in the groups
    s.step()
    want = float(jaxsched.cosine_annealing(1.0, 20)(2)) * LRS[0]
    assert float(opt.param_groups[0]["lr"]) == pytest.approx(want, rel=1e-6)
    lrs = s.get_last_lr()
    assert lrs[0] is not opt.param_groups[0]["lr"] and float(lrs[0]) == pytest.approx(want, rel=1e-6)


def _replay(s: Any) -> None:
    """What a CUDA graph that captured ``step()`` replays: the device ops alone, no host code."""
    d = s._dev
    d.counters.add_(d.step_inc)
    torch.minimum(d.counters, d.limits, out=d.counters)
    torch.index_select(d.table, 0, d.index, out=d.row)


def test_device_replays_past_the_table_hold_the_last_row():
    opt = _opt()
    s = Scheduler(opt, jaxsched.cosine_annealing(1.0, 100), mode="device", chunk_size=8)
    for _ in range(20):
        _replay(s)
    assert int(s._device_step) == 20
    want = float(jaxsched.cosine_annealing(1.0, 100)(7))
    assert float(opt.param_groups[0]["lr"]) == pytest.approx(want, rel=1e-6)
    s.step_to(21)  # a jump refills from the step it is given
    assert int(s._device_step) == 21
    want = float(jaxsched.cosine_annealing(1.0, 100)(21))
    assert float(opt.param_groups[0]["lr"]) == pytest.approx(want, rel=1e-6)


def _warmup_cosine_ref(k: int, peak: float, w: int, t: int, end: float) -> float:
    """optax's warmup_cosine_decay_schedule(0, peak, w, t, end) in float64, written from its
    definition (optax 0.2.8, optax/schedules/_schedule.py: a linear ramp from 0 over ``w``
    steps joined at ``w`` to cosine_decay_schedule(peak, t - w, alpha=end / peak), which holds
    its last value past the end)."""
    if k < w:
        return peak * k / w
    tau = min(k - w, t - w) / (t - w)
    return end + (peak - end) * 0.5 * (1.0 + math.cos(math.pi * tau))


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_device_values_follow_the_schedule_past_the_table_and_the_schedule_end(chunk):
    peak, w, t, end = 0.1, 5, 40, 0.001
    opt = _opt()
    s = Scheduler(opt, jaxsched.warmup_cosine_decay_schedule(0.0, peak, w, t, end_value=end),
                  mode="device", chunk_size=chunk)
    for k in range(130):  # many refills, and 90 steps past the schedule's end
        want = _warmup_cosine_ref(k, peak, w, t, end)
        got = float(opt.param_groups[0]["lr"])
        assert got == pytest.approx(want, rel=2e-6, abs=1e-12), k
        assert float(s.get_last_lr()[1]) == pytest.approx(want, rel=2e-6, abs=1e-12), k
        s.step()


def test_device_step_is_three_in_place_ops_on_fixed_tensors():
    # the ops a CUDA graph would capture: in place or into preallocated outputs, nothing
    # allocated, nothing read back; the groups keep the same tensors (same storage)
    from torch.utils._python_dispatch import TorchDispatchMode

    class Record(TorchDispatchMode):
        def __init__(self) -> None:
            super().__init__()
            self.ops: list[str] = []

        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            self.ops.append(str(func))
            return func(*args, **(kwargs or {}))

    opt = _opt("adam")
    s = Scheduler(opt, jaxsched.cosine_annealing(1.0, 1000), momentum=0.9, mode="device",
                  chunk_size=64)
    ptrs = [g["lr"].data_ptr() for g in opt.param_groups] + [
        g["betas"][0].data_ptr() for g in opt.param_groups]
    s.step()
    for _ in range(5):
        with Record() as r:
            s.step()
        assert r.ops == ["aten.add_.Tensor", "aten.minimum.out", "aten.index_select.out"], r.ops
    assert [g["lr"].data_ptr() for g in opt.param_groups] + [
        g["betas"][0].data_ptr() for g in opt.param_groups] == ptrs


def test_device_resume_in_the_middle_of_a_table_is_identical():
    lr = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, 9, 60)
    a = Scheduler(_opt("adam"), lr, momentum=jaxsched.one_cycle_momentum(0.85, 0.95, 60),
                  scales=list(LRS), mode="device", chunk_size=16)
    for _ in range(23):  # 23 = 16 + 7: inside the second table
        a.step()
    opt_b = _opt("adam")
    b = Scheduler(opt_b, lr, momentum=jaxsched.one_cycle_momentum(0.85, 0.95, 60),
                  scales=list(LRS), mode="device", chunk_size=16)
    b.load_state_dict(a.state_dict())
    for _ in range(40):
        a.step()
        b.step()
        assert [float(x) for x in a.get_last_lr()] == [float(x) for x in b.get_last_lr()]
        assert [float(g["betas"][0]) for g in a.optimizer.param_groups] == [
            float(g["betas"][0]) for g in opt_b.param_groups]
    assert int(b._device_step) == b.last_epoch == 63


def test_host_step_rewrites_a_group_value_changed_between_steps():
    # a constant stretch writes the same float objects each step, and skips a group that still
    # holds its value; a group changed in between (by the user, by optimizer.load_state_dict)
    # gets the scheduled value again
    cfg = jaxsched.plateau_config(factor=0.5, patience=1, base_lr=list(LRS), semantics="torch")
    opt = _opt()
    s = Scheduler(opt, 1.0, scales=list(LRS), plateau=cfg)
    s.step(1.0)
    opt.param_groups[0]["lr"] = 123.0
    opt.param_groups[1]["lr"] = torch.tensor(7.0)
    s.step(0.5)
    assert opt.param_groups[0]["lr"] == LRS[0]
    assert float(opt.param_groups[1]["lr"]) == pytest.approx(LRS[1])
    assert s.get_last_lr() == list(LRS)
    for _ in range(3):  # bad metrics: one reduction (patience 1)
        s.step(2.0)
    assert opt.param_groups[0]["lr"] == LRS[0] * 0.5
    assert s.get_last_lr()[0] == LRS[0] * 0.5


def test_host_plateau_on_a_schedule_is_the_schedule_times_the_plateau_factor():
    # the factor from torch's ReduceLROnPlateau on the same metrics (its lr over its base lr)
    peak, w, t, end = 1.0, 5, 40, 0.01
    cfg = jaxsched.plateau_config(factor=0.5, patience=2, base_lr=list(LRS), semantics="torch")
    opt = _opt()
    s = Scheduler(opt, jaxsched.warmup_cosine_decay_schedule(0.0, peak, w, t, end_value=end),
                  scales=list(LRS), plateau=cfg, chunk_size=8)
    opt_t = _opt()
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, factor=0.5, patience=2)
    for k, x in enumerate(_stream(60, 5), start=1):
        ref.step(x)
        s.step(x)
        for g, gt, a in zip(opt.param_groups, opt_t.param_groups, LRS):
            want = _warmup_cosine_ref(k, peak, w, t, end) * a * (gt["lr"] / a)
            assert g["lr"] == pytest.approx(want, rel=1e-12, abs=1e-15), k
    assert opt_t.param_groups[0]["lr"] < LRS[0] / 2  # reductions happened


def test_device_mode_resume_restores_the_plateau_factor():
    cfg = jaxsched.plateau_config(factor=0.5, patience=1)
    lr = jaxsched.cosine_annealing(1.0, 100)
    a = Scheduler(_opt(), lr, plateau=cfg, mode="device")
    for x in [1.0, 1.0, 1.0, 1.0, 1.0]:
        a.step(x)
    assert a._plateau_factors()[0] < 1.0
    opt = _opt()
    b = Scheduler(opt, lr, plateau=cfg, mode="device")
    b.load_state_dict(a.state_dict())
    want = float(lr(5)) * a._plateau_factors()[0]
    assert float(opt.param_groups[0]["lr"]) == pytest.approx(want, rel=1e-6)

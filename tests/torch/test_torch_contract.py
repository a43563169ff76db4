"""The bridge keeps torch's observable LRScheduler contract (issue 12, "drop-in for real").

Every expected value comes from live torch (``torch.optim.lr_scheduler``): ``initial_lr`` and
``base_lrs``, resuming with ``last_epoch=k``, the deprecated ``step(epoch)``, the constructor
arguments as attributes, and ``ReduceLROnPlateau(min_lr=[...])`` per param group.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import jaxsched
from jaxsched.torch import Scheduler

L = torch.optim.lr_scheduler


def _opt(lrs: tuple[float, ...] = (0.05, 0.5), tensor_lr: bool = False) -> torch.optim.SGD:
    """SGD with one group per lr (the last one a float64 tensor lr when ``tensor_lr``)."""
    groups = []
    for i, lr in enumerate(lrs):
        value = torch.tensor(lr, dtype=torch.float64) if tensor_lr and i == len(lrs) - 1 else lr
        groups.append({"params": [torch.nn.Parameter(torch.zeros(2))], "lr": value})
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def _lrs(opt: torch.optim.Optimizer) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


def _torch(opt: torch.optim.Optimizer, name: str, params: dict, **kw: object) -> L.LRScheduler:
    params = dict(params)
    if name == "LambdaLR":
        params["lr_lambda"] = _LAMBDA
    return getattr(L, name)(opt, **params, **kw)


def _ours(opt: torch.optim.Optimizer, name: str, params: dict, **kw: object) -> Scheduler:
    params = dict(params)
    if name == "LambdaLR":
        params["lr_lambda"] = _LAMBDA
    return Scheduler.from_config(opt, {"type": f"torch.{name}", "params": params}, **kw)


def _LAMBDA(k: int) -> float:
    return 0.97 ** k


@pytest.fixture(autouse=True)
def _no_call_order_warnings():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler.step\(\)`")
        warnings.filterwarnings("ignore", message=r"Seems like `optimizer.step\(\)`")
        yield


def _close(ours, theirs, rtol: float = 1e-10) -> None:
    np.testing.assert_allclose(np.asarray(ours, dtype=np.float64),
                               np.asarray(theirs, dtype=np.float64), rtol=rtol, atol=1e-15)


# ---------------------------------------------------------------------- initial_lr and base_lrs
# schedulers whose torch get_lr reads base_lrs (so a second scheduler shows the base it took)
BASE_READERS = [
    ("LambdaLR", {}),
    ("CosineAnnealingWarmRestarts", dict(T_0=7, T_mult=2, eta_min=0.001)),
]


@pytest.mark.parametrize("name,params", BASE_READERS)
@pytest.mark.parametrize("tensor_lr", [False, True])
def test_second_scheduler_on_the_same_optimizer_starts_from_initial_lr(name, params, tensor_lr):
    def run(make):
        opt = _opt(tensor_lr=tensor_lr)
        first = make(opt, "ExponentialLR", dict(gamma=0.5))
        for _ in range(4):
            opt.step()
            first.step()
        second = make(opt, name, params)
        out = [_lrs(opt)]
        for _ in range(20):
            opt.step()
            second.step()
            out.append(_lrs(opt))
        return second, out, [float(g["initial_lr"]) for g in opt.param_groups]

    theirs_sched, theirs, theirs_initial = run(_torch)
    ours_sched, ours, ours_initial = run(_ours)
    assert ours_initial == theirs_initial == [0.05, 0.5]
    _close([float(x) for x in ours_sched.base_lrs], [float(x) for x in theirs_sched.base_lrs])
    _close(ours, theirs)


@pytest.mark.parametrize("name,params", BASE_READERS)
def test_scheduler_after_optimizer_load_state_dict_uses_the_loaded_initial_lr(name, params):
    def run(make):
        opt = _opt()
        sched = make(opt, "ExponentialLR", dict(gamma=0.5))
        for _ in range(3):
            opt.step()
            sched.step()
        state = opt.state_dict()
        opt2 = _opt()
        opt2.load_state_dict(state)  # holds initial_lr and the decayed lr
        fresh = make(opt2, name, params)
        out = [_lrs(opt2)]
        for _ in range(10):
            opt2.step()
            fresh.step()
            out.append(_lrs(opt2))
        return fresh, out

    theirs_sched, theirs = run(_torch)
    ours_sched, ours = run(_ours)
    assert ours_sched.base_lrs == theirs_sched.base_lrs
    _close(ours, theirs)


def test_base_lrs_are_the_initial_lrs_for_any_schedule():
    opt_t = _opt()
    theirs = L.LambdaLR(opt_t, lambda k: 0.5)
    opt_j = _opt()
    ours = Scheduler(opt_j, jaxsched.constant_schedule(0.01))  # schedule(0) is not the group lr
    assert ours.base_lrs == theirs.base_lrs == [0.05, 0.5]
    assert [g["initial_lr"] for g in opt_j.param_groups] == [g["initial_lr"] for g in opt_t.param_groups]


# ---------------------------------------------------------------------- last_epoch=k (resume)
# torch computes these in closed form (or recursively from a step that lands on it): resumed
# with last_epoch=k they stand at k + 1 with the values of step k + 1, as the bridge
RESUMABLE = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[4, 9, 15], gamma=0.25)),
    ("ConstantLR", dict(factor=0.5, total_iters=10)),
    ("LambdaLR", {}),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, T_mult=2)),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=60)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6)),
]
# torch 2.13's initial step of these keeps the loaded lr(k) at last_epoch k + 1 (their get_lr
# returns group["lr"] while _is_initial), and their recursive updates then drift from their own
# closed form; the bridge keeps lr = schedule(last_epoch), torch's own _get_closed_form_lr
RECURSIVE = [
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.001)),
    ("LinearLR", dict(start_factor=0.25, total_iters=12)),
    ("PolynomialLR", dict(total_iters=25, power=2.0)),
]


def _resume(make, name, params, k, steps=15):
    """torch's resume: the optimizer loads a checkpoint taken after ``k`` steps, then the
    scheduler is built with ``last_epoch=k``. Returns the scheduler's last_epoch, the lrs, and
    torch's closed form at each step (where the scheduler has one)."""
    opt = _opt()
    sched = make(opt, name, params)
    for _ in range(k):
        opt.step()
        sched.step()
    state = opt.state_dict()
    opt2 = _opt()
    opt2.load_state_dict(state)
    resumed = make(opt2, name, params, last_epoch=k)
    epochs, lrs, closed = [], [], []
    for i in range(steps + 1):
        if i:
            opt2.step()
            resumed.step()
        epochs.append(resumed.last_epoch)
        lrs.append(_lrs(opt2))
        if hasattr(resumed, "_get_closed_form_lr"):
            closed.append([float(x) for x in resumed._get_closed_form_lr()])
    return epochs, lrs, closed


@pytest.mark.parametrize("name,params", RESUMABLE)
@pytest.mark.parametrize("k", [0, 7])
def test_resume_with_last_epoch_matches_torch(name, params, k):
    theirs = _resume(_torch, name, params, k)
    ours = _resume(_ours, name, params, k)
    assert ours[0] == theirs[0]
    assert ours[0][0] == k + 1
    _close(ours[1], theirs[1], rtol=1e-9)


@pytest.mark.parametrize("name,params", RECURSIVE)
@pytest.mark.parametrize("k", [0, 7])
def test_resume_of_recursive_forms_matches_torch_closed_form(name, params, k):
    theirs = _resume(_torch, name, params, k)
    ours = _resume(_ours, name, params, k)
    assert ours[0] == theirs[0]
    assert ours[0][0] == k + 1
    _close(ours[1], theirs[2], rtol=1e-9)  # torch's closed form at the same last_epoch


def test_resume_without_initial_lr_raises_keyerror_like_torch():
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        L.StepLR(_opt(), step_size=2, last_epoch=3)
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        Scheduler(_opt(), jaxsched.constant_schedule(0.1), last_epoch=3)
    with pytest.raises(KeyError, match=r"param 'initial_lr' is not specified in param_groups\[0\]"):
        _ours(_opt(), "StepLR", dict(step_size=2), last_epoch=3)


def test_resume_in_device_mode_matches_host_mode():
    schedule = jaxsched.cosine_decay_schedule(0.1, 40, alpha=0.01)

    def run(mode):
        params = [torch.nn.Parameter(torch.zeros(2))]
        opt = torch.optim.Adam(params, lr=0.1, capturable=mode == "device")
        opt.param_groups[0]["initial_lr"] = 0.1
        sched = Scheduler(opt, schedule, mode=mode, last_epoch=9)
        out = [(sched.last_epoch, float(opt.param_groups[0]["lr"]))]
        for _ in range(5):
            sched.step()
            out.append((sched.last_epoch, float(opt.param_groups[0]["lr"])))
        return out

    host, device = run("host"), run("device")
    assert [e for e, _ in host] == [e for e, _ in device] == list(range(10, 16))
    _close([x for _, x in device], [x for _, x in host], rtol=1e-6)
    _close([x for _, x in host], [float(schedule(e)) for e in range(10, 16)], rtol=1e-6)


# ---------------------------------------------------------------------- step(epoch)
CLOSED_FORMS = [
    ("CosineAnnealingLR", dict(T_max=20, eta_min=0.001)),
    ("StepLR", dict(step_size=4, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[3, 10], gamma=0.1)),
    ("ExponentialLR", dict(gamma=0.95)),
    ("LinearLR", dict(start_factor=0.5, end_factor=1.0, total_iters=8)),
    ("ConstantLR", dict(factor=0.25, total_iters=6)),
    ("PolynomialLR", dict(total_iters=15, power=1.5)),
]


@pytest.mark.parametrize("name,params", CLOSED_FORMS)
def test_step_epoch_jumps_like_torch_and_warns(name, params):
    epochs = [5, 17, 3, 0, 12, 30]

    def run(make):
        opt = _opt()
        sched = make(opt, name, params)
        out = []
        for e in epochs:
            opt.step()
            with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
                sched.step(e)
            out.append((sched.last_epoch, _lrs(opt), list(map(float, sched.get_last_lr()))))
            opt.step()
            sched.step()  # step() after a jump continues from it
            out.append((sched.last_epoch, _lrs(opt), list(map(float, sched.get_last_lr()))))
        return out

    theirs, ours = run(_torch), run(_ours)
    assert [e for e, _, _ in ours] == [e for e, _, _ in theirs]
    _close([x for _, x, _ in ours], [x for _, x, _ in theirs], rtol=1e-9)
    _close([x for _, _, x in ours], [x for _, _, x in theirs], rtol=1e-9)


def test_step_epoch_keyword_and_plain_schedule():
    opt_t = _opt()
    theirs = L.CosineAnnealingLR(opt_t, T_max=10)
    opt_j = _opt()
    ours = Scheduler(opt_j, [jaxsched.cosine_decay_schedule(lr, 10) for lr in (0.05, 0.5)])
    for s in (theirs, ours):
        with pytest.warns(UserWarning, match="deprecated"):
            s.step(epoch=7)
    assert ours.last_epoch == theirs.last_epoch == 7
    _close(_lrs(opt_j), _lrs(opt_t), rtol=1e-7)  # float32 schedule constants
    np.testing.assert_allclose(_lrs(opt_t)[0], 0.05 * (1 + math.cos(math.pi * 0.7)) / 2, rtol=1e-12)


# ---------------------------------------------------------------------- attributes
ATTRIBUTES = [
    ("StepLR", dict(step_size=3), ["step_size", "gamma"]),
    ("ExponentialLR", dict(gamma=0.9), ["gamma"]),
    ("CosineAnnealingLR", dict(T_max=10), ["T_max", "eta_min"]),
    ("CosineAnnealingWarmRestarts", dict(T_0=5), ["T_0", "T_mult", "eta_min"]),
    ("LinearLR", dict(total_iters=4), ["start_factor", "end_factor", "total_iters"]),
    ("ConstantLR", dict(), ["factor", "total_iters"]),
    ("PolynomialLR", dict(total_iters=9), ["total_iters", "power"]),
    ("OneCycleLR", dict(max_lr=0.1, epochs=3, steps_per_epoch=20), ["total_steps", "cycle_momentum"]),
    ("OneCycleLR", dict(max_lr=0.1, total_steps=70), ["total_steps"]),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5), ["gamma", "scale_mode", "cycle_momentum"]),
]


@pytest.mark.parametrize("name,params,names", ATTRIBUTES)
def test_constructor_arguments_are_read_only_attributes(name, params, names):
    opt_t, opt_j = _opt(), _opt()
    theirs, ours = _torch(opt_t, name, params), _ours(opt_j, name, params)
    for attr in names:
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert ours.optimizer is opt_j
    assert ours.last_epoch == theirs.last_epoch == 0
    _close([float(x) for x in ours.base_lrs], [float(x) for x in theirs.base_lrs])
    for attr in [*names, "optimizer", "base_lrs", "last_epoch"]:
        with pytest.raises(AttributeError, match=f"`{attr}` is read-only.*immutable"):
            setattr(ours, attr, 1)
        with pytest.raises(AttributeError, match=f"`{attr}` is read-only.*immutable"):
            delattr(ours, attr)
        assert getattr(ours, attr) is not None
    assert ours.last_epoch == 0
    with pytest.raises(AttributeError, match="no_such_name"):
        ours.no_such_name  # noqa: B018


def test_base_lrs_is_a_copy():
    opt = _opt()
    sched = Scheduler(opt, 0.1)
    sched.base_lrs.append(1.0)
    sched.base_lrs[0] = 9.0
    assert sched.base_lrs == [0.05, 0.5]


def test_last_epoch_setter_names_how_to_move():
    sched = Scheduler(_opt(), 0.1)
    with pytest.raises(AttributeError, match=r"step_to\(k\)"):
        sched.last_epoch = 5


# ---------------------------------------------------------------------- plateau min_lr per group
def test_plateau_min_lr_per_group_list_matches_torch():
    metrics = [3.0, 2.0] + [2.0] * 14
    lrs = (1.0, 0.5)
    opt_t = _opt(lrs)
    t = L.ReduceLROnPlateau(opt_t, factor=0.5, patience=1, min_lr=[0.05, 0.2])
    theirs = []
    for m in metrics:
        opt_t.step()
        t.step(m)
        theirs.append(_lrs(opt_t))
    opt_j = _opt(lrs)
    cfg = jaxsched.plateau_config(factor=0.5, patience=1, min_lr=[0.05, 0.2], base_lr=list(lrs),
                                  semantics="torch")
    ours_sched = Scheduler(opt_j, 1.0, scales=list(lrs), plateau=cfg)
    ours = []
    for m in metrics:
        opt_j.step()
        ours_sched.step(m)
        ours.append(_lrs(opt_j))
    assert ours == theirs
    assert theirs[-1] == [0.05, 0.2]  # both floors reached: one per group


def test_plateau_min_lr_list_of_the_wrong_length_raises_valueerror():
    with pytest.raises(ValueError):
        L.ReduceLROnPlateau(_opt(), min_lr=[0.1, 0.1, 0.1])
    cfg = jaxsched.plateau_config(min_lr=[0.1, 0.1, 0.1], base_lr=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"`min_lr`.*\(2\), got 3"):
        Scheduler(_opt(), 1.0, plateau=cfg)
    with pytest.raises(ValueError, match=r"`min_lr`.*3.*2"):
        jaxsched.plateau_config(min_lr=[0.1, 0.1, 0.1], base_lr=[1.0, 1.0])

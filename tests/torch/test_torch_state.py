"""Checkpoints that belong to another configuration, corrupt values and bad values are refused
(issue 12, "drop-in for real").

- ``Scheduler.load_state_dict`` checks every field's type and range and that the checkpoint was
  written by the same configuration (schedules, group count, scales, plateau, mode), unless the
  change is named in ``allow_changes``; a version-1 checkpoint loads with a ``DeprecationWarning``.
- A schedule that would write a negative or non-finite learning rate (or weight decay) raises
  ``ValueError`` at construction, as torch's optimizers refuse ``lr < 0``, or when the chunk
  holding the first bad step is evaluated.
- ``Scheduler.from_config`` raises torch's exception type with torch's words where torch raises
  ``ValueError`` for a bad argument (expected behaviour from live torch).
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.optim.swa_utils import SWALR

import jaxsched
from jaxsched.torch import Scheduler

L = torch.optim.lr_scheduler
COS = jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 10, 100, end_value=1e-3)


def _opt(n: int = 2, betas: bool = False) -> torch.optim.Optimizer:
    """An optimizer with ``n`` param groups (SGD with momentum, or AdamW with ``betas``)."""
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))]} for _ in range(n)]
    if betas:
        return torch.optim.AdamW(groups, lr=0.1)
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def _lrs(opt: torch.optim.Optimizer) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


def _roundtrip(state: dict) -> dict:
    """``state`` through ``torch.save`` and ``torch.load(weights_only=True)``."""
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def _source(**overrides: Any) -> tuple[Scheduler, dict]:
    """A two-group scheduler (lr, momentum, plateau) moved to step 7, and its saved state."""
    kw: dict[str, Any] = dict(momentum=jaxsched.one_cycle_momentum(total_steps=100), scales=[1.0, 0.5],
                              plateau=jaxsched.plateau_config(patience=1, factor=0.5))
    kw.update(overrides)
    opt = _opt(int(kw.pop("groups", 2)), betas=kw.get("mode") == "device")
    sched = Scheduler(opt, kw.pop("schedule", COS), **kw)
    for k in range(7):
        sched.step(float(k % 3) if sched.plateau is not None else None)
    return sched, _roundtrip(sched.state_dict())


# ---------------------------------------------------------------------------- state_dict contents
def test_state_dict_is_plain_data_and_holds_the_configuration() -> None:
    sched, state = _source()
    assert state == sched.state_dict()
    assert state["version"] == 2 and state["groups"] == 2 and state["mode"] == "host"
    assert set(state["schedules"]) == {"lr", "momentum", "weight_decay"}
    assert state["schedules"]["weight_decay"] is None
    assert len(state["schedules"]["lr"]) == 2 and all(isinstance(x, str) for x in state["schedules"]["lr"])
    assert state["plateau_config"]["patience"] == 1 and state["plateau_config"]["mode"] == "min"


def test_fingerprint_is_stable_across_equal_schedules_and_differs_otherwise() -> None:
    a = Scheduler(_opt(1), jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 10, 100, end_value=1e-3))
    b = Scheduler(_opt(1), COS)
    c = Scheduler(_opt(1), jaxsched.warmup_cosine_decay_schedule(0.0, 0.1, 10, 101, end_value=1e-3))
    fa, fb, fc = (s.state_dict()["schedules"]["lr"] for s in (a, b, c))
    assert fa == fb and fa != fc


# ---------------------------------------------------------------------------- configuration mismatches
MISMATCHES: dict[str, tuple[dict, str]] = {
    # target's constructor overrides -> the field the error must name
    "other schedule": (dict(schedule=jaxsched.constant_schedule(0.1)), "`schedule`"),
    "other schedule in group 1": (dict(schedule=[COS, jaxsched.constant_schedule(0.1)]),
                                  r"`schedule \(param group 1\)`"),
    "other momentum": (dict(momentum=jaxsched.one_cycle_momentum(total_steps=200)), "`momentum`"),
    "momentum dropped": (dict(momentum=None), "`momentum`"),
    "weight decay added": (dict(weight_decay=0.01), "`weight_decay`"),
    "fewer groups": (dict(groups=1, scales=[1.0]), "`groups`"),
    "more groups": (dict(groups=3, scales=[1.0, 0.5, 0.5]), "`groups`"),
    "changed scales": (dict(scales=[1.0, 0.25]), "`scales`"),
    "plateau in another mode": (dict(plateau=jaxsched.plateau_config(patience=1, factor=0.5, mode="max")),
                                "`plateau.mode`"),
    "plateau with another factor": (dict(plateau=jaxsched.plateau_config(patience=1, factor=0.1)),
                                    "`plateau.factor`"),
    "plateau dropped": (dict(plateau=None), "`plateau`"),
    "device mode": (dict(mode="device"), "`mode`"),
}


@pytest.mark.parametrize("case", list(MISMATCHES))
def test_load_state_dict_refuses_another_configuration(case: str) -> None:
    _, state = _source()
    overrides, field = MISMATCHES[case]
    if case == "device mode":  # device mode schedules momentum through betas[0]: same source, AdamW
        _, state = _source(momentum=None)
        overrides = dict(overrides, momentum=None)
    target, _ = _source(**overrides)
    before = (target.last_epoch, _lrs(target.optimizer))
    match = rf"{field} differs: the checkpoint holds .+, this scheduler holds"
    with pytest.raises(ValueError, match=match):
        target.load_state_dict(state)
    assert (target.last_epoch, _lrs(target.optimizer)) == before  # nothing changed


def test_load_state_dict_refuses_a_plateau_the_checkpoint_lacks() -> None:
    _, state = _source(plateau=None)
    target, _ = _source()
    with pytest.raises(ValueError, match="`plateau` differs: the checkpoint holds 'none'"):
        target.load_state_dict(state)


@pytest.mark.parametrize("change", ["schedule", "scales", "plateau", "mode"])
def test_allow_changes_loads_the_step_and_keeps_this_configuration(change: str) -> None:
    src_kw: dict[str, Any] = dict(momentum=None)
    new_kw = {
        "schedule": dict(schedule=jaxsched.constant_schedule(0.2)),
        "scales": dict(scales=[2.0, 3.0]),
        "plateau": dict(plateau=jaxsched.plateau_config(patience=1, factor=0.1)),
        "mode": dict(mode="device"),
    }[change]
    _, state = _source(**src_kw)
    target, _ = _source(**src_kw, **new_kw)
    reference, _ = _source(**src_kw, **new_kw)  # the same configuration, to compare values with
    target.load_state_dict(state, allow_changes=(change,))
    assert target.last_epoch == 7
    reference.step_to(7)
    if change == "plateau":  # the saved plateau state was restored: compare with torch-free facts
        assert target._plateau_state.num_reports == 7
    else:
        np.testing.assert_allclose(_lrs(target.optimizer), _lrs(reference.optimizer), rtol=1e-6)
    assert target.scales == reference.scales


def test_allow_changes_plateau_accepts_a_plateau_added_or_removed() -> None:
    _, with_plateau = _source()
    target, _ = _source(plateau=None)
    target.load_state_dict(with_plateau, allow_changes="plateau")
    assert target.last_epoch == 7 and target.plateau is None


def test_allow_changes_rejects_an_unknown_name() -> None:
    sched, state = _source()
    with pytest.raises(ValueError, match="`allow_changes` holds 'groups'"):
        sched.load_state_dict(state, allow_changes=("groups",))


# ---------------------------------------------------------------------------- corrupt values
CORRUPT: list[tuple[str, Any, str]] = [
    ("last_epoch", -5, "`last_epoch` must be an integer in"),
    ("last_epoch", 1.5, "`last_epoch` must be an integer in"),
    ("last_epoch", 2**63, "`last_epoch` must be an integer in"),
    ("last_epoch", True, "`last_epoch` must be an integer in"),
    ("last_epoch", "7", "`last_epoch` must be an integer in"),
    ("step_count", -1, "`step_count` must be an integer in"),
    ("step_count", 2.5, "`step_count` must be an integer in"),
    ("scales", [float("nan"), 0.5], r"`scales\[0\]` must be a finite number >= 0"),
    ("scales", [1.0, -1.0], r"`scales\[1\]` must be a finite number >= 0"),
    ("scales", [1.0, float("inf")], r"`scales\[1\]` must be a finite number >= 0"),
    ("scales", [1.0, "0.5"], r"`scales\[1\]` must be a finite number >= 0"),
    ("scales", [1.0], "`scales` must be a list with one number per param group"),
    ("scales", 1.0, "`scales` must be a list"),
    ("groups", 2.0, "`groups` must be an integer"),
    ("mode", "gpu", "`mode` must be 'host' or 'device'"),
    ("schedules", {"lr": ["x", "y"]}, "`schedules` must be a dict with the keys"),
    ("plateau_config", 3, "`plateau_config` must be None or a dict"),
    ("plateau", {"scale": 1.0}, "`plateau` must be a dict with the keys"),
    ("version", True, "unsupported state_dict version True"),
]


@pytest.mark.parametrize(("field", "value", "match"), CORRUPT,
                         ids=[f"{f}={v!r}" for f, v, _ in CORRUPT])
def test_load_state_dict_refuses_corrupt_values(field: str, value: Any, match: str) -> None:
    sched, state = _source()
    before = (sched.last_epoch, _lrs(sched.optimizer))
    with pytest.raises(ValueError, match=match):
        sched.load_state_dict({**state, field: value})
    assert (sched.last_epoch, _lrs(sched.optimizer)) == before


@pytest.mark.parametrize(("key", "value", "match"), [
    ("scale", float("nan"), r"`plateau\['scale'\]`"),
    ("scale", -0.5, r"`plateau\['scale'\]`"),
    ("num_bad", 1.5, r"`plateau\['num_bad'\]`"),
    ("num_bad", -1, r"`plateau\['num_bad'\]`"),
    ("best", [1.0, 2.0], r"`plateau\['best'\]` must be of shape"),
])
def test_load_state_dict_refuses_a_corrupt_plateau_state(key: str, value: Any, match: str) -> None:
    sched, state = _source()
    with pytest.raises(ValueError, match=match):
        sched.load_state_dict({**state, "plateau": {**state["plateau"], key: value}})


@pytest.mark.parametrize("change", ["missing", "unknown"])
def test_load_state_dict_refuses_missing_or_unknown_keys(change: str) -> None:
    sched, state = _source()
    if change == "missing":
        del state["mode"]
        match = r"has no \['mode'\]"
    else:
        state["lr"] = 0.1
        match = r"unknown keys \['lr'\]"
    with pytest.raises(ValueError, match=match):
        sched.load_state_dict(state)


# ---------------------------------------------------------------------------- version-1 checkpoints
def _v1(state: dict) -> dict:
    out = {k: state[k] for k in ("last_epoch", "step_count", "scales", "plateau")}
    return {"version": 1, **out}


def test_version_1_state_loads_with_a_deprecation_warning() -> None:
    _, state = _source()
    target, _ = _source()
    target.step_to(0)
    with pytest.warns(DeprecationWarning, match="version 1.*no fingerprint of the schedules"):
        target.load_state_dict(_v1(state))
    assert target.last_epoch == 7


@pytest.mark.parametrize(("overrides", "match"), [
    (dict(scales=[1.0, 0.25]), "`scales` differs"),
    (dict(groups=1, scales=[1.0]), "`groups` differs"),
    (dict(plateau=None), "`plateau` differs"),
])
def test_version_1_state_still_checks_what_it_holds(overrides: dict, match: str) -> None:
    _, state = _source()
    target, _ = _source(**overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match=match):
            target.load_state_dict(_v1(state))


# ---------------------------------------------------------------------------- bad values
# a cosine from 0.1 less 0.05: negative from the middle on; its first negative step from NumPy
NEGATIVE_LATER = jaxsched.cosine_decay_schedule(0.1, 100) - 0.05
_FIRST_BELOW = int(np.argmax(np.asarray(NEGATIVE_LATER.evaluate(np.arange(200), np)) < 0))


def _nan_at_7(k: Any) -> Any:
    return np.where(np.asarray(k) == 7, np.nan, 0.1)


def _inf_from_3(k: Any) -> Any:
    return np.where(np.asarray(k) >= 3, np.inf, 0.1)


BAD_VALUES: dict[str, tuple[dict, str]] = {
    "negative constant": (dict(schedule=-0.1), r"Invalid learning rate: `lr schedule` gives -0\.1 at "
                          "step 0"),
    "goes negative": (dict(schedule=NEGATIVE_LATER),
                      rf"Invalid learning rate: `lr schedule` gives -[0-9.e-]+ at step {_FIRST_BELOW}\b"),
    "nan at step 7": (dict(schedule=jaxsched.lambda_schedule(_nan_at_7)), "gives nan at step 7"),
    # a built-in growth is held at the float32 max (issue 14), so a user function gives the inf
    "inf at step 3": (dict(schedule=jaxsched.lambda_schedule(_inf_from_3)), "gives inf at step 3"),
    "per group": (dict(schedule=[COS, -0.1]), "`lr schedule` of param group 1 gives -0.1 at step 0"),
    "weight decay": (dict(weight_decay=-0.01), r"Invalid weight_decay value: `weight_decay` gives -0\.01"),
    "device mode": (dict(schedule=-0.1, mode="device"), "Invalid learning rate"),
}


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_a_schedule_giving_a_bad_value_is_refused_at_construction(case: str) -> None:
    label = "Invalid weight_decay value" if case == "weight decay" else "Invalid learning rate"
    with pytest.raises(ValueError, match=label):  # live torch refuses a negative value with these words
        torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], **{
            "weight_decay" if case == "weight decay" else "lr": -0.1})
    kw, match = BAD_VALUES[case]
    kw = dict(kw)
    opt = _opt(2, betas=kw.get("mode") == "device")
    schedule = kw.pop("schedule", COS)
    with pytest.raises(ValueError, match=match):
        Scheduler(opt, schedule, **kw)


def _bad_at_21001(k: Any) -> Any:
    k = np.asarray(k)
    return np.where(k == 21001, -0.1, 0.1)


@pytest.mark.parametrize("how", ["step", "step_to"])
def test_a_bad_value_past_the_checked_steps_is_refused_when_its_chunk_is_built(how: str) -> None:
    sched = Scheduler(_opt(1), jaxsched.lambda_schedule(_bad_at_21001), chunk_size=256)  # sampled: fine
    sched.step_to(20000)
    match = r"Invalid learning rate: the lr schedule gives -0\.1 at step 21001"
    with pytest.raises(ValueError, match=match):
        if how == "step_to":
            sched.step_to(21001)
        else:
            for _ in range(1001):
                assert all(lr >= 0 for lr in _lrs(sched.optimizer))
                sched.step()
    assert all(lr >= 0 for lr in _lrs(sched.optimizer))  # the bad value was never written


# ---------------------------------------------------------------------------- torch's ValueErrors
def _seq(opt: torch.optim.Optimizer) -> L.LRScheduler:
    return L.SequentialLR(opt, [L.ConstantLR(opt), L.ExponentialLR(opt, 0.9)], milestones=[1, 2])


TORCH_ERRORS: dict[str, tuple[Callable[[torch.optim.Optimizer], Any], dict, str]] = {
    # name -> (torch's constructor, our config, the words of torch's raise)
    "SWALR anneal_strategy": (
        lambda o: SWALR(o, swa_lr=0.05, anneal_strategy="bad"),
        {"type": "torch.SWALR", "params": {"swa_lr": 0.05, "anneal_strategy": "bad"}},
        "anneal_strategy must be one of 'cos' or 'linear', instead got bad"),
    "OneCycleLR no total_steps": (
        lambda o: L.OneCycleLR(o, max_lr=0.1, total_steps=None, epochs=None),
        {"type": "torch.OneCycleLR", "params": {"max_lr": 0.1, "total_steps": None, "epochs": None}},
        re.escape("You must define either total_steps OR (epochs AND steps_per_epoch)")),
    "OneCycleLR epochs only": (
        lambda o: L.OneCycleLR(o, max_lr=0.1, epochs=10),
        {"type": "torch.OneCycleLR", "params": {"max_lr": 0.1, "epochs": 10}},
        re.escape("You must define either total_steps OR (epochs AND steps_per_epoch)")),
    "OneCycleLR max_lr list": (
        lambda o: L.OneCycleLR(o, max_lr=[0.1, 0.2, 0.3], total_steps=10),
        {"type": "torch.OneCycleLR", "params": {"max_lr": [0.1, 0.2, 0.3], "total_steps": 10}},
        re.escape("max_lr must have the same length as optimizer.param_groups. max_lr has 3 values, "
                  "param_groups has 2.")),
    "CyclicLR base_lr list": (
        lambda o: L.CyclicLR(o, base_lr=[0.01], max_lr=0.1),
        {"type": "torch.CyclicLR", "params": {"base_lr": [0.01], "max_lr": 0.1}},
        "base_lr must have the same length as optimizer.param_groups"),
    "CyclicLR max_lr list": (
        lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2, 0.3]),
        {"type": "torch.CyclicLR", "params": {"base_lr": 0.01, "max_lr": [0.1, 0.2, 0.3]}},
        "max_lr must have the same length as optimizer.param_groups"),
    "CyclicLR max_momentum list": (
        lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, max_momentum=[0.9]),
        {"type": "torch.CyclicLR", "params": {"base_lr": 0.01, "max_lr": 0.1, "max_momentum": [0.9]}},
        "max_momentum must have the same length as optimizer.param_groups"),
    "SequentialLR milestones": (
        _seq,
        {"type": "torch.SequentialLR", "params": {"schedulers": [
            {"type": "torch.ConstantLR", "params": {"lr": 0.1}},
            {"type": "torch.ExponentialLR", "params": {"lr": 0.1, "gamma": 0.9}}], "milestones": [1, 2]}},
        "expects number of schedulers provided to be one more than the number of milestone points"),
}


@pytest.mark.parametrize("case", list(TORCH_ERRORS))
def test_from_config_raises_torchs_valueerror_with_torchs_words(case: str) -> None:
    build_torch, cfg, words = TORCH_ERRORS[case]
    with pytest.raises(ValueError, match=words):  # live torch
        build_torch(_opt(2))
    with pytest.raises(ValueError, match=words):
        Scheduler.from_config(_opt(2), cfg)


@pytest.mark.parametrize(("name", "params"), [
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], base_momentum=[0.8, 0.7],
                      max_momentum=[0.9, 0.95], step_size_up=3)),
    ("OneCycleLR", dict(max_lr=[0.1, 0.3], total_steps=20, base_momentum=[0.8, 0.7],
                        max_momentum=[0.9, 0.95])),
])
def test_from_config_per_group_lists_match_torch(name: str, params: dict) -> None:
    opt_t, opt_j = _opt(2), _opt(2)
    ref = getattr(L, name)(opt_t, **params)
    ours = Scheduler.from_config(opt_j, {"type": f"torch.{name}", "params": params})
    for _ in range(15):
        for gt, gj in zip(opt_t.param_groups, opt_j.param_groups):
            assert math.isclose(gt["lr"], gj["lr"], rel_tol=1e-9, abs_tol=1e-15)
            assert math.isclose(gt["momentum"], gj["momentum"], rel_tol=1e-9)
        opt_t.step()
        ref.step()
        opt_j.step()
        ours.step()


@pytest.mark.parametrize("mode", ["host", "device"])
def test_last_epoch_past_int32_steps_on(mode):
    """A resumed ``last_epoch`` past ``2**31 - 1`` (issue 14): the bridge evaluates in int64
    (host NumPy, device torch), so the count neither wraps nor raises, and the value is the
    closed form's. By hand: count ``2**31 + 6`` is 6 steps into the second cycle of ``2**31``
    steps of ``cyclic_schedule(0.001, 0.01, 2**30, 2**30)``: ``0.001 + 0.009 * 6 / 2**30``."""
    s = jaxsched.cyclic_schedule(0.001, 0.01, 2**30, 2**30)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sch = Scheduler(opt, s, mode=mode)
    state = sch.state_dict()
    state["last_epoch"] = 2**31 + 5
    sch.load_state_dict(state)
    sch.step()
    assert sch.last_epoch == 2**31 + 6
    assert float(opt.param_groups[0]["lr"]) == pytest.approx(0.001 + 0.009 * 6 / 2**30, rel=1e-6)

"""Per-group lists, composites of composites, ``lr`` everywhere, and momentum errors (issue 12).

Every expected value comes from live torch 2.13: the real scheduler is built on an optimizer
with several param groups and stepped, and its group lrs (and momenta) are compared with
jaxsched's at every step, through ``jaxsched.torch.Scheduler.from_config`` and through
``jaxsched.from_config`` (one schedule per group).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import jaxsched  # noqa: E402
from jaxsched.torch import Scheduler  # noqa: E402

L = torch.optim.lr_scheduler
# torch's own step-order and deprecation warnings while its schedulers are built and stepped
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")
STEPS = 40
LRS = (0.5, 0.1, 0.02)  # the groups' own learning rates


def _opt(kind: str = "sgd", n: int = 3) -> Any:
    """An optimizer with ``n`` param groups of different learning rates."""
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": LRS[i]} for i in range(n)]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=0.1)
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def _momenta(opt: Any) -> list[float]:
    return [float(g["betas"][0]) if "betas" in g else float(g["momentum"]) for g in opt.param_groups]


def _record(opt: Any, sched: Any, steps: int = STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Every group's lr and momentum after ``k`` calls of ``step()``, ``k < steps``."""
    lrs, moms = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            lrs.append([float(g["lr"]) for g in opt.param_groups])
            moms.append(_momenta(opt))
            opt.step()
            sched.step()
    return np.asarray(lrs), np.asarray(moms)


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


def _host(s: Any, steps: int = STEPS) -> np.ndarray:
    return np.asarray(s.evaluate(np.arange(steps), np), dtype=np.float64)


F = (lambda k: 0.9 ** k, lambda k: 1.0 / (1.0 + k), lambda k: (k % 5 + 1) / 5)
M = (lambda k: 0.9, lambda k: 0.8, lambda k: 0.95)

# (id, optimizer kind, torch constructor, config params, cycles momentum)
LISTS: list[tuple[str, str, Callable[[Any], Any], dict, bool]] = [
    ("CyclicLR-lists-sgd", "sgd",
     lambda o: L.CyclicLR(o, base_lr=[0.01, 0.02, 0.03], max_lr=[0.1, 0.2, 0.3], step_size_up=3,
                          step_size_down=4, mode="triangular2", base_momentum=[0.8, 0.7, 0.6],
                          max_momentum=[0.9, 0.95, 0.99]),
     {"base_lr": [0.01, 0.02, 0.03], "max_lr": [0.1, 0.2, 0.3], "step_size_up": 3,
      "step_size_down": 4, "mode": "triangular2", "base_momentum": [0.8, 0.7, 0.6],
      "max_momentum": [0.9, 0.95, 0.99]}, True),
    ("CyclicLR-lists-adam-exp_range", "adam",
     lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2, 0.3], step_size_up=5,
                          mode="exp_range", gamma=0.97, base_momentum=[0.8, 0.7, 0.6]),
     {"base_lr": 0.01, "max_lr": [0.1, 0.2, 0.3], "step_size_up": 5, "mode": "exp_range",
      "gamma": 0.97, "base_momentum": [0.8, 0.7, 0.6]}, True),
    ("CyclicLR-lists-no-momentum", "sgd",
     lambda o: L.CyclicLR(o, base_lr=[0.01, 0.02, 0.03], max_lr=0.5, step_size_up=4,
                          cycle_momentum=False),
     {"base_lr": [0.01, 0.02, 0.03], "max_lr": 0.5, "step_size_up": 4, "cycle_momentum": False},
     False),
    ("OneCycleLR-lists-sgd", "sgd",
     lambda o: L.OneCycleLR(o, max_lr=[0.1, 1.0, 0.5], total_steps=STEPS + 1,
                            base_momentum=[0.85, 0.8, 0.7], max_momentum=[0.95, 0.9, 0.99]),
     {"max_lr": [0.1, 1.0, 0.5], "total_steps": STEPS + 1, "base_momentum": [0.85, 0.8, 0.7],
      "max_momentum": [0.95, 0.9, 0.99]}, True),
    ("OneCycleLR-lists-adam-3phase-linear", "adam",
     lambda o: L.OneCycleLR(o, max_lr=[0.1, 1.0, 0.5], total_steps=STEPS + 1, three_phase=True,
                            anneal_strategy="linear", div_factor=10.0),
     {"max_lr": [0.1, 1.0, 0.5], "total_steps": STEPS + 1, "three_phase": True,
      "anneal_strategy": "linear", "div_factor": 10.0}, True),
    ("LambdaLR-functions", "sgd", lambda o: L.LambdaLR(o, lr_lambda=list(F)),
     {"lr_lambda": list(F)}, False),
    ("MultiplicativeLR-functions", "sgd", lambda o: L.MultiplicativeLR(o, lr_lambda=list(M)),
     {"lr_lambda": list(M)}, False),
    ("SWALR-swa_lr", "sgd",
     lambda o: torch.optim.swa_utils.SWALR(o, swa_lr=[0.05, 0.01, 0.2], anneal_epochs=6),
     {"swa_lr": [0.05, 0.01, 0.2], "anneal_epochs": 6}, False),
]


@pytest.mark.parametrize("kind,make,params,cycles", [c[1:] for c in LISTS],
                         ids=[c[0] for c in LISTS])
def test_per_group_lists_match_torch(kind: str, make: Callable, params: dict, cycles: bool) -> None:
    """One schedule per group from torch's per-group lists: lr and momentum at every step."""
    name = "torch." + type(make(_opt(kind))).__name__
    opt_t = _opt(kind)
    theirs = _record(opt_t, make(opt_t))
    opt_j = _opt(kind)
    sched = Scheduler.from_config(opt_j, {"type": name, "params": params})
    ours = _record(opt_j, sched)
    _close(ours[0], theirs[0])
    _close(ours[1], theirs[1])  # constant momentum where torch does not cycle it
    assert (sched._mom is not None) == cycles


@pytest.mark.parametrize("kind,make,params,cycles", [c[1:] for c in LISTS],
                         ids=[c[0] for c in LISTS])
def test_jax_from_config_gives_one_schedule_per_group(kind: str, make: Callable, params: dict,
                                                      cycles: bool) -> None:
    """``jaxsched.from_config`` of a config with lists: a list of schedules, group by group."""
    name = "torch." + type(make(_opt(kind))).__name__
    opt_t = _opt(kind)
    lrs, moms = _record(opt_t, make(opt_t))
    relative = name in ("torch.LambdaLR", "torch.MultiplicativeLR", "torch.SWALR")
    cfg = {"type": name, "params": {**params, **({"lr": list(LRS)} if relative else {})}}
    scheds = jaxsched.from_config(cfg)
    assert isinstance(scheds, list) and len(scheds) == 3
    _close(np.stack([_host(s) for s in scheds], axis=1), lrs)
    if cycles:
        mom = jaxsched.from_config(cfg, hyperparam="momentum")
        _close(np.stack([_host(s) for s in mom], axis=1), moms)


# (id, config params, per-group parameter, torch constructor with the same wrong list)
WRONG = [
    ("CyclicLR-base_lr", "torch.CyclicLR", {"base_lr": [0.1, 0.2], "max_lr": 1.0}, "base_lr",
     lambda o: L.CyclicLR(o, base_lr=[0.1, 0.2], max_lr=1.0)),
    ("CyclicLR-max_lr", "torch.CyclicLR", {"base_lr": 0.1, "max_lr": [1.0, 2.0, 3.0, 4.0]},
     "max_lr", lambda o: L.CyclicLR(o, base_lr=0.1, max_lr=[1.0, 2.0, 3.0, 4.0])),
    ("CyclicLR-base_momentum", "torch.CyclicLR",
     {"base_lr": 0.1, "max_lr": 1.0, "base_momentum": [0.8, 0.7]}, "base_momentum",
     lambda o: L.CyclicLR(o, base_lr=0.1, max_lr=1.0, base_momentum=[0.8, 0.7])),
    ("CyclicLR-max_momentum", "torch.CyclicLR",
     {"base_lr": 0.1, "max_lr": 1.0, "max_momentum": [0.9, 0.95]}, "max_momentum",
     lambda o: L.CyclicLR(o, base_lr=0.1, max_lr=1.0, max_momentum=[0.9, 0.95])),
    ("OneCycleLR-max_lr", "torch.OneCycleLR", {"max_lr": [0.1, 1.0], "total_steps": 10}, "max_lr",
     lambda o: L.OneCycleLR(o, max_lr=[0.1, 1.0], total_steps=10)),
    ("OneCycleLR-base_momentum", "torch.OneCycleLR",
     {"max_lr": 1.0, "total_steps": 10, "base_momentum": [0.8, 0.7]}, "base_momentum",
     lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=10, base_momentum=[0.8, 0.7])),
]


@pytest.mark.parametrize("name,params,key,make", [c[1:] for c in WRONG], ids=[c[0] for c in WRONG])
def test_wrong_list_length_raises_torchs_message(name: str, params: dict, key: str,
                                                 make: Callable) -> None:
    """A list whose length is not the number of groups: torch's ValueError, word for word."""
    with pytest.raises(ValueError) as theirs:
        make(_opt())
    with pytest.raises(ValueError, match=f"{key} has [0-9]+ values, param_groups has 3") as ours:
        Scheduler.from_config(_opt(), {"type": name, "params": params})
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("params,match", [
    ({"lr_lambda": list(F[:2])}, "lr_lambda has 2 values, param_groups has 3"),
    ({"lr_lambda": F[0], "lr": [0.1, 0.2]}, "lr has 2 values, param_groups has 3"),
])
def test_wrong_lambda_list_raises(params: dict, match: str) -> None:
    with pytest.raises(ValueError, match="Expected 3 lr_lambdas"):
        L.LambdaLR(_opt(), lr_lambda=list(F[:2]))
    with pytest.raises(ValueError, match=match):
        Scheduler.from_config(_opt(), {"type": "torch.LambdaLR", "params": params})


def test_jax_lists_of_different_lengths_raise() -> None:
    cfg = {"type": "torch.CyclicLR", "params": {"base_lr": [0.1, 0.2], "max_lr": [1.0, 2.0, 3.0]}}
    with pytest.raises(ValueError, match="base_lr has 2 values, max_lr has 3 values"):
        jaxsched.from_config(cfg)


# ------------------------------------------------------------------------- DeepSpeed lists
DS = [
    ("WarmupLR", {"warmup_min_lr": [0.0, 0.01, 0.001], "warmup_max_lr": [0.1, 0.5, 0.05],
                  "warmup_num_steps": 7, "warmup_type": "linear"}, False),
    ("WarmupDecayLR", {"warmup_min_lr": 0.0, "warmup_max_lr": [0.1, 0.5, 0.05],
                       "warmup_num_steps": 5, "total_num_steps": 30}, False),
    ("OneCycle", {"cycle_min_lr": [0.01, 0.02, 0.03], "cycle_max_lr": [0.1, 0.2, 0.3],
                  "cycle_first_step_size": 4, "decay_step_size": 3, "decay_lr_rate": 0.5,
                  "cycle_min_mom": [0.8, 0.85, 0.7], "cycle_max_mom": [0.9, 0.95, 0.9],
                  "decay_mom_rate": 0.001}, True),
    ("LRRangeTest", {"lr_range_test_min_lr": [0.01, 0.1, 0.001], "lr_range_test_step_size": 3},
     False),
]


@pytest.mark.parametrize("name,params,cycles", DS, ids=[c[0] for c in DS])
def test_deepspeed_lists_are_one_schedule_per_group(name: str, params: dict, cycles: bool) -> None:
    """DeepSpeed per-group lists: group ``g`` runs the one-group schedule of its entries (whose
    values are checked against DeepSpeed 0.19.8 by the golden vectors)."""
    opt = _opt("adam")
    sched = Scheduler.from_config(opt, {"type": name, "params": params})
    lrs, moms = _record(opt, sched)
    scheds = jaxsched.from_config({"type": name, "params": params})
    assert isinstance(scheds, list) and len(scheds) == 3
    for g in range(3):
        one = {k: (x[g] if isinstance(x, list) else x) for k, x in params.items()}
        ref = _host(jaxsched.from_config({"type": name, "params": one}))
        _close(lrs[:, g], ref)
        _close(_host(scheds[g]), ref)
        if cycles:
            _close(moms[:, g], _host(jaxsched.from_config({"type": name, "params": one},
                                                          hyperparam="momentum")))
    with pytest.raises(ValueError, match="has 3 values, param_groups has 2"):
        Scheduler.from_config(_opt("adam", 2), {"type": name, "params": params})


# ------------------------------------------------------------------ never swallow momentum
@pytest.mark.parametrize("name,params,key", [
    ("torch.CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "max_momentum": 1.5}, "max_momentum"),
    ("torch.OneCycleLR", {"max_lr": 1.0, "total_steps": 10, "base_momentum": -0.5},
     "base_momentum"),
    ("OneCycle", {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_min_mom": 1.2}, "cycle_min_mom"),
])
def test_momentum_errors_propagate(name: str, params: dict, key: str) -> None:
    """A momentum schedule the config asks for that cannot be built raises, naming it (the old
    bridge trained with constant momentum)."""
    # raised while building the momentum schedule, or earlier, by the lr schedule's own check of
    # its (unused) momentum parameters: either way never swallowed, the parameter named
    with pytest.raises(ValueError, match=f"(momentum schedule of '{name}'.*)?`{key}`"):
        Scheduler.from_config(_opt(), {"type": name, "params": params})


def test_momentum_lists_of_wrong_length_are_not_swallowed() -> None:
    for name, params in [
        ("torch.OneCycleLR", {"max_lr": 1.0, "total_steps": 10, "max_momentum": [0.9, 0.95]}),
        ("OneCycle", {"cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_max_mom": [0.9, 0.95]}),
    ]:
        with pytest.raises(ValueError, match="mom[a-z_]* has 2 values, param_groups has 3"):
            Scheduler.from_config(_opt(), {"type": name, "params": params})


def test_no_momentum_schedule_only_when_not_asked() -> None:
    opt_t = _opt()
    theirs = _record(opt_t, L.OneCycleLR(opt_t, max_lr=[1.0, 0.1, 0.5], total_steps=STEPS,
                                         cycle_momentum=False, base_momentum=5.0))
    opt = _opt()
    s = Scheduler.from_config(opt, {"type": "torch.OneCycleLR", "params": {
        "max_lr": [1.0, 0.1, 0.5], "total_steps": STEPS, "cycle_momentum": False,
        "base_momentum": 5.0}})
    assert s._mom is None
    ours = _record(opt, s)
    _close(ours[0], theirs[0])
    assert np.all(ours[1] == 0.9) and np.all(theirs[1] == 0.9)
    # an optimizer without momentum, with cycling asked for: raises, as torch does
    ada = torch.optim.Adagrad([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(ValueError, match="momentum"):
        L.OneCycleLR(ada, max_lr=1.0, total_steps=10)
    with pytest.raises(ValueError, match="momentum"):
        Scheduler.from_config(ada, {"type": "torch.OneCycleLR",
                                    "params": {"max_lr": 1.0, "total_steps": 10}})


# --------------------------------------------------------------- composites of composites
def _cfg(name: str, **params: Any) -> dict:
    return {"type": f"torch.{name}", "params": params}


def _t(name: str, o: Any, **kw: Any) -> Any:
    return getattr(L, name)(o, **kw)


# (id, config without lr, torch builder, steps)
NESTED: list[tuple[str, dict, Callable[[Any], Any]]] = [
    ("Chained(Constant,Exponential)-Linear",
     _cfg("SequentialLR", milestones=[5], schedulers=[
         _cfg("ChainedScheduler", schedulers=[_cfg("ConstantLR", factor=0.5, total_iters=2),
                                              _cfg("ExponentialLR", gamma=0.9)]),
         _cfg("LinearLR", start_factor=0.5, total_iters=3)]),
     lambda o: L.SequentialLR(o, [
         L.ChainedScheduler([_t("ConstantLR", o, factor=0.5, total_iters=2),
                             _t("ExponentialLR", o, gamma=0.9)]),
         _t("LinearLR", o, start_factor=0.5, total_iters=3)], milestones=[5])),
    ("Chained(Linear,Multiplicative,MultiStep)-Step",
     _cfg("SequentialLR", milestones=[9], schedulers=[
         _cfg("ChainedScheduler", schedulers=[
             _cfg("LinearLR", start_factor=0.25, total_iters=4),
             _cfg("MultiplicativeLR", lr_lambda=0.95),
             _cfg("MultiStepLR", milestones=[0, 3, 6], gamma=0.5)]),
         _cfg("StepLR", step_size=4, gamma=0.5)]),
     lambda o: L.SequentialLR(o, [
         L.ChainedScheduler([_t("LinearLR", o, start_factor=0.25, total_iters=4),
                             _t("MultiplicativeLR", o, lr_lambda=lambda k: 0.95),
                             _t("MultiStepLR", o, milestones=[0, 3, 6], gamma=0.5)]),
         _t("StepLR", o, step_size=4, gamma=0.5)], milestones=[9])),
    ("Chained(Polynomial,Step)-Exponential",
     _cfg("SequentialLR", milestones=[12], schedulers=[
         _cfg("ChainedScheduler", schedulers=[_cfg("PolynomialLR", total_iters=8, power=2.0),
                                              _cfg("StepLR", step_size=3, gamma=0.7)]),
         _cfg("ExponentialLR", gamma=0.9)]),
     lambda o: L.SequentialLR(o, [
         L.ChainedScheduler([_t("PolynomialLR", o, total_iters=8, power=2.0),
                             _t("StepLR", o, step_size=3, gamma=0.7)]),
         _t("ExponentialLR", o, gamma=0.9)], milestones=[12])),
    ("Chained(Linear,Cosine)-Constant",
     _cfg("SequentialLR", milestones=[14], schedulers=[
         _cfg("ChainedScheduler", schedulers=[_cfg("LinearLR", start_factor=0.2, total_iters=3),
                                              _cfg("CosineAnnealingLR", T_max=8)]),
         _cfg("ConstantLR", factor=0.5, total_iters=6)]),
     lambda o: L.SequentialLR(o, [
         L.ChainedScheduler([_t("LinearLR", o, start_factor=0.2, total_iters=3),
                             _t("CosineAnnealingLR", o, T_max=8)]),
         _t("ConstantLR", o, factor=0.5, total_iters=6)], milestones=[14])),
    ("Chained(Exponential,Constant)-alone",
     _cfg("SequentialLR", milestones=[], schedulers=[
         _cfg("ChainedScheduler", schedulers=[_cfg("ExponentialLR", gamma=0.8),
                                              _cfg("ConstantLR", factor=0.5, total_iters=3)])]),
     lambda o: L.SequentialLR(o, [
         L.ChainedScheduler([_t("ExponentialLR", o, gamma=0.8),
                             _t("ConstantLR", o, factor=0.5, total_iters=3)])], milestones=[])),
    ("Chained(Exponential)-single-child-then-Linear",
     _cfg("SequentialLR", milestones=[4], schedulers=[
         _cfg("ChainedScheduler", schedulers=[_cfg("ExponentialLR", gamma=0.8)]),
         _cfg("LinearLR", start_factor=0.5, total_iters=3)]),
     lambda o: L.SequentialLR(o, [
         L.ChainedScheduler([_t("ExponentialLR", o, gamma=0.8)]),
         _t("LinearLR", o, start_factor=0.5, total_iters=3)], milestones=[4])),
]


@pytest.mark.parametrize("cfg,make", [c[1:] for c in NESTED], ids=[c[0] for c in NESTED])
def test_chained_inside_sequential_matches_torch(cfg: dict, make: Callable) -> None:
    """A ChainedScheduler inside a SequentialLR, as torch runs it (its one-step shift included):
    every group's lr at every step; ``lr`` comes from each group (Scheduler) or is given once to
    the composite and passed down to the children (JAX API)."""
    opt_t = _opt()
    theirs, _ = _record(opt_t, make(opt_t))
    opt_j = _opt()
    ours, _ = _record(opt_j, Scheduler.from_config(opt_j, cfg))
    _close(ours, theirs)
    for g, lr in enumerate(LRS):
        s = jaxsched.from_config({**cfg, "params": {**cfg["params"], "lr": lr}})
        _close(_host(s), theirs[:, g])
    scheds = jaxsched.from_config({**cfg, "params": {**cfg["params"], "lr": list(LRS)}})
    _close(np.stack([_host(s) for s in scheds], axis=1), theirs)


def test_chained_after_a_milestone_is_refused_as_torch_fails() -> None:
    def make(o: Any) -> Any:
        return L.SequentialLR(o, [_t("LinearLR", o, start_factor=0.5, total_iters=2),
                                  L.ChainedScheduler([_t("ExponentialLR", o, gamma=0.9),
                                                      _t("ConstantLR", o, factor=0.5)])],
                              milestones=[3])

    opt = _opt()
    with pytest.raises(NotImplementedError):
        _record(opt, make(opt), 6)
    cfg = _cfg("SequentialLR", lr=1.0, milestones=[3], schedulers=[
        _cfg("LinearLR", start_factor=0.5, total_iters=2),
        _cfg("ChainedScheduler", schedulers=[_cfg("ExponentialLR", gamma=0.9),
                                             _cfg("ConstantLR", factor=0.5)])])
    with pytest.raises(ValueError, match=r"schedulers\[1\].*NotImplementedError"):
        jaxsched.from_config(cfg)


def test_per_group_lists_inside_composites() -> None:
    """A per-group ``lr_lambda`` list inside a SequentialLR child: torch's values per group."""
    opt_t = _opt()
    torch_s = L.SequentialLR(opt_t, [L.LambdaLR(opt_t, lr_lambda=list(F)),
                                     L.ExponentialLR(opt_t, gamma=0.9)], milestones=[7])
    theirs, _ = _record(opt_t, torch_s)
    cfg = _cfg("SequentialLR", milestones=[7], schedulers=[_cfg("LambdaLR", lr_lambda=list(F)),
                                                           _cfg("ExponentialLR", gamma=0.9)])
    opt_j = _opt()
    ours, _ = _record(opt_j, Scheduler.from_config(opt_j, cfg))
    _close(ours, theirs)
    from jaxsched.config.groups import split_groups

    parts = split_groups({**cfg, "params": {**cfg["params"], "lr": list(LRS)}})
    assert parts is not None and [p["params"]["schedulers"][0]["params"]["lr_lambda"]
                                  for p in parts] == list(F)


# ----------------------------------------------------------------------- lr everywhere
def test_every_torch_name_accepts_lr() -> None:
    import inspect

    from jaxsched.config.loader import _REGISTRY

    names = [n for n in _REGISTRY if n.startswith("torch.")]
    assert len(names) >= 15
    assert all("lr" in inspect.signature(_REGISTRY[n]).parameters for n in names)


@pytest.mark.parametrize("name,params,make", [
    ("torch.OneCycleLR", {"max_lr": 1.0, "total_steps": STEPS + 1},
     lambda o: L.OneCycleLR(o, max_lr=1.0, total_steps=STEPS + 1)),
    ("torch.CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3},
     lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3)),
], ids=["OneCycleLR", "CyclicLR"])
def test_absolute_names_accept_and_ignore_lr(name: str, params: dict, make: Callable) -> None:
    """``lr`` next to OneCycleLR/CyclicLR (a config written with the optimizer's lr everywhere) is
    accepted and unused, as torch reads max_lr/base_lr."""
    opt_t = _opt()
    theirs = _record(opt_t, make(opt_t))
    opt_j = _opt()
    ours = _record(opt_j, Scheduler.from_config(opt_j, {"type": name,
                                                        "params": {**params, "lr": 0.1}}))
    _close(ours[0], theirs[0])
    _close(ours[1], theirs[1])
    for lr in (0.1, 7.0):
        _close(_host(jaxsched.from_config({"type": name, "params": {**params, "lr": lr}})),
               theirs[0][:, 0])


@pytest.mark.parametrize("name", ["SequentialLR", "ChainedScheduler"])
def test_composites_pass_lr_down(name: str) -> None:
    kids = [_cfg("LinearLR", start_factor=0.5, total_iters=3), _cfg("ExponentialLR", gamma=0.9)]
    extra = {"milestones": [4]} if name == "SequentialLR" else {}

    def make(o: Any) -> Any:
        ts = [_t("LinearLR", o, start_factor=0.5, total_iters=3), _t("ExponentialLR", o, gamma=0.9)]
        return getattr(L, name)(o, ts, **extra) if name == "SequentialLR" else L.ChainedScheduler(ts)

    opt_t = _opt("sgd", 1)
    theirs, _ = _record(opt_t, make(opt_t))
    s = jaxsched.from_config(_cfg(name, lr=LRS[0], schedulers=kids, **extra))
    _close(_host(s), theirs[:, 0])
    # a child's own lr wins over the composite's (torch shares one optimizer: they must agree)
    same = [{**kids[0], "params": {**kids[0]["params"], "lr": LRS[0]}}, kids[1]]
    assert jaxsched.from_config(_cfg(name, lr=LRS[0], schedulers=same, **extra)) == s

"""Cerebras' weight-decay schedulers (jaxsched/config/ecosystem/cerebras_wd.py).

cerebras_pytorch builds each ``*WD`` class from the same generic scheduler as its ``*LR``
twin (cerebras/pytorch/optim/weight_decay_scheduler.py, cerebras_pytorch 2.x: ``class
CosineDecayWD(WeightDecayScheduler, CosineDecayScheduler)``, ``param_group_key`` returning
``"weight_decay"``), with generic argument names (``initial_val``, ``end_val``, ``val``,
``vals``, ``base_val``, ``max_val``). So each WD name must give its LR twin's values (the LR
names are checked against Cerebras in test_cerebras_names.py), under the WD argument names;
one value is derived by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import jaxsched as js

T = np.arange(0, 40)

CASES = [
    ("ConstantWD", {"val": 0.05}, "ConstantLR", {"learning_rate": 0.05}),
    ("PolynomialWD", {"initial_val": 0.1, "end_val": 0.01, "total_iters": 20, "power": 2.0},
     "PolynomialLR", {"initial_learning_rate": 0.1, "end_learning_rate": 0.01,
                      "total_iters": 20, "power": 2.0}),
    ("LinearWD", {"initial_val": 0.0, "end_val": 0.1, "total_iters": 10},
     "LinearLR", {"initial_learning_rate": 0.0, "end_learning_rate": 0.1, "total_iters": 10}),
    ("ExponentialWD", {"initial_val": 0.1, "total_iters": 5, "decay_rate": 0.5,
                       "staircase": True},
     "ExponentialLR", {"initial_learning_rate": 0.1, "total_iters": 5, "decay_rate": 0.5,
                       "staircase": True}),
    ("InverseExponentialTimeDecayWD", {"initial_val": 0.1, "step_exponent": 1, "total_iters": 4,
                                       "decay_rate": 0.3},
     "InverseExponentialTimeDecayLR", {"initial_learning_rate": 0.1, "step_exponent": 1,
                                       "total_iters": 4, "decay_rate": 0.3}),
    ("InverseSquareRootDecayWD", {"initial_val": 0.1, "scale": 1.0, "warmup_steps": 4},
     "InverseSquareRootDecayLR", {"initial_learning_rate": 0.1, "scale": 1.0,
                                  "warmup_steps": 4}),
    ("CosineDecayWD", {"initial_val": 0.1, "end_val": 0.01, "total_iters": 10},
     "CosineDecayLR", {"initial_learning_rate": 0.1, "end_learning_rate": 0.01,
                       "total_iters": 10}),
    ("PiecewiseConstantWD", {"vals": [0.1, 0.05, 0.01], "milestones": [5, 15]},
     "PiecewiseConstantLR", {"learning_rates": [0.1, 0.05, 0.01], "milestones": [5, 15]}),
    ("MultiStepWD", {"initial_val": 0.1, "gamma": 0.5, "milestones": [3, 9]},
     "MultiStepLR", {"initial_learning_rate": 0.1, "gamma": 0.5, "milestones": [3, 9]}),
    ("StepWD", {"initial_val": 0.1, "step_size": 4, "gamma": 0.7},
     "StepLR", {"initial_learning_rate": 0.1, "step_size": 4, "gamma": 0.7}),
    ("CosineAnnealingWD", {"initial_val": 0.1, "T_max": 12, "eta_min": 0.001},
     "CosineAnnealingLR", {"initial_learning_rate": 0.1, "T_max": 12, "eta_min": 0.001}),
    ("CosineAnnealingWarmRestartsWD", {"initial_val": 0.1, "T_0": 7, "eta_min": 0.0},
     "CosineAnnealingWarmRestarts", {"initial_learning_rate": 0.1, "T_0": 7, "eta_min": 0.0}),
    ("MultiplicativeWD", {"initial_val": 0.1, "coefficient": 0.9},
     "MultiplicativeLR", {"initial_learning_rate": 0.1, "coefficient": 0.9}),
    ("CyclicWD", {"base_val": 0.01, "max_val": 0.1, "step_size_up": 4},
     "CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}),
    ("OneCycleWD", {"initial_val": 0.01, "max_val": 0.1, "total_steps": 30},
     "OneCycleLR", {"initial_learning_rate": 0.01, "max_lr": 0.1, "total_steps": 30}),
]


@pytest.mark.parametrize("wd, wd_params, lr, lr_params", CASES, ids=[c[0] for c in CASES])
def test_wd_name_is_its_lr_twin(wd, wd_params, lr, lr_params):
    ours = js.from_config({"type": f"cerebras.{wd}", "params": wd_params},
                          hyperparam="weight_decay")
    twin = js.from_config({"type": f"cerebras.{lr}", "params": lr_params})
    np.testing.assert_array_equal(ours.evaluate(T, xp=np), twin.evaluate(T, xp=np))
    # the default hyperparam ("lr") builds the same schedule: the name says what it schedules
    default = js.from_config({"type": f"cerebras.{wd}", "params": wd_params})
    np.testing.assert_array_equal(default.evaluate(T, xp=np), twin.evaluate(T, xp=np))


def test_hand_values():
    s = js.from_config({"type": "cerebras.CosineDecayWD", "params": {
        "initial_val": 0.1, "end_val": 0.01, "total_iters": 10}}, hyperparam="weight_decay")
    # 0.01 + 0.09 * (1 + cos(pi * 5 / 10)) / 2 at step 5; end_val from step 10 on
    assert float(s.evaluate(5, xp=np)) == pytest.approx(0.01 + 0.09 * (1 + math.cos(math.pi / 2)) / 2)
    assert float(s.evaluate(12, xp=np)) == pytest.approx(0.01)


def test_sequential_and_chained_take_wd_children():
    seq = js.from_config({"type": "cerebras.SequentialWD", "params": {"schedulers": [
        {"type": "cerebras.LinearWD", "params": {"initial_val": 0.0, "end_val": 0.1,
                                                 "total_iters": 5}},
        {"type": "cerebras.ConstantWD", "params": {"val": 0.1}}]}}, hyperparam="weight_decay")
    np.testing.assert_allclose(seq.evaluate(np.arange(8), xp=np),
                               [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1], rtol=1e-12)
    chained = js.from_config({"type": "cerebras.ChainedWD", "params": {"schedulers": [
        {"type": "cerebras.ConstantWD", "params": {"val": 0.1}},
        {"type": "cerebras.StepWD", "params": {"initial_val": 1.0, "step_size": 2,
                                               "gamma": 0.5}}]}}, hyperparam="weight_decay")
    # ChainedLR: the product of the children, later ones normalised by their initial value
    np.testing.assert_allclose(chained.evaluate(np.arange(5), xp=np),
                               [0.1, 0.1, 0.05, 0.05, 0.025], rtol=1e-12)


@pytest.mark.parametrize("params, err, name", [
    ({"initial_val": "x", "end_val": 0.01, "total_iters": 10}, TypeError, "initial_val"),
    ({"initial_val": 0.1, "end_val": 0.01, "total_iters": -1}, ValueError, "total_iters"),
])
def test_errors_name_the_wd_argument(params, err, name):
    with pytest.raises(err, match=f"`{name}`"):
        js.from_config({"type": "cerebras.CosineDecayWD", "params": params})


def test_lr_names_refused_and_hyperparam_checked():
    with pytest.raises(ValueError, match="initial_learning_rate"):  # unknown parameter
        js.from_config({"type": "cerebras.CosineDecayWD", "params": {
            "initial_learning_rate": 0.1, "end_val": 0.0, "total_iters": 3}})
    with pytest.raises(ValueError, match="`hyperparam`"):
        js.from_config({"type": "cerebras.ConstantWD", "params": {"val": 0.1}},
                       hyperparam="momentum")


# ScalePerParamLR / ScalePerParamWD: Cerebras' ScalePerParamScheduler (cerebras/pytorch/optim/
# scheduler.py, 2.x) writes each group's adjust_learning_rate (else adjust_val, else 1.0) times
# the wrapped scheduler's value.
STEP = {"type": "cerebras.StepLR", "params": {"initial_learning_rate": 0.1, "step_size": 2,
                                             "gamma": 0.5}}


def test_scale_per_param_lr_by_hand():
    groups = js.from_config({"type": "cerebras.ScalePerParamLR", "params": {
        "scheduler": STEP, "adjust_learning_rate": [1.0, 0.25]}})
    t = np.arange(5)
    np.testing.assert_allclose(groups[0].evaluate(t, xp=np), [0.1, 0.1, 0.05, 0.05, 0.025])
    np.testing.assert_allclose(groups[1].evaluate(t, xp=np),
                               [0.025, 0.025, 0.0125, 0.0125, 0.00625])
    plain = js.from_config({"type": "cerebras.ScalePerParamLR", "params": {"scheduler": STEP}})
    np.testing.assert_allclose(plain.evaluate(t, xp=np), [0.1, 0.1, 0.05, 0.05, 0.025])
    wd = js.from_config({"type": "cerebras.ScalePerParamWD", "params": {
        "scheduler": {"type": "cerebras.ConstantWD", "params": {"val": 0.1}}, "adjust_val": 0.5}},
        hyperparam="weight_decay")
    assert float(wd.evaluate(7, xp=np)) == pytest.approx(0.05)


def test_scale_per_param_lr_reads_the_groups_in_the_torch_bridge():
    torch = pytest.importorskip("torch")
    from jaxsched.torch import Scheduler

    ps = [torch.nn.Parameter(torch.zeros(1)) for _ in range(2)]
    opt = torch.optim.SGD([{"params": [ps[0]], "adjust_learning_rate": 2.0},
                           {"params": [ps[1]], "adjust_learning_rate": 0.5}], lr=0.1)
    sched = Scheduler.from_config(opt, {"type": "cerebras.ScalePerParamLR",
                                        "params": {"scheduler": STEP}},
                                  scale_key="adjust_learning_rate")
    got = []
    for _ in range(4):
        got.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    np.testing.assert_allclose(got, [[0.2, 0.05], [0.2, 0.05], [0.1, 0.025], [0.1, 0.025]],
                               rtol=1e-6)


def test_scale_per_param_refuses_bad_input_by_name():
    with pytest.raises(TypeError, match="`scheduler`"):
        js.from_config({"type": "cerebras.ScalePerParamLR", "params": {"scheduler": 0.1}})
    with pytest.raises(ValueError, match="`adjust_learning_rate`"):
        js.from_config({"type": "cerebras.ScalePerParamLR", "params": {
            "scheduler": STEP, "adjust_learning_rate": float("inf")}})
    with pytest.raises((TypeError, ValueError), match="`adjust_val`"):
        js.from_config({"type": "cerebras.ScalePerParamWD", "params": {
            "scheduler": STEP, "adjust_val": "x"}})

"""argparse: DeepSpeed's flags (names, defaults, parity with DeepSpeed configs) and the generic form.

Defaults are DeepSpeed's ``add_tuning_arguments`` as listed in anchors.md (b3, "CLI"); the
equivalent configs are written by hand as DeepSpeed's ``get_config_from_args`` builds them
(every flag of the family, minus the -1 "unset" values); expected values are anchors.md's
verified DeepSpeed vectors.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

import jaxsched
from jaxsched.args import add_schedule_arguments, config_from_args, schedule_from_args

COUNTS = np.concatenate([np.arange(40), [99, 500, 999, 1000, 1001, 1500, 1999, 2000, 2001, 5000]])


def parser(**kw):
    return add_schedule_arguments(argparse.ArgumentParser(prog="train"), **kw)


def build(argv, **kw):
    return schedule_from_args(parser().parse_args(argv), **kw)


def host(s, counts=COUNTS):
    return np.asarray(s.evaluate(counts, np), np.float64)


def test_defaults_are_deepspeeds():
    ns = parser().parse_args([])
    documented = {  # anchors.md b3 "CLI: add_tuning_arguments(parser)"
        "lr_schedule": None, "lr_range_test_min_lr": 0.001, "lr_range_test_step_rate": 1.0,
        "lr_range_test_step_size": 1000, "lr_range_test_staircase": False,
        "cycle_first_step_size": 1000, "cycle_first_stair_count": -1,
        "cycle_second_step_size": -1, "cycle_second_stair_count": -1, "decay_step_size": 1000,
        "cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "decay_lr_rate": 0.0, "cycle_min_mom": 0.8,
        "cycle_max_mom": 0.9, "decay_mom_rate": 0.0, "warmup_min_lr": 0, "warmup_max_lr": 0.001,
        "warmup_num_steps": 1000, "warmup_type": "log", "warmup_min_ratio": 0.01,
        "cos_min_ratio": 0.01,
    }
    for name, value in documented.items():
        got = getattr(ns, name)
        assert got == value and type(got) is type(value), (name, got)
    # DeepSpeed declares store_true/False but never forwards it: unset here (class default True)
    assert ns.cycle_momentum is None
    assert ns.total_num_steps is None and ns.schedule is None and ns.gradient_accumulation_steps == 1
    help_text = parser().format_help()
    for flag in documented:
        assert f"--{flag}" in help_text


# (flags, the equivalent DeepSpeed config, anchors.md vector or None)
PARITY = [
    (["--lr_schedule", "LRRangeTest", "--lr_range_test_min_lr", "0.1",
      "--lr_range_test_step_size", "2", "--lr_range_test_staircase", "true"],
     {"type": "LRRangeTest", "params": {"lr_range_test_min_lr": 0.1, "lr_range_test_step_rate": 1.0,
                                        "lr_range_test_step_size": 2, "lr_range_test_staircase": True}},
     [.1, .1, .2, .2, .3, .3]),
    (["--lr_schedule", "LRRangeTest", "--lr_range_test_min_lr", "0.1",
      "--lr_range_test_step_size", "2"],
     {"type": "LRRangeTest", "params": {"lr_range_test_min_lr": 0.1, "lr_range_test_step_rate": 1.0,
                                        "lr_range_test_step_size": 2, "lr_range_test_staircase": False}},
     [.1, .15, .2, .25, .3, .35]),
    (["--lr_schedule", "OneCycle", "--cycle_min_lr", "0.1", "--cycle_max_lr", "1",
      "--cycle_first_step_size", "2", "--cycle_second_step_size", "3", "--decay_step_size", "2",
      "--decay_lr_rate", "0.5"],
     {"type": "OneCycle", "params": {
         "cycle_first_step_size": 2, "cycle_second_step_size": 3, "decay_step_size": 2,
         "cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "decay_lr_rate": 0.5, "cycle_min_mom": 0.8,
         "cycle_max_mom": 0.9, "decay_mom_rate": 0.0}},
     [.1, .55, 1, .7, .4, .1, .08, .1 / 1.5, .1 / 1.75, .05]),
    (["--lr_schedule", "OneCycle", "--cycle_min_lr", "0.1", "--cycle_max_lr", "1",
      "--cycle_first_step_size", "4", "--cycle_first_stair_count", "2",
      "--cycle_second_stair_count", "2", "--decay_step_size", "0"],
     {"type": "OneCycle", "params": {
         "cycle_first_step_size": 4, "cycle_first_stair_count": 2, "cycle_second_stair_count": 2,
         "decay_step_size": 0, "cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "decay_lr_rate": 0.0,
         "cycle_min_mom": 0.8, "cycle_max_mom": 0.9, "decay_mom_rate": 0.0}},
     [.1, .1, .55, .55, 1, .55, .55, .1, .1, .1]),
    (["--lr_schedule", "WarmupLR", "--warmup_max_lr", "1", "--warmup_num_steps", "4",
      "--warmup_type", "linear"],
     {"type": "WarmupLR", "params": {"warmup_min_lr": 0, "warmup_max_lr": 1.0,
                                     "warmup_num_steps": 4, "warmup_type": "linear"}},
     [0, 0, .25, .5, .75, 1, 1]),
    (["--lr_schedule", "WarmupLR", "--warmup_max_lr", "1", "--warmup_num_steps", "4"],
     {"type": "WarmupLR", "params": {"warmup_min_lr": 0, "warmup_max_lr": 1.0,
                                     "warmup_num_steps": 4, "warmup_type": "log"}},
     [0, 0, .5, math.log(3) / math.log(4), 1, 1, 1]),
    (["--lr_schedule", "WarmupDecayLR", "--warmup_max_lr", "1", "--warmup_num_steps", "4",
      "--warmup_type", "linear", "--total_num_steps", "8"],
     {"type": "WarmupDecayLR", "params": {"warmup_min_lr": 0, "warmup_max_lr": 1.0,
                                          "warmup_num_steps": 4, "warmup_type": "linear",
                                          "total_num_steps": 8}},
     [0, 0, .25, .5, .75, 1, .75, .5, .25, 0, 0]),
    (["--lr_schedule", "WarmupCosineLR", "--total_num_steps", "8", "--warmup_num_steps", "4",
      "--warmup_type", "linear", "--cos_min_ratio", "0.1", "--warmup_min_ratio", "0"],
     {"type": "WarmupCosineLR", "params": {"total_num_steps": 8, "warmup_min_ratio": 0.0,
                                           "warmup_num_steps": 4, "cos_min_ratio": 0.1,
                                           "warmup_type": "linear"}},
     [0, 0, .25, .5, .75, .8682, .55, .2318, .1, .1]),
    (["--lr_schedule", "deepspeed.WarmupCosineLR", "--total_num_steps", "3000"],
     {"type": "deepspeed.WarmupCosineLR", "params": {
         "total_num_steps": 3000, "warmup_min_ratio": 0.01, "warmup_num_steps": 1000,
         "cos_min_ratio": 0.01, "warmup_type": "log"}}, None),
    (["--lr_schedule", "WarmupDecayLR", "--total_num_steps", "3000"],
     {"type": "WarmupDecayLR", "params": {"warmup_min_lr": 0, "warmup_max_lr": 0.001,
                                          "warmup_num_steps": 1000, "warmup_type": "log",
                                          "total_num_steps": 3000}}, None),
]


@pytest.mark.parametrize("argv,cfg,vector", PARITY, ids=lambda x: x[1] if isinstance(x, list) else "")
def test_flags_equal_the_deepspeed_config(argv, cfg, vector):
    s = build(argv)
    ref = jaxsched.from_config(json.loads(json.dumps(cfg)))
    assert s == ref
    np.testing.assert_array_equal(host(s), host(ref))
    assert config_from_args(parser().parse_args(argv)) == cfg
    if vector is not None:
        np.testing.assert_allclose(host(s, np.arange(len(vector))), vector, rtol=2e-4, atol=1e-12)


def test_onecycle_defaults_treat_minus_one_as_unset():
    # DeepSpeed would forward cycle_second_step_size=-1 (a cycle of S1 - 1 steps; raises since
    # 0.19.4); unset means "same as the first": rising 1000 steps, falling 1000 steps
    cfg = {"type": "OneCycle", "params": {
        "cycle_first_step_size": 1000, "decay_step_size": 1000, "cycle_min_lr": 0.01,
        "cycle_max_lr": 0.1, "decay_lr_rate": 0.0, "cycle_min_mom": 0.8, "cycle_max_mom": 0.9,
        "decay_mom_rate": 0.0}}
    for argv in (["--lr_schedule", "OneCycle"],
                 ["--lr_schedule", "OneCycle", "--cycle_second_step_size", "-1",
                  "--cycle_first_stair_count", "-1", "--cycle_second_stair_count", "-1"]):
        s = build(argv)
        assert s == jaxsched.from_config(cfg)
        np.testing.assert_allclose(host(s, np.array([0, 500, 1000, 1500, 2000, 3000])),
                                   [.01, .055, .1, .055, .01, .01], rtol=1e-12)
    m = build(["--lr_schedule", "OneCycle"], hyperparam="momentum")
    assert m == jaxsched.from_config(cfg, hyperparam="momentum")
    np.testing.assert_allclose(host(m, np.array([0, 1000, 2000])), [.8, .8, .9], rtol=1e-12)


@pytest.mark.parametrize("text,want", [("true", True), ("false", False), ("1", True), ("0", False),
                                       ("yes", True), ("No", False), (None, True)])
def test_bool_flags_parse_properly(text, want):
    # DeepSpeed's type=bool reads any non-empty string, "false" included, as True
    argv = ["--lr_schedule", "LRRangeTest", "--lr_range_test_staircase"] + ([text] if text else [])
    assert parser().parse_args(argv).lr_range_test_staircase is want
    s = build(argv + ["--lr_range_test_step_size", "2", "--lr_range_test_min_lr", "1"])
    np.testing.assert_allclose(host(s, np.arange(4)), [1, 1, 2, 2] if want else [1, 1.5, 2, 2.5])


def test_cycle_momentum_flag():
    off = ["--lr_schedule", "OneCycle", "--cycle_momentum", "false"]
    assert config_from_args(parser().parse_args(off))["params"]["cycle_momentum"] is False
    match = r"--lr_schedule OneCycle: .*`cycle_momentum` \(--cycle_momentum\)"
    with pytest.raises(ValueError, match=match):
        build(off, hyperparam="momentum")
    on = build(["--lr_schedule", "OneCycle", "--cycle_momentum"], hyperparam="momentum")
    assert on == build(["--lr_schedule", "OneCycle"], hyperparam="momentum")


def test_generic_form():
    s = build(["--schedule", "multistep_decay", "--schedule-param", "init_value=1",
               "--schedule-param", "milestones=[2, 4]", "--schedule-param", "decay_rate=0.5"])
    assert s == jaxsched.multistep_decay(1.0, [2, 4], 0.5)
    np.testing.assert_allclose(host(s, np.arange(6)), [1, 1, .5, .5, .25, .25])
    s = build(["--schedule", "WarmupLR", "--schedule-param", "warmup_max_lr=1e-3",
               "--schedule-param", "warmup_type=linear", "--schedule-param", "warmup_num_steps=4"])
    assert s == jaxsched.from_config({"type": "WarmupLR", "params": {
        "warmup_max_lr": 0.001, "warmup_type": "linear", "warmup_num_steps": 4}})
    s = build(["--schedule", "warmup_stable_decay", "--schedule-param", "peak_value=1",
               "--schedule-param", "total_steps=100", "--schedule-param", "warmup_steps=10",
               "--schedule-param", "skip_zero=True", "--schedule-param", "decay_steps=null",
               "--schedule-param", "decay_fraction=0.2"])
    assert s == jaxsched.warmup_stable_decay(1.0, 100, 10, decay_fraction=0.2, skip_zero=True)


def test_schedule_config_file_and_overrides(tmp_path):
    path = tmp_path / "ds_config.json"
    path.write_text(json.dumps({"train_batch_size": 8, "scheduler": {"type": "WarmupLR", "params": {
        "warmup_max_lr": 1.0, "warmup_num_steps": 4, "warmup_type": "linear"}}}))
    s = build(["--schedule-config", str(path), "--schedule-param", "warmup_num_steps=8"])
    assert s == jaxsched.from_config({"type": "WarmupLR", "params": {
        "warmup_max_lr": 1.0, "warmup_num_steps": 8, "warmup_type": "linear"}})
    inline = build(["--schedule-config", '{"type": "constant_schedule", "params": {"value": 2}}'])
    assert inline == jaxsched.constant_schedule(2.0)


def test_time_unit_flags():
    argv = ["--lr_schedule", "WarmupDecayLR", "--warmup_num_steps", "1 epoch", "--warmup_max_lr",
            "1", "--warmup_type", "linear", "--total_num_steps", "100%", "--epochs", "2",
            "--batches-per-epoch", "10", "--gradient-accumulation-steps", "3"]
    # ceil(10 / 3) = 4 updates per epoch, 2 epochs = 8
    assert build(argv) == jaxsched.from_config(PARITY[6][1])
    s = build(["--schedule", "step_decay", "--schedule-param", "init_value=1", "--schedule-param",
               "step_size=25%", "--schedule-param", "decay_rate=0.5", "--total-steps", "40"])
    assert s == jaxsched.step_decay(1.0, 10, 0.5)


def test_units_flags_reuse_the_parsers_own():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=3)
    add_schedule_arguments(p)
    ns = p.parse_args(["--schedule", "step_decay", "--schedule-param", "init_value=1",
                       "--schedule-param", "step_size=100%", "--schedule-param", "decay_rate=0.5",
                       "--steps-per-epoch", "5"])
    assert schedule_from_args(ns) == jaxsched.step_decay(1.0, 15, 0.5)


def test_prefix():
    p = parser(prefix="sched-")
    ns = p.parse_args(["--sched-lr_schedule", "WarmupLR", "--sched-warmup_num_steps", "4",
                       "--sched-warmup_max_lr", "1"])
    s = schedule_from_args(ns, prefix="sched-")
    assert s == build(["--lr_schedule", "WarmupLR", "--warmup_num_steps", "4", "--warmup_max_lr", "1"])
    with pytest.raises(ValueError, match="no schedule chosen: pass --lr_schedule"):
        schedule_from_args(ns)  # the prefix must match


# ---------------------------------------------------------------------------- errors name the flag
@pytest.mark.parametrize("argv,match", [
    (["--lr_schedule", "OneCycle", "--schedule", "cosine_decay"],
     "--lr_schedule .*cannot be mixed with --schedule"),
    (["--schedule", "cosine_decay", "--warmup_num_steps", "5"],
     "--warmup_num_steps cannot be mixed with --schedule"),
    (["--warmup_num_steps", "5"], "--warmup_num_steps given without --lr_schedule; valid choices"),
    (["--lr_schedule", "WarmupLR", "--cycle_min_lr", "0.1"],
     "--cycle_min_lr do.*not apply to --lr_schedule WarmupLR; its flags are: --warmup_min_lr"),
    (["--lr_schedule", "WarmupDecayLR"], "WarmupDecayLR needs --total_num_steps"),
    (["--lr_schedule", "WarmupLR", "--warmup_num_steps", "0"],
     r"--lr_schedule WarmupLR: `warmup_num_steps` \(--warmup_num_steps\) must be > 0"),
    (["--lr_schedule", "WarmupLR", "--warmup_num_steps", "2 epochs"],
     r"`warmup_num_steps` \(--warmup_num_steps\)='2 epochs' needs steps_per_epoch"),
    (["--schedule", "cosine_decay", "--schedule-param", "init_value=1"],
     r"--schedule cosine_decay: missing parameter\(s\) \['decay_steps'\]"),
    (["--schedule", "cosine_decay", "--schedule-param", "init_value=1",
      "--schedule-param", "decay_steps=-3"],
     r"`decay_steps` \(--schedule-param decay_steps=...\) must be >= 0"),
    (["--schedule", "cosine_decay", "--schedule-param", "a=1", "--schedule-param", "a=2"],
     "--schedule-param a=... given twice"),
    (["--schedule-param", "a=1"], "--schedule-param needs --schedule NAME"),
    (["--schedule", "constant_schedule", "--schedule-config", "{}"],
     "give --schedule or --schedule-config, not both"),
    (["--schedule-config", "{\"type\": 1"], "--schedule-config: inline config: invalid JSON"),
    (["--schedule", "constant_schedule", "--schedule-param", "value=1", "--steps-per-epoch", "0"],
     "--steps-per-epoch must be > 0"),
    ([], "no schedule chosen"),
])
def test_errors_name_the_flag(argv, match, capsys):
    ns = parser().parse_args(argv)
    with pytest.raises(ValueError, match=match):
        schedule_from_args(ns)
    p = parser()
    with pytest.raises(SystemExit) as e:
        schedule_from_args(p.parse_args(argv), parser=p)
    assert e.value.code == 2
    assert "train: error:" in capsys.readouterr().err


def test_missing_config_file_names_flag_and_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="--schedule-config: no such config file.*nope.json"):
        build(["--schedule-config", str(tmp_path / "nope.json")])


@pytest.mark.parametrize("argv,match", [
    (["--lr_schedule", "Cosine"], "argument --lr_schedule: invalid DeepSpeed schedule 'Cosine'; "
                                  "valid choices: LRRangeTest, OneCycle, WarmupLR"),
    (["--schedule", "cosine"], "argument --schedule: invalid schedule name 'cosine'; valid choices: "),
    (["--warmup_type", "cos"], "argument --warmup_type: invalid warmup type 'cos'; valid choices: "
                               "log, linear"),
    (["--lr_range_test_staircase", "maybe"], "argument --lr_range_test_staircase: expected a boolean"),
    (["--warmup_num_steps", "soon"], "argument --warmup_num_steps: 'soon' is not a step count"),
    (["--schedule-param", "novalue"], "argument --schedule-param: expected KEY=VALUE"),
    (["--cycle_min_lr", "x"], "argument --cycle_min_lr: invalid float value"),
])
def test_parse_errors_exit_2(argv, match, capsys):
    with pytest.raises(SystemExit) as e:
        parser().parse_args(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert match in err, err


def test_required_false_and_programmatic_namespaces():
    assert schedule_from_args(parser().parse_args([]), required=False) is None
    # a namespace built by hand (no record of which flags were given)
    ns = argparse.Namespace(lr_schedule="WarmupLR", warmup_max_lr=1.0, warmup_num_steps=4,
                            warmup_type="linear", warmup_min_lr=0.0)
    assert schedule_from_args(ns) == jaxsched.from_config({"type": "WarmupLR", "params": {
        "warmup_max_lr": 1.0, "warmup_num_steps": 4, "warmup_type": "linear", "warmup_min_lr": 0.0}})
    with pytest.raises(ValueError, match="--lr_schedule 'Cosine' is not a DeepSpeed schedule"):
        schedule_from_args(argparse.Namespace(lr_schedule="Cosine"))

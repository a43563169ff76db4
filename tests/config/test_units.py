"""Time units: epochs, batches with gradient accumulation, fractions of the run (hand-derived)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import jaxsched
from jaxsched.core.registry import _REGISTRY
from jaxsched.core.schedule import Schedule, _kind
from jaxsched.units import STEP_PARAMETERS, Timeline, is_step_parameter, parse_unit


def test_accumulation_hand_derivation():
    # 100 micro-batches per epoch, 4 per optimizer step: 25 steps per epoch; 3 epochs: 75
    tl = Timeline(batches_per_epoch=100, epochs=3, gradient_accumulation_steps=4)
    assert (tl.steps_per_epoch, tl.total_steps) == (25, 75)
    assert tl.steps("3 epochs") == 75 and tl.steps("100%") == 75 and tl.steps("1 total") == 75


def test_partial_accumulation_window():
    # 10 batches, accumulation 4: windows of 4, 4, 2 -> 3 updates (2 when the partial is dropped)
    assert Timeline(batches_per_epoch=10, gradient_accumulation_steps=4).steps_per_epoch == 3
    assert Timeline(batches_per_epoch=10, gradient_accumulation_steps=4,
                    step_on_partial=False).steps_per_epoch == 2
    with pytest.raises(ValueError, match="no optimizer step per epoch"):
        Timeline(batches_per_epoch=3, gradient_accumulation_steps=4, step_on_partial=False)


def test_batches_map_exactly_across_epochs():
    tl = Timeline(batches_per_epoch=10, gradient_accumulation_steps=4)  # 3 updates per epoch
    # 25 batches = 2 whole epochs (6 updates) + 5 batches (1.25 -> 1 update)
    assert tl.steps("25 batches") == 7
    assert tl.steps("20ba") == 6 and tl.steps("30 batch") == 9
    # without batches_per_epoch: 25 / 4 = 6.25 -> 6
    assert Timeline(gradient_accumulation_steps=4).steps("25 batches") == 6


def test_every_spelling():
    tl = Timeline(steps_per_epoch=40, total_steps=200)
    for text, want in [("7", 7), ("7 steps", 7), ("1 step", 1), ("1e2 steps", 100), ("1_000", 1000),
                       ("2 epochs", 80), ("2ep", 80), ("1 epoch", 40), ("0.5 EPOCHS", 20),
                       ("10%", 20), ("12.5 %", 25), ("0.1 total", 20), ("0.1 of total", 20),
                       ("0.1dur", 20), (".25 total", 50)]:
        assert tl.steps(text) == want, text
    assert tl.steps(12) == 12 and tl.steps(12.0) == 12 and tl.steps(np.int64(3)) == 3


def test_rounding_is_exact_and_selectable():
    # 10% of 75 = 7.5 exactly: nearest rounds halves up
    assert [Timeline(total_steps=75, rounding=r).steps("10%") for r in ("nearest", "floor", "ceil")] \
        == [8, 7, 8]
    # 0.1 * 30 is 3.0000000000000004 in floats; the parse is rational, so ceil gives 3, not 4
    assert Timeline(total_steps=30, rounding="ceil").steps("0.1 total") == 3
    assert Timeline(total_steps=30, rounding="ceil").steps("0.11 total") == 4
    assert Timeline(steps_per_epoch=3, epochs=2.5).total_steps == 8  # 7.5 -> 8
    assert Timeline(steps_per_epoch=3, epochs=2.5, rounding="floor").total_steps == 7


@pytest.mark.parametrize("kwargs,text,match", [
    ({}, "3 epochs", "`warmup_steps`='3 epochs' needs steps_per_epoch"),
    ({"steps_per_epoch": 5}, "10%", "`warmup_steps`='10%' needs total_steps"),
    ({}, "0.2 total", "needs total_steps"),
    ({}, "3 weeks", "is not a step count.*'3 epochs'"),
    ({}, "e3", "is not a step count"),
    ({}, "-3", "is not a step count"),
    ({}, "1.5", "not a whole number of steps"),
])
def test_step_errors_name_the_parameter(kwargs, text, match):
    with pytest.raises(ValueError, match=match):
        Timeline(**kwargs).steps(text, name="warmup_steps")


def test_bad_types_and_values():
    with pytest.raises(TypeError, match="`warmup_steps`"):
        Timeline().steps(True, name="warmup_steps")
    with pytest.raises(ValueError, match=">= 0"):
        Timeline().steps(-2)
    with pytest.raises(ValueError, match="`steps_per_epoch` must be > 0"):
        Timeline(steps_per_epoch=0)
    with pytest.raises(ValueError, match="`steps_per_epoch` must be a whole number"):
        Timeline(steps_per_epoch=2.5)
    with pytest.raises(ValueError, match="`epochs` must be finite"):
        Timeline(epochs=float("nan"))
    with pytest.raises(TypeError, match="`gradient_accumulation_steps`"):
        Timeline(gradient_accumulation_steps="4")
    with pytest.raises(ValueError, match="`rounding` must be one of"):
        Timeline(rounding="up")


def test_inconsistent_values_raise():
    with pytest.raises(ValueError, match="`steps_per_epoch`=20 disagrees with `batches_per_epoch`"):
        Timeline(steps_per_epoch=20, batches_per_epoch=100, gradient_accumulation_steps=4)
    with pytest.raises(ValueError, match="`total_steps`=70 disagrees with `epochs`"):
        Timeline(steps_per_epoch=25, epochs=3, total_steps=70)
    ok = Timeline(steps_per_epoch=25, batches_per_epoch=100, gradient_accumulation_steps=4,
                  epochs=3, total_steps=75)
    assert ok == Timeline(batches_per_epoch=100, gradient_accumulation_steps=4, epochs=3)
    assert "total_steps=75" in repr(ok)


def test_resolve_converts_step_parameters_everywhere():
    tl = Timeline(steps_per_epoch=10, epochs=4)  # 40 steps
    cfg = {"type": "join_schedules", "params": {
        "schedules": [
            {"type": "linear_schedule", "params": {"init_value": 0.0, "end_value": 1.0,
                                                   "transition_steps": "1 epoch"}},
            {"type": "multistep_decay", "params": {"init_value": 1.0,
                                                   "milestones": ["50%", 25, "3ep"],
                                                   "decay_rate": 0.5}}],
        "boundaries": ["1 epoch"]}}
    out = tl.resolve(cfg)
    assert out["params"]["boundaries"] == [10]
    assert out["params"]["schedules"][0]["params"]["transition_steps"] == 10
    assert out["params"]["schedules"][1]["params"]["milestones"] == [20, 25, 30]
    assert cfg["params"]["boundaries"] == ["1 epoch"]  # the input is not modified
    s = jaxsched.from_config(cfg, timeline=tl)
    assert s == jaxsched.from_config(out)
    # by hand: ramp 0 -> 1 over 10 steps, then 1 halved at local steps 20, 25, 30
    v = s.evaluate(np.array([0, 5, 10, 29, 30, 35, 40, 45]), np)
    np.testing.assert_allclose(v, [0, .5, 1, 1, .5, .25, .125, .125])


def test_resolve_kwargs_dicts_and_boundary_keys():
    tl = Timeline(steps_per_epoch=10)
    sgdr = tl.resolve({"type": "sgdr_schedule", "params": {"cosine_kwargs": [
        {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": "0.5 epoch", "decay_steps": "2ep"}]}})
    assert sgdr["params"]["cosine_kwargs"][0] == {"init_value": 0.0, "peak_value": 1.0,
                                                  "warmup_steps": 5, "decay_steps": 20}
    pcs = tl.resolve({"type": "piecewise_constant_schedule", "params": {
        "init_value": 1.0, "boundaries_and_scales": {"1 epoch": 0.5, "30": 0.1}}})
    assert pcs["params"]["boundaries_and_scales"] == {10: 0.5, "30": 0.1}
    s = jaxsched.from_config(pcs)
    np.testing.assert_allclose(s.evaluate(np.array([9, 10, 29, 30]), np), [1, .5, .5, .05])


def test_units_outside_step_parameters_raise():
    cfg = {"type": "one_cycle", "params": {"max_value": 1.0, "total_steps": "2 epochs",
                                           "pct_start": "10%"}}
    with pytest.raises(ValueError, match="`pct_start`='10%': unit strings are accepted only in step"):
        jaxsched.from_config(cfg, timeline=Timeline(steps_per_epoch=5))
    # a misspelt parameter is reported as unknown, with the valid names, before any unit check
    bad = {"type": "cosine_decay", "params": {"init_value": 1.0, "decay_step": "1 epoch"}}
    with pytest.raises(ValueError, match="unknown parameter.*decay_steps"):
        jaxsched.from_config(bad, timeline=Timeline(steps_per_epoch=5))
    # ordinary strings are left alone
    ok = jaxsched.from_config({"type": "one_cycle", "params": {
        "max_value": 1.0, "total_steps": "2 epochs", "anneal_strategy": "linear"}},
        timeline=Timeline(steps_per_epoch=5))
    assert ok == jaxsched.one_cycle(1.0, 10, anneal_strategy="linear")


def test_timm_epoch_counts_refuse_units():
    cfg = {"type": "timm.cosine", "params": {"lr": 0.1, "t_initial": "2 epochs"}}
    with pytest.raises(ValueError, match="t_in_epochs"):
        jaxsched.from_config(cfg, timeline=Timeline(steps_per_epoch=5))
    cfg["params"]["t_in_epochs"] = False
    s = jaxsched.from_config(cfg, timeline=Timeline(steps_per_epoch=5))
    assert s == jaxsched.from_config({"type": "timm.cosine", "params": {
        "lr": 0.1, "t_initial": 10, "t_in_epochs": False}})


def test_from_config_without_timeline_converts_plain_steps_only():
    s = jaxsched.from_config({"type": "step_decay", "params": {
        "init_value": 1.0, "step_size": "4 steps", "decay_rate": 0.5}})
    assert s == jaxsched.step_decay(1.0, 4, 0.5)
    with pytest.raises(TypeError, match="`step_size`"):  # a bare number in a string is not a unit
        jaxsched.from_config({"type": "step_decay", "params": {
            "init_value": 1.0, "step_size": "4", "decay_rate": 0.5}})
    with pytest.raises(ValueError, match="`step_size`='10%' needs total_steps"):
        jaxsched.from_config({"type": "step_decay", "params": {
            "init_value": 1.0, "step_size": "10%", "decay_rate": 0.5}})


# ------------------------------------------------------------------------ the step-parameter rule
# integral fields declared with steps_field() that are counts, not durations
NOT_DURATIONS = {"num_cycles", "seed", "period_mult", "cycle_limit", "cycle_first_stair_count",
                 "cycle_second_stair_count",
                 # integer schedules: values (batch sizes, lengths) and a count shift, not durations
                 "values", "min_value", "max_value", "multiple", "step_offset", "start", "end",
                 "increment", "tokens_per_sample"}


def _classes(c=Schedule):
    for s in c.__subclasses__():
        yield s
        yield from _classes(s)


def test_rule_agrees_with_native_steps_fields():
    checked = 0
    for cls in set(_classes()):
        if not dataclasses.is_dataclass(cls) or cls._config_name is None:
            continue
        for f in dataclasses.fields(cls):
            if is_step_parameter(f.name):
                # `timescale` (inverse sqrt) is a duration in steps held as a float value
                assert _kind(f) == "steps" or f.name == "timescale", (cls.__name__, f.name)
                checked += 1
            elif _kind(f) == "steps":
                assert f.name in NOT_DURATIONS, (cls.__name__, f.name)
    assert checked >= 30


def test_rule_on_ecosystem_parameters():
    import inspect

    names = {p for fn in _REGISTRY.values() for p in inspect.signature(fn).parameters}
    steps = {n for n in names if is_step_parameter(n)}
    for must in ("warmup_num_steps", "total_num_steps", "num_training_steps", "num_warmup_steps",
                 "lr_range_test_step_size", "cycle_first_step_size", "decay_step_size",
                 "step_size_up", "T_max", "T_0", "t_initial", "warmup_t", "decay_t", "total_iters",
                 "milestones", "first_decay_steps", "anneal_epochs", "transition_begin"):
        assert must in steps, must
    for never in ("steps_per_epoch", "epochs", "lr_range_test_step_rate", "step_exponent",
                  "pct_start", "num_cycles", "cycle_limit", "T_mult", "warmup_type",
                  "decay_fraction", "last_batch_iteration", "last_epoch", "seed"):
        assert never in names and never not in steps, never
    assert STEP_PARAMETERS <= names


def test_parse_unit():
    assert parse_unit("3ep") == (3, "epochs")
    assert parse_unit("12.5%") == (pytest.approx(12.5), "percent")
    with pytest.raises(ValueError, match="`decay_steps`='soon'"):
        parse_unit("soon", "decay_steps")

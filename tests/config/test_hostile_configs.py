"""Hostile configs: never a wrong schedule, never stuck (issue 14).

A value present but unusable is an error naming it, never dropped; a config past the limits of
:mod:`jaxsched.config.limits` (size, nesting, YAML aliases, int64) is refused at once with one
short ``ValueError``; every message shows a value at most about 100 characters long.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import jaxsched
from jaxsched.config import limits, load_config

#: Generous for a loaded CI machine: each of these took from seconds to minutes before.
TIME_LIMIT_S = 2.0


def refused(make: Callable[[], Any], error: type[BaseException] = ValueError) -> str:
    """Call ``make``; assert it raises ``error`` within the time limit; return the message."""
    start = time.perf_counter()
    with pytest.raises(error) as info:
        make()
    elapsed = time.perf_counter() - start
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.2f} s"
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message[:500]
    return message


def _deepspeed(lr: Any, sched: str = "WarmupCosineLR") -> dict:
    return {"train_batch_size": 8, "optimizer": {"type": "Adam", "params": {"lr": lr}},
            "scheduler": {"type": sched, "params": {"total_num_steps": 100}}}


# ------------------------------------------------------------------------------ present, unusable
@pytest.mark.parametrize("lr", ["auto", "AUTO", "1e-3", "", True, [0.001], {"v": 1}])
@pytest.mark.parametrize("sched", ["WarmupCosineLR", "StepLR"])
def test_unusable_optimizer_lr_is_named_not_dropped(lr: Any, sched: str) -> None:
    cfg = _deepspeed(lr, sched)
    if sched == "StepLR":
        cfg["scheduler"]["params"] = {"step_size": 10}
    message = refused(lambda: jaxsched.from_config(cfg))
    assert "`optimizer.params.lr`" in message
    if isinstance(lr, str) and lr.lower() == "auto":
        assert "HF Trainer" in message


def test_a_numeric_optimizer_lr_is_still_used() -> None:
    s = jaxsched.from_config(_deepspeed(1e-3))
    assert float(s.evaluate(np.int64(50), np)) <= 1e-3
    assert load_config(_deepspeed(1e-3))["params"]["lr"] == 1e-3


@pytest.mark.parametrize("params, path", [
    ([0.001], "`optimizer.params`"), ("lr=0.001", "`optimizer.params`"),
])
def test_optimizer_params_not_a_mapping(params: Any, path: str) -> None:
    cfg = _deepspeed(0.1)
    cfg["optimizer"]["params"] = params
    message = refused(lambda: load_config(cfg))
    assert path in message and "mapping" in message


def test_optimizer_not_a_mapping() -> None:
    cfg = _deepspeed(0.1)
    cfg["optimizer"] = ["Adam"]
    assert "`optimizer`" in refused(lambda: load_config(cfg))


@pytest.mark.parametrize("lr", [np.ones((2, 2)), np.array([0.1, 0.2])])
@pytest.mark.parametrize("name", ["torch.ConstantLR", "torch.StepLR", "torch.LinearLR"])
def test_torch_names_refuse_a_non_scalar_lr(lr: np.ndarray, name: str) -> None:
    params = {"lr": lr, "step_size": 2} if name == "torch.StepLR" else {"lr": lr}
    message = refused(lambda: jaxsched.from_config({"type": name, "params": params}))
    assert "`lr`" in message and "single number" in message and str(lr.shape) in message


def test_torch_constant_lr_accepts_a_0d_array() -> None:
    s = jaxsched.from_config({"type": "torch.ConstantLR", "params": {"lr": np.float64(0.5)}})
    assert float(s.evaluate(np.int64(10), np)) == 0.5


# ---------------------------------------------------------------------------------------- limits
def _laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "type: constant_schedule\nparams:\n" + "".join(f"  {line}\n" for line in lines)


def _nested_configs(n: int) -> dict:
    cfg: dict = {"type": "constant_schedule", "params": {"value": 1.0}}
    for _ in range(n):
        cfg = {"type": "scale", "params": {"schedule": cfg, "factor": 1.0}}
    return cfg


HOSTILE = {
    "billion laughs YAML": (lambda: _laughs(), "aliases"),
    "recursive YAML alias": (lambda: "type: x\nparams: &p {a: *p}\n", "recursive alias"),
    "YAML nested 5k levels": (lambda: "type: x\nparams: {a: " + "[" * 5000 + "]" * 5000 + "}",
                              "nested too deeply"),
    "JSON nested 100k levels": (lambda: '{"type": "x", "params": {"a": ' + "[" * 100_000
                                + "]" * 100_000 + "}}", "nested too deeply"),
    "JSON integer of 400 digits": (lambda: '{"type": "x", "params": {"a": ' + "7" * 400 + "}}",
                                   "int64"),
    "JSON integer 2**63": (lambda: f'{{"type": "x", "params": {{"a": {2**63}}}}}', "int64"),
    "YAML integer of 400 digits": (lambda: "type: x\nparams: {a: " + "7" * 400 + "}", "int64"),
    "YAML hex integer past int64": (lambda: "type: x\nparams: {a: 0x" + "f" * 20 + "}", "int64"),
    "JSON of 50 MB": (lambda: '{"type": "torch.MultiStepLR", "params": {"lr": 0.1, "milestones": ['
                      + "1000, " * 7_000_000 + "1]}}", "too large"),
    "YAML of 2 MB": (lambda: "type: x\nparams:\n  milestones: [" + "1, " * 700_000 + "1]\n",
                     "too large"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_text_is_refused_quickly(case: str) -> None:
    make, words = HOSTILE[case]
    text = make()
    message = refused(lambda: load_config(text))
    assert words in message and "inline config" in message


@pytest.mark.parametrize("case", ["billion laughs YAML", "JSON nested 100k levels",
                                  "JSON integer of 400 digits", "JSON of 50 MB"])
def test_hostile_files_are_refused_quickly(case: str, tmp_path: Any) -> None:
    make, words = HOSTILE[case]
    path = tmp_path / ("c.yaml" if "YAML" in case else "c.json")
    path.write_text(make())
    message = refused(lambda: jaxsched.from_config(path))
    assert words in message and str(path) in message


def test_python_tags_are_still_refused() -> None:
    message = refused(lambda: load_config("type: x\nparams: !!python/object/apply:os.system [ls]\n"))
    assert "python/object" in message


@pytest.mark.parametrize("depth", [3_000, limits.MAX_CONFIG_DEPTH])
def test_deeply_nested_config_dicts(depth: int) -> None:
    message = refused(lambda: jaxsched.from_config(_nested_configs(depth)))
    assert "nested too deeply" in message and "MAX_CONFIG_DEPTH" in message


def test_nesting_within_the_limit_builds() -> None:
    s = jaxsched.from_config(_nested_configs(limits.MAX_CONFIG_DEPTH // 2 - 2))
    assert float(s.evaluate(np.int64(3), np)) == 1.0


def test_aliases_within_the_limit_load() -> None:
    text = "type: constant_schedule\nparams: &b {value: 0.5}\n"
    assert load_config(text)["params"] == {"value": 0.5}
    ok = "type: constant_schedule\nparams:\n  value: 0.5\n  x: &x [1, 2, 3]\n  y: [*x, *x, *x]\n"
    assert load_config(ok)["params"]["y"] == [[1, 2, 3]] * 3


def test_raising_a_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps({"type": "constant_schedule", "params": {"value": 1.0, "pad": "x" * 2000}})
    monkeypatch.setattr(limits, "MAX_CONFIG_BYTES", 1000)
    assert "MAX_CONFIG_BYTES" in refused(lambda: load_config(text))
    monkeypatch.setattr(limits, "MAX_CONFIG_BYTES", 10_000)
    assert load_config(text)["params"]["value"] == 1.0


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**400])
def test_python_integers_past_int64_are_named(value: int) -> None:
    cfg = {"type": "cosine_decay", "params": {"init_value": 1.0, "decay_steps": value}}
    message = refused(lambda: jaxsched.from_config(cfg))
    assert "`decay_steps`" in message and "64-bit" in message


# -------------------------------------------------------------------------------- short messages
BIG = "x" * 50_000_000

SHORT = {
    "init_value": ({"type": "cosine_decay", "params": {"init_value": BIG, "decay_steps": 10}},
                   TypeError, "`init_value`"),
    "step parameter": ({"type": "cosine_decay", "params": {"init_value": 1, "decay_steps": BIG}},
                       ValueError, "`decay_steps`"),
    "schedule name": ({"type": BIG, "params": {}}, ValueError, "unknown schedule type"),
    "parameter name": ({"type": "cosine_decay", "params": {BIG: 1}}, ValueError, "unknown parameter"),
    "list value": ({"type": "cosine_decay", "params": {"init_value": 1, "decay_steps": 10,
                                                        "exponent": [BIG]}}, TypeError, "`exponent`"),
    "scheduler block": ({"scheduler": BIG}, ValueError, "'scheduler' block"),
    "choice": ({"type": "torch.SWALR", "params": {"lr": 1.0, "swa_lr": 0.1, "anneal_strategy": BIG}},
               ValueError, "`anneal_strategy`"),
}


@pytest.mark.parametrize("case", list(SHORT), ids=list(SHORT))
def test_messages_show_a_short_value(case: str) -> None:
    cfg, error, words = SHORT[case]
    message = refused(lambda: jaxsched.from_config(cfg), error)
    assert words in message and re.search(r"5000000\d characters", message)


def test_describe_shortens_long_values() -> None:
    from jaxsched.core.validate import describe

    assert describe("abc") == "'abc'"
    assert len(describe("y" * 10**6)) <= 130 and "1000000 characters" in describe("y" * 10**6)
    assert len(describe(list(range(10**5)))) <= 130
    assert describe(2**5000) == "an integer of 5001 bits"
    assert "shape (2, 2)" in describe(np.ones((2, 2)))

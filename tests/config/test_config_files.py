"""Config sources: dicts, JSON and YAML files, inline strings, whole DeepSpeed configs.

Expected values are hand derivations and the verified DeepSpeed vectors of anchors.md (b3),
evaluated in float64 with NumPy.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

import jaxsched
from jaxsched.config import load_config
from jaxsched.units import Timeline

K = np.arange(14)


def values(s, counts=K):
    return np.asarray(s.evaluate(counts, np), dtype=np.float64)


# anchors.md b3, WarmupDecayLR(N=8, W=4, linear), values after 0, 1, 2, ... steps
WDL = [0, 0, .25, .5, .75, 1, .75, .5, .25, 0, 0, 0, 0, 0]
WDL_PARAMS = {"last_batch_iteration": -1, "total_num_steps": 8, "warmup_min_lr": 0,
              "warmup_max_lr": 3e-4, "warmup_num_steps": 4, "warmup_type": "linear"}
DS_CONFIG = {
    "train_batch_size": 32,
    "gradient_accumulation_steps": 2,
    "optimizer": {"type": "AdamW", "params": {"lr": 3e-4, "betas": [0.9, 0.999]}},
    "fp16": {"enabled": False},
    "scheduler": {"type": "WarmupDecayLR", "params": WDL_PARAMS},
    "zero_optimization": {"stage": 0},
}
YAML_TEXT = """\
# a jaxsched config in YAML
type: warmup_cosine_decay_schedule
params:
  init_value: 0.0
  peak_value: 1e-3        # YAML 1.1 would read this as a string
  warmup_steps: 4
  decay_steps: 12
  end_value: 1.0e-5
"""


def wcd(peak=1e-3):
    return jaxsched.warmup_cosine_decay_schedule(0.0, peak, 4, 12, 1e-5)


def test_dict_json_yaml_and_yml_give_the_same_schedule(tmp_path):
    cfg = wcd().to_config()
    (tmp_path / "s.json").write_text(json.dumps(cfg))
    (tmp_path / "s.yaml").write_text(YAML_TEXT)
    (tmp_path / "s.yml").write_text(YAML_TEXT)
    want = wcd()
    for source in (cfg, tmp_path / "s.json", str(tmp_path / "s.yaml"), tmp_path / "s.yml"):
        assert jaxsched.from_config(source) == want
    # by hand: linear warmup 0 -> 1e-3 over 4 steps, then cosine to 1e-5 at step 12
    v = values(jaxsched.from_config(tmp_path / "s.yaml"))
    np.testing.assert_allclose(v[:5], [0, 2.5e-4, 5e-4, 7.5e-4, 1e-3], rtol=1e-12)
    mid = 1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + math.cos(math.pi * 4 / 8))
    np.testing.assert_allclose(v[8], mid, rtol=1e-12)
    np.testing.assert_allclose(v[12:], 1e-5, rtol=1e-12)


def test_yaml_scientific_notation_is_a_float(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(YAML_TEXT)
    cfg = load_config(path)
    assert cfg["params"]["peak_value"] == 1e-3 and isinstance(cfg["params"]["peak_value"], float)


def test_whole_deepspeed_config_json_and_yaml(tmp_path):
    yaml = pytest.importorskip("yaml")
    (tmp_path / "ds_config.json").write_text(json.dumps(DS_CONFIG, indent=2))
    (tmp_path / "ds_config.yaml").write_text(yaml.safe_dump(DS_CONFIG))
    block = jaxsched.from_config(DS_CONFIG["scheduler"])
    for source in (DS_CONFIG, tmp_path / "ds_config.json", tmp_path / "ds_config.yaml"):
        s = jaxsched.from_config(source)
        assert s == block
        np.testing.assert_allclose(values(s), 3e-4 * np.array(WDL), rtol=1e-12, atol=1e-18)
    assert load_config(tmp_path / "ds_config.json")["type"] == "WarmupDecayLR"


def test_deepspeed_config_prefixed_type_and_onecycle_momentum(tmp_path):
    # anchors.md b3 OneCycle: 0.1 -> 1, S1=2, S2=3, decay_step_size=2, decay_lr_rate=.5
    ds = {"train_micro_batch_size_per_gpu": 4,
          "optimizer": {"type": "Adam", "params": {"lr": 1.0}},
          "scheduler": {"type": "deepspeed.OneCycle", "params": {
              "cycle_min_lr": 0.1, "cycle_max_lr": 1.0, "cycle_first_step_size": 2,
              "cycle_second_step_size": 3, "decay_step_size": 2, "decay_lr_rate": 0.5}}}
    path = tmp_path / "ds.json"
    path.write_text(json.dumps(ds))
    np.testing.assert_allclose(
        values(jaxsched.from_config(path))[:10],
        [.1, .55, 1, .7, .4, .1, .08, .1 / 1.5, .1 / 1.75, .05], rtol=1e-12)
    mom = values(jaxsched.from_config(path, hyperparam="momentum"))
    # construction writes cycle_min_mom; then max -> min over S1 and back over S2
    np.testing.assert_allclose(mom[:3], [0.8, 0.85, 0.8], rtol=1e-12)


def test_deepspeed_optimizer_lr_reaches_relative_schedulers():
    # anchors.md b3 WarmupCosineLR ratios (N=8, W=4 linear, cos_min_ratio=0.1), times lr 0.5
    ds = {"train_batch_size": 8, "optimizer": {"type": "Adam", "params": {"lr": 0.5}},
          "scheduler": {"type": "WarmupCosineLR", "params": {
              "total_num_steps": 8, "warmup_num_steps": 4, "warmup_type": "linear",
              "cos_min_ratio": 0.1}}}
    c = lambda p: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p))  # noqa: E731
    ratio = [0, 0, .25, .5, .75, c(1 / 4), c(2 / 4), c(3 / 4), 0.1, 0.1]
    np.testing.assert_allclose(values(jaxsched.from_config(ds))[:10], 0.5 * np.array(ratio),
                               rtol=1e-12, atol=1e-15)
    assert load_config(ds)["params"]["lr"] == 0.5
    # the block's own lr wins (an 'auto' optimizer lr is then unused); where the optimizer's lr
    # is needed, an 'auto' one is an error naming it, never dropped (issue 14: lr 1.0 silently)
    ds["scheduler"]["params"]["lr"] = 2.0
    ds["optimizer"]["params"]["lr"] = "auto"
    assert load_config(ds)["params"]["lr"] == 2.0
    ds["scheduler"]["params"].pop("lr")
    with pytest.raises(ValueError, match=r"`optimizer\.params\.lr`.*'auto'"):
        load_config(ds)


def test_deepspeed_torch_scheduler_fallback():
    # DeepSpeed looks a type up in torch.optim.lr_scheduler when it is not its own
    ds = {"optimizer": {"type": "SGD", "params": {"lr": 0.1}},
          "scheduler": {"type": "StepLR", "params": {"step_size": 2, "gamma": 0.5}}}
    assert load_config(ds) == {"type": "torch.StepLR",
                               "params": {"step_size": 2, "gamma": 0.5, "lr": 0.1}}
    np.testing.assert_allclose(values(jaxsched.from_config(ds))[:6],
                               [.1, .1, .05, .05, .025, .025], rtol=1e-12)


def test_inline_strings():
    want = {"type": "WarmupLR", "params": {"warmup_max_lr": 0.001, "warmup_num_steps": 10}}
    for text in ('{"type": "WarmupLR", "params": {"warmup_max_lr": 0.001, "warmup_num_steps": 10}}',
                 "{type: WarmupLR, params: {warmup_max_lr: 1e-3, warmup_num_steps: 10}}",
                 "type: WarmupLR\nparams:\n  warmup_max_lr: 0.001\n  warmup_num_steps: 10\n"):
        assert load_config(text) == want
    assert jaxsched.from_config(want) == jaxsched.from_config(json.dumps(want))


def test_unknown_suffix_is_sniffed(tmp_path):
    (tmp_path / "a.cfg").write_text(json.dumps({"type": "constant_schedule",
                                                "params": {"value": 2.0}}))
    (tmp_path / "b.txt").write_text("type: constant_schedule\nparams: {value: 2.0}\n")
    assert load_config(tmp_path / "a.cfg") == load_config(tmp_path / "b.txt") == {
        "type": "constant_schedule", "params": {"value": 2.0}}


def test_load_config_returns_a_fresh_plain_dict():
    params = {"value": 1.0}
    out = load_config({"type": "constant_schedule", "params": params})
    out["params"]["value"] = 5.0
    assert params == {"value": 1.0}
    assert load_config({"type": "constant_schedule"}) == {"type": "constant_schedule", "params": {}}


# ------------------------------------------------------------------------------------ errors
def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(FileNotFoundError, match="nope.json") as e:
        jaxsched.from_config(path)
    assert e.value.filename == str(path)
    with pytest.raises(FileNotFoundError, match="missing.yaml"):
        load_config("missing.yaml")


def test_json_parse_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "type": "constant_schedule",\n  "params": {"value": 1.0,}\n}\n')
    with pytest.raises(ValueError, match=r"bad\.json: invalid JSON at line 3"):
        jaxsched.from_config(path)
    with pytest.raises(ValueError, match="inline config: invalid JSON at line 1, column 10"):
        load_config('{"type": WarmupLR')


def test_yaml_parse_error_names_file_and_line(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "bad.yaml"
    path.write_text("type: constant_schedule\nparams:\n  value: [1.0\n  other: 2\n")
    with pytest.raises(ValueError, match=r"bad\.yaml: invalid YAML at line 4"):
        jaxsched.from_config(path)


@pytest.mark.parametrize("text,match", [
    ("", "is empty"),
    ("[1, 2]", "must hold a mapping"),
    ("- constant_schedule\n", "must hold a mapping"),
])
def test_file_content_errors(tmp_path, text, match):
    path = tmp_path / "x.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        load_config(path)


def test_deepspeed_config_without_scheduler():
    ds = {k: v for k, v in DS_CONFIG.items() if k != "scheduler"}
    with pytest.raises(ValueError, match="DeepSpeed config has no 'scheduler' block"):
        jaxsched.from_config(ds)
    with pytest.raises(ValueError, match="'scheduler' block must be a mapping with a 'type'"):
        load_config({"optimizer": {}, "scheduler": {"params": {}}})
    with pytest.raises(ValueError, match="unexpected keys"):
        load_config({"scheduler": {"type": "WarmupLR", "parms": {}}})


def test_hf_auto_placeholders_raise_naming_the_parameter():
    ds = {"optimizer": {"type": "AdamW", "params": {"lr": "auto"}},
          "scheduler": {"type": "WarmupDecayLR", "params": {
              "total_num_steps": "auto", "warmup_max_lr": 1e-3}}}
    with pytest.raises(ValueError, match="`total_num_steps` of 'WarmupDecayLR' is 'auto'"):
        jaxsched.from_config(ds)


def test_missing_pyyaml_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text(YAML_TEXT)
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes `import yaml` raise ImportError
    with pytest.raises(ImportError, match=r'pip install "jaxsched\[cli\]"'):
        jaxsched.from_config(path)


def test_type_and_existing_errors_are_kept():
    with pytest.raises(TypeError, match="mapping"):
        jaxsched.from_config(42)
    with pytest.raises(ValueError, match="'type' key"):
        load_config({"params": {}})
    with pytest.raises(TypeError, match="`timeline` must be a jaxsched.Timeline"):
        jaxsched.from_config({"type": "constant_schedule", "params": {"value": 1.0}},
                             timeline={"steps_per_epoch": 3})


def test_from_config_with_timeline_from_a_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("type: step_decay\nparams: {init_value: 1.0, step_size: 1 epoch, "
                    "decay_rate: 0.5}\n")
    s = jaxsched.from_config(path, timeline=Timeline(batches_per_epoch=10,
                                                     gradient_accumulation_steps=4))
    assert s == jaxsched.step_decay(1.0, 3, 0.5)  # ceil(10 / 4) = 3 steps per epoch
    with pytest.raises(ValueError, match="`step_size`='1 epoch' needs steps_per_epoch"):
        jaxsched.from_config(path)

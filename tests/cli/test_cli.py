"""The `jaxsched` command: list, show, plot, the delegated lr-find and demo, and user errors.

Most behaviour is tested in-process through ``main(argv)``; a few subprocesses run the real
entry points (``python -m jaxsched.cli`` and the ``jaxsched`` console script).
"""

import json
import re
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

import jaxsched
from jaxsched.cli import app as cli
from jaxsched.cli import main
from jaxsched.cli.commands import signature_text
from jaxsched.config.loader import _REGISTRY
from jaxsched.phases import phases

WARMUP = ["linear_schedule", "init_value=0", "end_value=1", "transition_steps=10"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(text):
    """The cells of every markdown table row (header and rule rows included)."""
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("|")]


def value_at(out, step, column=1):
    for row in table_rows(out):
        if row[0] == str(step):
            return float(row[column])
    raise AssertionError(f"step {step} not in output:\n{out}")


def assert_user_error(code, out, err, *fragments):
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for f in fragments:
        assert f in err, (f, err)


def png_size(path):
    with open(path, "rb") as fh:
        data = fh.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# ------------------------------------------------------------------------------------- list
def test_list_every_name_with_parameters(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    names = [r[0].rstrip("*") for r in table_rows(out)[2:]]
    assert names == jaxsched.registered_names()
    rows = {r[0].rstrip("*"): r for r in table_rows(out)[2:]}
    assert rows["torch.OneCycleLR"][1] == "torch"
    assert rows["torch.OneCycleLR"][2].startswith("max_lr, total_steps=None")
    params = signature_text(_REGISTRY["torch.OneCycleLR"])
    assert "pct_start=0.3" in params and "hyperparam" not in params
    # long signatures are cut at a parameter so that rows fit in 100 columns
    assert rows["cosine_decay"][1:] == ["native", "init_value, decay_steps, ..."]  # cut to fit
    assert max(len(line) for line in out.splitlines()) <= 100
    assert rows["OneCycle"][1] == "deepspeed" and rows["hf.cosine"][1] == "hf"
    marked = {r[0][:-1] for r in table_rows(out)[2:] if r[0].endswith("*")}
    assert {"torch.OneCycleLR", "torch.CyclicLR", "OneCycle"} <= marked
    assert "cosine_decay" not in marked


def test_list_filters(capsys):
    code, out, _ = run(capsys, "list", "onecycle", "--names-only")
    assert code == 0
    assert out.split() == [n for n in jaxsched.registered_names()
                           if "onecycle" in n.lower().replace("_", "")]
    code, out, _ = run(capsys, "list", "--family", "deepspeed", "--names-only")
    assert set(out.split()) == {"LRRangeTest", "OneCycle", "WarmupCosineLR", "WarmupDecayLR",
                                "WarmupLR", "deepspeed.LRRangeTest", "deepspeed.OneCycle",
                                "deepspeed.WarmupCosineLR", "deepspeed.WarmupDecayLR",
                                "deepspeed.WarmupLR", "deepspeed.curriculum_seqlen"}
    code, out, _ = run(capsys, "list", "--family", "fairseq", "--names-only")
    assert set(out.split()) == {f"fairseq.{n}" for n in (
        "fixed", "inverse_sqrt", "polynomial_decay", "cosine", "tri_stage", "triangular", "step",
        "reduce_lr_on_plateau", "pass_through")}
    code, out, _ = run(capsys, "list", "--family", "nemo", "--names-only")
    assert {"nemo.CosineAnnealing", "nemo.NoamAnnealing", "nemo.T5InverseSquareRootAnnealing",
            "nemo.PolynomialHoldDecayAnnealing", "nemo.StepLR"} <= set(out.split())
    code, out, _ = run(capsys, "list", "--family", "paddle", "--names-only")
    assert set(out.split()) == {f"paddle.{n}" for n in (
        "NoamDecay", "PiecewiseDecay", "NaturalExpDecay", "InverseTimeDecay", "PolynomialDecay",
        "LinearWarmup", "ExponentialDecay", "MultiStepDecay", "StepDecay", "LambdaDecay",
        "MultiplicativeDecay", "OneCycleLR", "CyclicLR", "CosineAnnealingDecay", "LinearLR",
        "CosineAnnealingWarmRestarts", "ReduceOnPlateau")}
    code, out, _ = run(capsys, "list", "--family", "big_vision", "--names-only")
    assert set(out.split()) == {f"big_vision.{n}" for n in (
        "schedule", "linear", "polynomial", "cosine", "rsqrt", "stair")}
    code, out, _ = run(capsys, "list", "--family", "t5x", "--names-only")
    assert out.split() == ["t5x.create_learning_rate_scheduler"]
    code, out, _ = run(capsys, "list", "--family", "megatron", "--names-only")
    assert "megatron.OptimizerParamScheduler" in out.split()
    code, out, _ = run(capsys, "list", "--family", "composer", "--names-only")
    assert {"composer.CosineAnnealingWithWarmupScheduler", "composer.StepScheduler",
            "composer.MultiStepWithWarmupScheduler"} <= set(out.split())
    code, out, _ = run(capsys, "list", "--family", "levanter", "--names-only")
    assert "levanter.lr_scheduler" in out.split()
    code, out, _ = run(capsys, "list", "torch.*LR", "--long")
    rows = table_rows(out)
    assert rows[0] == ["name", "family", "parameters", "description"]
    assert all(r[0].startswith("torch.") and r[0].rstrip("*").endswith("LR") for r in rows[2:])
    assert_user_error(*run(capsys, "list", "no-such-thing"), "no-such-thing", "torch, deepspeed")
    assert_user_error(*run(capsys, "list", "--family", "pytorch"), "'pytorch'", "'torch'", "'optax'")


# ------------------------------------------------------------------------------------- show
def test_show_linear_warmup_hand_values(capsys):
    code, out, _ = run(capsys, "show", *WARMUP, "--steps", "0,5,9,10,20")
    assert code == 0
    for k, v in [(0, 0.0), (5, 0.5), (9, 0.9), (10, 1.0), (20, 1.0)]:
        assert value_at(out, k) == pytest.approx(v, abs=1e-12)
    assert "momentum" not in out
    phase_rows = [r for r in table_rows(out) if len(r) == 5][2:]  # start, end, phase, lr, lr
    schedule = jaxsched.linear_schedule(0.0, 1.0, 10)
    expected = phases(schedule, 21)
    assert [(int(r[0]), int(r[1]), r[2]) for r in phase_rows] == [(p.start, p.end, p.label)
                                                                  for p in expected]
    for r, p in zip(phase_rows, expected):  # lr at the phase's first and last update
        assert float(r[3]) == pytest.approx(min(p.start / 10, 1.0), abs=1e-12)
        assert float(r[4]) == pytest.approx(min((p.end - 1) / 10, 1.0), abs=1e-12)


def test_show_json_param_flags_and_ranges(capsys):
    code, out, _ = run(capsys, "show", "linear_schedule", "-p", "init_value=0", "-p", "end_value=2",
                       "-p", "transition_steps=4", "--steps", "0:6", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["steps"] == [0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose(data["lr"], [0.0, 0.5, 1.0, 1.5, 2.0, 2.0], rtol=0, atol=1e-15)
    assert data["momentum"] is None and data["type"] == "linear_schedule"
    # KEY=VALUE words after an option still belong to the NAME
    code, out, _ = run(capsys, "show", "linear_schedule", "--steps", "5", *WARMUP[1:])
    assert code == 0 and value_at(out, 5) == 0.5


def test_show_onecycle_momentum_and_default_steps(capsys):
    code, out, _ = run(capsys, "show", "torch.OneCycleLR", "max_lr=0.1", "total_steps=100",
                       "--num-steps", "100")
    assert code == 0
    header = table_rows(out)[0]
    assert header == ["step", "lr", "momentum"]
    steps = [int(r[0]) for r in table_rows(out)[2:] if len(r) == 3]
    assert steps == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99]
    assert value_at(out, 0) == pytest.approx(0.004) and value_at(out, 0, 2) == pytest.approx(0.95)
    phase_header = [r for r in table_rows(out) if len(r) == 7][0]
    assert phase_header[:3] == ["start", "end", "phase"] and "momentum at start" in phase_header


def test_show_files_inline_and_deepspeed(capsys, tmp_path):
    cfg = {"type": "linear_schedule",
           "params": {"init_value": 0.0, "end_value": 1.0, "transition_steps": 10}}
    (tmp_path / "w.json").write_text(json.dumps(cfg))
    (tmp_path / "w.yaml").write_text("type: linear_schedule\nparams:\n  init_value: 0.0\n"
                                     "  end_value: 1.0\n  transition_steps: 10\n")
    for source in [str(tmp_path / "w.json"), str(tmp_path / "w.yaml"), json.dumps(cfg)]:
        code, out, _ = run(capsys, "show", source, "--steps", "5")
        assert code == 0 and value_at(out, 5) == 0.5, source
    # a whole DeepSpeed config; WarmupLR (linear): updates 0 and 1 both use the minimum and
    # update k >= 1 uses min + (max - min) * (k - 1) / W (anchors.md, DeepSpeed conventions)
    ds = {"train_batch_size": 8, "optimizer": {"type": "Adam", "params": {"lr": 0.1}},
          "scheduler": {"type": "WarmupLR", "params": {"warmup_min_lr": 0.0, "warmup_max_lr": 0.1,
                                                        "warmup_num_steps": 10, "warmup_type": "linear"}}}
    (tmp_path / "ds_config.json").write_text(json.dumps(ds))
    code, out, _ = run(capsys, "show", str(tmp_path / "ds_config.json"), "--steps", "0,1,6,11,50")
    assert code == 0
    for k, v in [(0, 0.0), (1, 0.0), (6, 0.05), (11, 0.1), (50, 0.1)]:
        assert value_at(out, k) == pytest.approx(v, abs=1e-12)


def test_show_time_units(capsys):
    code, out, _ = run(capsys, "show", "linear_schedule", "init_value=0", "end_value=1",
                       "transition_steps=10%", "--total-steps", "100", "--steps", "5")
    assert code == 0 and value_at(out, 5) == 0.5  # 10% of 100 steps = 10 steps
    code, out, _ = run(capsys, "show", "linear_schedule", "init_value=0", "end_value=1",
                       "transition_steps=2 epochs", "--steps-per-epoch", "4", "--steps", "2")
    assert code == 0 and value_at(out, 2) == 0.25


def test_show_user_errors(capsys, tmp_path):
    assert_user_error(*run(capsys, "show", "cosin_decay"), "'cosin_decay'", "did you mean 'cosine_decay'",
                      "`jaxsched list` to see all names")
    assert_user_error(*run(capsys, "show", "cosine_decay", "init_valu=1", "decay_steps=10"),
                      "init_valu", "valid parameters", "init_value")
    assert_user_error(*run(capsys, "show", "cosine_decay", "decay_steps=10"), "missing", "init_value")
    assert_user_error(*run(capsys, "show", str(tmp_path / "nope.yaml")), "nope.yaml", "does not exist")
    (tmp_path / "bad.json").write_text('{"type": "cosine_decay", "params": {')
    assert_user_error(*run(capsys, "show", str(tmp_path / "bad.json")), "bad.json")
    assert_user_error(*run(capsys, "show", *WARMUP, "--steps", "0,x"), "'x'", "0,10,100")
    assert_user_error(*run(capsys, "show", *WARMUP, "--num-steps", "0"), "--num-steps", ">= 1")
    assert_user_error(*run(capsys, "show", *WARMUP, "--bogus"), "--bogus", "--steps", "--num-steps")
    assert_user_error(*run(capsys, "show", "init_value=1"), "does not follow a schedule NAME")
    assert_user_error(*run(capsys, "show", "constant_schedule", "value=1"), "--num-steps")
    assert_user_error(*run(capsys, "show", *WARMUP, *WARMUP), "one CONFIG", "plot")
    assert_user_error(*run(capsys, "frobnicate"), "'frobnicate'", "'list'", "'show'", "'plot'")
    assert_user_error(*run(capsys, "show"), "CONFIG")


# ------------------------------------------------------------------------------------- plot
def test_plot_several_configs(capsys, tmp_path):
    path = tmp_path / "cmp.png"
    code, out, _ = run(capsys, "plot", *WARMUP, "torch.OneCycleLR", "max_lr=1", "total_steps=50",
                       "-o", str(path), "--labels", "warm", "onecycle", "--log", "--dpi", "40")
    assert code == 0 and str(path) in out
    assert png_size(path) == (320, 180)  # default 8 x 4.5 inches
    svg = tmp_path / "one.svg"
    assert run(capsys, "plot", *WARMUP, "-o", str(svg), "--num-steps", "20")[0] == 0
    assert "<svg" in svg.read_text()


def test_plot_user_errors(capsys, tmp_path):
    assert_user_error(*run(capsys, "plot", *WARMUP, "-o", str(tmp_path / "x.jpg")), ".png, .svg")
    assert not (tmp_path / "x.jpg").exists()
    assert_user_error(*run(capsys, "plot", *WARMUP, "-o", str(tmp_path / "x.png"), "--labels", "a", "b"),
                      "2 label(s) for 1 CONFIG")
    assert_user_error(*run(capsys, "plot", *WARMUP, *WARMUP, "-p", "init_value=1", "-o",
                           str(tmp_path / "x.png")), "exactly one CONFIG")
    assert_user_error(*run(capsys, "plot", *WARMUP), "-o/--output")
    assert_user_error(*run(capsys, "plot", *WARMUP, "-o", str(tmp_path / "no" / "dir" / "x.png")),
                      "x.png")


# ------------------------------------------------------------------------- lr-find and demo
def test_delegated_subcommand_missing_module(capsys, monkeypatch):
    monkeypatch.setitem(cli._DELEGATED, "demo", ("jaxsched._no_such_demo", "the demo", "demo"))
    code, out, err = run(capsys, "demo")
    assert code == 2 and "the demo is not available" in err and "Traceback" not in err
    exc = ModuleNotFoundError("No module named 'sklearn'", name="sklearn")
    err_line = cli._missing_message("demo", exc)
    assert 'needs scikit-learn, which is not installed: pip install "jaxsched[demo]"' in err_line


def test_help_for_every_subcommand(capsys):
    for sub in ["list", "show", "plot"]:
        code, out, _ = run(capsys, sub, "--help")
        assert code == 0 and "examples:" in out, sub
    code, out, _ = run(capsys, "--help")
    assert code == 0 and all(s in out for s in ["list", "show", "plot", "lr-find", "demo"])


# ------------------------------------------------------------------ real entry points (slow)
# Each subprocess pays a fresh interpreter with JAX (seconds): the wiring of `python -m
# jaxsched.cli`, of the console script and of the lazy imports is run for real; everything a
# command does is tested in-process above and below.
def _python(*args, **kw):
    return subprocess.run([sys.executable, "-m", "jaxsched.cli", *args], capture_output=True,
                          text=True, timeout=300, **kw)


def test_entry_point_list():
    proc = _python("list", "torch.OneCycleLR")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"torch\.OneCycleLR\*? *\| torch *\| max_lr, total_steps=None", proc.stdout)


def test_console_script_show_and_its_exit_code_on_a_user_error():
    exe = shutil.which("jaxsched")
    if exe is None:
        pytest.skip("the jaxsched console script is not installed (pip install -e .)")
    proc = subprocess.run([exe, "show", *WARMUP, "--steps", "5"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert value_at(proc.stdout, 5) == 0.5
    proc = subprocess.run([exe, "show", "cosine_decay", "init_valu=0.1", "decay_steps=10"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "init_valu" in proc.stderr and "Traceback" not in proc.stderr


def test_lazy_imports_of_list_and_show():
    # `jaxsched list` and `jaxsched show` import neither matplotlib nor the demo, scikit-learn,
    # torch or JAX (show evaluates on the host, in float64)
    code = ("import sys; from jaxsched.cli import main; assert main(['list', '--names-only']) == 0; "
            "assert main(['show', 'cosine_decay', 'init_value=0.1', 'decay_steps=10']) == 0; "
            "bad = [m for m in ('matplotlib', 'torch', 'jax', 'optax', 'jaxsched.cli.demo', 'sklearn') "
            "if m in sys.modules]; assert not bad, bad")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


# ------------------------------------------------------------------ commands in-process
def test_plot_writes_the_default_size(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "plot", *WARMUP, "torch.OneCycleLR", "max_lr=0.1", "total_steps=40",
                       "-o", "out.png")
    assert code == 0, err
    assert png_size(tmp_path / "out.png") == (800, 450)


@pytest.mark.parametrize("sub", ["lr-find", "demo"])
def test_delegated_help(capsys, sub):
    try:
        code = main([sub, "--help"])
    except SystemExit as e:  # argparse's own exit after printing the help
        code = e.code
    assert code == 0
    assert f"jaxsched {sub}" in capsys.readouterr().out


def test_lr_find_runs_and_writes_plot(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "lr-find", "--num-steps", "40", "--min-lr", "1e-3", "--max-lr", "100",
                         "-o", "lr.png")
    assert code == 0, err
    found = dict(re.findall(r"^(steepest descent|minimum loss / 10):\s+([0-9.e+-]+)", out, re.M))
    assert set(found) == {"steepest descent", "minimum loss / 10"}, out
    # SGD with momentum 0.9 on the demo MLP cannot survive lr = 100: the sweep must stop early,
    # and both suggestions lie inside the swept range, below the divergence
    assert "stopped early" in out
    assert all(1e-3 <= float(v) < 100 for v in found.values()), found
    assert png_size(tmp_path / "lr.png")[0] > 100
    assert_user_error(*run(capsys, "lr-find", "--min-lr", "1", "--max-lr", "0.1"), "min")


def test_demo_quick_through_the_command(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "demo", "--quick", "--schedule", "wsd", "--no-progress", "-o",
                         "demo.png")
    assert code == 0, err
    row = [r for r in table_rows(out) if r and r[0] == "wsd"]
    assert len(row) == 1 and float(row[0][2]) > 0.5, out  # test accuracy far above chance
    assert png_size(tmp_path / "demo.png")[0] > 100

"""What a new user meets: missing optional packages, flag names in errors, the demo's configs.

Missing packages are simulated in-process (``sys.modules[name] = None`` makes ``import name``
raise ``ModuleNotFoundError``); every subcommand must then print one line naming the extra to
install and exit with status 2, and torch advice is always the pinned build.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import jaxsched
from jaxsched.cli import main
from jaxsched.core import optional
from jaxsched.core.optional import MissingPackageError, install_hint, require

WARMUP = ["warmup_cosine_decay_schedule", "init_value=0", "peak_value=0.1", "warmup_steps=10",
          "decay_steps=100"]
PLOT_HINT = 'pip install "jaxsched[plot]"'
CLI_HINT = 'pip install "jaxsched[cli]"'
DEMO_HINT = 'pip install "jaxsched[demo]"'
TORCH_HINT = "pip install torch==2.13.0"


def hide(monkeypatch, package: str) -> None:
    """Make ``package`` and its submodules unimportable for the rest of the test."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, package, None)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line(code, err, *fragments):
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for f in fragments:
        assert f in err, (f, err)


# ------------------------------------------------------------------ the helper
def test_install_hints_name_the_extra_and_pin_torch():
    assert install_hint("matplotlib.pyplot") == PLOT_HINT
    assert install_hint("yaml") == CLI_HINT and install_hint("tqdm.auto") == CLI_HINT
    assert install_hint("sklearn.datasets") == DEMO_HINT
    assert install_hint("matplotlib", extra="demo") == DEMO_HINT
    assert install_hint("torch") == install_hint("torch", extra="demo") == TORCH_HINT
    assert optional.TORCH_INSTALL == TORCH_HINT


def test_require_raises_one_line_import_error(monkeypatch):
    hide(monkeypatch, "yaml")
    with pytest.raises(ImportError) as info:
        require("yaml", "reading a YAML config")
    assert isinstance(info.value, MissingPackageError)
    assert str(info.value) == f"reading a YAML config needs PyYAML, which is not installed: {CLI_HINT}"


def test_no_unpinned_torch_advice_anywhere_in_the_package():
    root = Path(jaxsched.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"pip install torch(?!==)", text), path
    assert "pip install torch==2.13.0" in (root.parent / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------ library entry points
def test_plot_without_matplotlib_names_the_plot_extra(monkeypatch):
    hide(monkeypatch, "matplotlib")
    with pytest.raises(ImportError, match=re.escape(PLOT_HINT)) as info:
        jaxsched.plot(jaxsched.constant_schedule(0.1), 10)
    assert type(info.value) is MissingPackageError and "jaxsched.plot" in str(info.value)


def test_lr_find_result_plot_and_progress_name_their_extras(monkeypatch):
    from jaxsched.training.lr_finder import LRFindResult, progress_bar

    r = LRFindResult.from_record([1e-3, 1e-2, 1e-1], [3.0, 1.0, 2.0], [3.0, 1.0, 2.0], False)
    hide(monkeypatch, "matplotlib")
    hide(monkeypatch, "tqdm")
    with pytest.raises(ImportError, match=re.escape(PLOT_HINT)):
        r.plot()
    with pytest.raises(ImportError, match=re.escape(CLI_HINT)):
        progress_bar(10, True)


def test_yaml_config_without_pyyaml_names_the_cli_extra(monkeypatch, tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text("type: constant_schedule\nparams: {value: 0.1}\n")
    hide(monkeypatch, "yaml")
    with pytest.raises(ImportError, match=re.escape(CLI_HINT)):
        jaxsched.from_config(cfg)


def test_torch_bridge_without_torch_names_the_pinned_build(monkeypatch):
    for name in [n for n in sys.modules if n == "jaxsched.torch" or n.startswith("jaxsched.torch.")]:
        monkeypatch.delitem(sys.modules, name)
    hide(monkeypatch, "torch")
    with pytest.raises(ImportError, match=re.escape(TORCH_HINT)) as info:
        importlib.import_module("jaxsched.torch")
    assert "PyTorch bridge" in str(info.value)


# ------------------------------------------------------------------ every subcommand: exit 2
def test_cli_plot_without_matplotlib(monkeypatch, capsys, tmp_path):
    hide(monkeypatch, "matplotlib")
    code, _, err = run(capsys, "plot", *WARMUP, "-o", str(tmp_path / "x.png"))
    assert_one_line(code, err, "jaxsched plot: error:", PLOT_HINT)
    assert not (tmp_path / "x.png").exists()


def test_cli_show_yaml_without_pyyaml(monkeypatch, capsys, tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text("type: constant_schedule\nparams: {value: 0.1}\n")
    hide(monkeypatch, "yaml")
    code, _, err = run(capsys, "show", str(cfg), "--steps", "0")
    assert_one_line(code, err, "jaxsched show: error:", CLI_HINT)


def test_cli_lr_find_without_matplotlib(monkeypatch, capsys, tmp_path):
    hide(monkeypatch, "matplotlib")
    code, _, err = run(capsys, "lr-find", "-o", str(tmp_path / "f.png"), "--num-steps", "5")
    assert_one_line(code, err, "jaxsched lr-find: error:", DEMO_HINT)


@pytest.mark.parametrize("package", ["matplotlib", "tqdm", "sklearn"])
def test_cli_demo_without_a_package_names_the_demo_extra_once(monkeypatch, capsys, tmp_path, package):
    hide(monkeypatch, package)
    code, out, err = run(capsys, "demo", "--quick", "-o", str(tmp_path / "d.png"))
    assert_one_line(code, err, "jaxsched demo: error:", DEMO_HINT)
    assert err.count("jaxsched[") == 1 and err.count("pip install") == 1
    assert not out


def test_cli_demo_torch_backend_without_torch(monkeypatch, capsys, tmp_path):
    hide(monkeypatch, "torch")
    code, _, err = run(capsys, "demo", "--quick", "--no-progress", "--backend", "torch", "-o",
                       str(tmp_path / "d.png"))
    assert_one_line(code, err, "jaxsched demo: error:", TORCH_HINT)
    assert err.count("pip install") == 1


def test_cli_delegated_module_import_error_exits_2(monkeypatch, capsys):
    from jaxsched.cli import app

    monkeypatch.setitem(app._DELEGATED, "lr-find", ("jaxsched._no_such_module", "the LR range test",
                                                    "demo"))
    code, _, err = run(capsys, "lr-find")
    assert_one_line(code, err, "not available in this install")


# ------------------------------------------------------------------ flags, not parameters
def test_plot_output_errors_name_the_flag(capsys, tmp_path):
    code, _, err = run(capsys, "plot", *WARMUP, "-o", str(tmp_path / "x.jpg"))
    assert_one_line(code, err, "-o/--output", ".png, .svg")
    assert "`path`" not in err


def test_plot_errors_from_jaxsched_plot_name_flags():
    from jaxsched.cli.commands import _flag_names

    assert _flag_names("`path` must end with .png; `num_steps` must be > 0") == (
        "-o/--output must end with .png; --num-steps must be > 0")


# ------------------------------------------------------------------ the demo's configs
DEMO_CONFIG = {"type": "warmup_cosine_decay_schedule",
               "params": {"init_value": 0.0, "peak_value": 0.05, "warmup_steps": "1 epochs",
                          "decay_steps": "100%"}}


def test_demo_config_in_epochs_uses_the_demo_timeline():
    from jaxsched.cli.demo.run import run_demo

    results, per_epoch = run_demo(schedule_config=json.dumps(DEMO_CONFIG), epochs=2, batch_size=64,
                                  output=None, progress=False)
    (r,) = results
    assert len(r.lrs) == 2 * per_epoch
    assert int(np.argmax(r.lrs)) == per_epoch  # warmup of one epoch, then the decay
    assert r.lrs[per_epoch] == pytest.approx(0.05)


def test_demo_summary_reports_the_peak_that_ran(capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--quick", "--no-progress", "--schedule-config",
                         json.dumps(DEMO_CONFIG), "-o", str(tmp_path / "d.png"))
    assert code == 0, err
    assert "max lr 0.05" in out and "max lr 0.1" not in out


def test_peak_summary():
    from types import SimpleNamespace

    from jaxsched.cli.demo.cli import peak_summary

    assert peak_summary([SimpleNamespace(lrs=np.array([0.0, 0.05]))]) == "max lr 0.05"
    both = [SimpleNamespace(lrs=np.array([0.1])), SimpleNamespace(lrs=np.array([0.0918, 0.05]))]
    assert peak_summary(both) == "max lr 0.0918 to 0.1"

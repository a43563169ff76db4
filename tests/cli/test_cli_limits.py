"""The ``jaxsched`` command never hangs or dumps a traceback on a request too large (issue 14).

Every such request ends in one line on stderr naming the problem, with exit status 2, at once;
``--debug`` still shows the traceback. Run in process (``jaxsched.cli.main``).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from jaxsched.cli import app, main
from jaxsched.cli.argtypes import MAX_DPI, MAX_PLOT_STEPS, MAX_SHOW_STEPS, MAX_STEP

TIME_LIMIT_S = 2.0
COSINE = ["cosine_decay", "init_value=1", "decay_steps=100"]


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``argv``; assert exit 2, one stderr line, no output, in time; return the line."""
    start = time.perf_counter()
    rc = main(argv)
    elapsed = time.perf_counter() - start
    out, err = capsys.readouterr()
    assert rc == 2, (out, err)
    assert elapsed < TIME_LIMIT_S, f"took {elapsed:.2f} s"
    assert err.count("\n") == 1 and "Traceback" not in err and len(err) < 600, err[:800]
    return err


CASES = {
    "decay_steps=2**63": (["show", "cosine_decay", "init_value=1", f"decay_steps={2**63}"],
                          ["`decay_steps`", "int64"]),
    "decay_steps of 400 digits": (["show", "cosine_decay", "init_value=1", "decay_steps=" + "9" * 400],
                                  ["`decay_steps`", "400 digits"]),
    "decay_steps nested 5k": (["show", "cosine_decay", "init_value=1",
                               "decay_steps=" + "[" * 5000 + "]" * 5000], ["nested too deeply"]),
    "decay_steps=1e300 inferred horizon": (["show", "cosine_decay", "init_value=1", "decay_steps=1e300"],
                                           ["--num-steps", "exceed"]),
    "--steps 2**63": (["show", *COSINE, "--steps", str(2**63)], ["--steps", "at most"]),
    "--steps 0:10**10": (["show", *COSINE, "--steps", f"0:{10**10}"], ["--steps", f"{MAX_SHOW_STEPS:_}"]),
    "--steps many commas": (["show", *COSINE, "--steps", ",".join(["1"] * (MAX_SHOW_STEPS + 1))],
                            ["--steps", "at most"]),
    "--total-steps 10**30": (["show", *COSINE, "--total-steps", str(10**30)], ["--total-steps", "at most"]),
    "--num-steps 2**63": (["show", *COSINE, "--num-steps", str(2**63)], ["--num-steps", "at most"]),
    "--steps-per-epoch 10**30": (["show", *COSINE, "--steps-per-epoch", str(10**30), "--epochs", "2"],
                                 ["--steps-per-epoch", "at most"]),
    "--epochs 1e300": (["show", *COSINE, "--steps-per-epoch", "10", "--epochs", "1e300"],
                       ["--epochs", "at most"]),
    "plot --num-steps 10**12": (["plot", *COSINE, "--num-steps", str(10**12), "-o", "OUT.png"],
                                ["--num-steps", f"{MAX_PLOT_STEPS:_}"]),
    "plot inferred 10**14": (["plot", "cosine_decay", "init_value=1", f"decay_steps={10**14}",
                              "-o", "OUT.png"], ["--num-steps", f"{MAX_PLOT_STEPS:_}"]),
    "plot --dpi 100000": (["plot", *COSINE, "--dpi", "100000", "-o", "OUT.png"], ["--dpi", str(MAX_DPI)]),
    "inline config, 50 MB": (["show", '{"type": "cosine_decay", "params": {"init_value": "'
                              + "x" * 50_000_000 + '", "decay_steps": 10}}'], ["too large"]),
    "init_value of 50 MB": (["show", "cosine_decay", "init_value=" + "x" * 50_000_000, "decay_steps=10"],
                            ["`init_value`", "too large"]),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_too_large_is_one_line_exit_2(case: str, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    argv, words = CASES[case]
    argv = [str(tmp_path / "out.png") if a == "OUT.png" else a for a in argv]
    err = one_line_error(capsys, argv)
    for word in words:
        assert word in err, err
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("exc", [OverflowError("int too large to convert"), RecursionError(),
                                 MemoryError()])
def test_overflow_recursion_memory_are_user_errors(exc: BaseException, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from jaxsched.cli import commands

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise exc

    monkeypatch.setattr(commands, "build", boom)
    err = one_line_error(capsys, ["show", *COSINE])
    assert err.startswith("jaxsched show: error: ") and app._TOO_LARGE[type(exc)] in err
    with pytest.raises(type(exc)):
        main(["show", *COSINE, "--debug"])


def test_limits_are_stated_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    for sub, words in (("show", [f"{MAX_SHOW_STEPS:_}", f"{MAX_STEP:_}"]),
                       ("plot", [f"{MAX_PLOT_STEPS:_}", str(MAX_DPI)])):
        assert main([sub, "--help"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        for word in words:
            assert word in out, (sub, word)
        assert "1 MiB" in out


def test_within_the_limits_still_works(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    assert main(["show", *COSINE, "--steps", f"0:{MAX_SHOW_STEPS}", "--json"]) == 0
    assert main(["show", *COSINE, "--num-steps", str(MAX_STEP)]) == 0
    assert main(["plot", *COSINE, "--num-steps", "1000", "--dpi", "50", "-o", str(tmp_path / "a.png")]) == 0
    capsys.readouterr()

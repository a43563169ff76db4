"""What a new user meets: did-you-mean for names, `jaxsched list PATTERN`, `--debug`, help text.

Every expected value below is derived by hand from the registered names (``jaxsched list
--names-only``) and the docstrings, not copied from the command's output.
"""

from __future__ import annotations

import pytest

import jaxsched
from jaxsched.cli import main
from jaxsched.cli.commands import signature_text
from jaxsched.config.loader import _REGISTRY

#: The old messages listed all names (about 4,000 characters); a short one stays well below.
SHORT = 300


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``jaxsched ARGV``; return the exit status, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def from_config_error(cfg: dict) -> str:
    """The message of the ValueError ``from_config(cfg)`` raises."""
    with pytest.raises(ValueError) as info:
        jaxsched.from_config(cfg)
    return str(info.value)


# ------------------------------------------------------------------ did you mean: from_config
@pytest.mark.parametrize(
    "name, suggestion",
    [
        # one letter dropped: difflib ratio 2 * 27 / 55 ~ 0.98, the closest of all names
        ("warmup_cosine_decy_schedule", "did you mean 'warmup_cosine_decay_schedule'"),
        ("cosin_decay", "did you mean 'cosine_decay'"),
        # equal to a name but for case: that name alone, with the reason
        ("torch.steplr", "did you mean 'torch.StepLR'? (names are case-sensitive)"),
        ("Cosine_Decay", "did you mean 'cosine_decay'? (names are case-sensitive)"),
    ],
)
def test_unknown_schedule_name_is_short_with_suggestions(name: str, suggestion: str) -> None:
    """An unknown name gets the closest names and a pointer to `jaxsched list`, not all 133."""
    msg = from_config_error({"type": name})
    assert f"unknown schedule type {name!r}" in msg
    assert suggestion in msg
    assert "`jaxsched list` to see all names" in msg
    assert len(msg) < SHORT and len(msg.splitlines()) <= 3
    assert "deepspeed.WarmupDecayLR" not in msg  # an unrelated name: the full list is gone


@pytest.mark.parametrize(
    "params, suggestion",
    [
        ({"init_valu": 1.0, "decay_steps": 10}, "did you mean 'init_value'?"),
        ({"init_value": 1.0, "decay_step": 10}, "did you mean 'decay_steps'?"),
        ({"Init_Value": 1.0, "decay_steps": 10},
         "did you mean 'init_value'? (names are case-sensitive)"),
    ],
)
def test_unknown_parameter_suggests_the_closest(params: dict, suggestion: str) -> None:
    """A misspelt parameter gets the closest valid one; the short list of valid ones stays."""
    msg = from_config_error({"type": "cosine_decay", "params": params})
    assert msg.startswith("unknown parameter(s)")
    assert suggestion in msg
    assert "valid parameters are: ['init_value', 'decay_steps', 'end_value', 'exponent']" in msg


# --------------------------------------------------------------------- did you mean: the CLI
@pytest.mark.parametrize(
    "argv, suggestion",
    [
        (["show", "cosin_decay"], "did you mean 'cosine_decay'"),
        (["show", "torch.steplr", "step_size=3"],
         "did you mean 'torch.StepLR'? (names are case-sensitive)"),
        (["plot", "warmup_cosine_decy_schedule", "-o", "x.png"],
         "did you mean 'warmup_cosine_decay_schedule'"),
        (["lsit"], "did you mean 'list'?"),  # a subcommand
        (["list", "--famliy", "torch"], "did you mean '--family'?"),  # an option
        (["list", "--family", "pytroch"], "did you mean 'torch'?"),  # a choice
    ],
)
def test_cli_prints_one_short_line_with_suggestions(
    capsys: pytest.CaptureFixture[str], argv: list[str], suggestion: str
) -> None:
    """User mistakes: exit 2, one short line on stderr naming the closest names."""
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert suggestion in err
    assert len(err) < SHORT


# ----------------------------------------------------------------------- jaxsched list PATTERN
ONECYCLE = {  # every name with "one" and "cycle" in a row, ignoring case, "_" and "."
    "OneCycle", "deepspeed.OneCycle", "torch.OneCycleLR", "cerebras.OneCycleLR",
    "one_cycle", "one_cycle_momentum", "one_cycle_with_decay", "one_cycle_with_decay_momentum",
    "cosine_onecycle_schedule", "linear_onecycle_schedule", "optax.cosine_onecycle_schedule",
    "optax.linear_onecycle_schedule", "paddle.OneCycleLR", "cerebras.OneCycleWD",
}
RESTARTS = {  # SGDR: Loshchilov & Hutter's cosine with warm restarts
    "sgdr_schedule", "optax.sgdr_schedule", "cosine_restarts", "cosine_hard_restarts",
    "hf.cosine_with_restarts", "keras.CosineDecayRestarts", "torch.CosineAnnealingWarmRestarts",
    "cerebras.CosineAnnealingWarmRestarts", "paddle.CosineAnnealingWarmRestarts",
    "composer.CosineAnnealingWarmRestartsScheduler", "cerebras.CosineAnnealingWarmRestartsWD",
}


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("onecycle", ONECYCLE),
        ("One-Cycle", ONECYCLE),  # case, "-", "_" and "." are ignored
        ("1cycle", ONECYCLE),  # an abbreviation
        ("wsd", {"warmup_stable_decay", "wsd_cycles", "hf.warmup_stable_decay", "timm.wsd",
                 "timm.WSDLRScheduler"}),
        ("sgdr", RESTARTS),
        # a peer's name from an Equivalents section: HF's get_wsd_schedule (schedules/wsd.py)
        ("get_wsd_schedule", {"warmup_stable_decay"}),
        # torch's SWALR: the name torch.SWALR, and swa_schedule's ``swa_utils.SWALR(...)``
        ("swalr", {"torch.SWALR", "swa_schedule"}),
    ],
)
def test_list_pattern_matches_words_aliases_and_peers(
    capsys: pytest.CaptureFixture[str], pattern: str, expected: set[str]
) -> None:
    """`jaxsched list PATTERN` finds a name however its words are joined, and by abbreviation."""
    code, out, _ = run(capsys, "list", pattern, "--names-only")
    assert code == 0
    assert set(out.split()) == expected


@pytest.mark.parametrize(
    "argv", [["list"], ["list", "--long"], ["list", "OneCycle"], ["list", "timm", "--long"]]
)
def test_list_rows_fit_in_100_columns(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """Long signatures are cut (at a parameter where one fits) and end in ``...``; every line fits."""
    code, out, _ = run(capsys, *argv)
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    rows = [[c.strip() for c in line.strip("| ").split(" | ")] for line in lines[2:]
            if line.startswith("|")]
    cut = 0
    for row in rows:
        full = signature_text(_REGISTRY[row[0].rstrip("*")])
        if row[2] != full:  # cut after a whole parameter (", ..."), or inside a long first one
            cut += 1
            assert row[2].endswith("...")
            assert full.startswith(row[2][:-3].removesuffix(", "))
    # each listing holds a signature too long for any layout: deepspeed.OneCycle's parameters
    # take 283 characters, timm.tanh's 243
    assert cut > 0


def test_list_footnote_only_when_a_row_is_starred(capsys: pytest.CaptureFixture[str]) -> None:
    """The `*` footnote prints only when some row has a `*` (a coupled momentum schedule)."""
    code, out, _ = run(capsys, "list", "cosine_decay")  # none of these has a momentum schedule
    assert code == 0 and "*" not in out and "coupled momentum" not in out
    code, out, _ = run(capsys, "list", "torch.OneCycleLR")  # it has one: torch.OneCycleLR*
    assert code == 0 and "torch.OneCycleLR*" in out and "* also gives" in out


# ------------------------------------------------------------------------- --debug and --help
@pytest.mark.parametrize(
    "argv",
    [
        ["show", "--debug", "cosin_decay"],
        ["show", "cosin_decay", "--debug"],
        ["list", "no-such-thing", "--debug"],
        ["plot", "cosin_decay", "-o", "x.png", "--debug"],
    ],
)
def test_debug_is_accepted_after_the_subcommand(argv: list[str]) -> None:
    """`--debug` anywhere re-raises the error (a traceback) instead of the one-line message."""
    with pytest.raises(ValueError):
        main(argv)
    # before the subcommand it still works, and is not reset by the subcommand's flag
    with pytest.raises(ValueError):
        main(["--debug", *[a for a in argv if a != "--debug"]])


@pytest.mark.parametrize("command", ["show", "plot"])
def test_help_prints_a_single_percent_sign(capsys: pytest.CaptureFixture[str], command: str) -> None:
    """The time-units group title reads "10%": a group title is not %-formatted."""
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert 'time units in step parameters ("2 epochs", "10%")' in out
    assert "%%" not in out


# ------------------------------------------------------------------------- list --peers
@pytest.mark.parametrize("family", ["keras", "hf", "megatron", "composer", "levanter", "paddle",
                                    "big_vision", "t5x", "fairseq", "nemo"])
def test_list_peers_shows_each_framework_with_equivalents(
    capsys: pytest.CaptureFixture[str], family: str
) -> None:
    """`jaxsched list --family F --peers`: every name of F, each with its equivalents (wrapped
    within 100 columns); the warmup-cosine names point at each other across frameworks."""
    code, out, _ = run(capsys, "list", "--family", family, "--peers")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    names = [line.split("|")[1].strip().rstrip("*") for line in lines[2:] if line.startswith("|")]
    listed = {n for n in names if n}
    assert listed == {n for n in _REGISTRY if n.startswith(family + ".")}
    table = "\n".join(lines)
    if family == "composer":  # the same stem elsewhere
        row = table.split("composer.CosineAnnealingScheduler ")[1].split("| composer.")[0]
        assert "torch.CosineAnnealingLR" in row and "paddle.CosineAnnealingDecay" in row
    if family in ("megatron", "levanter", "t5x", "big_vision"):  # one run, every framework
        assert "composer.CosineAnnealingWithWarmupScheduler" in table
    if family == "hf":
        assert "GreedyLR" in table.split("hf.greedy ")[1].split("\n|  ")[0]

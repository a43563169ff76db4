"""The ``jaxsched`` command: list, show and plot schedules, find a learning rate, run the demo.

Usage (``jaxsched SUBCOMMAND --help`` shows each one's flags and examples)::

    jaxsched list [PATTERN ...] [--family torch]
    jaxsched show CONFIG [--steps 0,10,100 | --num-steps N] [--json]
    jaxsched plot CONFIG [CONFIG ...] -o FILE.png|.svg [--num-steps N] [--log] [--labels ...]
    jaxsched lr-find [...]
    jaxsched demo [...]

A CONFIG is a file (.json, .yaml/.yml, or a whole DeepSpeed config), an inline JSON mapping,
or a schedule NAME followed by ``KEY=VALUE`` words (see :mod:`jaxsched.cli.configs`). User
mistakes (unknown name, bad parameter, missing file, bad flag, a request too large to compute,
print or draw) print one line on stderr naming the problem and the closest valid choices, and
exit with status 2; ``--debug`` (anywhere on the command line) shows the traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from jaxsched.cli.argtypes import MAX_DPI, MAX_PLOT_STEPS, MAX_SHOW_STEPS, MAX_STEP, integer, positive_float
from jaxsched.config.names import did_you_mean
from jaxsched.core.optional import MissingPackageError, missing_message

__all__ = ["main", "build_parser"]

_USER_ERRORS = (ValueError, TypeError, FileNotFoundError, IsADirectoryError, PermissionError)
#: What a request too large (a number, a nesting, a table or a picture) raises: the user's to fix.
_TOO_LARGE = {
    OverflowError: "a number is too large to compute with",
    RecursionError: "the input is nested too deeply",
    MemoryError: "the request needs more memory than there is",
}
_TOO_LARGE_HINT = (f"steps and step counts must be at most {MAX_STEP:_}, `show` prints at most "
                   f"{MAX_SHOW_STEPS:_} steps and `plot` draws at most {MAX_PLOT_STEPS:_}")
#: The longest error line printed (a safety net: messages show values shortened already).
_MAX_LINE = 1000
_DELEGATED = {  # subcommand -> (module, what, pip extra)
    "lr-find": ("jaxsched.cli.lr_find", "the LR range test", "demo"),
    "demo": ("jaxsched.cli.demo", "the demo", "demo"),
}
_EXTRA = "cli"  # the extra of list, show and plot (matplotlib, PyYAML)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments"):
            options = sorted({s for a in self._actions for s in a.option_strings if s.startswith("--")})
            message += _option_hints(message.split(":", 1)[1].split(), options)
            message += f"; valid options: {', '.join(options)}"
        choice = re.search(r"invalid choice: '(.*?)' \(choose from (.*)\)", message)
        if choice:
            hint = did_you_mean(choice.group(1), re.findall(r"'(.*?)'", choice.group(2)))
            if hint:
                message += f"; {hint}"
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _option_hints(tokens: Sequence[str], options: Sequence[str]) -> str:
    """``" (did you mean '--x'?)"`` for each unrecognized ``--option`` close to a valid one."""
    hints = [did_you_mean(t.split("=", 1)[0], options, n=1) for t in tokens if t.startswith("--")]
    return "".join(f" ({h})" for h in hints if h)


def _add_debug(p: argparse.ArgumentParser) -> None:
    """``--debug`` on a subcommand too, so it may come anywhere on the command line.

    The default is suppressed so that a ``--debug`` before the subcommand is not reset.
    """
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show tracebacks for errors")


_FORMAT = argparse.RawDescriptionHelpFormatter

_LIST_EPILOG = """examples:
  jaxsched list                      every name, native and ecosystem, with parameters
  jaxsched list cosine               names containing "cosine"
  jaxsched list onecycle             case, "_", "-" and "." ignored: one_cycle, torch.OneCycleLR, ...
  jaxsched list wsd                  abbreviations (wsd, sgdr, 1cycle, ...) and peers' names
                                     (get_wsd_schedule) find the schedules they stand for
  jaxsched list 'torch.*' --long     a glob, with each constructor's summary
  jaxsched list --family deepspeed   DeepSpeed's names (bare and deepspeed.*)
  jaxsched list --names-only         one name per line
  jaxsched list --family composer --peers
                                     Composer's names and their equivalents elsewhere
"""
_CONFIG_HELP = """CONFIG is one of:
  a file                 sched.json, sched.yaml, or a DeepSpeed config (its "scheduler" block)
  inline JSON            '{"type": "cosine_decay", "params": {"init_value": 0.1, "decay_steps": 100}}'
  NAME KEY=VALUE ...     cosine_decay init_value=0.1 decay_steps=100
VALUEs are JSON when they parse (0.1, [30,60], true), else strings (anneal_strategy=linear).
Step parameters accept time units ("2 epochs", "10%") with --steps-per-epoch / --total-steps.
Limits: config files and inline configs up to 1 MiB, nested up to 64 levels, integers within
int64 (jaxsched.config.limits); step counts and steps up to 10**15.
"""
_SHOW_EPILOG = _CONFIG_HELP + """
examples:
  jaxsched show linear_schedule init_value=0 end_value=1 transition_steps=10 --steps 0,5,10
  jaxsched show torch.OneCycleLR max_lr=0.1 total_steps=1000
  jaxsched show ds_config.json --num-steps 5000
  jaxsched show warmup_stable_decay -p peak_value=3e-4 -p warmup_steps=10% --total-steps 1000
"""
_PLOT_EPILOG = _CONFIG_HELP + """Several CONFIGs go in one picture; each NAME's KEY=VALUE words follow it.

examples:
  jaxsched plot torch.OneCycleLR max_lr=0.1 total_steps=1000 -o onecycle.png
  jaxsched plot a.yaml b.json -o compare.svg --labels baseline candidate --log
  jaxsched plot cosine_decay init_value=0.1 decay_steps=1000 \\
                hf.linear lr=0.1 num_warmup_steps=100 num_training_steps=1000 -o cmp.png
"""


def _add_config_arguments(p: argparse.ArgumentParser, many: bool) -> None:
    p.add_argument("config", nargs="+", metavar="CONFIG",
                   help="schedule config(s): file, inline JSON, or NAME KEY=VALUE ..." if many
                   else "the schedule config: file, inline JSON, or NAME KEY=VALUE ...")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of a NAME config (repeatable; one NAME only)")
    p.add_argument("--num-steps", type=integer(), metavar="N",
                   help="optimizer updates 0..N-1 (default: inferred from the phases; at most "
                   + (f"{MAX_PLOT_STEPS:_} for plot)" if many else f"{MAX_STEP:_})"))
    # a group title is printed as is (only help strings are %-formatted): one % sign
    units = p.add_argument_group("time units in step parameters (\"2 epochs\", \"10%\")")
    units.add_argument("--steps-per-epoch", type=integer(), metavar="N")
    units.add_argument("--epochs", type=positive_float(), metavar="E",
                       help=f"epochs in the run (at most {MAX_STEP:_}, as are the step counts)")
    units.add_argument("--total-steps", type=integer(), metavar="N",
                       help="steps in the run (also the default --num-steps)")
    units.add_argument("--grad-accum", type=integer(), metavar="A",
                       help="gradient accumulation steps (micro-batches per update)")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``command`` names the subcommand whose delegated flags to load."""
    from jaxsched import __version__

    parser = _Parser(prog="jaxsched", formatter_class=_FORMAT, description=__doc__.split("\n\n")[0],
                     epilog="run `jaxsched SUBCOMMAND --help` for the flags and examples of each")
    parser.add_argument("--version", action="version", version=f"jaxsched {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("list", help="every schedule name with its parameters and defaults",
                       description="List every registered schedule name (native and ecosystem) "
                       "with its parameters and defaults.", epilog=_LIST_EPILOG, formatter_class=_FORMAT)
    p.add_argument("patterns", nargs="*", metavar="PATTERN",
                   help="keep names containing PATTERN, ignoring case, '_', '-' and '.' (also "
                   "abbreviations such as wsd, and peers' equivalent names; globs like 'torch.*')")
    from jaxsched.cli.commands import FAMILIES, cmd_list, cmd_plot, cmd_show

    p.add_argument("--family", choices=FAMILIES, help="keep one family")
    p.add_argument("--names-only", action="store_true", help="print only the names")
    p.add_argument("--long", action="store_true", help="add each constructor's summary line")
    p.add_argument("--peers", action="store_true", help="show each name's equivalents (its "
                   "peers' names, and the same schedule in other frameworks) instead of its "
                   "parameters")
    _add_debug(p)
    p.set_defaults(_func=cmd_list)

    p = sub.add_parser("show", help="values at chosen steps and the table of phases",
                       description="Print a schedule's values (lr, and momentum where it has "
                       "one) at chosen steps, and its phases.", epilog=_SHOW_EPILOG,
                       formatter_class=_FORMAT)
    _add_config_arguments(p, many=False)
    p.add_argument("--steps", metavar="LIST",
                   help="steps to print: 0,10,100 and/or START:STOP[:STEP] ranges (at most "
                   f"{MAX_SHOW_STEPS:_} steps, each at most {MAX_STEP:_})")
    p.add_argument("--json", action="store_true", help="print one JSON object (full precision)")
    _add_debug(p)
    p.set_defaults(_func=cmd_show)

    p = sub.add_parser("plot", help="draw one or several schedules to a PNG or SVG file",
                       description="Draw schedules (learning rate; momentum on a right axis; "
                       "phase boundaries) into one PNG or SVG.", epilog=_PLOT_EPILOG,
                       formatter_class=_FORMAT)
    _add_config_arguments(p, many=True)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="a .png or .svg path")
    p.add_argument("--labels", nargs="+", metavar="LABEL", help="one legend label per CONFIG")
    p.add_argument("--log", action="store_true", help="logarithmic learning-rate axis")
    p.add_argument("--title", help="the plot title")
    p.add_argument("--no-momentum", action="store_true", help="do not draw momentum curves")
    p.add_argument("--no-phases", action="store_true", help="do not mark phase boundaries")
    p.add_argument("--dpi", type=integer(maximum=MAX_DPI), default=100,
                   help=f"PNG resolution (default 100, at most {MAX_DPI})")
    _add_debug(p)
    p.set_defaults(_func=cmd_plot)

    for name, help_text in (("lr-find", "LR range test on the demo model; prints and plots the "
                             "suggestion"), ("demo", "train a small MLP on digits under several "
                                             "schedules (results table and a PNG)")):
        p = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".",
                           formatter_class=_FORMAT)
        p.set_defaults(_func=None, _delegated=name, _missing=None)
        _add_debug(p)
        if command == name:
            try:
                module = _delegate_module(name)
            except ImportError as exc:
                p.set_defaults(_missing=_missing_message(name, exc))
                continue
            if not (hasattr(module, "add_cli_arguments") and hasattr(module, "run_cli")):
                p.set_defaults(_missing=f"jaxsched {name}: error: {_DELEGATED[name][1]} is not "
                               f"available in this install ({module.__name__} has no "
                               "add_cli_arguments/run_cli)")
                continue
            module.add_cli_arguments(p)
    return parser


def _delegate_module(name: str) -> Any:
    import importlib

    return importlib.import_module(_DELEGATED[name][0])


def _missing_message(name: str, exc: ImportError) -> str:
    """The one line for an ImportError of subcommand ``name``: what is missing, what to install.

    A :class:`~jaxsched.core.optional.MissingPackageError` already says both and is printed as it
    is; any other ImportError of a package gets the same rule (the subcommand's extra, torch's
    pinned build); a missing jaxsched module means a broken install.
    """
    module, what, extra = _DELEGATED.get(name, ("", f"jaxsched {name}", _EXTRA))
    prefix = f"jaxsched {name}: error: "
    if isinstance(exc, MissingPackageError):
        return prefix + _one_line(exc)
    missing = getattr(exc, "name", None) or ""
    if not missing or missing.split(".")[0] == "jaxsched":
        return prefix + f"{what} is not available in this install ({_one_line(exc)})"
    return prefix + missing_message(missing, what, extra)


def _command_of(argv: Sequence[str]) -> str | None:
    for token in argv:
        if not token.startswith("-"):
            return token
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``jaxsched`` command with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Example:
      >>> main(["list", "torch.OneCycle*", "--names-only"])
      torch.OneCycleLR
      0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(argv)
    parser = build_parser(command)
    try:
        args, extras = parser.parse_known_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad flag (already reported)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    sub_prog = f"jaxsched {args.command}"
    if extras and args.command in ("show", "plot"):  # CONFIG words after an option: argparse leaves them
        args.config += [t for t in extras if not t.startswith("-")]
        extras = [t for t in extras if t.startswith("-")]
    if extras:
        options = _options(parser, args.command)
        _error_line(f"{sub_prog}: error: unrecognized arguments: {' '.join(extras)}"
                    f"{_option_hints(extras, options)}; valid options: {', '.join(options)} "
                    f"(see `{sub_prog} --help`)")
        return 2
    try:
        if getattr(args, "_delegated", None):
            if args._missing is not None:
                _error_line(args._missing)
                return 2
            return int(_delegate_module(args.command).run_cli(args))
        return int(args._func(args))
    except _USER_ERRORS as exc:
        if args.debug:
            raise
        _error_line(f"{sub_prog}: error: {_one_line(exc)}")
        return 2
    except (OverflowError, RecursionError, MemoryError) as exc:  # a request too large
        if args.debug:
            raise
        what = next(text for kind, text in _TOO_LARGE.items() if isinstance(exc, kind))
        detail = f" ({_one_line(exc)})" if str(exc) else ""
        _error_line(f"{sub_prog}: error: {what}{detail}; {_TOO_LARGE_HINT}")
        return 2
    except ImportError as exc:  # e.g. YAML without PyYAML, plots without matplotlib
        if args.debug:
            raise
        _error_line(_missing_message(args.command, exc))
        return 2
    except BrokenPipeError:  # `jaxsched list | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _one_line(exc: BaseException) -> str:
    text = str(exc) if not isinstance(exc, OSError) or not exc.filename else (
        f"{exc.strerror or exc}: {exc.filename!r}")
    line = " ".join(text.split()) or type(exc).__name__
    return line if len(line) <= _MAX_LINE else f"{line[:_MAX_LINE - 30]}... ({len(line)} characters)"


def _options(parser: argparse.ArgumentParser, command: str) -> list[str]:
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        sub = getattr(action, "choices", {}).get(command)
        if sub is not None:
            return sorted({s for a in sub._actions for s in a.option_strings if s.startswith("--")})
    return []


def _error_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


"""Command-line interface of the demo: ``jaxsched demo`` and ``python -m jaxsched.cli.demo``.

``add_cli_arguments(parser)`` adds the flags to any ``argparse`` parser; ``run_cli(namespace)``
runs the demo and returns the exit code. Bad values raise ``ValueError`` naming the flag (the
``jaxsched`` command and ``python -m jaxsched.cli.demo`` turn it into a one-line error, exit 2).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

from jaxsched.cli.argtypes import integer, positive_float
from jaxsched.cli.demo.schedules import SCHEDULE_NAMES

__all__ = ["DEFAULTS", "QUICK", "add_cli_arguments", "peak_summary", "run_cli"]

#: Defaults of the full run: every schedule learns digits to ~0.97 test accuracy.
DEFAULTS = {"epochs": 20, "batch_size": 32, "max_lr": 0.1}
#: ``--quick``: a few seconds, for CI (epochs and batch size unless given explicitly).
QUICK = {"epochs": 2, "batch_size": 64}


def add_cli_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the demo's flags to ``parser`` and return it.

    Example:
      >>> p = add_cli_arguments(argparse.ArgumentParser())
      >>> ns = p.parse_args(["--schedule", "onecycle", "--epochs", "5", "--max-lr", "0.2"])
      >>> ns.schedule, ns.epochs, ns.max_lr, ns.backend, ns.output
      ('onecycle', 5, 0.2, 'jax', 'jaxsched_demo.png')
    """
    parser.add_argument(
        "--schedule", choices=(*SCHEDULE_NAMES, "all"), default="all",
        help="schedule to train with (default: all six, compared)",
    )
    parser.add_argument(
        "--schedule-config", metavar="FILE", default=None,
        help="train under any schedule: a JSON/YAML config file or an inline JSON "
        '{"type": NAME, "params": {...}} (jaxsched.from_config; replaces --schedule and --max-lr)',
    )
    parser.add_argument(
        "--epochs", type=integer(), default=None, metavar="N",
        help=f"passes over the training set (default {DEFAULTS['epochs']}; --quick: {QUICK['epochs']})",
    )
    parser.add_argument(
        "--max-lr", "--lr", dest="max_lr", type=positive_float(), default=None, metavar="LR",
        help=f"peak learning rate of every schedule (default {DEFAULTS['max_lr']})",
    )
    parser.add_argument(
        "--batch-size", type=integer(), default=None, metavar="N",
        help=f"mini-batch size (default {DEFAULTS['batch_size']}; --quick: {QUICK['batch_size']})",
    )
    parser.add_argument(
        "--seed", type=integer(minimum=0), default=0, metavar="N",
        help="data split, initial weights and batch order (default 0)",
    )
    parser.add_argument(
        "--backend", choices=("jax", "torch"), default="jax",
        help="jax: optax through inject_hyperparams (default); torch: torch.optim.SGD driven by "
        "jaxsched.torch.Scheduler",
    )
    parser.add_argument(
        "-o", "--output", default="jaxsched_demo.png", metavar="FILE.png",
        help="where to write the figure (default jaxsched_demo.png)",
    )
    parser.add_argument("--quick", action="store_true", help="reduced run for CI (a few seconds)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return parser


def run_cli(namespace: argparse.Namespace) -> int:
    """Run the demo described by ``namespace`` (from :func:`add_cli_arguments`); return 0.

    Prints the results table to stdout and writes the PNG.

    Raises:
      ValueError: a bad flag value or schedule config (the message names it).
      ImportError: scikit-learn (or torch for ``--backend torch``) is missing.
    """
    from jaxsched.cli.demo import run

    ns = vars(namespace)
    mode = QUICK if ns.get("quick") else {}
    epochs = ns.get("epochs") or mode.get("epochs", DEFAULTS["epochs"])
    batch_size = ns.get("batch_size") or mode.get("batch_size", DEFAULTS["batch_size"])
    max_lr = ns.get("max_lr") or DEFAULTS["max_lr"]
    start = time.perf_counter()
    results, per_epoch = run.run_demo(
        schedule=ns.get("schedule", "all"),
        schedule_config=ns.get("schedule_config"),
        epochs=epochs,
        batch_size=batch_size,
        max_lr=max_lr,
        seed=ns.get("seed", 0),
        backend=ns.get("backend", "jax"),
        output=ns.get("output", "jaxsched_demo.png"),
        progress=not ns.get("no_progress", False),
    )
    from jaxsched.cli.demo.report import format_table

    print(format_table(results))
    total = time.perf_counter() - start
    print(
        f"\n{ns.get('backend', 'jax')} backend, {epochs} epochs x {per_epoch} steps, batch "
        f"{batch_size}, {peak_summary(results)}: {total:.1f} s in all; figure: {ns.get('output')}"
    )
    sys.stdout.flush()
    return 0


def peak_summary(results: Sequence[Any]) -> str:
    """``"max lr 0.1"``: the peak learning rate of the schedules that actually ran.

    The largest learning rate each schedule applied (a ``--schedule-config`` replaces
    ``--max-lr``, so the flag's value is not what ran): one value when they share it, else
    their range (a cyclic schedule may end its last cycle below the peak).

    Example:
      >>> from types import SimpleNamespace as R
      >>> peak_summary([R(lrs=[0.0, 0.05, 0.01])])
      'max lr 0.05'
      >>> peak_summary([R(lrs=[0.1]), R(lrs=[0.2, 0.1]), R(lrs=[0.15])])
      'max lr 0.1 to 0.2'
    """
    peaks = sorted({float(f"{float(max(r.lrs)):.3g}") for r in results})
    if len(peaks) == 1:
        return f"max lr {peaks[0]:g}"
    return f"max lr {peaks[0]:g} to {peaks[-1]:g}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m jaxsched.cli.demo``: user errors exit 2 with one line on stderr."""
    parser = add_cli_arguments(
        argparse.ArgumentParser(prog="python -m jaxsched.cli.demo", description="jaxsched demo")
    )
    ns = parser.parse_args(argv)
    try:
        return run_cli(ns)
    except (ValueError, TypeError, ImportError, OSError) as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2

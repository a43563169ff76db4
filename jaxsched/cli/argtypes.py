"""argparse ``type=`` parsers shared by the ``jaxsched`` subcommands, and the command's limits.

argparse prefixes their messages with the flag: ``argument --epochs: must be an integer >= 1``.

The limits keep every request within what can be computed, printed or drawn at once (the
``--help`` of each subcommand states them): a step count or step is at most :data:`MAX_STEP`,
``show`` prints at most :data:`MAX_SHOW_STEPS` steps, ``plot`` draws at most
:data:`MAX_PLOT_STEPS` steps at a ``--dpi`` of at most :data:`MAX_DPI`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["integer", "positive_float", "MAX_STEP", "MAX_SHOW_STEPS", "MAX_PLOT_STEPS", "MAX_DPI"]

#: The largest step count (``--num-steps``, ``--total-steps``, ...) and step (``--steps``): 10**15,
#: below 2**53 so that every step is exact in float64, far above any training run.
MAX_STEP = 10**15
#: The most steps ``jaxsched show`` prints (``--steps``).
MAX_SHOW_STEPS = 100_000
#: The most steps ``jaxsched plot`` evaluates and draws (``--num-steps``, or the inferred horizon).
MAX_PLOT_STEPS = 2_000_000
#: The largest ``--dpi`` of ``jaxsched plot`` (600 dpi: a 6000 x 3600 pixel PNG at the default size).
MAX_DPI = 600


def _short(text: str) -> str:
    return repr(text) if len(text) <= 40 else f"{text[:30]!r}... ({len(text)} characters)"


def integer(minimum: int = 1, maximum: int = MAX_STEP) -> Callable[[str], int]:
    """A parser of integers ``minimum <= n <= maximum``."""

    def parse(text: str) -> int:
        try:
            value = int(text) if len(text) <= 40 else None
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {_short(text)}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:_}, got {_short(text)}")
        return value

    return parse


def positive_float(maximum: float = MAX_STEP) -> Callable[[str], float]:
    """A parser of finite numbers ``0 < x <= maximum``."""

    def parse(text: str) -> float:
        try:
            value = float(text) if len(text) <= 40 else math.nan
        except ValueError:
            value = math.nan
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {_short(text)}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:_}, got {_short(text)}")
        return value

    return parse

"""argparse ``type=`` parsers shared by the ``jaxsched`` subcommands.

argparse prefixes their messages with the flag: ``argument --epochs: must be an integer >= 1``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = ["integer", "positive_float"]


def integer(minimum: int = 1) -> Callable[[str], int]:
    """A parser of integers ``>= minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text!r}")
        return value

    return parse


def positive_float() -> Callable[[str], float]:
    """A parser of finite numbers ``> 0``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (value > 0 and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
        return value

    return parse

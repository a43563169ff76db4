"""The ``jaxsched`` command (an adapter): list, show and plot schedules, find a learning rate,
run the demo (:mod:`jaxsched.cli.demo`). The top floor: it may import every other one.
"""

from jaxsched.cli.app import build_parser, main

__all__ = ["main", "build_parser"]

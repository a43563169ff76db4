"""The ``jaxsched demo``: a small MLP on scikit-learn's digits under several schedules.

Modules: :mod:`~jaxsched.cli.demo.data` (the data set and mini-batches),
:mod:`~jaxsched.cli.demo.model_jax` and :mod:`~jaxsched.cli.demo.model_torch` (the MLP and its train
step), :mod:`~jaxsched.cli.demo.schedules` (the six schedules compared),
:mod:`~jaxsched.cli.demo.train`, :mod:`~jaxsched.cli.demo.run` and :mod:`~jaxsched.cli.demo.report` (the
run, the table and the figure), :mod:`~jaxsched.cli.demo.cli` (the flags).
"""

from __future__ import annotations

from jaxsched.cli.demo.cli import add_cli_arguments, run_cli

__all__ = ["add_cli_arguments", "run_cli"]

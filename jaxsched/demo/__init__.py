"""The ``jaxsched demo``: a small MLP on scikit-learn's digits under several schedules.

Modules: :mod:`~jaxsched.demo.data` (the data set and mini-batches),
:mod:`~jaxsched.demo.model_jax` and :mod:`~jaxsched.demo.model_torch` (the MLP and its train
step), :mod:`~jaxsched.demo.schedules` (the six schedules compared),
:mod:`~jaxsched.demo.train`, :mod:`~jaxsched.demo.run` and :mod:`~jaxsched.demo.report` (the
run, the table and the figure), :mod:`~jaxsched.demo.cli` (the flags).
"""

from __future__ import annotations

from jaxsched.demo.cli import add_cli_arguments, run_cli

__all__ = ["add_cli_arguments", "run_cli"]

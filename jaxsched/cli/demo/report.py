"""The demo's outputs: a results table (markdown) and one PNG with three panels.

Panel 1: the learning rate of every update (momentum dashed on a twin axis where it is
scheduled), drawn with :func:`jaxsched.plotting.plot`; panel 2: the training loss per step
(exponential moving average, log scale); panel 3: test accuracy after each epoch.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxsched.cli.demo.train import RunResult

__all__ = ["format_table", "save_figure", "smooth"]


def format_table(results: Sequence[RunResult]) -> str:
    """A markdown table: schedule, final train loss, test accuracy, wall time.

    Example:
      >>> r = RunResult("constant", np.zeros(2), None, np.ones(2), np.array([0.9]), 0.0123, 0.9, 1.5)
      >>> print(format_table([r]))
      | schedule | final train loss | test accuracy | time (s) |
      |---|---|---|---|
      | constant | 0.0123 | 0.9000 | 1.50 |
    """
    rows = ["| schedule | final train loss | test accuracy | time (s) |", "|---|---|---|---|"]
    for r in results:
        rows.append(
            f"| {r.name} | {r.final_train_loss:.4f} | {r.final_test_accuracy:.4f} | {r.wall_time:.2f} |"
        )
    return "\n".join(rows)


def smooth(values: np.ndarray, beta: float = 0.9) -> np.ndarray:
    """Bias-corrected exponential moving average (as fastai and the LR finders smooth losses).

    Example:
      >>> smooth(np.array([1.0, 1.0, 1.0])).tolist()
      [1.0, 1.0, 1.0]
    """
    out = np.empty(len(values), dtype=np.float64)
    avg = 0.0
    for i, v in enumerate(np.asarray(values, dtype=np.float64)):
        avg = beta * avg + (1 - beta) * v
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def _lr_panel(ax: Any, results: Sequence[RunResult]) -> None:
    curves = {r.name: (r.lrs, r.momenta) for r in results}
    n = max(len(r.lrs) for r in results)
    try:
        from jaxsched.plotting import plot
    except ImportError:  # pragma: no cover - the plotting module ships with jaxsched
        plot = None
    if plot is not None:
        table = {k: (_Table(lr), None if m is None else _Table(m)) for k, (lr, m) in curves.items()}
        plot(table, num_steps=n, phases=False, ax=ax, title="learning rate (momentum dashed)")
        return
    for name, (lr, _) in curves.items():  # pragma: no cover
        ax.plot(np.arange(len(lr)), lr, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.legend(fontsize="small")


class _Table:
    """A recorded curve as a callable ``count -> value`` (what the plot function accepts)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.asarray(values, dtype=np.float64)

    def __call__(self, count: Any) -> np.ndarray:
        idx = np.clip(np.asarray(count, dtype=np.int64), 0, len(self.values) - 1)
        return self.values[idx]


def save_figure(results: Sequence[RunResult], path: str | os.PathLike, *, steps_per_epoch: int,
                title: str | None = None) -> str:
    """Draw the three panels for ``results`` and save them as one PNG at ``path``.

    Args:
      results: the runs, in legend order (one colour per run in every panel).
      path: output file; must end with ``.png``.
      steps_per_epoch: updates per epoch (the loss panel's x axis is in epochs).
      title: optional figure title.

    Returns:
      The path written.

    Raises:
      ValueError: ``path`` does not end with ``.png``, or no results.
    """
    out = os.fspath(path)
    if not out.lower().endswith(".png"):
        raise ValueError(f"`--output` must be a .png file, got {out!r}")
    if not results:
        raise ValueError("no results to plot")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(17.0, 4.8), dpi=100, layout="constrained")
    ax_lr, ax_loss, ax_acc = fig.subplots(1, 3)
    _lr_panel(ax_lr, results)
    colors = [f"C{i % 10}" for i in range(len(results))]
    for r, c in zip(results, colors):
        x = (np.arange(len(r.step_losses)) + 1) / steps_per_epoch
        ax_loss.plot(x, smooth(r.step_losses), color=c, label=r.name, linewidth=1.2)
        epochs = np.arange(1, len(r.test_accuracy) + 1)
        ax_acc.plot(epochs, r.test_accuracy, color=c, marker="o", markersize=3, label=r.name)
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training loss (smoothed, per step)")
    ax_loss.set_title("training loss")
    ax_loss.legend(fontsize="small")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("test accuracy")
    ax_acc.set_title("test accuracy")
    ax_acc.legend(fontsize="small", loc="lower right")
    if title:
        fig.suptitle(title)
    fig.savefig(out, dpi=100)
    return out

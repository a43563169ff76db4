"""The demo run: load the data, train under each schedule, print nothing, write the figure.

:func:`run_demo` is what ``jaxsched demo`` calls; it returns the :class:`RunResult` of every
schedule (the CLI prints the table).
"""

from __future__ import annotations

import sys
from typing import Any

from jaxsched.cli.demo.data import load_digits, require, steps_per_epoch
from jaxsched.cli.demo.schedules import DEFAULT_MOMENTUM, SCHEDULE_NAMES, build_schedules
from jaxsched.cli.demo.train import BACKENDS, RunResult, train

__all__ = ["config_schedule", "run_demo"]


def config_schedule(source: Any, timeline: Any = None) -> tuple[str, Any, Any]:
    """``(label, lr, momentum)`` of any config: a file, an inline JSON/YAML string or a dict.

    The momentum is the config's coupled momentum schedule where it has one
    (``from_config(cfg, hyperparam="momentum")``, e.g. ``torch.OneCycleLR``), else the demo's
    constant SGD momentum.

    Args:
      source: the config.
      timeline: a :class:`jaxsched.Timeline` that resolves time units in step parameters
        (``"2 epochs"``, ``"10%"``); :func:`run_demo` passes the run's own.

    Example:
      >>> label, lr, mom = config_schedule('{"type": "torch.OneCycleLR", '
      ...                                  '"params": {"max_lr": 0.1, "total_steps": 100}}')
      >>> label, round(float(lr(29)), 4), round(float(mom(29)), 4)  # torch's peak: step 0.3 N - 1
      ('torch.OneCycleLR', 0.1, 0.85)
    """
    from jaxsched.config import from_config, load_config

    cfg = load_config(source)
    lr = from_config(cfg, timeline=timeline)
    try:
        momentum = from_config(cfg, hyperparam="momentum", timeline=timeline)
    except ValueError:
        momentum = DEFAULT_MOMENTUM
    return str(cfg["type"]), lr, momentum


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="jaxsched demo", unit="step", file=sys.stderr, leave=False,
                mininterval=0.5)


def run_demo(
    *,
    schedule: str = "all",
    schedule_config: Any = None,
    epochs: int = 20,
    batch_size: int = 32,
    max_lr: float = 0.1,
    seed: int = 0,
    backend: str = "jax",
    output: str | None = "jaxsched_demo.png",
    progress: bool = True,
) -> tuple[list[RunResult], int]:
    """Train the digits MLP under the chosen schedules and write the figure.

    Args:
      schedule: one of the demo's schedule names, or ``"all"``.
      schedule_config: optional config (file, inline JSON/YAML, dict) that replaces
        ``schedule``: train under that one schedule. Step parameters may be given in epochs or
        as a fraction of the run (``"2 epochs"``, ``"10%"``): they are resolved with the run's
        own epoch length (``Timeline(steps_per_epoch=..., epochs=epochs)``).
      epochs: passes over the training set.
      batch_size: mini-batch size.
      max_lr: peak learning rate of the demo schedules.
      seed: data split, initial weights and batch order.
      backend: ``"jax"`` or ``"torch"``.
      output: path of the PNG, or ``None`` for no figure.
      progress: a tqdm bar on stderr.

    Returns:
      ``(results, steps_per_epoch)``.

    Raises:
      ValueError: a bad value (the flag is named), or an invalid schedule config.

    Example:
      >>> results, per_epoch = run_demo(schedule="wsd", epochs=1, batch_size=128, output=None,
      ...                               progress=False)
      >>> [r.name for r in results], per_epoch
      (['wsd'], 11)
    """
    if schedule not in (*SCHEDULE_NAMES, "all"):
        raise ValueError(
            f"--schedule must be one of {', '.join((*SCHEDULE_NAMES, 'all'))}, got {schedule!r}"
        )
    if backend not in BACKENDS:
        raise ValueError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    for flag, value in (("--epochs", epochs), ("--batch-size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{flag} must be an integer >= 1, got {value!r}")
    if not max_lr > 0:
        raise ValueError(f"--max-lr must be > 0, got {max_lr!r}")
    if output is not None and not str(output).lower().endswith(".png"):
        raise ValueError(f"--output must name a .png file, got {str(output)!r}")
    if output is not None:
        require("matplotlib.figure", "the demo's figure (--output)")
    if progress:
        require("tqdm", "the progress bar (or pass --no-progress)")
    if backend == "torch":
        from jaxsched.cli.demo.model_torch import import_torch

        import_torch()  # fail before training when torch is missing
    data = load_digits(seed)
    if batch_size > len(data[0]):
        raise ValueError(f"--batch-size must be <= {len(data[0])} (the training set), got {batch_size}")
    per_epoch = steps_per_epoch(len(data[0]), batch_size)
    total = per_epoch * epochs
    if schedule_config is not None:
        from jaxsched.config.units import Timeline

        timeline = Timeline(steps_per_epoch=per_epoch, epochs=epochs)
        label, lr, mom = config_schedule(schedule_config, timeline=timeline)
        runs = {label: (lr, mom)}
    else:
        if total < 8:
            raise ValueError(
                f"the run is too short for the demo schedules: --epochs {epochs} x "
                f"{per_epoch} steps per epoch = {total} < 8 optimizer steps"
            )
        names = SCHEDULE_NAMES if schedule == "all" else (schedule,)
        runs = build_schedules(names, max_lr, total)
    bar = _progress_bar(total * len(runs), progress)
    results = []
    try:
        for name, (lr, mom) in runs.items():
            if bar is not None:
                bar.set_postfix_str(name)
            results.append(train(name, lr, mom, data, epochs=epochs, batch_size=batch_size,
                                 seed=seed, backend=backend, progress=bar))
    finally:
        if bar is not None:
            bar.close()
    if output is not None:
        from jaxsched.cli.demo.report import save_figure

        title = f"jaxsched demo: MLP on digits, {backend} backend, {epochs} epochs"
        save_figure(results, output, steps_per_epoch=per_epoch, title=title)
    return results, per_epoch

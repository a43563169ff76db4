"""Plot one or several schedules with matplotlib: learning rate, momentum and phase boundaries.

``plot(schedules, num_steps)`` evaluates each schedule on the host in float64
(``schedule.evaluate(np.arange(num_steps), np)``) and draws the learning rate on the left axis,
the coupled momentum (dashed, same colour) on a right twin axis when any schedule has one, and
each schedule's phase boundaries (from :func:`jaxsched.phases.phases`) as thin vertical lines.
Integer schedules (batch sizes, sequence lengths: classes with ``integer_valued``) are drawn as
steps (``drawstyle="steps-post"``): the value changes at the step where it applies.
matplotlib is imported only when a plot is drawn, so ``import jaxsched`` never imports it.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["plot", "infer_num_steps", "PHASE_GID"]

#: ``gid`` of the vertical lines that mark phase boundaries (tests and callers can find them).
PHASE_GID = "jaxsched-phase-boundary"
_SUFFIXES = (".png", ".svg")
_MANY_PHASES = 50  # more phases than this: a periodic schedule
_PERIODIC_SHOWN = 4  # horizon of a periodic schedule: the end of its 4th phase
_MAX_PHASE_LABELS = 12  # more phases in view than this: boundaries drawn without labels


def _is_config(x: Any) -> bool:
    """A ``{"type", "params"}`` mapping, a DeepSpeed config, or a path to a config file."""
    if isinstance(x, (str, os.PathLike)):
        return True
    if not isinstance(x, Mapping):
        return False
    if isinstance(x.get("type"), str):
        return True
    return isinstance(x.get("scheduler"), Mapping)


def _config_label(cfg: Any) -> str:
    if isinstance(cfg, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(cfg)))[0]
    if "scheduler" in cfg and "type" not in cfg:
        cfg = cfg["scheduler"]
    return str(cfg.get("type"))


def _schedule_label(s: Any) -> str:
    try:
        return str(s.to_config()["type"])
    except Exception:  # noqa: BLE001 - schedules holding a user function have no config
        return getattr(s, "__name__", type(s).__name__)


def _from_config(cfg: Any) -> tuple[Any, Any]:
    """The learning-rate schedule of ``cfg`` and its coupled momentum schedule (or None)."""
    from jaxsched.config import from_config

    lr = from_config(cfg)
    try:
        mom = from_config(cfg, hyperparam="momentum")
    except ValueError:  # no coupled momentum (or momentum cycling switched off)
        mom = None
    return lr, mom


def _one(label: str | None, value: Any) -> tuple[str, Any, Any]:
    """Normalise one entry to ``(label, lr_schedule, momentum_schedule_or_None)``."""
    if isinstance(value, tuple) and len(value) == 2 and not _is_config(value):
        lr, mom = value
        lr = _one(label, lr)[1]
        mom = None if mom is None else _one(label, mom)[1]
        return (label if label is not None else _schedule_label(lr)), lr, mom
    if _is_config(value):
        lr, mom = _from_config(value)
        return (label if label is not None else _config_label(value)), lr, mom
    if callable(value):
        return (label if label is not None else _schedule_label(value)), value, None
    raise TypeError(
        "each schedule must be a jaxsched Schedule (or any callable count -> value), a config "
        "(dict or file path), or a pair (lr_schedule, momentum_schedule); got "
        f"{type(value).__name__}"
    )


def _entries(schedules: Any) -> list[tuple[str, Any, Any]]:
    from jaxsched.training.param_rules import ParamSchedules

    if isinstance(schedules, ParamSchedules):  # per-parameter rules: a frozen regex draws 0
        from jaxsched.schedules.polynomial import constant_schedule

        return [_one(f"{k} (frozen)", constant_schedule(0.0)) if s is None else _one(str(k), s)
                for k, s in schedules.items()]
    if isinstance(schedules, Mapping) and not _is_config(schedules):
        if not schedules:
            raise ValueError("`schedules` is an empty mapping; give at least one schedule")
        return [_one(str(k), v) for k, v in schedules.items()]
    if isinstance(schedules, list):
        if not schedules:
            raise ValueError("`schedules` is an empty list; give at least one schedule")
        out = [_one(None, v) for v in schedules]
        labels = [e[0] for e in out]
        return [
            (f"{lab} ({i})" if labels.count(lab) > 1 else lab, lr, mom)
            for i, (lab, lr, mom) in enumerate(out)
        ]
    return [_one(None, schedules)]


def _values(fn: Callable[..., Any], steps: np.ndarray) -> np.ndarray:
    if hasattr(fn, "evaluate"):
        vals = fn.evaluate(steps, np)
    else:  # a plain optax-style function
        vals = fn(steps)
    vals = np.asarray(vals, dtype=np.float64)
    extra = tuple(getattr(fn, "_value_shape", ()) or ())
    if extra and vals.shape == steps.shape + extra:  # a vector-valued schedule: one column each
        return vals.reshape(steps.shape[0], -1)
    if vals.shape != steps.shape:
        vals = np.array([float(fn(int(k))) for k in steps], dtype=np.float64)
    return vals


def _phases(schedule: Any, num_steps: int | None) -> list[Any]:
    from jaxsched import phases as phases_module

    try:
        return list(phases_module.phases(schedule, num_steps))
    except (TypeError, ValueError, NotImplementedError):
        return []


def infer_num_steps(schedule: Any) -> int | None:
    """A plotting horizon for ``schedule`` from its phases, or None when it has none.

    The horizon is the end of the last phase when it is finite, else 10% past the start of
    the last (open-ended) phase, so the held tail shows; periodic schedules (more than 50
    phases) show their first 4 phases. A schedule of one open-ended phase has no horizon.

    Example:
      >>> from jaxsched.phases import Phase
      >>> import jaxsched.plotting as p
      >>> p._horizon([Phase(0, 10, "warmup"), Phase(10, 100, "decay"), Phase(100, None, "hold")])
      110
    """
    return _horizon(_phases(schedule, None))


def _horizon(phase_list: Sequence[Any]) -> int | None:
    if not phase_list:
        return None
    if len(phase_list) > _MANY_PHASES:  # periodic: show the first few cycles
        phase_list = phase_list[:_PERIODIC_SHOWN]
    last = phase_list[-1]
    if last.end is not None and last.end > 0:
        return int(last.end)
    if last.start <= 0:
        return None
    return int(last.start) + max(1, math.ceil(int(last.start) / 10))


def _pyplot() -> Any:
    """matplotlib's pyplot (Agg on a headless Linux), or an ImportError naming ``jaxsched[plot]``."""
    from jaxsched.core.optional import require

    matplotlib = require("matplotlib", "jaxsched.plot")
    if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND"):
        headless = sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        )
        if headless:
            matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _check_path(path: Any, name: str = "`path`") -> str | None:
    """``path`` as a string, or a ValueError naming ``name`` (the CLI passes its flag) when its
    suffix is not an image format :func:`plot` writes."""
    if path is None:
        return None
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in _SUFFIXES:
        raise ValueError(
            f"{name} must end with one of {', '.join(_SUFFIXES)} (the image format), "
            f"got {os.fspath(path)!r}"
        )
    return os.fspath(path)


def plot(
    schedules: Any,
    num_steps: int | None = None,
    *,
    steps: Any = None,
    momentum: bool = True,
    phases: bool = True,
    log: bool = False,
    ax: Any = None,
    title: str | None = None,
    path: str | os.PathLike | None = None,
    dpi: int = 100,
    figsize: tuple[float, float] = (8.0, 4.5),
) -> Any:
    """Draw one or several schedules over a step range; return the matplotlib Figure.

    Args:
      schedules: a Schedule (or any callable ``count -> value``); a config (a
        ``{"type", "params"}`` dict, a DeepSpeed config, or a path to a .json/.yaml file); a
        list of those; or a mapping ``label -> Schedule | config | (lr_schedule,
        momentum_schedule)``; or per-parameter rules (:class:`jaxsched.ParamSchedules`, one
        curve per regex, a frozen one drawn at 0). A config's coupled momentum
        (``from_config(cfg, hyperparam="momentum")``, e.g. ``torch.OneCycleLR``) is drawn too.
      num_steps: plot optimizer updates ``0 .. num_steps - 1``. Default: the horizon inferred
        from the schedules' phases (:func:`infer_num_steps`); a ValueError when none has one.
      steps: explicit update counts to evaluate instead of ``num_steps`` (not both).
      momentum: draw momentum curves (dashed, same colour, right axis) where present.
      phases: mark phase boundaries with thin vertical lines (``gid`` :data:`PHASE_GID`),
        labelled with the phase names when one schedule with at most 12 phases is drawn.
      log: logarithmic learning-rate axis. Curves that reach 0 get a symmetric-log axis
        (linear below the smallest positive value plotted), since 0 has no logarithm.
      ax: draw into these axes instead of a new figure.
      title: the axes title.
      path: save the figure to this file; the suffix picks the format: ``.png`` or ``.svg``.
      dpi: resolution of a saved PNG (pixels = ``figsize * dpi``).
      figsize: size of a new figure in inches.

    Returns:
      The ``matplotlib.figure.Figure`` drawn into (close it with ``plt.close(fig)`` in loops).

    Raises:
      ValueError: unknown suffix, no ``num_steps`` and none inferable, bad step range, or an
        invalid config (the message names the parameter and the valid choices).
      TypeError: an entry that is no schedule.

    Example:
      >>> import jaxsched
      >>> from jaxsched.plotting import plot
      >>> fig = plot({"warmup": jaxsched.linear_schedule(0.0, 1.0, 10)}, num_steps=20)
      >>> fig.axes[0].lines[0].get_ydata()[:3].tolist()
      [0.0, 0.1, 0.2]
      >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    out_path = _check_path(path)
    entries = _entries(schedules)
    if steps is not None and num_steps is not None:
        raise ValueError("pass either `num_steps` or `steps`, not both")
    if steps is not None:
        xs = np.asarray(steps)
        if xs.ndim != 1 or xs.size == 0 or not np.issubdtype(xs.dtype, np.number):
            raise ValueError(f"`steps` must be a non-empty 1-D sequence of step counts, got {steps!r}")
    else:
        if num_steps is None:
            found = [h for h in (infer_num_steps(lr) for _, lr, _ in entries) if h is not None]
            if not found:
                raise ValueError(
                    "`num_steps` is required: no horizon can be inferred from the phases of "
                    f"{', '.join(e[0] for e in entries)}"
                )
            num_steps = max(found)
        if isinstance(num_steps, bool) or int(num_steps) != num_steps or num_steps < 1:
            raise ValueError(f"`num_steps` must be a positive integer, got {num_steps!r}")
        xs = np.arange(int(num_steps))
    curves = [(label, _values(lr, xs), None if mom is None or not momentum else _values(mom, xs))
              for label, lr, mom in entries]

    plt = _pyplot()
    if ax is None:
        fig = plt.figure(figsize=figsize, dpi=dpi, layout="constrained")
        ax = fig.add_subplot()
    fig = ax.figure
    colors = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    handles = []
    for i, ((label, lr_vals, _), (_, lr, _)) in enumerate(zip(curves, entries)):
        # integer schedules (batch sizes, sequence lengths) change at a step: drawn as steps
        style = "steps-post" if getattr(lr, "integer_valued", False) else "default"
        if lr_vals.ndim == 2:  # a vector-valued schedule (mixture weights): a curve per component
            names = list(getattr(lr, "names", range(lr_vals.shape[1])))
            for j in range(lr_vals.shape[1]):
                name = str(names[j]) if len(entries) == 1 else f"{label}: {names[j]}"
                (line,) = ax.plot(xs, lr_vals[:, j], color=colors[(i + j) % len(colors)],
                                  label=name, drawstyle=style)
                handles.append(line)
            continue
        (line,) = ax.plot(xs, lr_vals, color=colors[i % len(colors)], label=label, drawstyle=style)
        handles.append(line)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    if log:
        _set_log(ax, [c[1] for c in curves])
    if any(c[2] is not None for c in curves):
        ax2 = ax.twinx()
        ax2.set_ylabel("momentum")
        for i, (label, _, mom_vals) in enumerate(curves):
            if mom_vals is not None:
                (line,) = ax2.plot(xs, mom_vals, color=colors[i % len(colors)], linestyle="--",
                                   label=f"{label} (momentum)")
                handles.append(line)
    if phases:
        lo, hi = float(np.min(xs)), float(np.max(xs))
        for i, (_, lr, _) in enumerate(entries):
            color = "0.5" if len(entries) == 1 else colors[i % len(colors)]
            _draw_phases(ax, _phases(lr, int(hi) + 1), lo, hi, color, labels=len(entries) == 1)
    if len(curves) > 1 or any(c[2] is not None for c in curves):
        ax.legend(handles=handles, loc="best", fontsize="small")
    if title is not None:
        ax.set_title(title)
    if out_path is not None:
        fig.savefig(out_path, dpi=dpi)
    return fig


def _set_log(ax: Any, values: list[np.ndarray]) -> None:
    allv = np.concatenate(values)
    if np.all(allv > 0):
        ax.set_yscale("log")
        return
    positive = np.abs(allv[allv != 0])
    linthresh = float(positive.min()) if positive.size else 1.0
    ax.set_yscale("symlog", linthresh=linthresh)


def _draw_phases(ax: Any, phase_list: Sequence[Any], lo: float, hi: float, color: str,
                 labels: bool) -> None:
    import matplotlib.transforms as mtransforms

    trans = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    labels = labels and sum(lo <= ph.start <= hi for ph in phase_list) <= _MAX_PHASE_LABELS
    for k, ph in enumerate(phase_list):
        if not lo <= ph.start <= hi:
            continue
        if k > 0:
            ax.axvline(ph.start, color=color, linewidth=0.8, linestyle=":", gid=PHASE_GID)
        if labels and ph.label:
            ax.text(ph.start, 0.98, f" {ph.label}", transform=trans, rotation=90, va="top",
                    ha="left", fontsize="x-small", color="0.35")

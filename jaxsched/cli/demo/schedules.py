"""The six schedules the demo compares, built with jaxsched's native constructors.

Every schedule peaks at ``max_lr`` and is sized from the run's length in optimizer steps, so
``--epochs`` and ``--batch-size`` rescale all of them. Each entry is ``(lr, momentum)`` where
``momentum`` is a Schedule (one-cycle) or a float (the other schedules).
"""

from __future__ import annotations

from typing import Any

import jaxsched

__all__ = ["DEFAULT_MOMENTUM", "SCHEDULE_NAMES", "build_schedule", "build_schedules"]

#: Names accepted by ``--schedule`` (besides ``all``), in the order of the results table.
SCHEDULE_NAMES = ("constant", "step", "warmup_cosine", "onecycle", "wsd", "cyclic")

#: SGD momentum of every schedule except one-cycle, which cycles it between 0.85 and 0.95.
DEFAULT_MOMENTUM = 0.9


def build_schedule(name: str, max_lr: float, total_steps: int) -> tuple[Any, Any]:
    """The ``(lr, momentum)`` pair of one demo schedule over ``total_steps`` updates.

    - ``constant``: ``max_lr`` throughout (``constant_schedule``).
    - ``step``: ``max_lr``, times 0.1 at 50 % and again at 75 % of the run (``multistep_decay``).
    - ``warmup_cosine``: linear warmup over 10 % of the run, cosine decay to 0
      (``warmup_cosine_decay_schedule``).
    - ``onecycle``: ``one_cycle`` (torch's OneCycleLR: 30 % up from ``max_lr / 25``, cosine down
      to ``max_lr / 25e4``) with ``one_cycle_momentum`` (0.95 -> 0.85 -> 0.95).
    - ``wsd``: 10 % warmup, stable, linear decay to 0 over the last 20 % (``warmup_stable_decay``).
    - ``cyclic``: triangular between ``max_lr / 10`` and ``max_lr``, four cycles over the run
      (``cyclic_schedule``, half-cycles of ``total_steps / 8`` steps), ending at the low value.

    Raises:
      ValueError: an unknown ``name`` (the valid names are listed), ``max_lr <= 0`` or
        ``total_steps < 8``.

    Example:
      >>> lr, mom = build_schedule("step", 0.1, 100)
      >>> [round(float(lr(k)), 4) for k in (0, 49, 50, 75)], mom
      ([0.1, 0.1, 0.01, 0.001], 0.9)
    """
    if name not in SCHEDULE_NAMES:
        raise ValueError(f"unknown schedule {name!r}; valid choices: {', '.join(SCHEDULE_NAMES)}")
    if not max_lr > 0:
        raise ValueError(f"`max_lr` must be > 0, got {max_lr!r}")
    if total_steps < 8:
        raise ValueError(f"the run must have at least 8 optimizer steps, got {total_steps}")
    n = int(total_steps)
    warm = max(1, round(0.1 * n))
    mom: Any = DEFAULT_MOMENTUM
    if name == "constant":
        lr = jaxsched.constant_schedule(max_lr)
    elif name == "step":
        lr = jaxsched.multistep_decay(max_lr, [n // 2, (3 * n) // 4], 0.1)
    elif name == "warmup_cosine":
        lr = jaxsched.warmup_cosine_decay_schedule(0.0, max_lr, warm, n, end_value=0.0)
    elif name == "onecycle":
        lr = jaxsched.one_cycle(max_lr, total_steps=n)
        mom = jaxsched.one_cycle_momentum(0.85, 0.95, total_steps=n)
    elif name == "wsd":
        lr = jaxsched.warmup_stable_decay(max_lr, n, warm, decay_fraction=0.2)
    else:
        lr = jaxsched.cyclic_schedule(max_lr / 10, max_lr, step_size_up=n / 8)
    return lr, mom


def build_schedules(names: tuple[str, ...], max_lr: float, total_steps: int) -> dict[str, tuple[Any, Any]]:
    """``{name: (lr, momentum)}`` for several demo schedules (see :func:`build_schedule`).

    Example:
      >>> sorted(build_schedules(("constant", "wsd"), 0.1, 100))
      ['constant', 'wsd']
    """
    return {name: build_schedule(name, max_lr, total_steps) for name in names}

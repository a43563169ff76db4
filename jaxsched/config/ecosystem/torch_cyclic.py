"""torch's ``CyclicLR`` and ``OneCycleLR`` by their own names, learning rate and momentum.

Both write the learning rate absolutely (they do not take the optimizer's ``lr``) and cycle the
momentum (``group["momentum"]``, or ``betas[0]`` for Adam-like optimizers) against it:
``jaxsched.from_config(cfg, hyperparam="momentum")`` gives that momentum schedule. Registered
when :mod:`jaxsched.config.ecosystem.torch_names` is imported.
"""

from __future__ import annotations

from typing import Any

from jaxsched.config.ecosystem.torch_spec import tag, torch_name
from jaxsched.core import validate as v
from jaxsched.core.schedule import Schedule
from jaxsched.schedules.cyclic import cyclic_momentum, cyclic_schedule
from jaxsched.schedules.onecycle import one_cycle, one_cycle_momentum

__all__: list[str] = []

_HYPERPARAMS = ("lr", "momentum")


def _which(hyperparam: Any, cycle_momentum: Any, name: str) -> str:
    h = v.choice("hyperparam", hyperparam, _HYPERPARAMS)
    if not v.boolean("cycle_momentum", cycle_momentum) and h == "momentum":
        raise ValueError(
            f"`cycle_momentum` is False, so torch's {name} does not schedule the momentum: the "
            "optimizer keeps its own; ask for hyperparam='lr', or set cycle_momentum=True"
        )
    return h


def _unused_lr(lr: Any) -> None:
    """Check the optimizer's ``lr`` (accepted by every torch name; unused here)."""
    if lr is not None:
        v.real("lr", lr, hint=" (the optimizer's lr: accepted and unused, as torch reads "
               "base_lr/max_lr)")


@torch_name("torch.CyclicLR")
def cyclic_lr(
    base_lr: Any,
    max_lr: Any,
    step_size_up: Any = 2000,
    step_size_down: Any = None,
    mode: str = "triangular",
    gamma: Any = 1.0,
    scale_fn: Any = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: Any = 0.8,
    max_momentum: Any = 0.9,
    lr: Any = None,
    *,
    hyperparam: str = "lr",
) -> Schedule:
    """torch ``CyclicLR``: triangles between ``base_lr`` and ``max_lr`` (``mode`` triangular,
    triangular2 or exp_range), the lr after ``k`` calls of ``step()``; with
    ``hyperparam="momentum"`` the momentum it writes, from ``max_momentum`` down to
    ``base_momentum`` at each lr peak. As in torch, ``scale_mode`` is ignored for the built-in
    modes (``"cycle"``, or ``"iterations"`` for exp_range) and ``gamma`` is used by exp_range
    only. A custom ``scale_fn`` is not supported (``ValueError``: build the native
    ``cyclic_schedule``). ``gamma`` must lie in ``[0, 1]`` for exp_range (torch lets it grow
    without bound) and be ``>= 0`` for the other modes, which ignore it. ``lr`` (the
    optimizer's learning rate, accepted by every ``torch.*`` name) is accepted and unused:
    torch's ``CyclicLR`` writes ``base_lr`` over the optimizer's lr.
    ``base_lr``, ``max_lr``, ``base_momentum`` and ``max_momentum`` may be per-group lists, as
    in torch (``from_config`` then gives one schedule per group). Native: ``cyclic_schedule`` /
    ``cyclic_momentum``.

    Example:
      >>> import jaxsched, numpy as np
      >>> cfg = {"type": "torch.CyclicLR", "params": {"base_lr": 0.1, "max_lr": 1.0,
      ...        "step_size_up": 2, "step_size_down": 3, "mode": "triangular2"}}
      >>> [round(float(x), 6) for x in jaxsched.from_config(cfg).evaluate(np.arange(7), np)]
      [0.1, 0.55, 1.0, 0.7, 0.4, 0.1, 0.325]
      >>> m = jaxsched.from_config(cfg, hyperparam="momentum")
      >>> [round(float(x), 6) for x in m.evaluate(np.arange(3), np)]
      [0.9, 0.85, 0.8]
    """
    if scale_fn is not None:
        raise ValueError(
            f"`scale_fn` must be None, got {scale_fn!r}; a custom scale function is not supported: "
            "use mode='triangular'|'triangular2'|'exp_range', or build jaxsched.cyclic_schedule"
        )
    h = _which(hyperparam, cycle_momentum, "CyclicLR")
    _unused_lr(lr)
    mode = v.choice("mode", mode, ("triangular", "triangular2", "exp_range"))
    v.choice("scale_mode", scale_mode, ("cycle", "iterations"),
             hint=" (torch ignores it for the built-in modes)")
    if mode != "exp_range":
        v.real("gamma", gamma, ge=0, hint=" (used by mode='exp_range' only; checked for every "
               "mode)")
        gamma = 1.0
    base_lr, max_lr = v.real("base_lr", base_lr), v.real("max_lr", max_lr)
    if h == "momentum":
        out = cyclic_momentum(base_momentum, max_momentum, step_size_up, step_size_down, mode,
                              gamma, None)
    else:
        v.real("base_momentum", base_momentum)
        v.real("max_momentum", max_momentum)
        out = cyclic_schedule(base_lr, max_lr, step_size_up, step_size_down, mode, gamma, None)
    return tag("torch.CyclicLR", out)


@torch_name("torch.OneCycleLR")
def one_cycle_lr(
    max_lr: Any,
    total_steps: Any = None,
    epochs: Any = None,
    steps_per_epoch: Any = None,
    pct_start: Any = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: Any = 0.85,
    max_momentum: Any = 0.95,
    div_factor: Any = 25.0,
    final_div_factor: Any = 1e4,
    three_phase: bool = False,
    lr: Any = None,
    *,
    hyperparam: str = "lr",
) -> Schedule:
    """torch ``OneCycleLR``: from ``max_lr / div_factor`` up to ``max_lr`` over ``pct_start`` of
    ``total_steps`` (or ``epochs * steps_per_epoch``; as in torch, ``total_steps`` wins when
    both are given), then down to ``max_lr / (div_factor * final_div_factor)`` (``three_phase``:
    back to the start first); with ``hyperparam="momentum"`` the momentum cycle
    ``max_momentum -> base_momentum -> max_momentum``. torch's quirks are kept: phase ends at
    ``pct_start * N - 1`` (floats, so a small ``N`` starts past the peak and a non-integer
    ``pct_start * N`` never hits it). Deliberate difference: torch raises past ``N`` steps
    (and extrapolates at exactly ``N``); jaxsched holds the value of step ``N - 1``. ``lr``
    (the optimizer's learning rate, accepted by every ``torch.*`` name) is accepted and unused:
    torch's ``OneCycleLR`` starts from ``max_lr / div_factor``. ``max_lr``, ``base_momentum``
    and ``max_momentum`` may be per-group lists, as in torch (``from_config`` then gives one
    schedule per group). Native: ``one_cycle`` / ``one_cycle_momentum``.

    Example:
      >>> import jaxsched, numpy as np
      >>> cfg = {"type": "torch.OneCycleLR", "params": {"max_lr": 1.0, "total_steps": 10}}
      >>> [round(float(x), 6) for x in jaxsched.from_config(cfg).evaluate(np.arange(4), np)]
      [0.04, 0.52, 1.0, 0.950485]
    """
    h = _which(hyperparam, cycle_momentum, "OneCycleLR")
    _unused_lr(lr)
    if total_steps is None and (epochs is None or steps_per_epoch is None):  # torch's words
        raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch); got "
                         f"total_steps={v.describe(total_steps)}, epochs={v.describe(epochs)}, "
                         f"steps_per_epoch={v.describe(steps_per_epoch)} (`total_steps` of "
                         "torch.OneCycleLR)")
    # checked even when total_steps makes torch ignore them (None: torch's "not given" default)
    for name, x in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
        v.integer(name, x, gt=0, allow_none=True)
    if total_steps is not None:  # torch ignores epochs and steps_per_epoch then
        epochs = steps_per_epoch = None
    div = v.real("div_factor", div_factor, gt=0)
    final_div = v.real("final_div_factor", final_div_factor, gt=0)
    max_lr = v.real("max_lr", max_lr)
    if h == "momentum":
        out = one_cycle_momentum(base_momentum, max_momentum, total_steps, epochs, steps_per_epoch,
                                 pct_start, anneal_strategy, three_phase)
    else:
        v.real("base_momentum", base_momentum)
        v.real("max_momentum", max_momentum)
        out = one_cycle(max_lr, total_steps, epochs, steps_per_epoch, pct_start,
                        anneal_strategy, div, final_div, three_phase)
    return tag("torch.OneCycleLR", out)

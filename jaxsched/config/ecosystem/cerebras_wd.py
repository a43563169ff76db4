"""Cerebras' weight-decay schedulers by their own names: ``cerebras.CosineDecayWD``, ...

cerebras_pytorch (2.x, ``cerebras/pytorch/optim/weight_decay_scheduler.py``) builds each
``*WD`` class from the same generic scheduler as its ``*LR`` twin, writing the param group's
``weight_decay`` instead of its ``lr``; only the value arguments are named generically
(``initial_learning_rate`` -> ``initial_val``, ``end_learning_rate`` -> ``end_val``,
``learning_rate`` -> ``val``, ``learning_rates`` -> ``vals``, ``base_lr`` -> ``base_val``,
``max_lr`` -> ``max_val``; ``ScalePerParamWD``'s multiplier: ``adjust_val``).
Each name here is its LR twin of
:mod:`jaxsched.config.ecosystem.cerebras_names` (quirks and documented departures included)
with those argument names, and errors name the WD argument. Build one with
``jaxsched.from_config(cfg, hyperparam="weight_decay")`` (the default ``"lr"`` is accepted too:
the name says what it schedules) and drive the weight decay with it, e.g.
``jaxsched.scheduled_optimizer(optax.adamw, learning_rate=..., weight_decay=wd)`` or the torch
bridge's ``weight_decay=``. ``cerebras.SequentialWD`` and ``cerebras.ChainedWD`` take WD (or LR)
children. Not mapped: ``LambdaWD`` (its lambda is a method to override, no argument).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from jaxsched.config.ecosystem import cerebras_composites as _comp
from jaxsched.config.ecosystem import cerebras_names as _lr
from jaxsched.core.registry import register

__all__: list[str] = []  # registered by name only, as the LR twins

_RENAME = {
    "learning_rate": "val",
    "initial_learning_rate": "initial_val",
    "end_learning_rate": "end_val",
    "learning_rates": "vals",
    "base_lr": "base_val",
    "max_lr": "max_val",
    "adjust_learning_rate": "adjust_val",
}

_TWINS: dict[str, Callable[..., Any]] = {
    "ConstantWD": _lr.constant_lr,
    "PolynomialWD": _lr.polynomial_lr,
    "LinearWD": _lr.linear_lr,
    "ExponentialWD": _lr.exponential_lr,
    "InverseExponentialTimeDecayWD": _lr.inverse_exponential_lr,
    "InverseSquareRootDecayWD": _lr.inverse_sqrt_lr,
    "CosineDecayWD": _lr.cosine_decay_lr,
    "PiecewiseConstantWD": _lr.piecewise_constant_lr,
    "MultiStepWD": _lr.multistep_lr,
    "StepWD": _lr.step_lr,
    "CosineAnnealingWD": _lr.cosine_annealing_lr,
    "CosineAnnealingWarmRestartsWD": _lr.cosine_warm_restarts_lr,
    "MultiplicativeWD": _lr.multiplicative_lr,
    "CyclicWD": _lr.cyclic_lr,
    "OneCycleWD": _lr.one_cycle_lr,
    "SequentialWD": _comp.sequential_lr,
    "ChainedWD": _comp.chained_lr,
    "ScalePerParamWD": _comp.scale_per_param_lr,
}

_HYPERPARAMS = ("weight_decay", "lr")


def _twin(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """The WD twin of ``fn``: its signature with the value arguments renamed, plus
    ``hyperparam``; errors re-worded with the WD names."""
    sig = inspect.signature(fn)
    back = {_RENAME.get(p, p): p for p in sig.parameters}
    params = [p.replace(name=_RENAME.get(p.name, p.name), annotation=Any)
              for p in sig.parameters.values()]
    params.append(inspect.Parameter("hyperparam", inspect.Parameter.KEYWORD_ONLY,
                                    default="weight_decay", annotation=str))

    @functools.wraps(fn)
    def wd(*args: Any, hyperparam: str = "weight_decay", **kwargs: Any) -> Any:
        if hyperparam not in _HYPERPARAMS:
            raise ValueError(f"`hyperparam` must be 'weight_decay' (or 'lr', the default of "
                             f"from_config) for cerebras.{name}, got {hyperparam!r}")
        try:
            return fn(*args, **{back.get(k, k): x for k, x in kwargs.items()})
        except (ValueError, TypeError) as e:
            msg = str(e)
            for old, new in _RENAME.items():
                msg = msg.replace(f"`{old}`", f"`{new}`").replace(f"{old}=", f"{new}=")
            raise type(e)(msg) from e

    wd.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wd.__name__ = wd.__qualname__ = f"{fn.__name__.removesuffix('_lr')}_wd"
    wd.__module__ = __name__
    lr_name = name[:-2] + ("" if name == "CosineAnnealingWarmRestartsWD" else "LR")
    renamed = ", ".join(f"``{o}`` -> ``{n}``" for o, n in _RENAME.items() if o in sig.parameters)
    wd.__doc__ = (f"Cerebras ``{name}``: ``cerebras.{lr_name}`` on the weight decay, with "
                  f"Cerebras' WD argument names ({renamed or 'none renamed'}); see the module "
                  "docstring of :mod:`jaxsched.config.ecosystem.cerebras_wd`.\n")
    return wd


for _name, _fn in _TWINS.items():
    register(f"cerebras.{_name}")(_twin(_name, _fn))

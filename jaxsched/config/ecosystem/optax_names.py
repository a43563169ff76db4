"""optax's 14 schedule constructors by their prefixed names: ``optax.cosine_decay_schedule``, ...

``{"type": "optax.X", "params": {...}}`` calls ``jaxsched.X`` (same name, same parameters and
defaults), so a config written for optax loads unchanged. Each registration is a thin function
with the constructor's own signature that calls it; a schedule's ``to_config()`` gives the bare
name, which ``from_config`` accepts too. Where jaxsched deliberately differs from optax
(negative counts behave as 0, ``decay_steps = 0`` and ``transition_steps = 0`` are defined
instead of silently constant or raising, exact boundaries, bounded graphs, float32 tails), each
constructor's docstring says so.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from jaxsched.core.registry import register
from jaxsched.core.sequence import join_schedules
from jaxsched.schedules.cosine import (
    cosine_decay_schedule,
    sgdr_schedule,
    warmup_cosine_decay_schedule,
)
from jaxsched.schedules.exponential import exponential_decay, warmup_exponential_decay_schedule
from jaxsched.schedules.piecewise import (
    cosine_onecycle_schedule,
    linear_onecycle_schedule,
    piecewise_constant_schedule,
    piecewise_interpolate_schedule,
)
from jaxsched.schedules.polynomial import (
    constant_schedule,
    linear_schedule,
    polynomial_schedule,
    warmup_constant_schedule,
)

__all__ = ["OPTAX_CONSTRUCTORS", "REGISTERED"]

#: optax name -> the jaxsched constructor of that name.
OPTAX_CONSTRUCTORS = {
    f.__name__: f
    for f in (
        constant_schedule,
        polynomial_schedule,
        linear_schedule,
        piecewise_constant_schedule,
        exponential_decay,
        cosine_decay_schedule,
        piecewise_interpolate_schedule,
        linear_onecycle_schedule,
        cosine_onecycle_schedule,
        warmup_constant_schedule,
        warmup_cosine_decay_schedule,
        warmup_exponential_decay_schedule,
        sgdr_schedule,
        join_schedules,
    )
}



def _thin(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``optax.<name>``: a function with ``jaxsched.<name>``'s signature that calls it."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
    call.__doc__ = f"optax ``{name}``: calls :func:`jaxsched.{name}` (same parameters)."
    return register(f"optax.{name}")(call)


#: ``"optax.<name>"`` -> its registered thin function.
REGISTERED = {f"optax.{name}": _thin(name, fn) for name, fn in OPTAX_CONSTRUCTORS.items()}

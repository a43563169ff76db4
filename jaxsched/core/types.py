"""Public type aliases of jaxsched's signatures.

``help(jaxsched.cosine_decay)`` reads ``init_value: Value, decay_steps: Steps``: a float
hyperparameter, a step count. Every numeric hyperparameter is traceable (a pytree leaf), so the
aliases admit JAX arrays and tracers (a tracer is a ``jax.Array``) as well as Python and NumPy
numbers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Sequence as SequenceABC
from typing import ForwardRef, TypeAlias

import numpy as np

from jaxsched.core import after_jax
from jaxsched.core.schedule import Schedule

__all__ = ["Value", "Steps", "ScheduleFn", "ScheduleLike", "Values", "StepsList"]

#: ``jax.Array`` named, not imported (``import jaxsched`` does not import JAX): resolved in this
#: module by ``typing.get_type_hints`` once JAX is imported (:mod:`jaxsched.core.after_jax`).
_JaxArray = ForwardRef("jax.Array", module=__name__)

#: A float hyperparameter: a Python float or int, a NumPy or JAX scalar or array, a tracer.
Value: TypeAlias = float | int | np.floating | np.integer | np.ndarray | _JaxArray

#: A step count: a Python int, or an integer NumPy or JAX scalar or array, or a tracer.
Steps: TypeAlias = int | np.integer | np.ndarray | _JaxArray

#: A schedule function: a :class:`~jaxsched.Schedule` or any callable ``count -> value``.
ScheduleFn: TypeAlias = Schedule | Callable[[Steps], Value]

#: A schedule or a number: a :class:`~jaxsched.Schedule`, any callable ``count -> value``, or a number
#: (held constant).
ScheduleLike: TypeAlias = ScheduleFn | float | int

#: Several float hyperparameters: a sequence of :data:`Value`, or one array.
Values: TypeAlias = SequenceABC[Value] | np.ndarray | _JaxArray

#: Several step counts (boundaries, milestones): a sequence of :data:`Steps`, or one array.
StepsList: TypeAlias = SequenceABC[Steps] | np.ndarray | _JaxArray


def _bind_jax() -> None:
    sys.modules[__name__].jax = sys.modules["jax"]  # type: ignore[attr-defined]


after_jax.when_imported(_bind_jax)

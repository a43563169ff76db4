"""Public type aliases of jaxsched's signatures.

``help(jaxsched.cosine_decay)`` reads ``init_value: Value, decay_steps: Steps``: a float
hyperparameter, a step count. Every numeric hyperparameter is traceable (a pytree leaf), so the
aliases admit JAX arrays and tracers (a tracer is a ``jax.Array``) as well as Python and NumPy
numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence as SequenceABC
from typing import TypeAlias

import jax
import numpy as np

from jaxsched.core.schedule import Schedule

__all__ = ["Value", "Steps", "ScheduleFn", "ScheduleLike", "Values", "StepsList"]

#: A float hyperparameter: a Python float or int, a NumPy or JAX scalar or array, a tracer.
Value: TypeAlias = float | int | np.floating | np.integer | np.ndarray | jax.Array

#: A step count: a Python int, or an integer NumPy or JAX scalar or array, or a tracer.
Steps: TypeAlias = int | np.integer | np.ndarray | jax.Array

#: A schedule function: a :class:`~jaxsched.Schedule` or any callable ``count -> value``.
ScheduleFn: TypeAlias = Schedule | Callable[[Steps], Value]

#: A schedule or a number: a :class:`~jaxsched.Schedule`, any callable ``count -> value``, or a number
#: (held constant).
ScheduleLike: TypeAlias = ScheduleFn | float | int

#: Several float hyperparameters: a sequence of :data:`Value`, or one array.
Values: TypeAlias = SequenceABC[Value] | np.ndarray | jax.Array

#: Several step counts (boundaries, milestones): a sequence of :data:`Steps`, or one array.
StepsList: TypeAlias = SequenceABC[Steps] | np.ndarray | jax.Array

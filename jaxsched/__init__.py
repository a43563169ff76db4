"""jaxsched: learning-rate and hyperparameter schedules for JAX/Optax, with a PyTorch bridge.

Every schedule is a :class:`Schedule`: a frozen dataclass registered as a JAX pytree and an
``optax.Schedule`` (``count -> value``). Its numeric hyperparameters are pytree leaves, so
``jax.jit``, ``jax.vmap`` and ``jax.grad`` reach them, and the same formula evaluates with NumPy
(float64, host), torch, ``jax.numpy`` or any array-API namespace via ``schedule.evaluate``.

Importing ``jaxsched`` never imports torch.
"""

# Families of the full catalog: each module declares its public names in ``__all__``.
from jaxsched import args as args
from jaxsched import compose as _compose
from jaxsched import ecosystem as _ecosystem  # noqa: E402,F401  (registers ecosystem names)
from jaxsched import plateau as _plateau
from jaxsched.base import Schedule as Schedule
from jaxsched.compose import *  # noqa: F401,F403
from jaxsched.config import from_config as from_config
from jaxsched.config import load_config as load_config
from jaxsched.config import registered_names as registered_names
from jaxsched.hyperparams import current_hyperparams as current_hyperparams
from jaxsched.hyperparams import per_group as per_group
from jaxsched.hyperparams import scheduled_optimizer as scheduled_optimizer
from jaxsched.join import Function as Function
from jaxsched.join import Sequence as Sequence
from jaxsched.join import join_schedules as join_schedules
from jaxsched.join import lambda_schedule as lambda_schedule
from jaxsched.plateau import *  # noqa: F401,F403
from jaxsched.plotting import plot as plot
from jaxsched.schedules import cosine_wave as _cosine_wave
from jaxsched.schedules import cyclic as _cyclic
from jaxsched.schedules import decay as _decay
from jaxsched.schedules import noise as _noise
from jaxsched.schedules import polynomial_k as _polynomial_k
from jaxsched.schedules import range_test as _range_test
from jaxsched.schedules import restarts as _restarts
from jaxsched.schedules import swa as _swa
from jaxsched.schedules import warmup as _warmup
from jaxsched.schedules import wsd as _wsd
from jaxsched.schedules.cosine import Cosine as Cosine
from jaxsched.schedules.cosine import cosine_decay as cosine_decay
from jaxsched.schedules.cosine import cosine_decay_schedule as cosine_decay_schedule
from jaxsched.schedules.cosine import sgdr_schedule as sgdr_schedule
from jaxsched.schedules.cosine import warmup_cosine_decay_schedule as warmup_cosine_decay_schedule
from jaxsched.schedules.cosine_wave import *  # noqa: F401,F403
from jaxsched.schedules.cyclic import *  # noqa: F401,F403
from jaxsched.schedules.decay import *  # noqa: F401,F403
from jaxsched.schedules.exponential import Exponential as Exponential
from jaxsched.schedules.exponential import exponential_decay as exponential_decay
from jaxsched.schedules.exponential import (
    warmup_exponential_decay_schedule as warmup_exponential_decay_schedule,
)
from jaxsched.schedules.noise import *  # noqa: F401,F403
from jaxsched.schedules.piecewise import PiecewiseConstant as PiecewiseConstant
from jaxsched.schedules.piecewise import PiecewiseInterpolate as PiecewiseInterpolate
from jaxsched.schedules.piecewise import cosine_onecycle_schedule as cosine_onecycle_schedule
from jaxsched.schedules.piecewise import linear_onecycle_schedule as linear_onecycle_schedule
from jaxsched.schedules.piecewise import piecewise_constant as piecewise_constant
from jaxsched.schedules.piecewise import piecewise_constant_schedule as piecewise_constant_schedule
from jaxsched.schedules.piecewise import piecewise_interpolate as piecewise_interpolate
from jaxsched.schedules.piecewise import (
    piecewise_interpolate_schedule as piecewise_interpolate_schedule,
)
from jaxsched.schedules.polynomial import Constant as Constant
from jaxsched.schedules.polynomial import Polynomial as Polynomial
from jaxsched.schedules.polynomial import constant_schedule as constant_schedule
from jaxsched.schedules.polynomial import linear_schedule as linear_schedule
from jaxsched.schedules.polynomial import polynomial_schedule as polynomial_schedule
from jaxsched.schedules.polynomial import warmup_constant_schedule as warmup_constant_schedule
from jaxsched.schedules.polynomial_k import *  # noqa: F401,F403
from jaxsched.schedules.range_test import *  # noqa: F401,F403
from jaxsched.schedules.restarts import *  # noqa: F401,F403
from jaxsched.schedules.swa import *  # noqa: F401,F403
from jaxsched.schedules.warmup import *  # noqa: F401,F403
from jaxsched.schedules.wsd import *  # noqa: F401,F403
from jaxsched.units import Timeline as Timeline

__version__ = "0.1.0"

#: The 14 optax schedule constructors, same names, arguments and defaults.
OPTAX_NAMES = (
    "constant_schedule",
    "polynomial_schedule",
    "linear_schedule",
    "piecewise_constant_schedule",
    "exponential_decay",
    "cosine_decay_schedule",
    "piecewise_interpolate_schedule",
    "linear_onecycle_schedule",
    "cosine_onecycle_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
    "sgdr_schedule",
    "join_schedules",
)

__all__ = [
    "OPTAX_NAMES",
    "current_hyperparams",
    "per_group",
    "scheduled_optimizer",
    "Constant",
    "Cosine",
    "Exponential",
    "Function",
    "PiecewiseConstant",
    "PiecewiseInterpolate",
    "Polynomial",
    "Schedule",
    "Sequence",
    "constant_schedule",
    "cosine_decay",
    "cosine_decay_schedule",
    "cosine_onecycle_schedule",
    "exponential_decay",
    "from_config",
    "load_config",
    "Timeline",
    "join_schedules",
    "LRFindResult",  # noqa: F405  (lazy, see __getattr__)
    "lr_find",  # noqa: F405
    "plot",
    "lambda_schedule",
    "linear_onecycle_schedule",
    "linear_schedule",
    "piecewise_constant",
    "piecewise_constant_schedule",
    "piecewise_interpolate",
    "piecewise_interpolate_schedule",
    "polynomial_schedule",
    "registered_names",
    "sgdr_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]
for _m in (_plateau, _compose, _cosine_wave, _cyclic, _decay, _noise, _polynomial_k, _range_test,
           _restarts, _swa, _warmup, _wsd):
    __all__ += [n for n in _m.__all__ if n not in __all__]
del _m


def __getattr__(name: str):  # lazy: `jaxsched list` and `import jaxsched` stay light
    if name in ("lr_find", "LRFindResult"):
        from jaxsched import lr_finder

        return getattr(lr_finder, name)
    raise AttributeError(f"module 'jaxsched' has no attribute {name!r}")

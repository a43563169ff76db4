"""jaxsched: learning-rate and hyperparameter schedules for JAX/Optax, with a PyTorch bridge.

Every schedule is a :class:`Schedule`: a frozen dataclass registered as a JAX pytree and an
``optax.Schedule`` (``count -> value``). Its numeric hyperparameters are pytree leaves, so
``jax.jit``, ``jax.vmap`` and ``jax.grad`` reach them, and the same formula evaluates with NumPy
(float64, host), torch, ``jax.numpy`` or any array-API namespace via ``schedule.evaluate``.

The package is built in floors, each importing only from the floors below it (see
``docs/ARCHITECTURE.md``): ``core`` -> ``schedules`` -> ``compose`` -> ``training`` -> ``config``
-> the adapters (``torch``, ``plotting``, ``phases``) -> ``cli``. This module lists the public
names, grouped by floor. Importing ``jaxsched`` never imports torch, matplotlib or YAML;
``jaxsched.torch`` is imported on first use.
"""

# isort: skip_file
from typing import Any

# Floor 0, core: the Schedule base, type aliases and sequences
from jaxsched.core.schedule import (
    Schedule,
)
from jaxsched.core.types import (
    ScheduleFn,
    ScheduleLike,
    Steps,
    StepsList,
    Value,
    Values,
)
from jaxsched.core.sequence import (
    Function,
    Sequence,
    join_schedules,
    lambda_schedule,
)

# Floor 1, schedule families
from jaxsched.schedules.annealing import (
    PolynomialDecay,
    TanhDecay,
    polynomial_decay,
    tanh_decay,
)
from jaxsched.schedules.batch import (
    PiecewiseInteger,
    batch_size_ramp,
    piecewise_integer,
    rampup_batch_size,
)
from jaxsched.schedules.cosine import (
    Cosine,
    cosine_decay,
    cosine_decay_schedule,
    sgdr_schedule,
    warmup_cosine_decay_schedule,
)
from jaxsched.schedules.cosine_wave import (
    CosineWave,
    cosine_annealing,
    cosine_wave,
)
from jaxsched.schedules.cyclic import (
    Cyclic,
    CyclicMomentum,
    cyclic_momentum,
    cyclic_schedule,
    exponential_cyclic_schedule,
)
from jaxsched.schedules.decay import (
    MultiplicativeDecay,
    MultiStepDecay,
    PiecewiseValues,
    StepDecay,
    multiplicative_decay,
    multistep_decay,
    piecewise_constant_values,
    step_decay,
)
from jaxsched.schedules.exponential import (
    Exponential,
    exponential_decay,
    warmup_exponential_decay_schedule,
)
from jaxsched.schedules.hyperparams import (
    CosineMomentum,
    EMAWarmup,
    WeightDecayIncrement,
    cosine_momentum,
    ema_warmup,
    weight_decay_increment,
)
from jaxsched.schedules.inverse import (
    InverseSqrtDecay,
    InverseTimeDecay,
    PowerLawDecay,
    inverse_power_decay,
    inverse_sqrt_decay,
    inverse_time_decay,
    power_law_decay,
)
from jaxsched.schedules.mixture import (
    MixtureWeights,
    mixture_weights,
)
from jaxsched.schedules.noise import (
    Noise,
    with_noise,
)
from jaxsched.schedules.onecycle import (
    OneCycle,
    OneCycleMomentum,
    one_cycle,
    one_cycle_momentum,
)
from jaxsched.schedules.onecycle_decay import (
    OneCycleWithDecay,
    OneCycleWithDecayMomentum,
    one_cycle_with_decay,
    one_cycle_with_decay_momentum,
)
from jaxsched.schedules.piecewise import (
    PiecewiseConstant,
    PiecewiseInterpolate,
    cosine_onecycle_schedule,
    linear_onecycle_schedule,
    piecewise_constant,
    piecewise_constant_schedule,
    piecewise_interpolate,
    piecewise_interpolate_schedule,
)
from jaxsched.schedules.polynomial import (
    Constant,
    Polynomial,
    constant_schedule,
    linear_schedule,
    polynomial_schedule,
    warmup_constant_schedule,
)
from jaxsched.schedules.polynomial_k import (
    PolynomialKDecay,
    polynomial_k_decay,
)
from jaxsched.schedules.range_test import (
    RangeTest,
    lr_range_test,
)
from jaxsched.schedules.restarts import (
    CosineHardRestarts,
    CosineRestarts,
    cosine_hard_restarts,
    cosine_restarts,
)
from jaxsched.schedules.seqlen import (
    RootCurriculum,
    StaircaseRamp,
    root_curriculum,
    seq_length_warmup,
    staircase_ramp,
)
from jaxsched.schedules.swa import (
    SWAAnneal,
    swa_schedule,
)
from jaxsched.schedules.wsd import (
    WarmupStableDecay,
    warmup_stable_decay,
)
from jaxsched.schedules.wsd_cycles import (
    WSDCycles,
    wsd_cycles,
)

# Floor 2, composition
from jaxsched.compose.algebra import (
    Maximum,
    Minimum,
    Product,
    Sum,
    add,
    maximum,
    minimum,
    product,
)
from jaxsched.compose.transforms import (
    Clip,
    HoldEvery,
    Offset,
    Scale,
    clip,
    floor,
    hold_every,
    offset,
    scale,
)
from jaxsched.compose.warmup import (
    Warmup,
    warmup,
)
from jaxsched.compose.repeat import (
    Repeat,
    repeat,
)
from jaxsched.compose.data_clock import (
    BatchScaled,
    DataClock,
    batch_scaled,
    by_samples,
    by_tokens,
)
from jaxsched.compose.replan import (
    Replan,
    ReplanThen,
    Stretch,
    replan,
    stretch,
)

# Floor 3, training with optax
from jaxsched.training.hyperparams import (
    current_hyperparams,
    per_group,
    scheduled_optimizer,
)
from jaxsched.training.param_rules import (
    ParamSchedules,
    param_names,
    param_schedules,
)
from jaxsched.training.progress import (
    ProgressState,
    current_progress,
)
from jaxsched.training.plateau import (
    PlateauSchedule,
    plateau_config,
    plateau_from_optax,
    plateau_from_torch,
    plateau_scale,
    plateau_transform,
    reduce_on_plateau,
)
from jaxsched.training.plateau_rule import (
    PlateauConfig,
    PlateauState,
    plateau_init,
    plateau_update,
)
from jaxsched.training.lr_finder import (
    LRFindResult,
    lr_find,
)

# Floor 4, configuration
from jaxsched.config.loader import (
    from_config,
    load_config,
    registered_names,
)
from jaxsched.config.units import (
    Timeline,
)

# Floor 5, adapters (jaxsched.torch is imported on first use, see __getattr__)
from jaxsched.plotting import (
    plot,
)

from jaxsched import args as args  # public modules
from jaxsched import phases as phases
from jaxsched import units as units

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
    # Floor 0, core: the Schedule base, type aliases and sequences
    "Schedule",
    "ScheduleFn",
    "ScheduleLike",
    "Steps",
    "StepsList",
    "Value",
    "Values",
    "Function",
    "Sequence",
    "join_schedules",
    "lambda_schedule",
    # Floor 1, schedule families
    "PolynomialDecay",
    "TanhDecay",
    "polynomial_decay",
    "tanh_decay",
    "PiecewiseInteger",
    "batch_size_ramp",
    "piecewise_integer",
    "rampup_batch_size",
    "Cosine",
    "cosine_decay",
    "cosine_decay_schedule",
    "sgdr_schedule",
    "warmup_cosine_decay_schedule",
    "CosineWave",
    "cosine_annealing",
    "cosine_wave",
    "Cyclic",
    "CyclicMomentum",
    "cyclic_momentum",
    "cyclic_schedule",
    "exponential_cyclic_schedule",
    "MultiStepDecay",
    "MultiplicativeDecay",
    "PiecewiseValues",
    "StepDecay",
    "multiplicative_decay",
    "multistep_decay",
    "piecewise_constant_values",
    "step_decay",
    "Exponential",
    "exponential_decay",
    "warmup_exponential_decay_schedule",
    "InverseSqrtDecay",
    "InverseTimeDecay",
    "inverse_power_decay",
    "PowerLawDecay",
    "power_law_decay",
    "CosineMomentum",
    "EMAWarmup",
    "WeightDecayIncrement",
    "cosine_momentum",
    "ema_warmup",
    "weight_decay_increment",
    "MixtureWeights",
    "mixture_weights",
    "inverse_sqrt_decay",
    "inverse_time_decay",
    "Noise",
    "with_noise",
    "OneCycle",
    "OneCycleMomentum",
    "one_cycle",
    "one_cycle_momentum",
    "OneCycleWithDecay",
    "OneCycleWithDecayMomentum",
    "one_cycle_with_decay",
    "one_cycle_with_decay_momentum",
    "PiecewiseConstant",
    "PiecewiseInterpolate",
    "cosine_onecycle_schedule",
    "linear_onecycle_schedule",
    "piecewise_constant",
    "piecewise_constant_schedule",
    "piecewise_interpolate",
    "piecewise_interpolate_schedule",
    "Constant",
    "Polynomial",
    "constant_schedule",
    "linear_schedule",
    "polynomial_schedule",
    "warmup_constant_schedule",
    "PolynomialKDecay",
    "polynomial_k_decay",
    "RangeTest",
    "lr_range_test",
    "CosineHardRestarts",
    "CosineRestarts",
    "cosine_hard_restarts",
    "cosine_restarts",
    "RootCurriculum",
    "StaircaseRamp",
    "root_curriculum",
    "seq_length_warmup",
    "staircase_ramp",
    "SWAAnneal",
    "swa_schedule",
    "WarmupStableDecay",
    "warmup_stable_decay",
    "WSDCycles",
    "wsd_cycles",
    # Floor 2, composition
    "Maximum",
    "Minimum",
    "Product",
    "Sum",
    "add",
    "maximum",
    "minimum",
    "product",
    "Clip",
    "Offset",
    "Scale",
    "clip",
    "floor",
    "offset",
    "hold_every",
    "HoldEvery",
    "scale",
    "Warmup",
    "warmup",
    "Repeat",
    "repeat",
    "BatchScaled",
    "DataClock",
    "batch_scaled",
    "by_samples",
    "by_tokens",
    "Replan",
    "ReplanThen",
    "Stretch",
    "replan",
    "stretch",
    # Floor 3, training with optax
    "current_hyperparams",
    "per_group",
    "scheduled_optimizer",
    "ParamSchedules",
    "param_names",
    "param_schedules",
    "ProgressState",
    "current_progress",
    "PlateauSchedule",
    "plateau_config",
    "plateau_from_optax",
    "plateau_from_torch",
    "plateau_scale",
    "plateau_transform",
    "reduce_on_plateau",
    "PlateauConfig",
    "PlateauState",
    "plateau_init",
    "plateau_update",
    "LRFindResult",
    "lr_find",
    # Floor 4, configuration
    "from_config",
    "load_config",
    "registered_names",
    "Timeline",
    # Floor 5, adapters
    "plot",
]


def __getattr__(name: str) -> Any:
    """``jaxsched.torch``: the torch bridge, imported (with torch) on first use."""
    if name == "torch":
        import importlib

        return importlib.import_module("jaxsched.torch")
    raise AttributeError(f"module 'jaxsched' has no attribute {name!r}")

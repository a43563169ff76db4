"""Floor 2, composition: products, sums, minima and maxima, single-child transforms (scale,
clip, floor, offset), a warmup in front of any schedule, repeating any schedule, schedules
under a varying batch size (driven by the data consumed, scaled with the batch size), and
re-planning a run (a new horizon or a new plan from a step on; a time stretch).

Imports the families and the core. Sequences (``join_schedules``) live in the core, because
the families' own compound constructors (optax's warmup schedules) are sequences.
"""

from jaxsched.compose.algebra import Maximum, Minimum, Product, Sum, add, maximum, minimum, product
from jaxsched.compose.data_clock import BatchScaled, DataClock, batch_scaled, by_samples, by_tokens
from jaxsched.compose.repeat import Repeat, repeat
from jaxsched.compose.replan import Replan, ReplanThen, Stretch, replan, stretch
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
from jaxsched.compose.warmup import Warmup, warmup

__all__ = [
    "Product",
    "Sum",
    "add",
    "product",
    "Maximum",
    "Minimum",
    "maximum",
    "minimum",
    "Repeat",
    "repeat",
    "Replan",
    "ReplanThen",
    "Stretch",
    "replan",
    "stretch",
    "Clip",
    "HoldEvery",
    "hold_every",
    "Offset",
    "Scale",
    "clip",
    "floor",
    "offset",
    "scale",
    "Warmup",
    "warmup",
    "BatchScaled",
    "DataClock",
    "batch_scaled",
    "by_samples",
    "by_tokens",
]

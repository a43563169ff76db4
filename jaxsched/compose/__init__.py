"""Floor 2, composition: products and sums, single-child transforms (scale, clip, floor,
offset), a warmup in front of any schedule, repeating any schedule, and schedules under a
varying batch size (driven by the data consumed, scaled with the batch size).

Imports the families and the core. Sequences (``join_schedules``) live in the core, because
the families' own compound constructors (optax's warmup schedules) are sequences.
"""

from jaxsched.compose.algebra import Product, Sum, add, product
from jaxsched.compose.data_clock import BatchScaled, DataClock, batch_scaled, by_samples, by_tokens
from jaxsched.compose.repeat import Repeat, repeat
from jaxsched.compose.transforms import Clip, Offset, Scale, clip, floor, offset, scale
from jaxsched.compose.warmup import Warmup, warmup

__all__ = [
    "Product",
    "Sum",
    "add",
    "product",
    "Repeat",
    "repeat",
    "Clip",
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

"""Floor 1, the schedule families: one formula per family, each module a family.

Imports only the core. Importing this package registers every family's config names.
"""

from jaxsched.schedules import (  # noqa: F401  (importing registers the names)
    annealing,
    batch,
    cosine,
    cosine_wave,
    cyclic,
    decay,
    exponential,
    inverse,
    noise,
    onecycle,
    onecycle_decay,
    piecewise,
    polynomial,
    polynomial_k,
    range_test,
    restarts,
    seqlen,
    swa,
    wsd,
)

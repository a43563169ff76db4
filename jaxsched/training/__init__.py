"""Floor 3, training with optax: injected hyperparameters, per-group schedules, per-parameter
schedules by regex (big_vision's rule), reduce-on-plateau (an array-API state machine and its
optax transformation), the LR finder.

Imports composition, the families and the core.
"""

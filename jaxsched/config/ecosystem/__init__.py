"""Ecosystem names: each peer's schedulers by their own names and parameters.

``jaxsched.from_config({"type": "torch.OneCycleLR", "params": {...}})`` builds the native
schedule that reproduces, at count ``k``, the value the home library's own training loop applies
to optimizer update ``k`` (including its quirks, documented per name). Importing this package
registers the names; it never imports torch or any peer library.
"""

from jaxsched.config.ecosystem import (  # noqa: F401  (importing registers the names)
    batch_names,
    bigvision_names,
    cerebras_composites,
    cerebras_names,
    cerebras_wd,
    composer_names,
    deepspeed_names,
    fairseq_names,
    hf_names,
    keras_names,
    levanter_names,
    megatron_names,
    nemo_names,
    optax_names,
    paddle_names,
    plateau_names,
    t5x_names,
    timm_names,
    torch_composites,
    torch_cyclic,
    torch_names,
)

__all__: list[str] = []

"""The PyTorch bridge (an adapter): the same Schedule objects driving ``torch.optim`` optimizers.

:class:`Scheduler` is a ``torch.optim.lr_scheduler.LRScheduler`` (host or device mode, see
:mod:`jaxsched.torch.scheduler`); :class:`ValueScheduler` puts any other param-group key
(``betas[1]``, ``eps``, custom keys) or object attribute (a dropout's ``p``, an EMA's decay) on a
schedule (:mod:`jaxsched.torch.values`); :func:`lr_find` is the LR range test for a torch model;
:func:`hf_plateau_callback` feeds HF Trainer's evaluation metric to a metric-driven scheduler.
Importing ``jaxsched`` never imports this package or torch; ``import jaxsched.torch`` (or the
first use of ``jaxsched.torch``) does.
"""

from jaxsched.core.optional import require

require("torch", "jaxsched.torch (the PyTorch bridge)")

from jaxsched.torch.callbacks import hf_plateau_callback  # noqa: E402 - after the torch check
from jaxsched.torch.lr_finder import lr_find  # noqa: E402
from jaxsched.torch.scheduler import Scheduler  # noqa: E402
from jaxsched.torch.values import ValueScheduler  # noqa: E402

__all__ = ["Scheduler", "ValueScheduler", "hf_plateau_callback", "lr_find"]

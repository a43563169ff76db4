"""The PyTorch bridge (an adapter): the same Schedule objects driving ``torch.optim`` optimizers.

:class:`Scheduler` is a ``torch.optim.lr_scheduler.LRScheduler`` (host or device mode, see
:mod:`jaxsched.torch.scheduler`); :func:`lr_find` is the LR range test for a torch model.
Importing ``jaxsched`` never imports this package or torch; ``import jaxsched.torch`` (or the
first use of ``jaxsched.torch``) does.
"""

from jaxsched.core.optional import require

require("torch", "jaxsched.torch (the PyTorch bridge)")

from jaxsched.torch.lr_finder import lr_find  # noqa: E402 - after the check that torch is there
from jaxsched.torch.scheduler import Scheduler  # noqa: E402

__all__ = ["Scheduler", "lr_find"]

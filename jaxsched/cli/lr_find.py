"""``jaxsched lr-find``: the range test on the demo MLP and digits (JAX or torch backend)."""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["add_cli_arguments", "run_cli"]

# parameter names in library messages -> the flags a CLI user typed
_FLAG_NAMES = {"`min_lr`": "--min-lr", "`max_lr`": "--max-lr", "`num_steps`": "--num-steps",
               "`mode`": "--mode", "`batch_size`": "--batch-size", "`seed`": "--seed"}


def add_cli_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add ``--min-lr --max-lr --num-steps --mode --backend -o/--output --seed --batch-size``.

    Example:
      >>> p = add_cli_arguments(argparse.ArgumentParser(prog="lr-find"))
      >>> ns = p.parse_args(["--max-lr", "1", "--mode", "linear"])
      >>> ns.min_lr, ns.max_lr, ns.num_steps, ns.mode, ns.backend, ns.output
      (0.0001, 1.0, 100, 'linear', 'jax', 'lr_find.png')
    """
    g = parser.add_argument_group("learning-rate range test")
    g.add_argument("--min-lr", type=float, default=1e-4, help="first learning rate (default 1e-4)")
    g.add_argument("--max-lr", type=float, default=10.0, help="last learning rate (default 10)")
    g.add_argument("--num-steps", type=int, default=100, help="updates in the sweep (default 100)")
    g.add_argument("--mode", choices=("exp", "linear"), default="exp",
                   help="geometric (exp, default) or linear sweep")
    g.add_argument("--backend", choices=("jax", "torch"), default="jax",
                   help="train the demo MLP with JAX/optax (default) or torch through the bridge")
    g.add_argument("-o", "--output", default="lr_find.png", metavar="FILE",
                   help="plot to write, .png or .svg (default lr_find.png)")
    g.add_argument("--seed", type=int, default=0, help="seed of the data split, init and batches")
    g.add_argument("--batch-size", type=int, default=64, help="examples per update (default 64)")
    return parser


def _demo_batches(x: Any, y: Any, batch_size: int, seed: int) -> Iterator[tuple[Any, Any]]:
    from jaxsched.cli.demo.data import batches

    for epoch in itertools.count():
        yield from batches(x, y, batch_size, seed=seed, epoch=epoch)


def _run_jax(ns: argparse.Namespace, x: Any, y: Any) -> Any:
    import jax
    import optax

    from jaxsched.cli.demo import model_jax
    from jaxsched.training.lr_finder import lr_find

    params = model_jax.init_mlp(jax.random.PRNGKey(ns.seed))
    return lr_find(lambda p, b: model_jax.loss_fn(p, b[0], b[1]), params,
                   _demo_batches(x, y, ns.batch_size, ns.seed), optimizer=optax.sgd,
                   optimizer_kwargs={"momentum": 0.9}, min_lr=ns.min_lr, max_lr=ns.max_lr,
                   num_steps=ns.num_steps, mode=ns.mode, progress=True)


def _run_torch(ns: argparse.Namespace, x: Any, y: Any) -> Any:
    from jaxsched.cli.demo import model_torch

    torch = model_torch.import_torch()
    from jaxsched.torch.lr_finder import lr_find

    torch.manual_seed(ns.seed)
    model = model_torch.init_mlp(seed=ns.seed)
    opt = torch.optim.SGD(model.parameters(), lr=ns.min_lr, momentum=0.9)
    loader = ((torch.from_numpy(xb), torch.from_numpy(yb).long())
              for xb, yb in _demo_batches(x, y, ns.batch_size, ns.seed))
    return lr_find(model, opt, torch.nn.functional.cross_entropy, loader, min_lr=ns.min_lr,
                   max_lr=ns.max_lr, num_steps=ns.num_steps, mode=ns.mode, progress=True)


def _check_output(path: str) -> None:
    """Fail before the sweep (not after it) on a plot file that cannot be written."""
    from pathlib import Path

    from jaxsched.core.optional import require

    FigureCanvasBase = require(  # noqa: N806 - a class
        "matplotlib.backend_bases", "jaxsched lr-find's plot (--output)", extra="demo").FigureCanvasBase
    require("tqdm.auto", "jaxsched lr-find's progress bar", extra="demo")
    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in formats:
        raise ValueError(f"`--output` must end in one of {['.' + f for f in formats]}, got {path!r}")
    parent = Path(path).parent
    if not parent.is_dir():
        raise ValueError(f"`--output`: the directory {str(parent)!r} does not exist")


def run_cli(ns: argparse.Namespace) -> int:
    """Run the range test on the demo MLP; print both suggestions; write the plot.

    Returns:
      0 on success; 2 for a user error (bad flag values, a missing optional dependency), with
      one line on stderr naming the problem.
    """
    try:
        from jaxsched.cli.demo.data import load_digits, steps_per_epoch
        from jaxsched.training.lr_finder import sweep_schedule

        sweep_schedule(ns.min_lr, ns.max_lr, ns.num_steps, ns.mode)  # flag errors before any work
        if ns.seed < 0:
            raise ValueError(f"`seed` must be >= 0, got {ns.seed}")
        _check_output(ns.output)
        x, y, _, _ = load_digits(seed=ns.seed)
        steps_per_epoch(len(x), ns.batch_size)
        result = (_run_torch if ns.backend == "torch" else _run_jax)(ns, x, y)
    except (ValueError, TypeError, ImportError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        for name, flag in _FLAG_NAMES.items():
            msg = msg.replace(name, flag)
        print(f"jaxsched lr-find: error: {msg}", file=sys.stderr)
        return 2
    n = len(result.lrs)
    print(f"learning-rate range test ({ns.backend}, {ns.mode} sweep {ns.min_lr:g} -> {ns.max_lr:g}, "
          f"{n} of {ns.num_steps} updates)")
    print(result.summary())
    try:
        result.plot(ns.output)
    except (OSError, ValueError) as exc:
        print(f"jaxsched lr-find: error: cannot write {ns.output!r}: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {ns.output}")
    return 0

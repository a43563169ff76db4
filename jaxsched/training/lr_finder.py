"""The learning-rate range test ("LR finder") for JAX/optax, its result, and the CLI glue.

:func:`lr_find` trains from the given parameters for ``num_steps`` updates while the learning
rate sweeps from ``min_lr`` to ``max_lr`` (geometrically or linearly), records the loss of every
update, smooths it (an exponential moving average with bias correction), stops early once the
smoothed loss diverges, and suggests a learning rate. The sweep is a jaxsched schedule
(:func:`jaxsched.lr_range_test`) applied through ``optax.inject_hyperparams``, so one compiled
step serves every learning rate. JAX is functional: the caller's parameters and optimizer state
are never modified; only the record is returned. The PyTorch twin is
``jaxsched.torch.lr_finder.lr_find`` (same sweep, same :class:`LRFindResult`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from jaxsched.core import validate as v
from jaxsched.schedules.range_test import RangeTest, lr_range_test

if TYPE_CHECKING:
    import optax

__all__ = ["LRFindResult", "lr_find", "sweep_schedule"]

_MODES = ("exp", "linear")


def sweep_schedule(min_lr: float, max_lr: float, num_steps: int, mode: str = "exp") -> RangeTest:
    r"""The range test's learning rates: ``min_lr`` at update 0, ``max_lr`` at update ``N-1``.

    .. math::
      \text{exp: } \eta_k = \eta_{lo} (\eta_{hi}/\eta_{lo})^{k/(N-1)}, \qquad
      \text{linear: } \eta_k = \eta_{lo} + (\eta_{hi} - \eta_{lo})\, k/(N-1)

    Built with :func:`jaxsched.lr_range_test` (``step_size = N - 1``).

    Args:
      min_lr: first learning rate, ``> 0``.
      max_lr: last learning rate, ``> min_lr``.
      num_steps: ``N >= 2`` updates in the sweep.
      mode: ``"exp"`` (geometric, default) or ``"linear"``.

    Returns:
      A :class:`jaxsched.RangeTest` schedule (held at ``max_lr`` after update ``N-1``).

    Raises:
      ValueError: a bound out of range, ``min_lr >= max_lr``, ``num_steps < 2``, an unknown mode.

    Example:
      >>> import numpy as np
      >>> s = sweep_schedule(1e-3, 1.0, 4)
      >>> [round(float(x), 6) for x in s.evaluate(np.arange(4), np)]
      [0.001, 0.01, 0.1, 1.0]

    Equivalents:
      DeepSpeed ``LRRangeTest`` (``lr_range_test_step_rate`` sets the growth per step instead of
      the end value); torch-lr-finder / Lightning / fastai sweep ``min_lr * (max_lr /
      min_lr)**(k / (N-1))`` in their exponential mode, the same values.
    """
    mode = v.choice("mode", "exp" if mode == "exponential" else mode, _MODES)
    lo = float(v.real("min_lr", min_lr, gt=0))
    hi = float(v.real("max_lr", max_lr, gt=0))
    if not lo < hi:
        raise ValueError(f"`min_lr` must be < `max_lr` ({hi!r}), got {lo!r}")
    n = int(v.integer("num_steps", num_steps, ge=2))
    if mode == "exp":
        return lr_range_test(lo, step_size=n - 1, step_rate=math.log(hi / lo),
                             mode="exponential", max_value=hi)
    return lr_range_test(lo, step_size=n - 1, step_rate=hi / lo - 1.0, max_value=hi)


def _check_options(smoothing: Any, diverge_factor: Any, skip_start: Any, skip_end: Any) -> tuple:
    beta = float(v.real("smoothing", smoothing, ge=0, lt=1,
                        hint=" (0 disables smoothing; the EMA weight of the past, e.g. 0.98)"))
    factor = None
    if diverge_factor is not None and diverge_factor != math.inf:
        factor = float(v.real("diverge_factor", diverge_factor, gt=1, hint=" (None: never stop early)"))
    return beta, factor, int(v.integer("skip_start", skip_start, ge=0)), int(
        v.integer("skip_end", skip_end, ge=0))


class _Recorder:
    """Losses, their bias-corrected EMA, and the divergence test (shared by both backends)."""

    def __init__(self, smoothing: float, diverge_factor: float | None):
        self.beta, self.factor = smoothing, diverge_factor
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self._avg = 0.0
        self._best = math.inf

    def add(self, loss: float) -> bool:
        """Record one update's loss; True when the sweep must stop (divergence)."""
        loss = float(loss)
        if not math.isfinite(loss):
            return True  # a NaN/inf loss is not recorded: the model has already blown up
        self._avg = self.beta * self._avg + (1.0 - self.beta) * loss
        smooth = self._avg / (1.0 - self.beta ** (len(self.losses) + 1))
        self.losses.append(loss)
        self.smoothed.append(smooth)
        self._best = min(self._best, smooth)
        # smooth > factor * best for positive losses; `abs` keeps the test sane for negative ones
        return self.factor is not None and smooth > self._best + (self.factor - 1.0) * abs(self._best)


def _steepest_sustained(smoothed: np.ndarray, lrs: np.ndarray) -> int | None:
    """Index of the steepest fall of ``smoothed`` against ``log(lr)`` on a sustained decrease.

    The runs of consecutive decreasing values are found; the sustained decrease is the run with
    the largest total drop (a long fall beats a short dip that noise made, even a steep one),
    and the suggestion is its steepest point (``np.gradient`` against ``log(lr)``). None when
    the loss never falls.

    Example:
      >>> loss = np.array([5.0, 4.0, 4.5, 4.4, 3.0, 2.0, 1.5, 1.4, 2.0])
      >>> _steepest_sustained(loss, np.geomspace(1e-3, 1.0, 9))  # not the dip at index 1
      4
    """
    diff = np.diff(smoothed)
    if not np.any(diff < 0):
        return None
    slope = np.gradient(smoothed, np.log(lrs))
    best, best_drop, k, n = None, 0.0, 0, len(diff)
    while k < n:
        if diff[k] < 0:
            j = k
            while j < n and diff[j] < 0:
                j += 1
            drop = float(smoothed[k] - smoothed[j])  # the run: points k..j
            if drop > best_drop:
                best, best_drop = (k, j), drop
            k = j
        else:
            k += 1
    assert best is not None
    k, j = best
    return k + int(np.argmin(slope[k:j + 1]))


@dataclass(frozen=True)
class LRFindResult:
    """The record of a learning-rate range test and its suggestions.

    Attributes:
      lrs: float64 learning rate of each recorded update (``lrs[k]`` was used by update ``k``).
      losses: the raw loss of each update (computed before the update is applied).
      smoothed: bias-corrected exponential moving average of ``losses``.
      suggestion_steepest: the learning rate where the smoothed loss falls fastest against
        ``log(lr)`` on its sustained decrease (the run of falling values with the largest total
        drop), once the moving average has settled (the first ``max(skip_start, warmup)`` and
        the last ``skip_end`` points ignored), or None when it never falls.
      suggestion_min_over_10: the learning rate of the smallest smoothed loss, divided by 10.
      stopped_early: True when divergence (or a non-finite loss) ended the sweep early.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion_steepest: float | None
    suggestion_min_over_10: float | None
    stopped_early: bool

    @classmethod
    def from_record(cls, lrs: Any, losses: Any, smoothed: Any, stopped_early: bool, *,
                    skip_start: int = 10, skip_end: int = 5, warmup: int = 0) -> LRFindResult:
        """Build the result and its suggestions from a recorded sweep.

        The steepest-descent suggestion ignores the first ``max(skip_start, min(warmup, n // 5))``
        and the last ``skip_end`` points (``warmup``: the updates the moving average needs to
        settle, :func:`lr_find` passes ``1 / (1 - smoothing)``), and is the steepest point of
        the longest sustained decrease of the smoothed loss (see :func:`_steepest_sustained`),
        not of a short dip that noise made.

        Example:
          >>> import numpy as np
          >>> lrs = np.geomspace(1e-3, 1.0, 7); loss = np.array([5., 4.5, 4., 1., .9, 3., 9.])
          >>> r = LRFindResult.from_record(lrs, loss, loss, False, skip_start=0, skip_end=0)
          >>> round(r.suggestion_steepest, 6), round(r.suggestion_min_over_10, 6)
          (0.01, 0.01)
        """
        lrs = np.asarray(lrs, dtype=np.float64)
        losses = np.asarray(losses, dtype=np.float64)
        smoothed = np.asarray(smoothed, dtype=np.float64)
        steepest = min10 = None
        n = len(lrs)
        if n:
            min10 = float(lrs[int(np.argmin(smoothed))] / 10.0)
        lo, hi = max(skip_start, min(warmup, n // 5)), n - skip_end
        if hi - lo < 3:  # too short to skip the ends: use every point
            lo, hi = 0, n
        if hi - lo >= 2:
            i = _steepest_sustained(smoothed[lo:hi], lrs[lo:hi])
            if i is not None:
                steepest = float(lrs[lo + i])
        return cls(lrs, losses, smoothed, steepest, min10, bool(stopped_early))

    def __repr__(self) -> str:
        """The suggestions and the sweep's range and length (never the arrays).

        Example:
          >>> loss = [3.0, 2.9, 1.0, 2.0]
          >>> LRFindResult.from_record([1e-3, 1e-2, 1e-1, 1.0], loss, loss, True)
          LRFindResult(suggestion_steepest=0.01, suggestion_min_over_10=0.01, sweep=0.001 to 1 \
in 4 updates, stopped_early=True)
        """
        def fmt(x: float | None) -> str:
            return "None" if x is None else f"{x:.3g}"

        n = len(self.lrs)
        sweep = f"{self.lrs[0]:.3g} to {self.lrs[-1]:.3g} in {n} updates" if n else "no updates"
        return (f"LRFindResult(suggestion_steepest={fmt(self.suggestion_steepest)}, "
                f"suggestion_min_over_10={fmt(self.suggestion_min_over_10)}, sweep={sweep}, "
                f"stopped_early={self.stopped_early})")

    def summary(self) -> str:
        """Two lines naming both suggestions (as the CLI prints them)."""
        def fmt(x: float | None) -> str:
            return "none (the loss never fell)" if x is None else f"{x:.3g}"

        stop = " (stopped early: the loss diverged)" if self.stopped_early else ""
        return (f"steepest descent:     {fmt(self.suggestion_steepest)}\n"
                f"minimum loss / 10:    {fmt(self.suggestion_min_over_10)}{stop}")

    def plot(self, path: Any = None, ax: Any = None) -> Any:
        """Loss against learning rate (log x), raw and smoothed, with both suggestions marked.

        Args:
          path: optional file to write (``.png``, ``.svg`` or any matplotlib format).
          ax: optional matplotlib Axes to draw into (default: a new Figure; pyplot is not used).

        Returns:
          The matplotlib Figure.
        """
        from jaxsched.core.optional import require

        Figure = require("matplotlib.figure", "LRFindResult.plot").Figure  # noqa: N806 - a class

        fig = Figure(figsize=(6.4, 4.2), layout="constrained") if ax is None else ax.figure
        ax = fig.subplots() if ax is None else ax
        ax.plot(self.lrs, self.losses, color="0.6", lw=0.8, alpha=0.6, label="loss")
        ax.plot(self.lrs, self.smoothed, color="C0", lw=1.8, label="smoothed loss")
        marks = (("steepest descent", self.suggestion_steepest, "C3"),
                 ("minimum / 10", self.suggestion_min_over_10, "C2"))
        for label, lr, color in marks:
            if lr is not None and len(self.lrs):
                y = float(np.interp(np.log(lr), np.log(self.lrs), self.smoothed))
                ax.axvline(lr, color=color, ls="--", lw=1.0)
                ax.plot([lr], [y], "o", color=color, label=f"{label}: {lr:.3g}")
        ax.set_xscale("log")
        if len(self.smoothed):
            # the raw curve's blow-up is clipped: the top follows the smoothed loss only
            lo = float(min(np.min(self.smoothed), np.min(self.losses)))
            top = float(np.max(self.smoothed))
            pad = 0.05 * (top - lo) or 0.05 * abs(top) or 1.0
            ax.set_ylim(lo - pad, top + pad)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.set_title("learning-rate range test" + (" (stopped early)" if self.stopped_early else ""))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="best", fontsize="small")
        if path is not None:
            fig.savefig(path)
        return fig


def warmup_steps(smoothing: float) -> int:
    """Updates the moving average needs before the steepest-descent suggestion looks at it.

    ``ceil(1 / (1 - smoothing))``: the EMA's time constant (50 for 0.98); before it the average
    rests on few losses and noise makes steep dips. :meth:`LRFindResult.from_record` caps it
    at a fifth of the sweep.

    Example:
      >>> warmup_steps(0.98), warmup_steps(0.0)
      (50, 1)
    """
    return int(math.ceil(1.0 / (1.0 - float(smoothing)) - 1e-9))


def batch_source(batches: Any) -> Callable[[int], Any]:
    """``step -> batch`` from a callable or an iterable (cycled when it runs out).

    A re-iterable (a list, a torch ``DataLoader``) is iterated again; a one-shot iterator (a
    generator) must not run out (it is not cached: batches can be large).

    Example:
      >>> get = batch_source([1, 2, 3])
      >>> [get(k) for k in range(5)]
      [1, 2, 3, 1, 2]
    """
    if callable(batches) and not isinstance(batches, Iterable):
        return batches
    if not isinstance(batches, Iterable):
        raise TypeError(f"`batches` must be an iterable of batches or a callable step -> batch, "
                        f"got {type(batches).__name__}")

    def endless() -> Iterator[Any]:
        count = 0
        while True:
            empty = True
            for batch in batches:
                empty = False
                count += 1
                yield batch
            if empty and count == 0:
                raise ValueError("`batches` yielded no batch")
            if isinstance(batches, Iterator):
                raise ValueError(
                    f"`batches` ran out after {count} batches and is a one-shot iterator, so it "
                    "cannot be cycled; pass a re-iterable (a list, a DataLoader), a callable "
                    "step -> batch, or at least `num_steps` batches")

    it = endless()
    return lambda step: next(it)


def progress_bar(total: int, enabled: bool) -> Any:
    """A tqdm bar on stderr (or None when disabled)."""
    if not enabled:
        return None
    from jaxsched.core.optional import require

    tqdm = require("tqdm.auto", "the LR finder's progress bar (progress=True)").tqdm
    return tqdm(total=total, desc="lr-find", unit="step", leave=False)


def lr_find(
    loss_fn: Callable[[Any, Any], Any] | None = None,
    params: optax.Params | None = None,
    batches: Iterable[Any] | Callable[[int], Any] | None = None,
    *,
    optimizer: Callable[..., optax.GradientTransformation] | optax.GradientTransformation | None = None,
    optimizer_kwargs: Mapping[str, Any] | None = None,
    train_step: Callable[[Any, Any, Any], tuple[Any, Any, Any]] | None = None,
    opt_state: optax.OptState | None = None,
    min_lr: float = 1e-7,
    max_lr: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    smoothing: float = 0.98,
    diverge_factor: float | None = 4.0,
    skip_start: int = 10,
    skip_end: int = 5,
    progress: bool = False,
) -> LRFindResult:
    """Run the learning-rate range test on a JAX model and suggest a learning rate.

    Update ``k`` (``0 <= k < num_steps``) uses ``lrs[k]`` of :func:`sweep_schedule`; the loss it
    returns (computed before the update) is recorded and smoothed:
    ``avg_k = b avg_{k-1} + (1-b) loss_k``, ``smoothed_k = avg_k / (1 - b^{k+1})`` with
    ``b = smoothing``. The sweep stops after the first update whose smoothed loss exceeds
    ``diverge_factor`` times the best so far (``best + (factor - 1) |best|``, the same for
    positive losses, sane for negative ones) or whose loss is not finite (not recorded).

    Two forms:

    - ``lr_find(loss_fn, params, batches, optimizer=optax.sgd)``: ``loss_fn(params, batch)``
      returns a scalar. ``optimizer`` is an optax factory (``learning_rate -> transformation``,
      default ``optax.sgd``; other arguments in ``optimizer_kwargs``), which gets the sweep
      through ``jaxsched.scheduled_optimizer`` (``optax.inject_hyperparams``), or a
      transformation built with ``optax.inject_hyperparams`` and a *numeric* learning rate,
      which the finder overwrites before each update (optionally start from ``opt_state``).
    - ``lr_find(params=params, batches=batches, train_step=step, opt_state=state)``:
      ``step(params, opt_state, batch) -> (params, opt_state, loss)`` is your own (jitted) step
      whose optimizer was built with ``optax.inject_hyperparams`` (or
      ``jaxsched.scheduled_optimizer``) and a numeric ``learning_rate``; the finder writes
      ``lrs[k]`` into ``opt_state`` (``optax.tree_utils.tree_set``) before update ``k``.

    Either way the learning rate is data, not a constant: one compilation serves the sweep.
    The caller's ``params`` and ``opt_state`` are left untouched (nothing is donated or
    returned; a ``train_step`` that donates its arguments must be given copies).

    Args:
      loss_fn: ``loss_fn(params, batch) -> scalar`` (the loss form).
      params: the initial parameters (a pytree).
      batches: an iterable of batches (re-iterated when shorter than the sweep; a one-shot
        iterator must last ``num_steps`` batches) or a callable ``step -> batch``.
      optimizer: optax factory or injected transformation (loss form only; default
        ``optax.sgd``).
      optimizer_kwargs: further arguments of the factory (e.g. ``{"momentum": 0.9}``).
      train_step: your step function (the train-step form).
      opt_state: the initial optimizer state (train-step form; optional with an injected
        transformation).
      min_lr, max_lr: the sweep's first and last learning rates (``0 < min_lr < max_lr``).
      num_steps: updates in the sweep (``>= 2``).
      mode: ``"exp"`` (geometric, default) or ``"linear"``.
      smoothing: EMA weight in ``[0, 1)`` (0: no smoothing).
      diverge_factor: ``> 1``, or None to never stop early.
      skip_start, skip_end: points ignored at each end by the steepest-descent suggestion (at
        the start also the moving average's settling time, :func:`warmup_steps`, at most a
        fifth of the sweep).
      progress: show a tqdm progress bar on stderr.

    Returns:
      An :class:`LRFindResult`.

    Raises:
      ValueError: a bad bound, count, mode, smoothing or factor (the parameter named); both
        forms or neither; an optimizer state without a numeric injected ``learning_rate``.
      TypeError: a non-callable ``loss_fn``/``optimizer``/``train_step``.

    Example:
      >>> import jax.numpy as jnp
      >>> A = jnp.diag(jnp.array([1.0, 4.0]))   # L = 4: gradient descent diverges above 0.5
      >>> loss = lambda w, batch: 0.5 * w @ A @ w
      >>> r = lr_find(loss, jnp.ones(2), [None], min_lr=1e-3, max_lr=10.0, num_steps=60)
      >>> r.stopped_early, 0.05 / 4 <= r.suggestion_steepest <= 2 / 4
      (True, True)

    Equivalents:
      PyTorch Lightning ``Tuner.lr_find`` (exponential or linear sweep, early stop at
      ``early_stop_threshold`` x best, steepest-gradient suggestion); fastai ``Learner.lr_find``
      (its ``minimum`` suggestion is the minimum / 10, ``steep`` the steepest slope);
      torch-lr-finder ``LRFinder.range_test`` (``step_mode`` exp/linear, ``smooth_f``,
      ``diverge_th``, ``reset()`` to restore the state); DeepSpeed ``LRRangeTest`` provides the
      sweep schedule only. Differences: the smoothing weight here is the EMA's decay (0.98, i.e.
      torch-lr-finder's ``smooth_f=0.02``), and the state is restored without a call.
    """
    import jax
    import jax.numpy as jnp
    import optax

    sweep = sweep_schedule(min_lr, max_lr, num_steps, mode)
    n = int(num_steps)
    beta, factor, skip_start, skip_end = _check_options(smoothing, diverge_factor, skip_start, skip_end)
    lrs = np.asarray(sweep.evaluate(np.arange(n), np), dtype=np.float64)
    if params is None or batches is None:
        raise TypeError(f"`{'params' if params is None else 'batches'}` is required")
    if (loss_fn is None) == (train_step is None):
        raise ValueError("pass exactly one of `loss_fn` (with `optimizer`) and `train_step`")
    write = True
    if train_step is not None:
        v.callable_("train_step", train_step)
        if optimizer is not None or optimizer_kwargs:
            raise ValueError("`optimizer`/`optimizer_kwargs` belong to the loss form; with "
                             "`train_step` the optimizer is inside your step")
        if opt_state is None:
            raise ValueError("`opt_state` is required with `train_step` (the state of its "
                             "optax.inject_hyperparams optimizer)")
        step, state = train_step, opt_state
    else:
        v.callable_("loss_fn", loss_fn)
        optimizer = optax.sgd if optimizer is None else optimizer
        if isinstance(optimizer, optax.GradientTransformation):
            if optimizer_kwargs:
                raise ValueError("`optimizer_kwargs` needs an optimizer factory, got a transformation")
            tx = optimizer
        else:
            from jaxsched.training.hyperparams import scheduled_optimizer

            v.callable_("optimizer", optimizer)
            if opt_state is not None:
                raise ValueError("`opt_state` needs an injected transformation as `optimizer`, "
                                 "not a factory (the finder builds and initialises it)")
            tx = scheduled_optimizer(optimizer, learning_rate=sweep, **dict(optimizer_kwargs or {}))
            write = False
        state = tx.init(params) if opt_state is None else opt_state

        @jax.jit
        def step(p: Any, s: Any, batch: Any) -> tuple[Any, Any, Any]:
            loss, grads = jax.value_and_grad(loss_fn)(p, batch)
            updates, s = tx.update(grads, s, p)
            return optax.apply_updates(p, updates), s, loss

    dtype = _injected_lr_dtype(state) if write else None

    def set_lr(s: Any, k: int) -> Any:
        return optax.tree_utils.tree_set(s, learning_rate=jnp.asarray(lrs[k], dtype=dtype))

    rec = _Recorder(beta, factor)
    get = batch_source(batches)
    bar = progress_bar(n, progress)
    stopped = False
    p = params
    try:
        for k in range(n):
            s_in = set_lr(state, k) if write else state
            p, state, loss = step(p, s_in, get(k))
            if write and k == 0:
                _check_lr_written(state, np.asarray(lrs[0], dtype=dtype))
            diverged = rec.add(float(loss))
            if bar is not None:
                bar.update(1)
                bar.set_postfix(lr=f"{lrs[k]:.2e}", loss=f"{float(loss):.4g}", refresh=False)
            if diverged:
                stopped = k < n - 1
                break
    finally:
        if bar is not None:
            bar.close()
    m = len(rec.losses)
    return LRFindResult.from_record(lrs[:m], rec.losses, rec.smoothed, stopped,
                                    skip_start=skip_start, skip_end=skip_end,
                                    warmup=warmup_steps(beta))


_NO_INJECTED_LR = (
    "needs an optax.inject_hyperparams (or jaxsched.scheduled_optimizer) optimizer with a numeric "
    "`learning_rate`, e.g. optax.inject_hyperparams(optax.sgd)(learning_rate=0.0)")


def _lr_values(state: Any) -> dict[str, Any]:
    from jaxsched.training.hyperparams import current_hyperparams

    found = current_hyperparams(state)
    return {k: x for k, x in found.items() if k == "learning_rate" or k.endswith("/learning_rate")}


def _injected_lr_dtype(state: Any) -> Any:
    import jax

    from jaxsched.training.hyperparams import _is_injected

    for st in jax.tree_util.tree_leaves(state, is_leaf=_is_injected):
        if _is_injected(st) and "learning_rate" in (getattr(st, "hyperparams_states", None) or {}):
            raise ValueError(f"the optimizer's `learning_rate` is a schedule (optax recomputes it "
                             f"every update, so the finder cannot sweep it); it {_NO_INJECTED_LR}")
    found = _lr_values(state)
    if not found:
        raise ValueError(
            f"the optimizer state has no injected `learning_rate`: the finder {_NO_INJECTED_LR}")
    return np.result_type(*[np.asarray(x).dtype for x in found.values()])


def _check_lr_written(state: Any, expected: Any) -> None:
    for name, x in _lr_values(state).items():
        if not np.array_equal(np.asarray(x), expected):
            raise ValueError(
                f"the optimizer recomputed `{name}` (a schedule inside inject_hyperparams), so the "
                f"finder cannot sweep it; it {_NO_INJECTED_LR}")

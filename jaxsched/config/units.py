"""Time units for step parameters: epochs, batches, tokens, samples, fractions of the run.

A jaxsched schedule counts **optimizer updates** (``schedule(k)`` is the value update ``k``
uses). People think in epochs, in micro-batches and in fractions of the run; a
:class:`Timeline` turns those into optimizer steps, exactly (rational arithmetic, one rounding
at the end), and :meth:`Timeline.resolve` (or ``jaxsched.from_config(cfg, timeline=...)``)
converts the unit strings inside a config:

========================  ===========================================================
``500``, ``"500 steps"``  optimizer steps (``"1e3 steps"``; ``steps("500")`` too)
``"3 epochs"``, ``"3ep"`` ``3 * steps_per_epoch`` (fractions allowed: ``"0.5 epoch"``)
``"800 batches"``         micro-batches (``"800ba"``), divided by the accumulation
``"10%"``                 ``0.10 * total_steps``
``"0.1 total"``           ``0.1 * total_steps`` (also ``"0.1 of total"``, ``"0.1dur"``)
``"2e9 tokens"``          ``2e9 / tokens_per_step`` (also ``"2e9 tok"``, ``"1 token"``)
``"5e6 samples"``         ``5e6 / samples_per_step`` (also ``"5e6 sp"``, ``"1 sample"``)
``"10% tokens"``          ``0.10 * total_tokens / tokens_per_step`` (``"10% samples"`` alike)
========================  ===========================================================

**Tokens and samples** (large-scale training counts data, not epochs: Megatron-LM's
``--lr-warmup-samples``, token budgets such as "warm up for 2B tokens"). ``tokens_per_step``
and ``samples_per_step`` are per **optimizer** step, the global batch (all data-parallel
ranks, all accumulated micro-batches: Megatron's ``--global-batch-size`` samples of
``--seq-length`` tokens); with ``samples_per_step`` and ``sequence_length``,
``tokens_per_step = samples_per_step * sequence_length``. ``total_tokens`` (or
``total_samples``) gives ``total_steps = round(total_tokens / tokens_per_step)`` when
``total_steps`` is not given; a percentage of tokens is of ``total_tokens``, or of
``total_steps * tokens_per_step`` when only the steps are known. The batch size is constant:
a batch-size ramp (Megatron's ``--rampup-batch-size``) makes the map non-linear and is not
modelled.

**Accumulation.** With ``batches_per_epoch = B`` and ``gradient_accumulation_steps = A`` an
epoch has ``ceil(B / A)`` optimizer steps: the last, partial accumulation window of an epoch
still updates the weights (PyTorch Lightning and the HF Trainer do this). Pass
``step_on_partial=False`` for loops that drop it (``floor(B / A)``). A batch count ``b`` maps
exactly to ``(b // B) * steps_per_epoch + r(b % B / A)`` when ``B`` is known.

**Rounding.** Epoch, batch and fraction conversions are exact rationals (``"0.1"`` is 1/10,
never a float), rounded once to an integer with ``rounding``: ``"nearest"`` (default; halves
go up: 7.5 -> 8), ``"floor"`` or ``"ceil"`` (HF's ``warmup_ratio`` uses ceil). A plain step
count must be a whole number.

**Which parameters are step parameters.** The rule is by parameter name, the same for native
and ecosystem names (a dataclass's ``steps_field`` also marks integral counts that are not
durations, such as ``num_cycles`` or ``seed``): a name ending in ``steps`` (``warmup_steps``,
``num_training_steps``, ``total_num_steps``, ...), ending in ``step_size``,
``step_size_up`` or ``step_size_down``, or one of :data:`STEP_PARAMETERS` (``milestones``,
``boundaries``, ``total_iters``, ``T_max``, ``t_initial``, ``transition_begin``,
``decay_start``, ...). Lists of them (``milestones``) are converted elementwise and the keys
of ``boundaries_and_scales`` too. A bare number in a string (``"500"``) is not converted by
``resolve`` (the constructor's type check applies); ``"500 steps"`` is. Sub-configs are
resolved recursively. A unit string with an explicit unit in any other parameter
(``"pct_start": "10%"``) raises, naming the parameter.
``timm.*`` schedulers count epochs by default (``t_in_epochs=True``): their params are then
left alone and a unit string raises; with ``t_in_epochs`` false they convert as above.

Example:
  >>> from jaxsched.config.units import Timeline
  >>> tl = Timeline(batches_per_epoch=100, epochs=3, gradient_accumulation_steps=4)
  >>> tl.steps_per_epoch, tl.total_steps
  (25, 75)
  >>> [tl.steps(x) for x in (10, "1 epoch", "0.5ep", "10%", "0.2 total", "250 batches")]
  [10, 25, 13, 8, 15, 63]
  >>> big = Timeline(samples_per_step=512, sequence_length=4096, total_tokens=10**12)
  >>> big.tokens_per_step, big.total_steps
  (2097152, 476837)
  >>> [big.steps(x) for x in ("2e9 tokens", "1e6 samples", "1% tokens", "10%")]
  [954, 1953, 4768, 47684]
  >>> tl.resolve({"type": "warmup_cosine_decay_schedule", "params": {
  ...     "init_value": 0.0, "peak_value": 1.0, "warmup_steps": "1 epoch", "decay_steps": "100%"}})
  {'type': 'warmup_cosine_decay_schedule', 'params': {'init_value': 0.0, 'peak_value': 1.0, \
'warmup_steps': 25, 'decay_steps': 75}}
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from jaxsched.core.validate import describe

__all__ = ["Timeline", "STEP_PARAMETERS", "is_step_parameter", "parse_unit"]

#: Step parameters whose names do not end in ``steps`` / ``step_size``.
STEP_PARAMETERS = frozenset({
    "transition_begin", "decay_start", "noise_start", "noise_end", "start", "period",
    "boundaries", "milestones", "boundaries_and_scales", "total_iters", "T_max", "T_0",
    "t_initial", "warmup_t", "decay_t", "noise_range_t", "anneal_epochs", "timescale", "at",
})
_STEP_SUFFIX = re.compile(r"(steps|step_size|step_size_up|step_size_down)$")

_UNITS = {
    "": "steps", "step": "steps", "steps": "steps",
    "ep": "epochs", "epoch": "epochs", "epochs": "epochs",
    "ba": "batches", "batch": "batches", "batches": "batches",
    "%": "percent",
    "total": "total", "of total": "total", "dur": "total",
    "tok": "tokens", "token": "tokens", "tokens": "tokens",
    "sp": "samples", "sample": "samples", "samples": "samples",
    "% tok": "percent tokens", "% token": "percent tokens", "% tokens": "percent tokens",
    "% sp": "percent samples", "% sample": "percent samples", "% samples": "percent samples",
}
_UNIT_RE = re.compile(
    r"^\s*(?P<num>(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>[a-zA-Z%][a-zA-Z ]*?)?\s*$"
)
_ROUNDINGS = ("nearest", "floor", "ceil")


def is_step_parameter(name: str) -> bool:
    """True for a parameter that counts optimizer steps (see the module docstring's rule).

    Example:
      >>> [is_step_parameter(n) for n in ("warmup_steps", "milestones", "pct_start", "steps_per_epoch")]
      [True, True, False, False]
    """
    return name in STEP_PARAMETERS or bool(_STEP_SUFFIX.search(name))


def parse_unit(text: str, name: str = "steps") -> tuple[Fraction, str]:
    """``(amount, unit)`` of a unit string.

    The unit is one of ``steps``, ``epochs``, ``batches``, ``percent``, ``total``, ``tokens``,
    ``samples``, ``percent tokens``, ``percent samples``.

    Raises:
      ValueError: not a number followed by a known unit (the units are listed).

    Example:
      >>> parse_unit("0.5 epochs")
      (Fraction(1, 2), 'epochs')
    """
    m = _UNIT_RE.match(text) if len(text) <= 100 else None  # no unit string is longer
    unit = " ".join((m.group("unit") or "").lower().split()) if m else None
    if unit and unit.startswith("%") and len(unit) > 1:  # "10%tokens", "10 % tokens"
        unit = "% " + unit[1:].strip()
    if m is None or unit not in _UNITS:
        raise ValueError(
            f"`{name}`={describe(text)} is not a step count: give a number of steps (500, '500 steps') "
            "or a number with a unit: '3 epochs' / '3ep', '800 batches' / '800ba', '10%', "
            "'0.1 total', '2e9 tokens' / '2e9 tok', '5e6 samples' / '5e6 sp', '10% tokens', "
            "'10% samples'"
        )
    return Fraction(m.group("num").replace("_", "")), _UNITS[unit]


def _looks_like_unit(x: Any) -> bool:
    if not isinstance(x, str):
        return False
    try:
        return parse_unit(x)[1] != "steps"
    except ValueError:
        return False


def _converts(x: Any) -> bool:
    """A string to convert: anything but a bare number (``"500"`` is left to the constructor)."""
    if not isinstance(x, str):
        return False
    m = _UNIT_RE.match(x)
    return m is None or bool(m.group("unit"))


def _count(name: str, x: Any, *, positive: bool, allow_fraction: bool = False) -> Any:
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"`{name}` must be a number, got {describe(x)} of type {type(x).__name__}")
    if not math.isfinite(x):
        raise ValueError(f"`{name}` must be finite, got {describe(x)}")
    if not allow_fraction and int(x) != x:
        raise ValueError(f"`{name}` must be a whole number, got {describe(x)}")
    if (x <= 0) if positive else (x < 0):
        raise ValueError(f"`{name}` must be {'> 0' if positive else '>= 0'}, got {describe(x)}")
    return Fraction(x) if allow_fraction else int(x)


class Timeline:
    """The length of a run in optimizer steps, to convert epochs, batches, tokens, fractions.

    Args:
      steps_per_epoch: optimizer steps per epoch (give this or ``batches_per_epoch``).
      epochs: epochs in the run (a fraction is allowed); with the steps per epoch it gives
        ``total_steps = round(epochs * steps_per_epoch)``.
      total_steps: optimizer steps in the whole run (needed for ``"10%"``/``"0.1 total"``).
      gradient_accumulation_steps: micro-batches per optimizer step (``A``, default 1).
      batches_per_epoch: micro-batches per epoch (``len(loader)``, ``B``); steps per epoch are
        ``ceil(B / A)`` (``floor`` with ``step_on_partial=False``).
      rounding: ``"nearest"`` (halves up), ``"floor"`` or ``"ceil"``, for every conversion.
      step_on_partial: whether the partial accumulation window at an epoch's end updates.
      tokens_per_step: tokens in one optimizer step (the global batch), for ``"2e9 tokens"``.
      samples_per_step: samples (sequences) in one optimizer step, for ``"5e6 samples"``.
      sequence_length: tokens per sample; with ``samples_per_step`` it gives
        ``tokens_per_step``.
      total_tokens: tokens in the run (``"10% tokens"``); gives ``total_steps`` when that is
        not given, ``round(total_tokens / tokens_per_step)``.
      total_samples: samples in the run (``"10% samples"``), likewise.

    Raises:
      ValueError: a count out of range, an unknown rounding, or given values that disagree
        (e.g. ``steps_per_epoch`` that is not ``ceil(batches_per_epoch / A)``), a total of
        tokens or samples without its per-step size.
      TypeError: a count that is not a number.

    Example:
      >>> Timeline(batches_per_epoch=100, epochs=3, gradient_accumulation_steps=4).total_steps
      75
      >>> Timeline(batches_per_epoch=10, gradient_accumulation_steps=4).steps_per_epoch  # 4+4+2
      3
      >>> Timeline(tokens_per_step=2**20, total_tokens=10**9).total_steps  # 953.67 -> 954
      954
    """

    def __init__(
        self,
        steps_per_epoch: int | None = None,
        epochs: float | None = None,
        total_steps: int | None = None,
        gradient_accumulation_steps: int = 1,
        batches_per_epoch: int | None = None,
        *,
        rounding: str = "nearest",
        step_on_partial: bool = True,
        tokens_per_step: int | None = None,
        samples_per_step: int | None = None,
        sequence_length: int | None = None,
        total_tokens: int | None = None,
        total_samples: int | None = None,
    ) -> None:
        if rounding not in _ROUNDINGS:
            raise ValueError(f"`rounding` must be one of {list(_ROUNDINGS)}, got {rounding!r}")
        if not isinstance(step_on_partial, bool):
            raise TypeError(f"`step_on_partial` must be a bool, got {step_on_partial!r}")
        self._rounding, self._step_on_partial = rounding, step_on_partial
        acc = _count("gradient_accumulation_steps", gradient_accumulation_steps, positive=True)
        bpe = _count("batches_per_epoch", batches_per_epoch, positive=True)
        spe = _count("steps_per_epoch", steps_per_epoch, positive=True)
        ep = _count("epochs", epochs, positive=False, allow_fraction=True)
        total = _count("total_steps", total_steps, positive=False)
        if bpe is not None:
            derived = (-(-bpe // acc)) if step_on_partial else bpe // acc
            if derived == 0:
                raise ValueError(
                    f"`batches_per_epoch`={bpe} < `gradient_accumulation_steps`={acc} gives no "
                    "optimizer step per epoch with step_on_partial=False"
                )
            if spe is not None and spe != derived:
                raise ValueError(
                    f"`steps_per_epoch`={spe} disagrees with `batches_per_epoch`={bpe} / "
                    f"`gradient_accumulation_steps`={acc} = {derived} optimizer steps per epoch; "
                    "give one of them"
                )
            spe = derived
        if ep is not None and spe is not None:
            derived_total = self._round(ep * spe)
            if total is not None and total != derived_total:
                raise ValueError(
                    f"`total_steps`={total} disagrees with `epochs`={epochs} x {spe} steps per "
                    f"epoch = {derived_total}; give one of them"
                )
            total = derived_total
        tps = _count("tokens_per_step", tokens_per_step, positive=True)
        sps = _count("samples_per_step", samples_per_step, positive=True)
        seq = _count("sequence_length", sequence_length, positive=True)
        if seq is not None:
            if sps is None:
                raise ValueError("`sequence_length` needs `samples_per_step` (tokens per step = both)")
            if tps is not None and tps != sps * seq:
                raise ValueError(
                    f"`tokens_per_step`={tps} disagrees with `samples_per_step`={sps} x "
                    f"`sequence_length`={seq} = {sps * seq}; give one of them"
                )
            tps = sps * seq
        data_totals = {}
        for unit, per, amount in (("tokens", tps, total_tokens), ("samples", sps, total_samples)):
            amount = _count(f"total_{unit}", amount, positive=False)
            data_totals[unit] = amount
            if amount is None:
                continue
            if per is None:
                raise ValueError(
                    f"`total_{unit}`={amount} needs `{unit}_per_step` to give the run's length in steps"
                )
            derived_total = self._round(Fraction(amount, per))
            if total is not None and total != derived_total:
                raise ValueError(
                    f"`total_steps`={total} disagrees with `total_{unit}`={amount} / {per} "
                    f"{unit} per step = {derived_total} steps; give one of them"
                )
            total = derived_total
        self._acc, self._bpe, self._spe, self._epochs, self._total = acc, bpe, spe, ep, total
        self._tps, self._sps, self._seq = tps, sps, seq
        self._total_tokens, self._total_samples = data_totals["tokens"], data_totals["samples"]

    # ------------------------------------------------------------------ read-only properties
    @property
    def steps_per_epoch(self) -> int | None:
        """Optimizer steps per epoch (given or derived), or None."""
        return self._spe

    @property
    def total_steps(self) -> int | None:
        """Optimizer steps in the run (given or ``epochs * steps_per_epoch``), or None."""
        return self._total

    @property
    def gradient_accumulation_steps(self) -> int:
        """Micro-batches per optimizer step."""
        return self._acc

    @property
    def batches_per_epoch(self) -> int | None:
        """Micro-batches per epoch, or None."""
        return self._bpe

    @property
    def epochs(self) -> float | int | None:
        """Epochs in the run, or None."""
        e = self._epochs
        return None if e is None else (int(e) if e.denominator == 1 else float(e))

    @property
    def tokens_per_step(self) -> int | None:
        """Tokens per optimizer step (given, or ``samples_per_step * sequence_length``), or None."""
        return self._tps

    @property
    def samples_per_step(self) -> int | None:
        """Samples per optimizer step, or None."""
        return self._sps

    @property
    def total_tokens(self) -> int | None:
        """Tokens in the run (given, or ``total_steps * tokens_per_step``), or None."""
        if self._total_tokens is not None:
            return self._total_tokens
        return None if self._total is None or self._tps is None else self._total * self._tps

    @property
    def total_samples(self) -> int | None:
        """Samples in the run (given, or ``total_steps * samples_per_step``), or None."""
        if self._total_samples is not None:
            return self._total_samples
        return None if self._total is None or self._sps is None else self._total * self._sps

    def _key(self) -> tuple:
        return (self._spe, self._epochs, self._total, self._acc, self._bpe, self._rounding,
                self._step_on_partial, self._tps, self._sps, self._seq, self._total_tokens,
                self._total_samples)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timeline) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Timeline(steps_per_epoch={self._spe}, epochs={self.epochs}, "
                f"total_steps={self._total}, gradient_accumulation_steps={self._acc}, "
                f"batches_per_epoch={self._bpe}, rounding={self._rounding!r}"
                + "".join(f", {k}={x}" for k, x in (
                    ("tokens_per_step", self._tps), ("samples_per_step", self._sps),
                    ("sequence_length", self._seq), ("total_tokens", self._total_tokens),
                    ("total_samples", self._total_samples)) if x is not None)
                + ")")

    # ------------------------------------------------------------------ conversion
    def _round(self, x: Fraction) -> int:
        if self._rounding == "floor":
            return math.floor(x)
        if self._rounding == "ceil":
            return math.ceil(x)
        return math.floor(x + Fraction(1, 2))

    def _need(self, name: str, text: str, what: str, value: Any, flags: bool = True) -> Any:
        if value is None:
            raise ValueError(
                f"`{name}`={text!r} needs {what}: pass timeline=jaxsched.config.units.Timeline({what}=...)"
                + (" (or the --steps-per-epoch / --epochs / --total-steps flags)" if flags else "")
            )
        return value

    def steps(self, x: Any, *, name: str = "steps") -> int:
        """Optimizer steps for ``x``: an int, a whole float, or a unit string.

        Args:
          x: ``500``, ``"500"``, ``"500 steps"``, ``"3 epochs"``, ``"3ep"``, ``"800 batches"``,
            ``"10%"``, ``"0.1 total"``, ``"2e9 tokens"``, ``"5e6 samples"``, ``"10% tokens"`` or
            ``"10% samples"`` (see the module docstring).
          name: the parameter named in error messages.

        Raises:
          ValueError: a negative or fractional step count, an unknown unit, or a unit whose
            length is unknown (epochs without steps per epoch, ``%`` without total steps,
            tokens without ``tokens_per_step``, ``% tokens`` without a total).
          TypeError: ``x`` is not a number or a string.

        Example:
          >>> Timeline(steps_per_epoch=10).steps("2.5 epochs")
          25
        """
        if isinstance(x, str):
            amount, unit = parse_unit(x, name)
        elif isinstance(x, numbers.Real) and not isinstance(x, bool):
            amount, unit = Fraction(x), "steps"
        else:
            raise TypeError(f"`{name}` must be a step count or a unit string, got {describe(x)}")
        if amount < 0:
            raise ValueError(f"`{name}` must be >= 0, got {describe(x)}")
        if unit == "steps":
            if amount.denominator != 1:
                raise ValueError(
                    f"`{name}`={describe(x)} is not a whole number of steps; give an integer, or a unit "
                    "('0.5 epochs', '10%')"
                )
            return int(amount)
        if unit == "epochs":
            return self._round(amount * self._need(name, x, "steps_per_epoch", self._spe))
        if unit == "batches":
            if self._bpe is None:
                return self._round(amount / self._acc)
            whole, rest = divmod(amount, self._bpe)
            return int(whole) * self._spe + self._round(rest / self._acc)
        if unit.endswith(("tokens", "samples")):
            data = unit.split()[-1]
            per = self._need(name, x, f"{data}_per_step", self._tps if data == "tokens" else self._sps,
                             flags=False)
            if unit == data:
                return self._round(amount / per)
            whole = self._total_tokens if data == "tokens" else self._total_samples
            if whole is None:
                whole = per * self._need(name, x, f"total_{data}", self._total, flags=False)
            return self._round(amount * whole / (100 * per))
        total = self._need(name, x, "total_steps", self._total)
        return self._round(amount * total / (100 if unit == "percent" else 1))

    def resolve(self, cfg: Mapping[str, Any], *, recursive: bool = True) -> dict:
        """A copy of config ``cfg`` with the unit strings of its step parameters converted.

        Args:
          cfg: ``{"type": NAME, "params": {...}}``.
          recursive: resolve sub-configs too (``from_config`` passes False and resolves each
            sub-config when it builds it, after checking its parameter names).

        Raises:
          ValueError: a unit string that cannot be converted, or that sits in a parameter that
            is not a step parameter (see the module docstring), naming the parameter.

        Example:
          >>> Timeline(total_steps=1000).resolve({"type": "step_decay", "params": {
          ...     "init_value": 1.0, "step_size": "25%", "decay_rate": 0.5}})["params"]["step_size"]
          250
        """
        return self._resolve_config(cfg, recursive)

    def _resolve_config(self, cfg: Mapping[str, Any], recursive: bool = True) -> dict:
        out = dict(cfg)
        params = cfg.get("params")
        if isinstance(params, Mapping):
            kind = str(cfg.get("type", ""))
            if kind.startswith("timm.") and params.get("t_in_epochs", True) is not False:
                # timm counts epochs here: nothing converts, and a unit raises
                for k, val in params.items():
                    vals = val if isinstance(val, (list, tuple)) else [val]
                    if is_step_parameter(k) and any(_looks_like_unit(x) for x in vals):
                        raise ValueError(
                            f"`{k}`={describe(val)}: {kind} counts epochs while `t_in_epochs` is true "
                            "(timm's default); unit strings convert to optimizer steps, so set "
                            "t_in_epochs=false or give plain numbers"
                        )
                return out
            out["params"] = self._resolve_params(params, recursive)
        return out

    def _resolve_params(self, params: Mapping[str, Any], recursive: bool = True) -> dict:
        return {k: self._resolve_value(str(k), v, recursive) for k, v in params.items()}

    def _resolve_value(self, key: str, v: Any, recursive: bool = True) -> Any:
        if isinstance(v, Mapping) and "type" in v:  # a sub-config (from_config builds it later)
            return self._resolve_config(v) if recursive else v
        if isinstance(v, (list, tuple)) and v and all(isinstance(x, Mapping) for x in v):
            return [self._resolve_value(key, x, recursive) for x in v]
        if is_step_parameter(key):
            if _converts(v):
                return self.steps(v, name=key)
            if isinstance(v, (list, tuple)):
                return [self.steps(x, name=f"{key}[{i}]") if _converts(x) else x
                        for i, x in enumerate(v)]
            if isinstance(v, Mapping):  # boundaries_and_scales: {step: scale}
                return {self.steps(b, name=f"{key} key") if _looks_like_unit(b) else b: s
                        for b, s in v.items()}
            return v
        if isinstance(v, Mapping):  # plain keyword dicts, e.g. sgdr_schedule's cosine_kwargs
            return self._resolve_params(v)
        if _looks_like_unit(v):
            raise ValueError(
                f"`{key}`={describe(v)}: unit strings are accepted only in step parameters (names ending "
                f"in 'steps' or 'step_size', or {sorted(STEP_PARAMETERS)}); `{key}` is not one"
            )
        return v

"""Data-mixture weights: a vector-valued schedule, one normalised weight per data source.

The value at a count of shape ``s`` has shape ``s + (n_components,)``: the weights of the
components, in the order of :attr:`MixtureWeights.names`, each row summing to 1. The stage is
found by a search over the stage starts, so the graph does not grow with the number of stages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jaxsched.core import arrays as _xp
from jaxsched.core import validate as v
from jaxsched.core.numerics import safe_den
from jaxsched.core.registry import register
from jaxsched.core.schedule import Schedule, schedule_class, static_field, steps_field, value_field
from jaxsched.core.types import Steps

__all__ = ["MixtureWeights", "mixture_weights"]


@schedule_class("mixture_weights")
class MixtureWeights(Schedule):
    """Normalised weights per component, piecewise constant or interpolated between stages.

    See :func:`mixture_weights`.
    """

    starts: Any = steps_field()
    stages: Any = value_field()
    names: tuple = static_field()
    interpolate: bool = static_field()

    @property
    def _value_shape(self) -> tuple[int, ...]:  # type: ignore[override]
        return (len(self.names),)

    def _formula(self, c, *, starts, stages, names, interpolate):
        xp = c.xp
        weights = stages
        total = xp.sum(weights, axis=-1, keepdims=True)
        rows = weights / safe_den(c, total)  # each stage normalised to sum 1
        k = weights.shape[0]
        i = c.searchsorted(starts) - 1  # the stage: the last start <= count
        i = xp.maximum(i, xp.zeros_like(i))
        here = _xp.take(xp, rows, i)
        if not interpolate or k == 1:
            return here
        j = xp.minimum(i + 1, xp.full_like(i, k - 1))
        s0, s1 = c.as_float(_xp.take(xp, starts, i)), c.as_float(_xp.take(xp, starts, j))
        span = s1 - s0
        frac = xp.where(span > 0, (c.t - s0) / safe_den(c, span), c.const(0.0))
        frac = xp.minimum(xp.maximum(frac, c.const(0.0)), c.const(1.0))
        return here + (_xp.take(xp, rows, j) - here) * frac[..., None]


def _stage(i: int, stage: Any) -> tuple[Any, Any]:
    if isinstance(stage, (str, bytes)) or not isinstance(stage, Sequence) or len(stage) != 2:
        raise TypeError(f"`stages[{i}]` must be a pair (start step, weights), got {v.describe(stage)}")
    return stage[0], stage[1]


@register("mixture_weights")
def mixture_weights(
    stages: Mapping[str, Any] | Sequence[Any],
    *,
    names: Sequence[str] | None = None,
    interpolate: bool = False,
    starts: Sequence[Steps] | None = None,
) -> MixtureWeights:
    r"""Data-mixture weights over training: a vector per count, normalised to sum to 1.

    Stages ``(s_j, w_j)`` with ``s_0 = 0 < s_1 < ...``; at count ``t`` in stage ``j``
    (``s_j <= t < s_{j+1}``):

    .. math::
      p(t) = \hat w_j \quad\text{(piecewise constant)}, \qquad
      p(t) = \hat w_j + (\hat w_{j+1} - \hat w_j)\,\frac{t - s_j}{s_{j+1} - s_j}
      \quad\text{(interpolate)}, \qquad \hat w_j = \frac{w_j}{\sum_c w_{j,c}}

    and the last stage is held. Interpolated rows are convex combinations of normalised rows,
    so they sum to 1 too.

    **Shape contract**: for a count of shape ``s`` the value has shape
    ``s + (n_components,)``, ordered as ``schedule.names`` (float32 under JAX, float64 with
    NumPy). ``jax.vmap`` over counts adds the batch axis in front. The torch bridge schedules
    scalars; a data loader reads the row ``schedule.evaluate(k, np)`` (or one component,
    ``[..., i]``).

    Args:
      stages: Levanter's ``train_weights``: a dict ``{name: weight}`` (one stage from step 0),
        or a list of ``[start_step, {name: weight}]`` (a name missing from a stage weighs 0), or
        a list of ``[start_step, [w_0, w_1, ...]]`` with ``names`` given. Weights are ``>= 0``
        and each stage's sum is ``> 0`` (traceable as arrays via ``starts=`` and a 2-D array).
      names: the component names, in output order (default: sorted names of the dicts; for
        rows given as lists, ``"0"``, ``"1"``, ... when omitted) (static).
      interpolate: interpolate linearly between stages instead of switching at each start
        (static; default False, Levanter's).
      starts: with ``stages`` a 2-D array of weights (stages x components): the start steps of
        the stages (traceable). Default ``None``: the starts are read from ``stages``.

    Returns:
      A :class:`MixtureWeights` schedule.

    Raises:
      ValueError: no stage; a first start other than 0; starts not strictly increasing;
        negative or non-finite weights; a stage whose weights sum to 0; rows of unequal
        length; names not matching.
      TypeError: a malformed stage.

    Example:
      >>> import jaxsched, numpy as np
      >>> s = jaxsched.mixture_weights([[0, {"web": 3, "code": 1}], [100, {"web": 1, "code": 1}]],
      ...                              interpolate=True)
      >>> s.names
      ('code', 'web')
      >>> np.round(s.evaluate(np.array([0, 50, 100, 200]), np), 3).tolist()
      [[0.25, 0.75], [0.375, 0.625], [0.5, 0.5], [0.5, 0.5]]

    Equivalents:
      Levanter ``data: {train_weights: [[0, {a: 0.7, b: 0.3}], [S, {...}]]}``
      (``src/levanter/data/mixture.py``, ``MixtureDataset``: stage by ``searchsorted(starts,
      x, 'right') - 1``, weights normalised per stage; its starts count sequences, so divide by
      the batch size for steps). OLMo/Dolma and DoReMi-style staged mixtures: piecewise
      constant stages. optax/torch: none.
    """
    interp = v.boolean("interpolate", interpolate)
    names = v.sequence("names", names, allow_none=True)
    if starts is not None:
        table = stages
        if not v.is_traced(table):
            if isinstance(table, (list, tuple)):
                try:
                    table = np.asarray(table, dtype=np.float64)
                except (TypeError, ValueError):
                    raise TypeError(
                        f"`stages` must be a table of numbers (stages x components) when `starts` "
                        f"is given, got {v.describe(table)}"
                    ) from None
            table = v.real("stages", table, max_ndim=2)
        if np.ndim(table) != 2:
            raise ValueError(f"`stages` must be a 2-D array (stages x components) when `starts` "
                             f"is given, got shape {np.shape(table)}")
        st = v.sorted_steps("starts", starts, length=int(np.shape(table)[0]), strict=True)
        names = tuple(str(i) for i in range(np.shape(table)[1])) if names is None else tuple(names)
        if len(names) != np.shape(table)[1]:
            raise ValueError(f"`names` must have {np.shape(table)[1]} entries, got {len(names)}")
        if isinstance(table, np.ndarray):
            _check_rows(table)
        return MixtureWeights(st, table, names, interp)
    if isinstance(stages, Mapping):
        stages = [(0, stages)]
    if isinstance(stages, (str, bytes)) or not isinstance(stages, Sequence) or not stages:
        raise ValueError(f"`stages` must be a dict of weights or a non-empty list of "
                         f"[start_step, weights] pairs, got {v.describe(stages)}")
    pairs = [_stage(i, st) for i, st in enumerate(stages)]
    dicts = [isinstance(w, Mapping) for _, w in pairs]
    if all(dicts):
        seen = sorted({str(k) for _, w in pairs for k in w})
        names = tuple(seen) if names is None else tuple(str(n) for n in names)
        unknown = sorted(set(seen) - set(names))
        if unknown:
            raise ValueError(f"`stages` name components {unknown} missing from `names` {names}")
        rows = [[w.get(n, 0.0) for n in names] for _, w in pairs]
    elif not any(dicts):
        rows = [list(w) for _, w in pairs]
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise ValueError(f"`stages` rows must all have {width} weights, got "
                             f"{[len(r) for r in rows]}")
        names = tuple(str(i) for i in range(width)) if names is None else tuple(map(str, names))
        if len(names) != width:
            raise ValueError(f"`names` must have {width} entries, got {len(names)}")
    else:
        raise TypeError("`stages` must give every stage's weights the same way: all dicts or all "
                        "lists")
    if not names:
        raise ValueError("`stages` must name at least one component")
    st = v.sorted_steps("stages' start steps", [s for s, _ in pairs], strict=True)
    if np.asarray(st)[0] != 0:
        raise ValueError(f"the first stage must start at step 0, got {np.asarray(st)[0]!r} "
                         f"(Levanter requires it too)")
    table = np.asarray([[float(v.real(f"stages[{i}] weight", x)) for x in r]
                        for i, r in enumerate(rows)], dtype=np.float64)
    _check_rows(table)
    return MixtureWeights(st, table, names, interp)


def _check_rows(table: np.ndarray) -> None:
    if np.any(table < 0) or not np.all(np.isfinite(table)):
        raise ValueError(f"`stages` weights must be finite and >= 0, got {table.tolist()}")
    if np.any(table.sum(axis=1) <= 0):
        bad = int(np.argmax(table.sum(axis=1) <= 0))
        raise ValueError(f"`stages` weights must not all be 0 in a stage, stage {bad} is "
                         f"{table[bad].tolist()}")

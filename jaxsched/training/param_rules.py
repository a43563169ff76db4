r"""Per-parameter schedules chosen by regex on parameter names (big_vision's schedule list).

A :class:`ParamSchedules` is an ordered mapping ``regex -> schedule`` (or ``None``: the
parameters are frozen). Parameter ``p`` follows the schedule of the **first** regex that
matches its whole name (``re.fullmatch``), where the name joins the keys of its path with
``"/"`` (``{"img": {"head": {"kernel": w}}}`` -> ``"img/head/kernel"``; sequence entries give
their index). This is the rule of big_vision's ``config.schedule`` list
(``big_vision/optax.py``, ``make`` and ``_split_frozen``; ``big_vision/utils.py``,
``make_mask_trees``: first match wins, ``pattern.fullmatch(name)``):

.. math:: \text{lr}_p(k) = s_{r(p)}(k),\quad r(p) = \min\{i : \text{fullmatch}(r_i, \text{name}(p))\}

and ``update_p = 0`` when ``s_{r(p)}`` is ``None``. A parameter that no regex matches is an
error (big_vision asserts "All params must be covered (use `None` for freezing)").

- :func:`param_schedules` builds one from ``[(regex, schedule or None), ...]`` or a mapping.
- :meth:`ParamSchedules.labels` labels a parameter pytree by regex (as
  ``optax.multi_transform`` takes labels); :func:`param_names` gives the names.
- :meth:`ParamSchedules.optimizer` builds ``optax.multi_transform`` with one
  :func:`~jaxsched.scheduled_optimizer` per scheduled regex and ``optax.set_to_zero()`` for the
  frozen ones.

``jaxsched.config.frameworks.big_vision_config`` (and ``jaxsched.from_config``) return one for a
big_vision config whose ``schedule`` is such a list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from jaxsched.core import validate as v
from jaxsched.core.schedule import Schedule
from jaxsched.core.types import ScheduleLike
from jaxsched.training.hyperparams import scheduled_optimizer

if TYPE_CHECKING:
    import optax

__all__ = ["ParamSchedules", "param_schedules", "param_names"]


def _key_name(k: Any) -> str:
    """One path entry as big_vision names it: a dict key, a sequence index, an attribute."""
    for attr in ("key", "idx", "name"):  # DictKey / FlattenedIndexKey, SequenceKey, GetAttrKey
        if hasattr(k, attr):
            return str(getattr(k, attr))
    return str(k)  # pragma: no cover - other key kinds


def param_names(params: optax.Params) -> optax.Params:
    """The pytree of ``params`` with each leaf replaced by its big_vision name.

    The name joins the path's keys with ``"/"``: dict keys as they are, sequence entries by
    index, dataclass fields by name (big_vision's ``utils.tree_flatten_with_names``). ``None``
    leaves are empty subtrees, as in JAX.

    Args:
      params: a parameter pytree (nested dicts, lists, tuples, registered dataclasses).

    Returns:
      A pytree of the same structure whose leaves are strings.

    Example:
      >>> import jax.numpy as jnp
      >>> from jaxsched.training.param_rules import param_names
      >>> param_names({"img": {"head": {"kernel": jnp.zeros(2)}}, "txt": [jnp.zeros(1)]})
      {'img': {'head': {'kernel': 'img/head/kernel'}}, 'txt': ['txt/0']}
    """
    import jax

    return jax.tree_util.tree_map_with_path(
        lambda path, _: "/".join(_key_name(k) for k in path), params)


class ParamSchedules(Mapping):
    """An ordered mapping ``regex -> schedule or None``: per-parameter schedules by name.

    Build it with :func:`param_schedules`. Iteration follows the rule order (the first regex
    that fully matches a parameter's name wins); ``None`` marks frozen parameters. Two
    ``ParamSchedules`` are equal when they hold the same rules in the same order.
    """

    __slots__ = ("_rules", "_compiled")

    def __init__(self, rules: tuple[tuple[str, ScheduleLike | None], ...]) -> None:
        self._rules = dict(rules)
        self._compiled = tuple(re.compile(r) for r, _ in rules)

    def __getitem__(self, regex: str) -> ScheduleLike | None:
        return self._rules[regex]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParamSchedules):
            return NotImplemented
        return list(self._rules.items()) == list(other._rules.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"({r!r}, {s!r})" for r, s in self._rules.items())
        return f"param_schedules([{inner}])"

    @property
    def frozen(self) -> tuple[str, ...]:
        """The regexes whose parameters are frozen (schedule ``None``), in rule order."""
        return tuple(r for r, s in self._rules.items() if s is None)

    def match(self, name: str) -> str | None:
        """The first regex that fully matches the parameter name ``name``, or ``None``."""
        for regex, pattern in zip(self._rules, self._compiled):
            if pattern.fullmatch(name):
                return regex
        return None

    def labels(self, params: optax.Params) -> optax.Params:
        """The pytree of ``params`` with each leaf replaced by the regex that decides it.

        Raises:
          ValueError: parameters that no regex matches (their names are listed).
        """
        import jax

        names = param_names(params)
        labels = jax.tree_util.tree_map(self.match, names)
        missing = [n for n, lab in zip(jax.tree_util.tree_leaves(names),
                                       jax.tree_util.tree_leaves(labels, is_leaf=_is_none))
                   if lab is None]
        if missing:
            raise ValueError(
                f"parameter(s) {v.describe(missing)} match no regex of {list(self._rules)}: every "
                "parameter needs one (big_vision asserts 'All params must be covered (use `None` "
                "for freezing)'); add a last entry such as ('.*', None) to freeze the rest")
        return labels

    def optimizer(self, optimizer: Callable[..., Any], **hyperparams: ScheduleLike
                  ) -> optax.GradientTransformation:
        """``optax.multi_transform``: parameters of regex ``r`` are updated by
        ``scheduled_optimizer(optimizer, learning_rate=self[r], **hyperparams)``, frozen ones by
        ``optax.set_to_zero()`` (their update is exactly 0, and they get no optimizer state).

        Each regex's optimizer keeps the state of its own parameters; for element-wise
        optimizers (SGD, Adam, Lion, ...) this equals big_vision's one optimizer over all
        trainable parameters, whose update is then scaled by each schedule.

        Args:
          optimizer: an optax optimizer factory (``optax.adam``, ``optax.sgd``, ...).
          **hyperparams: other hyperparameters, shared by every regex (numbers or schedules;
            see :func:`~jaxsched.scheduled_optimizer`).

        Returns:
          An ``optax.GradientTransformation``; :func:`~jaxsched.current_hyperparams` reports
          ``"<regex>/learning_rate"``. Its ``init`` raises ``ValueError`` for parameters that
          no regex matches.

        Example:
          >>> import jaxsched, optax, jax.numpy as jnp
          >>> rules = jaxsched.param_schedules([("img/.*", None), (".*", 0.1)])
          >>> params = {"img": {"w": jnp.ones(2)}, "txt": {"w": jnp.ones(2)}}  # img/w, txt/w
          >>> opt = rules.optimizer(optax.sgd)
          >>> upd, _ = opt.update(params, opt.init(params))  # gradients of 1
          >>> [float(x) for x in upd["img"]["w"]], [round(float(x), 6) for x in upd["txt"]["w"]]
          ([0.0, 0.0], [-0.1, -0.1])
        """
        import optax

        transforms = {r: optax.set_to_zero() if s is None else
                      scheduled_optimizer(optimizer, learning_rate=s, **dict(hyperparams))
                      for r, s in self._rules.items()}
        return optax.multi_transform(transforms, self.labels)


def _is_none(x: Any) -> bool:
    return x is None


def param_schedules(rules: Mapping[str, ScheduleLike | None] | list | tuple) -> ParamSchedules:
    r"""Per-parameter schedules: the first regex that fully matches a parameter's name decides.

    .. math:: \text{lr}_p(k) = s_{r(p)}(k),\quad r(p) = \min\{i : \text{fullmatch}(r_i, \text{name}(p))\}

    with ``name(p)`` the ``"/"``-joined path (:func:`param_names`); ``s = None`` freezes.

    Args:
      rules: ``[(regex, schedule or None), ...]`` in priority order, or a mapping
        (insertion order). A schedule is a jaxsched Schedule, any ``count -> value`` callable,
        or a number (a constant learning rate, ``>= 0``).

    Returns:
      A :class:`ParamSchedules`.

    Raises:
      TypeError: ``rules`` not a list of pairs or a mapping; a regex that is not a string; a
        schedule that is neither a number, a callable nor ``None`` (each named by position).
      ValueError: no rules; a regex that does not compile or starts with ``"/"`` (big_vision's
        names never do; it asserts); a regex given twice (the second could never match).

    Example:
      >>> import jaxsched
      >>> rules = jaxsched.param_schedules([("img/head/.*", jaxsched.constant_schedule(1e-3)),
      ...                                   ("img/.*", None), (".*", 1e-4)])
      >>> rules.match("img/head/kernel"), rules.match("img/embed/kernel"), rules.frozen
      ('img/head/.*', 'img/.*', ('img/.*',))

    Equivalents:
      big_vision: ``config.schedule = [(regex, dict(...) or None), ...]`` (use
      ``jaxsched.config.frameworks.big_vision_config`` on the whole config). optax:
      ``optax.multi_transform`` with labels from ``optax.tree_utils`` paths. torch: one
      param group per regex (``jaxsched.torch.Scheduler`` with one schedule per group).
    """
    if isinstance(rules, Mapping):
        pairs = list(rules.items())
    elif isinstance(rules, (list, tuple)):
        pairs = []
        for i, p in enumerate(rules):
            if not isinstance(p, (list, tuple)) or len(p) != 2:
                raise TypeError(f"`rules[{i}]` must be a (regex, schedule) pair, got "
                                f"{v.describe(p)}")
            pairs.append(tuple(p))
    else:
        raise TypeError("`rules` must be a list of (regex, schedule) pairs or a mapping, got "
                        f"{v.describe(rules)}")
    if not pairs:
        raise ValueError("`rules` must hold at least one (regex, schedule) pair, got none")
    out: list[tuple[str, ScheduleLike | None]] = []
    seen: dict[str, int] = {}
    for i, (regex, sched) in enumerate(pairs):
        where = f"`rules[{i}]`"
        if not isinstance(regex, str):
            raise TypeError(f"{where}: the regex must be a string, got {v.describe(regex)}")
        if regex.startswith("/"):
            raise ValueError(f"{where}: regex {regex!r} starts with '/': parameter names never "
                             "do (big_vision asserts it); drop the leading '/'")
        try:
            re.compile(regex)
        except re.error as e:
            raise ValueError(f"{where}: regex {regex!r} does not compile: {e}") from None
        if regex in seen:
            raise ValueError(f"{where}: regex {regex!r} repeats rules[{seen[regex]}]; the first "
                             "match wins, so the second could never apply: remove one")
        seen[regex] = i
        if sched is not None and not isinstance(sched, Schedule) and not callable(sched):
            sched = v.real(f"rules[{i}] ({regex!r}) schedule", sched, ge=0)
        out.append((regex, sched))
    return ParamSchedules(tuple(out))

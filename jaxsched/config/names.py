"""Did-you-mean suggestions for misspelt schedule, parameter, subcommand and option names.

One helper for the whole package: :func:`jaxsched.from_config` uses it for unknown schedule
names and unknown or missing parameters, and the ``jaxsched`` command for its CONFIG names,
subcommands and options, so a typo gets the same short hint everywhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from jaxsched.core.validate import describe

__all__ = ["close_names", "did_you_mean", "unknown_name_message", "LIST_HINT"]

#: The pointer to the full list of names, instead of printing all of them.
LIST_HINT = "run `jaxsched list` to see all names"


def close_names(name: str, choices: Iterable[str], n: int = 3) -> tuple[list[str], bool]:
    """The choices closest to ``name``, best first, and whether they differ from it only in case.

    A choice equal to ``name`` ignoring case wins alone (the flag is then True). Otherwise the
    difflib matches of the lower-cased spellings (ratio >= 0.6) come first, then choices that
    contain ``name`` (ignoring case), at most ``n`` in all.

    Args:
      name: the name the user gave.
      choices: the valid names.
      n: at most this many suggestions.

    Returns:
      ``(suggestions, case_only)``; ``suggestions`` is empty when nothing is close.

    Example:
      >>> close_names("torch.steplr", ["torch.StepLR", "torch.MultiStepLR"])
      (['torch.StepLR'], True)
      >>> close_names("cosin_decay", ["cosine_decay", "linear_schedule"])
      (['cosine_decay'], False)
    """
    choices = sorted(set(choices))
    if len(name) > 200:  # no name is this long (and difflib is quadratic in it)
        return [], False
    lowered = name.lower()
    same = [c for c in choices if c.lower() == lowered and c != name]
    if same:
        return same[:n], True
    by_lower: dict[str, list[str]] = {}
    for c in choices:
        by_lower.setdefault(c.lower(), []).append(c)
    near: list[str] = []
    for low in difflib.get_close_matches(lowered, list(by_lower), n=n, cutoff=0.6):
        near += [c for c in by_lower[low] if c not in near]
    if lowered:
        near += [c for c in choices if lowered in c.lower() and c not in near and c != name]
    return near[:n], False


def did_you_mean(name: str, choices: Iterable[str], n: int = 3) -> str:
    """``"did you mean 'x'?"`` for the choices closest to ``name``, or ``""`` when none is close.

    Example:
      >>> did_you_mean("torch.steplr", ["torch.StepLR"])
      "did you mean 'torch.StepLR'? (names are case-sensitive)"
      >>> did_you_mean("cosine", ["cosine_decay", "cosine_annealing", "linear_schedule"])
      "did you mean 'cosine_decay' or 'cosine_annealing'?"
      >>> did_you_mean("xyz", ["cosine_decay"])
      ''
    """
    near, case_only = close_names(name, choices, n)
    if not near:
        return ""
    quoted = [repr(c) for c in near]
    text = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"did you mean {text}?" + (" (names are case-sensitive)" if case_only else "")


def unknown_name_message(
    name: object, choices: Iterable[str], what: str = "schedule type", note: str = ""
) -> str:
    """One line for an unknown schedule name: the name, the closest names, where to see all.

    Args:
      name: the name the user gave (not necessarily a string).
      choices: the valid names.
      what: what the name names, for the message.
      note: words after the name, e.g. ``" (not a file either)"``.

    Example:
      >>> print(unknown_name_message("cosin_decay", ["cosine_decay", "linear_schedule"]))
      unknown schedule type 'cosin_decay'; did you mean 'cosine_decay'? Run `jaxsched list` to see all names
    """
    hint = did_you_mean(name, choices) if isinstance(name, str) else ""
    if not hint:
        return f"unknown {what} {describe(name)}{note}; {LIST_HINT}"
    return f"unknown {what} {describe(name)}{note}; {hint} {LIST_HINT[0].upper()}{LIST_HINT[1:]}"

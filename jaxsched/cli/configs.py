"""How the ``jaxsched`` command reads its CONFIG arguments and step lists.

A CONFIG on the command line is one of:

- a file: ``warmup.json``, ``sched.yaml`` / ``.yml``, or a whole DeepSpeed config (its
  ``"scheduler"`` block is used);
- an inline JSON (or YAML) mapping: ``'{"type": "cosine_decay", "params": {...}}'``;
- a registered schedule NAME followed by its parameters as ``KEY=VALUE`` words:
  ``cosine_decay init_value=0.1 decay_steps=1000``. A VALUE is read as JSON when it parses
  (numbers, ``true``, ``[30, 60]``, ``{"type": ...}``), ``True``/``False``/``None`` as Python
  spells them, else as a string (``anneal_strategy=linear``, ``warmup_steps="10%"``).

Several CONFIGs may follow each other (``jaxsched plot``); each ``KEY=VALUE`` belongs to the
NAME before it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from jaxsched.config.flags import literal
from jaxsched.config.names import unknown_name_message

__all__ = ["CliConfig", "parse_configs", "build", "parse_steps", "nice_steps"]

_FILE_SUFFIXES = (".json", ".yaml", ".yml")


@dataclasses.dataclass
class CliConfig:
    """One CONFIG from the command line: its label, its source text and its plain config."""

    label: str
    source: str
    config: dict


def _is_file_token(token: str) -> bool:
    return os.path.isfile(token) or token.lower().endswith(_FILE_SUFFIXES)


def parse_configs(tokens: list[str], extra_params: list[str] | None = None) -> list[CliConfig]:
    """Turn CONFIG words into plain ``{"type", "params"}`` configs (not yet built).

    ``extra_params`` (from ``-p KEY=VALUE``) go to the only CONFIG, which must be a NAME.

    Raises:
      ValueError: an unknown NAME (the closest names suggested), a ``KEY=VALUE``
        with no NAME before it, a malformed ``KEY=VALUE``, or a file that does not parse.
      FileNotFoundError: a config file that does not exist.

    Example:
      >>> [c.config for c in parse_configs(["linear_schedule", "init_value=0", "end_value=1",
      ...                                   "transition_steps=10"])]
      [{'type': 'linear_schedule', 'params': {'init_value': 0, 'end_value': 1, 'transition_steps': 10}}]
    """
    from jaxsched.config import load_config, registered_names

    names = registered_names()
    out: list[CliConfig] = []
    named = False  # whether the last CONFIG was a NAME (so KEY=VALUE words may follow)
    for token in tokens:
        stripped = token.lstrip()
        if stripped.startswith("{") or "\n" in token or ": " in token:
            cfg = load_config(token)
            out.append(CliConfig(str(cfg["type"]), token, cfg))
            named = False
        elif _is_file_token(token):
            if not os.path.exists(token):
                raise FileNotFoundError(f"config file {token!r} does not exist")
            cfg = load_config(token)
            stem = os.path.splitext(os.path.basename(token))[0]
            out.append(CliConfig(stem, token, cfg))
            named = False
        elif "=" in token and not token.startswith("="):
            if not named:
                raise ValueError(
                    f"parameter {token!r} does not follow a schedule NAME; write NAME KEY=VALUE "
                    "... (a file or an inline JSON config carries its own params)"
                )
            key, _, value = token.partition("=")
            out[-1].config["params"][key.strip()] = literal(value, f"`{key.strip()}`")
        elif token in names:
            out.append(CliConfig(token, token, {"type": token, "params": {}}))
            named = True
        else:
            raise ValueError(unknown_name_message(token, names, "schedule name", " (not a file either)"))
    if extra_params:
        if len(out) != 1 or out[0].source != out[0].config["type"]:
            raise ValueError(
                "-p/--param KEY=VALUE needs exactly one CONFIG given as a schedule NAME; with "
                "several, write each NAME's parameters after it: NAME KEY=VALUE ..."
            )
        for item in extra_params:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ValueError(f"-p/--param takes KEY=VALUE, got {item!r}")
            out[0].config["params"][key.strip()] = literal(value, f"`{key.strip()}`")
    labels = [c.label for c in out]
    for i, c in enumerate(out):
        if labels.count(c.label) > 1:
            c.label = f"{c.label} ({i + 1})"
    return out


def build(config: CliConfig, timeline: Any = None) -> tuple[Any, Any]:
    """The learning-rate schedule of a CONFIG and its coupled momentum schedule (or None)."""
    from jaxsched.config import from_config
    from jaxsched.training.plateau import PlateauSchedule

    lr = from_config(config.config, timeline=timeline)
    if isinstance(lr, PlateauSchedule) or (
            isinstance(lr, list) and any(isinstance(x, PlateauSchedule) for x in lr)):
        raise ValueError(
            f"{config.config['type']!r} is metric-driven (its lr depends on reported metrics), not "
            "a function of the step: use jaxsched.from_config and step it with metrics"
        )
    try:
        mom = from_config(config.config, hyperparam="momentum", timeline=timeline)
    except ValueError:
        mom = None
    return lr, mom


def parse_steps(text: str) -> list[int]:
    """Steps from ``"0,10,100"`` and/or ranges ``"START:STOP[:STEP]"`` (STOP excluded).

    Raises:
      ValueError: a malformed step, a negative step, a step over
        :data:`~jaxsched.cli.argtypes.MAX_STEP`, or over
        :data:`~jaxsched.cli.argtypes.MAX_SHOW_STEPS` steps in all (counted before any is made).

    Example:
      >>> parse_steps("0,5,10:40:10")
      [0, 5, 10, 20, 30]
    """
    from jaxsched.cli.argtypes import MAX_SHOW_STEPS, MAX_STEP
    from jaxsched.core.validate import describe

    steps: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        try:
            if len(part) > 50:  # no step of at most MAX_STEP is written this long
                raise ValueError
            if ":" in part:
                bits = [int(b) for b in part.split(":")]
                if len(bits) not in (2, 3) or (len(bits) == 3 and bits[2] <= 0):
                    raise ValueError
                span = range(*bits)
            else:
                span = range(int(part), int(part) + 1)
        except ValueError:
            raise ValueError(
                f"bad step {describe(part)} in {describe(text)}: give integers separated by commas, "
                "or START:STOP[:STEP] ranges, e.g. 0,10,100 or 0:1000:100"
            ) from None
        if span and max(span[0], span[-1]) > MAX_STEP:
            raise ValueError(f"steps must be at most {MAX_STEP:_}, got {describe(part)} in --steps")
        if len(steps) + len(span) > MAX_SHOW_STEPS:
            raise ValueError(
                f"--steps asks for {len(steps) + len(span):_} steps or more; show prints at most "
                f"{MAX_SHOW_STEPS:_} (use a START:STOP:STEP range with a larger STEP)"
            )
        steps.extend(span)
    if not steps:
        raise ValueError(f"no steps in {describe(text)}; e.g. --steps 0,10,100")
    if min(steps) < 0:
        raise ValueError(f"steps must be >= 0, got {min(steps)}")
    return steps


def nice_steps(num_steps: int, target: int = 10) -> list[int]:
    """About ``target`` round steps in ``[0, num_steps)``, and the last update ``num_steps - 1``.

    Example:
      >>> nice_steps(100)
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99]
      >>> nice_steps(3)
      [0, 1, 2]
    """
    raw = max(num_steps / target, 1.0)
    mag = 10 ** int(f"{raw:e}".split("e")[1])
    stride = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    out = list(range(0, num_steps, int(stride)))
    if out[-1] != num_steps - 1:
        out.append(num_steps - 1)
    return out

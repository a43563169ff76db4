"""Batch-size and sequence-length schedules by their frameworks' own names.

- ``megatron.rampup_batch_size``: Megatron-LM's ``--rampup-batch-size start increment samples``
  with ``--global-batch-size`` (``RampupBatchsizeNumMicroBatchesCalculator``, NVIDIA/Megatron-LM
  ``megatron/core/num_microbatches_calculator.py``): the batch of update ``k`` follows the
  samples consumed before it, each update consuming the running batch size. Where Megatron
  divides by zero (``global == start``, ``samples == 0``) the batch is the global batch size
  from the start.
- ``levanter.batch_schedule``: Levanter's ``train_batch_size`` as an integer or a list of
  ``{start, value}`` steps (``BatchSchedule`` in stanford-crfm/levanter ``src/levanter/schedule.py``);
  the first step must start at 0, as Levanter's ``validate_schedule_sorted`` requires.
- ``deepspeed.curriculum_seqlen``: DeepSpeed's legacy ``curriculum_learning`` block
  (``CurriculumScheduler``, deepspeedai/DeepSpeed ``deepspeed/runtime/data_pipeline/
  curriculum_scheduler.py``): ``fixed_linear``, ``fixed_root`` and ``fixed_discrete``. DeepSpeed
  evaluates the curriculum at step ``k + 1`` for update ``k`` (the legacy engine passed
  ``global_steps + 1``; 0.19.8's ``DeepSpeedDataSampler`` increments its ``curriculum_step``
  first), so update ``k`` uses the difficulty of step ``k + 1``; ``fixed_discrete``'s
  difficulty ``i`` therefore applies to the updates ``k < max_step[i]``.
- ``composer.seq_length_warmup``: Composer's ``SeqLengthWarmup`` algorithm (mosaicml/composer
  ``composer/algorithms/seq_length_warmup/seq_length_warmup.py``) with the run's length in
  batches as ``max_duration``; ``truncate`` and ``preserve_end_of_sequence`` change how a batch
  is cut, not the length, and are accepted and ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jaxsched.core import validate as v
from jaxsched.core.registry import register
from jaxsched.schedules.batch import PiecewiseInteger, piecewise_integer
from jaxsched.schedules.batch import rampup_batch_size as _rampup
from jaxsched.schedules.seqlen import RootCurriculum, StaircaseRamp, root_curriculum, seq_length_warmup

__all__ = ["megatron_rampup_batch_size", "levanter_batch_schedule", "deepspeed_curriculum_seqlen",
           "composer_seq_length_warmup"]


@register("megatron.rampup_batch_size")
def megatron_rampup_batch_size(
    rampup_batch_size: Sequence[int],
    global_batch_size: int,
    micro_batch_size: int = 1,
    data_parallel_size: int = 1,
    decrease_batch_size_if_needed: bool = False,
) -> PiecewiseInteger:
    """Megatron-LM's batch-size ramp: ``rampup_batch_size = [start, increment, samples]``.

    Returns :func:`jaxsched.rampup_batch_size` with ``batch_multiple = micro_batch_size *
    data_parallel_size``; the value at update ``k`` is Megatron's running global batch size.
    """
    if isinstance(rampup_batch_size, (str, bytes)) or not isinstance(rampup_batch_size, Sequence):
        raise TypeError(
            "`rampup_batch_size` must be a list [start_batch_size, batch_size_increment, "
            f"rampup_samples], got {v.describe(rampup_batch_size)}")
    if len(rampup_batch_size) != 3:
        raise ValueError(
            "`rampup_batch_size` must have 3 entries [start_batch_size, batch_size_increment, "
            f"rampup_samples], got {len(rampup_batch_size)}")
    start, inc, samples = rampup_batch_size
    mbs = v.integer("micro_batch_size", micro_batch_size, ge=1)
    dp = v.integer("data_parallel_size", data_parallel_size, ge=1)
    down = v.boolean("decrease_batch_size_if_needed", decrease_batch_size_if_needed)
    return _rampup(start, inc, samples, global_batch_size, batch_multiple=mbs * dp, round_down=down)


def _levanter_step(i: int, step: Any) -> tuple[Any, Any]:
    if isinstance(step, Mapping):
        extra = set(step) - {"start", "value"}
        if extra or "start" not in step or "value" not in step:
            raise ValueError(
                f"`schedule[{i}]` must be {{'start': step, 'value': batch_size}}, got "
                f"{v.describe(dict(step))}")
        return step["start"], step["value"]
    if isinstance(step, Sequence) and not isinstance(step, (str, bytes)) and len(step) == 2:
        return step[0], step[1]
    raise TypeError(
        f"`schedule[{i}]` must be {{'start': step, 'value': batch_size}} or a [start, value] "
        f"pair, got {v.describe(step)}")


@register("levanter.batch_schedule")
def levanter_batch_schedule(schedule: int | Sequence[Any]) -> PiecewiseInteger:
    """Levanter's ``train_batch_size``: one integer, or ``[{start, value}, ...]`` from step 0."""
    if isinstance(schedule, (int, float)) and not isinstance(schedule, bool):
        with v.renamed({"values[0]": "schedule"}):
            return piecewise_integer([], [schedule])
    if isinstance(schedule, (str, bytes, Mapping)) or not isinstance(schedule, Sequence):
        raise TypeError(
            "`schedule` must be a batch size or a list of {'start': step, 'value': batch_size}, "
            f"got {v.describe(schedule)}")
    if not schedule:
        raise ValueError("`schedule` must have at least one step")
    pairs = [_levanter_step(i, s) for i, s in enumerate(schedule)]
    if pairs[0][0] != 0:
        raise ValueError(f"`schedule[0]` must start at step 0 (Levanter's rule), got {pairs[0][0]!r}")
    return piecewise_integer([p[0] for p in pairs[1:]], [p[1] for p in pairs])


@register("deepspeed.curriculum_seqlen")
def deepspeed_curriculum_seqlen(
    min_difficulty: int,
    max_difficulty: int,
    schedule_type: str,
    schedule_config: Mapping[str, Any],
    curriculum_type: str = "seqlen",
    enabled: bool = True,
) -> RootCurriculum | PiecewiseInteger:
    """DeepSpeed's legacy curriculum (``curriculum_learning`` block), as applied to update ``k``."""
    v.choice("curriculum_type", curriculum_type, ("seqlen",))
    kind = v.choice("schedule_type", schedule_type, ("fixed_linear", "fixed_root", "fixed_discrete"))
    if not isinstance(schedule_config, Mapping):
        raise TypeError(f"`schedule_config` must be a mapping, got {v.describe(schedule_config)}")
    allowed = {
        "fixed_linear": {"total_curriculum_step", "difficulty_step"},
        "fixed_root": {"total_curriculum_step", "difficulty_step", "root_degree"},
        "fixed_discrete": {"difficulty", "max_step"},
    }[kind]
    unknown = set(schedule_config) - allowed
    missing = allowed - set(schedule_config)
    if unknown or missing:
        raise ValueError(
            f"`schedule_config` of {kind!r} takes exactly {sorted(allowed)}; "
            f"unknown: {sorted(unknown)}, missing: {sorted(missing)}")
    if kind == "fixed_discrete":
        diff, steps = list(schedule_config["difficulty"]), list(schedule_config["max_step"])
        if not steps or len(diff) != len(steps) + 1:
            raise ValueError(
                "`schedule_config.difficulty` must have one more entry than `max_step` (>= 1), "
                f"got {len(diff)} and {len(steps)}")
        return piecewise_integer(v.sorted_steps("schedule_config.max_step", steps), diff)
    return root_curriculum(
        min_difficulty, max_difficulty, schedule_config["total_curriculum_step"],
        multiple=schedule_config["difficulty_step"],
        root_degree=schedule_config["root_degree"] if kind == "fixed_root" else 1.0,
        step_offset=1)


@register("composer.seq_length_warmup")
def composer_seq_length_warmup(
    max_duration: int,
    duration: float = 0.3,
    min_seq_length: int = 8,
    max_seq_length: int = 1024,
    step_size: int = 8,
    truncate: bool = True,
    preserve_end_of_sequence: bool = False,
) -> StaircaseRamp:
    """Composer's ``SeqLengthWarmup``; ``max_duration`` is the run's length in batches."""
    v.boolean("truncate", truncate)
    v.boolean("preserve_end_of_sequence", preserve_end_of_sequence)
    with v.renamed({"total_steps": "max_duration"}):
        return seq_length_warmup(max_duration, duration, min_seq_length, max_seq_length, step_size)

"""Every public constructor and registered config name, each parameter given each bad value
(issue 14): a refusal must be a ValueError/TypeError naming the user's parameter in backquotes,
in at most 300 characters, with no raw NumPy/Python/JAX text; an acceptance must evaluate
finitely at counts [0, 1, 10, 1000, 2**31-1] with NumPy (float64) and as ``jax.jit`` receives
the schedule as an argument (see ``_bad_input_sweep.as_jit_argument``), and be a legal use
named by a rule of ``_bad_input_sweep.allowed``. What is not yet so is listed below under
"known gaps (issue 14)"; the tests require the sweep to match that list exactly, so a fix must
shrink it (and a regression cannot hide in it).

Counts, measured with ``python tests/core/_bad_input_sweep.py --gaps`` (which also prints the
known-gaps literal below):

                               int32-edge   main (9ac75c9)   main (4aa5213), older sweep
    tried                          15323        15323            14113
    clear (refused by name)        13549        13540            11151
    weak (raw text, an internal
      name or no name)                 0            4              374
    accepted                        1774         1778             2056
      of which legal by a rule      1540         1539             1410
      accepted-unlisted              234          239              646
    accepted-then-failing              0            1              532

On branch unused-params (parameters a configuration accepts but does not use checked at
construction): tried 15532, clear 13989, weak 0, accepted 1543 (1539 legal by a rule),
accepted-unlisted 4 (from 234 on main 39ad7fb), accepted-then-failing 0. On main 237cf74 (a
negative Cerebras ``adjust_learning_rate``/``adjust_val`` refused; DeepSpeed's negative
``decay_mom_rate`` a documented legal use): tried 15532, clear 13991, weak 0, accepted 1541
(all legal by a rule), accepted-unlisted 0, accepted-then-failing 0.

(main's runs: the harness copied beside a link to main's ``jaxsched``.) 14113 was 175
constructors and names x their parameters x 11 bad values; names added since give 15323. On
main (4aa5213) 525 of the 532 accepted-then-failing were 2-D arrays that failed only at evaluation ("operands could not be
broadcast"); the raw messages were "truth value of an array", "only 0-dimensional arrays",
"object is not iterable" and "float() argument".

Skipped names, with the reason: ``_bad_input_sweep.SKIPPED``; public functions not swept:
``NOT_SWEPT`` below. The sweep takes about 9 s on this 2-core machine (constructing 15,532
configurations, evaluating the 1,541 accepted ones; a tree structure traced once).
"""

# ruff: noqa: E501  (the known-gaps table below: one row per name and parameter)
from __future__ import annotations

import inspect
import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bad_input_sweep import ARGS, SKIPPED, allowed, outcomes, targets  # noqa: E402

import jaxsched as js  # noqa: E402

# ------------------------------------------------------------------- known gaps (issue 14)
#: Every (name, parameter, bad value) the sweep finds not yet right, per outcome; values are
#: space-separated kinds of ``_bad_input_sweep.BAD``. Regenerate with
#: ``python tests/core/_bad_input_sweep.py --gaps`` after a fix, and check the diff only shrinks.
#: (Regenerated after the merge of the metric-driven names: 9 new accepted-unlisted entries,
#: the Cerebras `*WD`/`ScalePerParam*`, `hf.GreedyLR` Nones and `keras.ReduceLROnPlateau`
#: `min_lr` lists / `verbose`, and one weak message, `cerebras.PiecewiseConstantWD`
#: `milestones` given a nested list.) Regenerated on branch int32-edge: growth factors above 1
#: are held at the float32 max (torch.MultiplicativeLR's list of factors no longer overflows),
#: and the four weak messages name the user's parameter (Cerebras `*WD` milestone count, Levanter
#: `warmup`/`decay` past int64, torch.SequentialLR `lr=None`); a negative `gamma` is refused by
#: torch.CyclicLR/nemo.CyclicLR in every mode and by Composer's multistep schedulers.
#: Regenerated on branch unused-params: parameters a configuration accepts but does not use are
#: checked at construction (big_vision's decay options, fairseq tri_stage's steps and
#: updates_per_epoch, Levanter's rewarmup/timescale, timm plateau's noise options): 234 -> 87;
#: then keras.CosineDecay warmup_steps, Megatron's wd_incr_steps/wsd_decay_steps, timm WSD's
#: stable_timescale, torch.OneCycleLR epochs/steps_per_epoch, replan's anchor: 87 -> 31; then
#: None refused by the plateau names where the peer's default is a number, keras' verbose < 0
#: and min_lr lists refused: 31 -> 15; then exponential_cyclic_schedule's scale_mode=None refused
#: and the peers' negative sentinels allowed by a rule (NEGATIVE_SENTINELS): 15 -> 11; then rules
#: by name (BY_NAME) for scale's signed factor, a negative number as warmup's schedule, fairseq's
#: --lr lists and NeMo's (torch's) per-group min_lr: 11 -> 6; timm's lr_min and paddle's min_lr
#: lists refused (one float in both): 6 -> 4.
KNOWN_GAPS: dict[str, dict[tuple[str, str], str]] = {
    'accepted-then-failing': {  # 0
    },
    'accepted-unlisted': {  # 0
    },
    'weak': {  # 0
    },
}


def _triples(outcome: str) -> set[tuple[str, str, str]]:
    return {
        (name, param, kind)
        for (name, param), kinds in KNOWN_GAPS.get(outcome, {}).items()
        for kind in kinds.split()
    }


#: The sweep runs as this many tests (every PARTS-th target each), so workers share it.
PARTS = 4


#: Public functions of floors 0-3 not swept, with the reason.
NOT_SWEPT = {
    "lambda_schedule": "wraps the user's own function: its values are the user's",
    "current_hyperparams": "reads an optimizer state; returns no schedule",
    "per_group": "an optax transformation over other transformations; returns no schedule",
    "scheduled_optimizer": "an optax transformation; returns no schedule",
    "current_progress": "reads an optimizer state; returns no schedule",
    "plateau_config": "plateau options; swept through the plateau config names",
    "plateau_from_optax": "an optax transformation; swept through the plateau config names",
    "plateau_from_torch": "an optax transformation; swept through the plateau config names",
    "plateau_scale": "reads a plateau state; returns no schedule",
    "plateau_transform": "an optax transformation; swept through the plateau config names",
    "reduce_on_plateau": "an optax transformation; swept through the plateau config names",
    "plateau_init": "a plateau state; returns no schedule",
    "plateau_update": "a plateau state update; returns no schedule",
    "lr_find": "runs a training loop; returns no schedule",
    "param_names": "names a parameter tree's leaves; returns no schedule",
    "param_schedules": "maps regexes to schedules the user built (each swept itself); its rules' "
                       "errors are tested in tests/config/test_bigvision_t5x_files.py",
}


def test_every_public_constructor_and_registered_name_is_swept():
    public = {
        n for n in js.__all__
        if inspect.isfunction(getattr(js, n))
        and getattr(js, n).__module__.split(".")[1] in ("core", "schedules", "compose", "training")
    }
    assert public - set(ARGS) == set(NOT_SWEPT)
    assert set(SKIPPED) <= set(js.registered_names())


def test_known_gaps_name_swept_targets():
    """Every name in the known-gaps table is a swept target (a stale row cannot hide)."""
    labels = {label for label, _, _ in targets()}
    listed = {name for rows in KNOWN_GAPS.values() for name, _ in rows}
    assert listed <= labels, sorted(listed - labels)


@pytest.mark.parametrize("part", range(PARTS))
def test_sweep_matches_the_known_gaps_exactly(part):
    counts, bad = outcomes(part, PARTS)
    labels = {label for label, _, _ in targets()[part::PARTS]}
    assert counts["tried"] > 14000 // PARTS // 2
    for outcome in ("weak", "accepted-then-failing", "accepted-unlisted"):
        known = {t for t in _triples(outcome) if t[0] in labels}
        new = sorted(bad[outcome] - known)
        fixed = sorted(known - bad[outcome])
        assert not new, f"new {outcome} outcomes (fix them, or explain them in KNOWN_GAPS): {new[:20]}"
        assert not fixed, f"fixed {outcome} outcomes: remove them from KNOWN_GAPS: {fixed[:20]}"


# ------------------------------------------------------------ the fixes, one example each
# Each case failed on main (4aa5213), checked against main's jaxsched: 6 accepted (the 2-D array,
# the unused DeepSpeed/HF/timm parameters, Composer's 2**63), 3 raw messages, 4 internal names.
FIXED = [
    ("cosine_decay", dict(init_value=np.ones((2, 2)), decay_steps=10), ValueError, "`init_value`"),
    ("piecewise_constant", dict(init_value=1.0, boundaries=[5], scales=0.5), TypeError, "`scales`"),
    ("mixture_weights", dict(stages={"a": 1.0}, names=3), TypeError, "`names`"),
    ("fairseq.reduce_lr_on_plateau", dict(lr=[0.1], lr_shrink=math.nan), ValueError, "`lr_shrink`"),
    ("timm.PlateauLRScheduler", dict(lr=0.1, patience_t=-3), ValueError, "`patience_t`"),
    ("paddle.ReduceOnPlateau", dict(learning_rate=0.1, epsilon=math.inf), ValueError, "`epsilon`"),
    ("cerebras.PiecewiseConstantLR", dict(learning_rates=math.nan, milestones=[5]), TypeError,
     "`learning_rates`"),
    ("composer.LinearWithWarmupScheduler", dict(t_warmup="1ba", t_max=2**63, max_duration="100ba"), ValueError, "`t_max`"),
    ("torch.SWALR", dict(lr=0.1, swa_lr=0.05, anneal_strategy=np.ones((2, 2))), ValueError,
     "`anneal_strategy`"),
    ("OneCycle", dict(cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_first_step_size=10,
                      cycle_min_mom=math.nan), ValueError, "`cycle_min_mom`"),
    ("WarmupDecayLR", dict(total_num_steps=100, warmup_max_lr=0.1, lr=math.nan), ValueError, "`lr`"),
    ("hf.constant", dict(num_training_steps=math.nan), ValueError, "`num_training_steps`"),
    ("timm.CosineLRScheduler", dict(lr=0.1, t_initial=100, noise_std=-1.0), ValueError, "`noise_std`"),
]


@pytest.mark.parametrize("name, params, exc, named", FIXED, ids=[c[0] for c in FIXED])
def test_each_fix_refuses_by_name(name, params, exc, named):
    _assert_refused_by_name(name, params, exc, named)


def _assert_refused_by_name(name, params, exc, named):
    """A public constructor (lower-case, no dot) or a config name refuses ``params`` with
    ``exc``, naming ``named``, in at most 300 characters."""
    build = getattr(js, name, None) if "." not in name and name[0].islower() else None
    with pytest.raises(exc) as info:
        if build is not None:
            build(**params)
        else:
            js.from_config({"type": name, "params": params})
    assert named in str(info.value) and len(str(info.value)) <= 300, str(info.value)


# Parameters a configuration accepts but does not use (issue 14, branch unused-params): each was
# accepted on main (39ad7fb) in the configuration below; now checked at construction by name.
BV = dict(total_steps=100)  # big_vision's default decay_type "stair" uses none of these
TRI = dict(lr=0.1, phase_ratio=[0.1, 0.4, 0.5], max_update=100)  # phase_ratio replaces the steps
MEG = dict(max_lr=1.0, min_lr=0.1, lr_warmup_steps=2, lr_decay_steps=6)  # cosine, constant wd
LEV = dict(num_train_steps=100)  # one cycle (no rewarmup), lr_schedule="cosine" (no timescale)
UNUSED = [
    ("big_vision.schedule", dict(BV, end=math.nan), ValueError, "`end`"),
    ("big_vision.schedule", dict(BV, linear_end="abc"), TypeError, "`linear_end`"),
    ("big_vision.schedule", dict(BV, power=None), TypeError, "`power`"),
    ("big_vision.schedule", dict(BV, shift=-3), ValueError, "`shift`"),
    ("big_vision.schedule", dict(BV, timescale=-3), ValueError, "`timescale`"),
    ("big_vision.schedule", dict(BV, timescale_examples=math.inf), ValueError,
     "`timescale_examples`"),
    ("fairseq.tri_stage", dict(TRI, warmup_steps=-3), ValueError, "`warmup_steps`"),
    ("fairseq.tri_stage", dict(TRI, hold_steps=None), TypeError, "`hold_steps`"),
    ("fairseq.tri_stage", dict(TRI, decay_steps=np.ones((2, 2))), ValueError, "`decay_steps`"),
    ("fairseq.fixed", dict(lr=0.1, updates_per_epoch=-3), ValueError, "`updates_per_epoch`"),
    ("fairseq.reduce_lr_on_plateau", dict(lr=0.1, updates_per_epoch="abc"), TypeError,
     "`updates_per_epoch`"),
    ("levanter.lr_scheduler", dict(LEV, rewarmup=math.nan), ValueError, "`rewarmup`"),
    ("levanter.lr_scheduler", dict(LEV, timescale=True), TypeError, "`timescale`"),
    ("timm.PlateauLRScheduler", dict(noise_pct=-3), ValueError, "`noise_pct`"),
    ("timm.PlateauLRScheduler", dict(noise_std=math.nan), ValueError, "`noise_std`"),
    ("timm.PlateauLRScheduler", dict(noise_type=None), TypeError, "`noise_type`"),
    ("timm.PlateauLRScheduler", dict(noise_seed="abc"), TypeError, "`noise_seed`"),
    ("keras.CosineDecay", dict(initial_learning_rate=0.1, decay_steps=10, warmup_steps=None),
     TypeError, "`warmup_steps`"),
    ("megatron.OptimizerParamScheduler", dict(MEG, wd_incr_steps=math.nan), ValueError,
     "`wd_incr_steps`"),
    ("megatron.OptimizerParamScheduler", dict(MEG, wsd_decay_steps=-3), ValueError,
     "`wsd_decay_steps`"),
    ("timm.WSDLRScheduler", dict(lr=0.1, t_initial=100, decay_t=10, stable_timescale="abc"), TypeError,
     "`stable_timescale`"),
    ("torch.OneCycleLR", dict(max_lr=1.0, total_steps=100, epochs=True), TypeError, "`epochs`"),
    ("torch.OneCycleLR", dict(max_lr=1.0, total_steps=100, steps_per_epoch=-3), ValueError,
     "`steps_per_epoch`"),
    ("replan", dict(schedule=js.cosine_decay(1.0, 10), at=5, total_steps=20, anchor=None),
     TypeError, "`anchor`"),
    # None where the peer's default is a number (torch 2.13 ReduceLROnPlateau: min_lr=0,
    # eps=1e-8; transformers GreedyLR; timm lr_min=0.0; keras min_lr=0.0; paddle min_lr=0,
    # epsilon=1e-8): reduce_on_plateau would read it as its own default. Keras' verbose is an
    # int >= 0 and its min_lr one float.
    ("torch.ReduceLROnPlateau", dict(min_lr=None), TypeError, "`min_lr`"),
    ("torch.ReduceLROnPlateau", dict(eps=None), TypeError, "`eps`"),
    ("hf.reduce_lr_on_plateau", dict(eps=None), TypeError, "`eps`"),
    ("nemo.ReduceLROnPlateau", dict(min_lr=None), TypeError, "`min_lr`"),
    ("hf.GreedyLR", dict(warmup=None), TypeError, "`warmup`"),
    ("hf.GreedyLR", dict(reset_start=None), TypeError, "`reset_start`"),
    ("hf.GreedyLR", dict(min_lr=None), TypeError, "`min_lr`"),
    ("hf.GreedyLR", dict(eps=None), TypeError, "`eps`"),
    ("timm.PlateauLRScheduler", dict(lr_min=None), TypeError, "`lr_min`"),
    ("keras.ReduceLROnPlateau", dict(min_lr=[1.0, 2.0]), TypeError, "`min_lr`"),
    ("keras.ReduceLROnPlateau", dict(verbose=-3), ValueError, "`verbose`"),
    ("paddle.ReduceOnPlateau", dict(learning_rate=0.1, epsilon=None), TypeError, "`epsilon`"),
    ("paddle.ReduceOnPlateau", dict(learning_rate=0.1, min_lr=None), TypeError, "`min_lr`"),
    ("timm.PlateauLRScheduler", dict(lr_min=[1.0, 2.0]), TypeError, "`lr_min`"),
    ("paddle.ReduceOnPlateau", dict(learning_rate=0.1, min_lr=[1.0, 2.0]), TypeError, "`min_lr`"),
    ("exponential_cyclic_schedule", dict(base_value=0.1, max_value=1.0, step_size=10,
                                         scale_mode=None), TypeError, "`scale_mode`"),
]


@pytest.mark.parametrize("name, params, exc, named", UNUSED,
                         ids=[f"{c[0]}-{c[3].strip('`')}" for c in UNUSED])
def test_unused_parameter_refused_by_name(name, params, exc, named):
    _assert_refused_by_name(name, params, exc, named)


def test_unused_parameters_keep_legal_values():
    """The peers' defaults and legal values of the unused parameters still build."""
    js.from_config({"type": "big_vision.schedule", "params": dict(
        BV, end=None, linear_end=0.0, power=2.0, shift=0, timescale=10_000, timescale_examples=None)})
    js.from_config({"type": "fairseq.tri_stage", "params": dict(TRI, warmup_steps=0, hold_steps=0,
                                                                 decay_steps=0)})
    js.from_config({"type": "fairseq.fixed", "params": dict(lr=0.1, updates_per_epoch=None)})
    js.from_config({"type": "levanter.lr_scheduler", "params": dict(LEV, rewarmup=0.1, timescale=1)})
    js.from_config({"type": "timm.PlateauLRScheduler", "params": dict(
        noise_type="uniform", noise_pct=0.0, noise_std=0.5, noise_seed=-3)})
    js.from_config({"type": "keras.CosineDecay", "params": dict(
        initial_learning_rate=0.1, decay_steps=10, warmup_steps=0)})
    js.from_config({"type": "megatron.OptimizerParamScheduler", "params": dict(
        MEG, wd_incr_steps=None, wsd_decay_steps=None)})
    js.from_config({"type": "megatron.OptimizerParamScheduler", "params": dict(
        MEG, wd_incr_steps=0, wsd_decay_steps=3)})
    js.from_config({"type": "timm.WSDLRScheduler", "params": dict(
        lr=0.1, t_initial=100, decay_t=10, stable_timescale=None)})
    js.from_config({"type": "torch.OneCycleLR", "params": dict(
        max_lr=1.0, total_steps=100, epochs=10, steps_per_epoch=10)})
    js.replan(js.cosine_decay(1.0, 10), at=5, total_steps=20, anchor="none")
    js.from_config({"type": "torch.ReduceLROnPlateau", "params": dict(min_lr=[0.0, 0.1], eps=0)})
    js.from_config({"type": "keras.ReduceLROnPlateau", "params": dict(min_lr=0.0, verbose=1)})
    js.from_config({"type": "hf.GreedyLR", "params": dict(warmup=0, reset_start=0, min_lr=0.0)})
    # the peers' negative sentinels (the sweep's NEGATIVE_SENTINELS rule): DeepSpeed's CLI -1
    # stair counts, fairseq's lr_period_updates=-1
    js.from_config({"type": "OneCycle", "params": dict(
        cycle_min_lr=0.1, cycle_max_lr=1.0, cycle_first_step_size=10, cycle_first_stair_count=-1,
        cycle_second_stair_count=-1)})
    js.from_config({"type": "fairseq.cosine", "params": dict(lr=[0.1],
                                                              lr_period_updates=-1, max_update=100)})
    assert allowed(js.from_config, "lr_period_updates", "negative") is not None
    assert allowed(js.from_config, "cycle_first_stair_count", "negative") is not None
    assert allowed(js.from_config, "warmup_steps", "negative") is None
    # rules by (name, parameter, kind): scale's signed multiplier, fairseq's lr lists
    assert allowed(js.scale, "factor", "negative") is not None
    assert allowed(js.cosine_decay, "factor", "negative") is None
    js.scale(js.cosine_decay(1.0, 10), -3)
    js.from_config({"type": "fairseq.fixed", "params": dict(lr=[1.0, 2.0], updates_per_epoch=5)})


def test_validate_helpers():
    from jaxsched.core import validate as v

    with pytest.raises(ValueError, match="`x` must be a single number or a 1-D array"):
        v.real("x", np.ones((2, 2)))
    assert v.real("t", np.ones((2, 3)), max_ndim=2).shape == (2, 3)
    assert v.sequence("s", (1, 2)) == [1, 2] and v.sequence("s", None, allow_none=True) is None
    for bad in (3, "ab", {"a": 1}, True):
        with pytest.raises(TypeError, match="`s` must be a list or tuple"):
            v.sequence("s", bad)
    with pytest.raises(ValueError, match=r"`outer\[1\]` must be finite"):
        with v.renamed({"inner": "outer"}):
            v.real("inner[1]", math.nan)

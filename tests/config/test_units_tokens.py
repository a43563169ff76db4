"""Token and sample time units of :class:`jaxsched.config.units.Timeline`.

Every expected step count is derived by hand in the comment beside it.
"""

from __future__ import annotations

import pytest

import jaxsched
from jaxsched.config.units import Timeline, parse_unit


def test_tokens_to_steps():
    tl = Timeline(tokens_per_step=1000, total_steps=100)
    assert tl.steps("2e4 tokens") == 20  # 20000 / 1000
    assert tl.steps("2500 tok") == 3  # 2.5 -> nearest, halves up
    assert tl.steps("1 token") == 0  # 0.001 -> 0
    assert tl.steps("10% tokens") == 10  # 0.1 * (100 * 1000) / 1000
    assert tl.steps("12.5% tokens") == 13  # 12.5 -> 13
    assert tl.total_tokens == 100_000  # total_steps * tokens_per_step
    assert Timeline(tokens_per_step=1000, rounding="floor").steps("2999 tokens") == 2
    assert Timeline(tokens_per_step=1000, rounding="ceil").steps("2001 tokens") == 3


def test_samples_to_steps():
    tl = Timeline(samples_per_step=64, total_samples=1000)
    assert tl.total_steps == 16  # 1000 / 64 = 15.625 -> 16
    assert tl.steps("5e3 samples") == 78  # 5000 / 64 = 78.125 -> 78
    assert tl.steps("96 sp") == 2  # 1.5 -> 2 (halves up)
    assert tl.steps("1 sample") == 0  # 1/64
    assert tl.steps("25% samples") == 4  # 250 / 64 = 3.906 -> 4 (of total_samples, not steps)
    assert tl.steps("100% samples") == 16  # 15.625 -> 16


def test_sequence_length_gives_tokens_per_step():
    # Megatron: --global-batch-size 512 --seq-length 4096 -> 2,097,152 tokens per step
    tl = Timeline(samples_per_step=512, sequence_length=4096, total_tokens=10**12)
    assert tl.tokens_per_step == 2_097_152
    assert tl.total_steps == 476_837  # 10**12 / 2097152 = 476837.16
    assert tl.steps("2e9 tokens") == 954  # 953.67
    assert tl.steps("1e6 samples") == 1953  # 1953.125
    assert tl.steps("1% tokens") == 4768  # 10**10 / 2097152 = 4768.37
    assert tl.steps("10%") == 47_684  # 0.1 * 476837 = 47683.7


def test_percent_of_tokens_uses_the_exact_total():
    # total_tokens = 10900 at 1000 per step: total_steps = round(10.9) = 11
    tl = Timeline(tokens_per_step=1000, total_tokens=10_900)
    assert tl.total_steps == 11
    assert tl.steps("50% tokens") == 5  # 5450 / 1000 = 5.45 -> 5
    assert tl.steps("50%") == 6  # 0.5 * 11 = 5.5 -> 6


def test_conversion_is_exact_for_large_counts():
    tl = Timeline(tokens_per_step=3)
    assert tl.steps("1e15 tokens") == 333_333_333_333_333  # 1e15 / 3 = ...333.33 (no float)
    assert tl.steps("2000000000000001 tokens") == 666_666_666_666_667  # ...667.0


@pytest.mark.parametrize(
    "text, unit",
    [("2e9 tokens", "tokens"), ("2E9 TOK", "tokens"), ("5e6 samples", "samples"), ("5 sp", "samples"),
     ("10% tokens", "percent tokens"), ("10%tokens", "percent tokens"), ("10 %  Tokens", "percent tokens"),
     ("10% tok", "percent tokens"), ("10% samples", "percent samples"), ("10% sp", "percent samples"),
     ("10%", "percent")],
)
def test_parse(text, unit):
    assert parse_unit(text)[1] == unit


@pytest.mark.parametrize(
    "tl, text, match",
    [
        (Timeline(), "2e9 tokens", r"`warmup_steps`='2e9 tokens' needs tokens_per_step"),
        (Timeline(total_steps=10), "10% tokens", r"`warmup_steps`='10% tokens' needs tokens_per_step"),
        (Timeline(tokens_per_step=8), "10% tokens", r"`warmup_steps`='10% tokens' needs total_tokens"),
        (Timeline(samples_per_step=8), "5 samples", None),
        (Timeline(tokens_per_step=8), "5 samples", r"`warmup_steps`='5 samples' needs samples_per_step"),
        (Timeline(samples_per_step=8), "1% samples", r"needs total_samples"),
        (Timeline(), "5 tokenz", r"'2e9 tokens' / '2e9 tok'"),
    ],
)
def test_refusals_name_the_parameter(tl, text, match):
    if match is None:
        assert tl.steps(text, name="warmup_steps") == 1  # 5 / 8 = 0.625 -> 1
        return
    with pytest.raises(ValueError, match=match):
        tl.steps(text, name="warmup_steps")


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(tokens_per_step=0), ValueError, "`tokens_per_step` must be > 0"),
        (dict(tokens_per_step=2.5), ValueError, "`tokens_per_step` must be a whole number"),
        (dict(samples_per_step="8"), TypeError, "`samples_per_step` must be a number"),
        (dict(total_tokens=10**9), ValueError, "`total_tokens`=1000000000 needs `tokens_per_step`"),
        (dict(total_samples=10), ValueError, "`total_samples`=10 needs `samples_per_step`"),
        (dict(sequence_length=2048), ValueError, "`sequence_length` needs `samples_per_step`"),
        (dict(samples_per_step=4, sequence_length=8, tokens_per_step=33), ValueError,
         "`tokens_per_step`=33 disagrees"),
        (dict(tokens_per_step=1000, total_tokens=10_000, total_steps=11), ValueError,
         "`total_steps`=11 disagrees with `total_tokens`"),
        (dict(steps_per_epoch=10, epochs=2, samples_per_step=4, total_samples=100), ValueError,
         "`total_steps`=20 disagrees with `total_samples`"),
    ],
)
def test_invalid_timelines(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Timeline(**kwargs)


def test_consistent_totals_are_accepted():
    tl = Timeline(steps_per_epoch=10, epochs=2, samples_per_step=4, total_samples=80,
                  tokens_per_step=40, total_tokens=799)  # 79.9 / 80 -> 20 steps each
    assert tl.total_steps == 20 and tl.total_samples == 80 and tl.total_tokens == 799


def test_equality_and_repr():
    a = Timeline(tokens_per_step=1000, total_steps=10)
    assert a == Timeline(tokens_per_step=1000, total_steps=10)
    assert a != Timeline(tokens_per_step=999, total_steps=10)
    assert hash(a) == hash(Timeline(tokens_per_step=1000, total_steps=10))
    assert "tokens_per_step=1000" in repr(a) and "samples_per_step" not in repr(a)
    assert "tokens" not in repr(Timeline(total_steps=10))


def test_resolve_and_from_config():
    tl = Timeline(samples_per_step=256, sequence_length=2048, total_tokens=10**11)
    # 524288 tokens per step; total = 10**11 / 524288 = 190734.86 -> 190735
    cfg = {"type": "warmup_stable_decay", "params": {
        "peak_value": 3e-4, "total_steps": "100% tokens", "warmup_steps": "2e8 tokens",
        "decay_steps": "20% tokens", "end_value": 3e-5, "decay_shape": "megatron_exponential"}}
    params = tl.resolve(cfg)["params"]
    assert params["total_steps"] == 190_735  # 190734.86
    assert params["warmup_steps"] == 381  # 2e8 / 524288 = 381.47
    assert params["decay_steps"] == 38_147  # 2e10 / 524288 = 38146.97
    s = jaxsched.from_config(cfg, timeline=tl)
    assert (s.total_steps, s.warmup_steps, s.decay_steps) == (190_735, 381, 38_147)
    # milestones convert elementwise; a unit outside a step parameter still raises
    ms = tl.resolve({"type": "piecewise_constant_schedule", "params": {
        "init_value": 1.0, "boundaries_and_scales": {"1e9 tokens": 0.5}}})["params"]
    assert ms["boundaries_and_scales"] == {1907: 0.5}  # 1e9 / 524288 = 1907.35
    with pytest.raises(ValueError, match="`pct_start`='10% tokens': unit strings are accepted only"):
        tl.resolve({"type": "onecycle", "params": {"pct_start": "10% tokens"}})


def test_existing_units_unchanged():
    tl = Timeline(batches_per_epoch=100, epochs=3, gradient_accumulation_steps=4, tokens_per_step=7)
    assert [tl.steps(x) for x in (10, "1 epoch", "0.5ep", "10%", "0.2 total", "250 batches")] == [
        10, 25, 13, 8, 15, 63]
    assert tl.steps("70 tokens") == 10

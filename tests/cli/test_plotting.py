"""jaxsched.plotting.plot: files written, the curves drawn, momentum axis, phases, log scale."""

import struct

import numpy as np
import pytest

import jaxsched
from jaxsched.phases import Phase, phases
from jaxsched.plotting import PHASE_GID, infer_num_steps, plot

plt = pytest.importorskip("matplotlib.pyplot")

ONECYCLE = {"type": "torch.OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 100}}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _phase_lines(ax):
    return [ln for ln in ax.lines if ln.get_gid() == PHASE_GID]


def test_png_written_with_the_hand_computed_warmup_curve(tmp_path):
    path = tmp_path / "warmup.png"
    fig = plot(jaxsched.linear_schedule(0.0, 1.0, 10), 20, path=path, dpi=50, figsize=(6, 3))
    assert _png_size(path) == (300, 150)
    assert path.stat().st_size > 1000
    (line,) = [ln for ln in fig.axes[0].lines if ln.get_gid() != PHASE_GID]
    np.testing.assert_array_equal(line.get_xdata(), np.arange(20))
    expected = [min(k / 10, 1.0) for k in range(20)]  # linear 0 -> 1 over 10 updates, then held
    np.testing.assert_allclose(line.get_ydata(), expected, rtol=0, atol=1e-15)


def test_svg_written(tmp_path):
    path = tmp_path / "cos.SVG"  # the suffix is case-insensitive
    plot({"cos": jaxsched.cosine_decay(1.0, 50)}, 50, path=path)
    text = path.read_text()
    assert "<svg" in text and text.rstrip().endswith("</svg>")


def test_momentum_axis_for_onecycle_config_hand_values():
    fig = plot(ONECYCLE, 100)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "momentum"
    lr = fig.axes[0].lines[0].get_ydata()
    (mom_line,) = fig.axes[1].lines
    mom = mom_line.get_ydata()
    # torch OneCycleLR: starts at max_lr / div_factor and max_momentum; the peak is at update
    # pct_start * total - 1 = 29, where momentum reaches base_momentum.
    assert lr[0] == pytest.approx(0.1 / 25, rel=1e-12) and lr[29] == pytest.approx(0.1, rel=1e-12)
    assert mom[0] == pytest.approx(0.95, rel=1e-12) and mom[29] == pytest.approx(0.85, rel=1e-12)
    assert mom_line.get_linestyle() == "--"
    assert mom_line.get_color() == fig.axes[0].lines[0].get_color()


def test_no_momentum_axis_for_cosine_or_when_switched_off():
    assert len(plot({"type": "cosine_decay", "params": {"init_value": 1.0, "decay_steps": 10}},
                    10).axes) == 1
    assert len(plot(ONECYCLE, 100, momentum=False).axes) == 1
    no_cycle = {"type": "torch.OneCycleLR",
                "params": {"max_lr": 0.1, "total_steps": 100, "cycle_momentum": False}}
    assert len(plot(no_cycle, 100).axes) == 1


def test_mapping_with_pairs_and_labels():
    lr, mom = jaxsched.linear_schedule(0.0, 1.0, 10), jaxsched.constant_schedule(0.9)
    fig = plot({"a": (lr, mom), "b": jaxsched.constant_schedule(0.5)}, 10)
    ax, ax2 = fig.axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["a", "b", "a (momentum)"]
    np.testing.assert_array_equal(ax2.lines[0].get_ydata(), np.full(10, 0.9))
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), np.full(10, 0.5))


def test_per_parameter_rules_one_curve_per_regex_frozen_at_zero():
    rules = jaxsched.param_schedules([("img/.*", jaxsched.linear_schedule(1.0, 0.0, 4)),
                                      (".*", None)])
    ax = plot(rules, 5).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["img/.*", ".* (frozen)"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [1.0, 0.75, 0.5, 0.25, 0.0])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), np.zeros(5))


def test_config_file_and_explicit_steps(tmp_path):
    path = tmp_path / "warm.json"
    path.write_text('{"type": "linear_schedule", "params": {"init_value": 0.0, "end_value": 2.0, '
                    '"transition_steps": 4}}')
    fig = plot(str(path), steps=[0, 1, 3, 8])
    line = fig.axes[0].lines[0]
    np.testing.assert_array_equal(line.get_xdata(), [0, 1, 3, 8])
    np.testing.assert_allclose(line.get_ydata(), [0.0, 0.5, 1.5, 2.0], rtol=0, atol=1e-15)


def test_log_scale_log_or_symlog_when_zero():
    assert plot(jaxsched.exponential_decay(1.0, 10, 0.5), 30, log=True).axes[0].get_yscale() == "log"
    ax = plot(jaxsched.linear_schedule(0.0, 1.0, 10), 20, log=True).axes[0]
    assert ax.get_yscale() == "symlog"
    assert ax.yaxis.get_transform().linthresh == pytest.approx(0.1)  # the smallest positive value
    assert plot(jaxsched.linear_schedule(0.0, 1.0, 10), 20).axes[0].get_yscale() == "linear"


def test_phase_lines_follow_phases(monkeypatch):
    s = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=100)
    fig = plot(s, 150)
    expected = [p.start for p in phases(s, 150)][1:]
    assert len(expected) >= 2  # warmup | decay | end value
    assert [ln.get_xdata()[0] for ln in _phase_lines(fig.axes[0])] == expected
    assert _phase_lines(plot(s, 150, phases=False).axes[0]) == []
    # drawing follows whatever the phase list says; boundaries past the range are not drawn
    fake = [Phase(0, 5, "a"), Phase(5, 12, "b"), Phase(12, 40, "c"), Phase(40, None, "d")]
    monkeypatch.setattr("jaxsched.phases.phases", lambda sched, n=None: fake)
    ax = plot(s, 30).axes[0]
    assert [ln.get_xdata()[0] for ln in _phase_lines(ax)] == [5, 12]
    assert [t.get_text().strip() for t in ax.texts] == ["a", "b", "c"]


def test_inferred_num_steps():
    s = jaxsched.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=100)
    assert infer_num_steps(s) == 110  # last phase opens at 100 (end value): 10% more shown
    assert len(plot(s).axes[0].lines[0].get_xdata()) == 110
    fig = plot({"short": jaxsched.linear_schedule(0.0, 1.0, 10), "long": s})
    assert len(fig.axes[0].lines[0].get_xdata()) == 110  # the longest horizon wins
    periodic = jaxsched.cosine_restarts(1.0, 10, period_mult=2)
    assert infer_num_steps(periodic) == 10 + 20 + 40 + 80  # the first 4 cycles
    assert infer_num_steps(jaxsched.constant_schedule(1.0)) is None


def test_draw_into_given_axes():
    fig0 = plt.figure()
    ax = fig0.add_subplot()
    assert plot(jaxsched.constant_schedule(1.0), 5, ax=ax, title="t") is fig0
    assert ax.get_title() == "t" and len(ax.lines) == 1


def test_errors(tmp_path):
    s = jaxsched.linear_schedule(0.0, 1.0, 10)
    with pytest.raises(ValueError, match=r"\.png, \.svg"):
        plot(s, 10, path=tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(ValueError, match="num_steps"):
        plot(jaxsched.constant_schedule(1.0))
    with pytest.raises(ValueError, match="num_steps"):
        plot(s, 0)
    with pytest.raises(ValueError, match="not both"):
        plot(s, 10, steps=[1, 2])
    with pytest.raises(TypeError, match="Schedule"):
        plot({"x": 3.0}, 10)
    with pytest.raises(ValueError, match="init_valu.*valid parameters"):
        plot({"type": "cosine_decay", "params": {"init_valu": 1.0, "decay_steps": 10}}, 10)
    with pytest.raises(ValueError, match="empty"):
        plot({}, 10)


def test_vector_valued_schedule_draws_a_curve_per_component():
    mix = jaxsched.mixture_weights([[0, {"a": 3, "b": 1}], [60, {"a": 1, "b": 1}]],
                                   interpolate=True)
    fig = plot(mix, 100, phases=False)
    lines = fig.axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == ["a", "b"]
    # hand values: a = 0.75 -> 0.5 over 60 steps, then held; b = 1 - a
    np.testing.assert_allclose(lines[0].get_ydata()[[0, 30, 99]], [0.75, 0.625, 0.5])
    np.testing.assert_allclose(lines[1].get_ydata()[[0, 30, 99]], [0.25, 0.375, 0.5])
    fig = plot({"m": mix, "lr": jaxsched.cosine_decay(1.0, 100)}, 100, phases=False)
    assert [ln.get_label() for ln in fig.axes[0].get_lines()] == ["m: a", "m: b", "lr"]


def test_show_prints_vector_rows():
    from jaxsched.cli.commands import _num

    assert _num(np.array([0.75, 0.25])) == "[0.75, 0.25]"
    assert _num(0.5) == "0.5"

"""Every ```python block of README.md runs as written, on its own, in a fresh namespace.

A reader copies one block into a file or a notebook cell: it must bring its own imports and
its (tiny) data. Each block is executed with ``exec`` in an empty namespace, in a temporary
working directory (blocks write ``schedules.png`` and ``lr_find.png``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(text: str) -> list[str]:
    """The source of each ```python block of ``text``, in order."""
    return _BLOCK.findall(text)


TEXT = README.read_text(encoding="utf-8")
BLOCKS = python_blocks(TEXT)

#: Sections whose blocks are excerpts of multi-device or multi-process runs (8 host devices set
#: before jax starts, two JAX processes, two torch ranks): they cannot run in this process, so
#: the section must name the test files that run them in full, and those files must exist.
EXCERPT_SECTIONS = ("## Multi-device and multi-process training",)


def _excerpt_section(index: int) -> str | None:
    """The excerpt section holding block ``index``, or None."""
    pos = [m.start() for m in _BLOCK.finditer(TEXT)][index]
    for title in EXCERPT_SECTIONS:
        start = TEXT.find(title)
        end = TEXT.find("\n## ", start + 1)
        if start != -1 and start < pos < (end if end != -1 else len(TEXT)):
            return TEXT[start:end]
    return None


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i + 1}")
def test_readme_block_runs_on_its_own(index, tmp_path, monkeypatch, capsys):
    section = _excerpt_section(index)
    if section is not None:
        named = set(re.findall(r"tests/scaleout/[\w/]+\.py", section))
        assert named, "an excerpt section must name the tests that run its recipes"
        for path in named:
            assert (README.parent / path).exists(), path
        pytest.skip(f"an excerpt of a multi-process run, run in full by {sorted(named)}")
    pytest.importorskip("matplotlib")
    if "torch" in BLOCKS[index]:
        pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    source = BLOCKS[index]
    namespace: dict = {"__name__": f"readme_block_{index + 1}"}
    exec(compile(source, f"README.md python block {index + 1}", "exec"), namespace)  # noqa: S102
    try:
        import matplotlib.pyplot as plt

        plt.close("all")
    except ImportError:  # pragma: no cover
        pass


def test_printed_objects_are_summaries_not_arrays(tmp_path, monkeypatch, capsys):
    """The README prints an LRFindResult and a Scheduler: one line each, no array dumps."""
    pytest.importorskip("torch")
    monkeypatch.chdir(tmp_path)
    for source in BLOCKS:
        if "print(result)" in source or "print(sched)" in source:
            exec(compile(source, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
    out = capsys.readouterr().out
    assert "LRFindResult(suggestion_steepest=" in out and "jaxsched.torch.Scheduler(schedule=" in out
    assert "array(" not in out and "[" not in out.split("LRFindResult(")[1].split(")")[0]

"""Build (and execute) the notebooks in this folder from their sources in ``_nb_*.py``.

Usage, from the repository root::

    python notebooks/_build.py                 # build and execute every notebook
    python notebooks/_build.py gallery sweep_vmap
    python notebooks/_build.py --no-execute    # write them without outputs

Each ``_nb_<name>.py`` module defines ``cells() -> list[tuple[str, str]]`` of ``("md" | "code",
source)``. Executed notebooks are written with their outputs (small, low-dpi PNGs), without
per-cell timings, so that rebuilding an unchanged notebook gives an almost unchanged file.
Not part of the package; ``tests/docs/test_notebooks.py`` executes the stored notebooks.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAMES = ("gallery", "optax_onecycle", "sweep_vmap", "torch_bridge", "lr_finder", "large_scale")

__all__ = ["NAMES", "build", "doc_markdown", "rst_to_markdown"]


# --------------------------------------------------------------------------------------------
# docstrings (reStructuredText, Google style) -> notebook markdown


def _inline(text: str) -> str:
    """Inline reST roles and literals to markdown."""
    text = re.sub(r":math:`([^`]*)`", lambda m: f"${m.group(1)}$", text)
    text = re.sub(r":(?:func|class|mod|meth|attr):`~?([^`]*)`", r"`\1`", text)
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    return text


def rst_to_markdown(text: str) -> str:
    """Convert the reST subset used in jaxsched docstrings to Jupyter markdown.

    ``.. math::`` blocks become ``$$ ... $$`` display math, ``:math:`x``` inline ``$x$``,
    ``:func:`x``` and double-backtick literals become code spans.
    """
    out: list[str] = []
    prose: list[str] = []  # converted together: a literal may span a line break
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.startswith(".. math::"):
            body = [stripped[len(".. math::"):].strip()]
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith(" ")):
                body.append(lines[i].strip())
                i += 1
            math = "\n".join(b for b in body if b)
            out += [_inline("\n".join(prose)), "", "$$", math, "$$", ""]
            prose = []
            continue
        prose.append(lines[i])
        i += 1
    out.append(_inline("\n".join(prose)))
    md = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", md).strip()


def _sections(doc: str) -> tuple[str, str]:
    """(description before ``Args:``, text of the ``Equivalents:`` section)."""
    head = re.split(r"^(?:Args|Returns|Raises|Example|Examples|Equivalents):\s*$", doc, maxsplit=1,
                    flags=re.M)[0]
    match = re.search(r"^Equivalents:\s*$(.*?)(?=^\S|\Z)", doc, flags=re.M | re.S)
    equivalents = " ".join(line.strip() for line in match.group(1).splitlines()) if match else ""
    return head.strip(), equivalents.strip()


def doc_markdown(func) -> str:
    """Markdown for one constructor: signature, formula (from its docstring), peers."""
    doc = inspect.getdoc(func) or ""
    head, equivalents = _sections(doc)
    params = ", ".join(inspect.signature(func).parameters)
    parts = [f"#### `{func.__name__}({params})`", "", rst_to_markdown(head)]
    if equivalents:
        parts += ["", "**Peers:** " + _inline(equivalents)]
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# building and executing


def _notebook(cells):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, source in cells:
        source = source.strip("\n")
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(source))
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k:02d}"  # stable ids: rebuilding does not churn the files
    return nb


def _clean(nb) -> None:
    """Drop what churns between runs: timings, the interpreter's patch version."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    info = nb.metadata.get("language_info", {})
    for key in ("version", "pygments_lexer"):
        info.pop(key, None)


def execute(nb, timeout: int = 300):
    """Execute ``nb`` in place in a scratch directory (kernel python3); return it."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="jaxsched_nb_") as tmp:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": tmp}}).execute()
    _clean(nb)
    return nb


def build(name: str, run: bool = True) -> Path:
    """Build notebook ``name`` (optionally executing it) and write ``<name>.ipynb``."""
    import nbformat

    sys.path.insert(0, str(HERE))
    try:
        module = importlib.import_module(f"_nb_{name}")
    finally:
        sys.path.remove(str(HERE))
    nb = _notebook(module.cells())
    if run:
        start = time.perf_counter()
        execute(nb)
        print(f"{name}: executed in {time.perf_counter() - start:.1f} s")
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, path)
    print(f"{name}: {path.stat().st_size / 1024:.0f} KiB")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"notebooks to build (default: all of {NAMES})")
    parser.add_argument("--no-execute", action="store_true", help="write without outputs")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(NAMES))
    if unknown:
        parser.error(f"unknown notebook(s) {unknown}; choose from {list(NAMES)}")
    for name in args.names or NAMES:
        build(name, run=not args.no_execute)
    return 0


if __name__ == "__main__":
    sys.exit(main())

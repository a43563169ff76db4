"""The notebooks in notebooks/: each executes without error, and the stored files stay small.

Execution runs a scratch copy of each notebook (the repository's files are never rewritten) in
a ``python3`` kernel with nbclient, as Jupyter would: cells, magics and inline figures. One kernel
serves the notebooks a test worker runs, each starting from an empty namespace (``%reset``) in
its own directory; sharing it spares each notebook a kernel start and the imports of JAX, torch
and matplotlib, seconds apiece. The notebooks check their own claims with asserts
(applied hyperparameters equal the schedules, one compile per sweep, bit-identical resume,
parity with torch's schedulers), so a regression fails a cell and this test.
"""

from __future__ import annotations

import inspect
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

import jaxsched

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = {"gallery", "optax_onecycle", "sweep_vmap", "torch_bridge", "lr_finder", "large_scale"}
MAX_BYTES = 1_500_000          # per stored notebook (outputs are low-dpi PNGs)
CELL_TIMEOUT_S = 240           # per cell; a whole notebook takes seconds to tens of seconds


def _ids(path: Path) -> str:
    return path.stem


def test_every_notebook_is_there():
    assert EXPECTED <= {p.stem for p in NOTEBOOKS}, f"missing: {EXPECTED - {p.stem for p in NOTEBOOKS}}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_stored_notebook_is_small_and_clean(path):
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, path.name
    for k, cell in enumerate(code):
        assert cell.execution_count is not None, f"{path.name}: code cell {k} was not executed"
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name}: cell {k} stores an error"
            if out.output_type == "stream":
                assert "Traceback" not in out.text, f"{path.name}: cell {k} stores a traceback"
    text = json.dumps([c.get("outputs", []) for c in code])
    for marker in ("/work/", "/tmp/", "/home/", "/root/"):
        assert marker not in text, f"{path.name}: an output holds a machine path ({marker})"


def _schedule_constructors() -> list[str]:
    """Public functions of jaxsched whose annotated return type is a Schedule class."""
    names = []
    for name in jaxsched.__all__:
        fn = getattr(jaxsched, name)
        if not inspect.isfunction(fn):
            continue
        ret = inspect.signature(fn).return_annotation
        options = [fn.__globals__.get(r.strip()) for r in ret.split("|")] if isinstance(ret, str) else [ret]
        if all(isinstance(cls, type) and issubclass(cls, jaxsched.Schedule) for cls in options):
            names.append(name)
    return names


def test_gallery_shows_every_schedule_constructor():
    names = _schedule_constructors()
    assert len(names) > 40  # the catalog; guards the discovery itself
    nb = nbformat.read(NOTEBOOK_DIR / "gallery.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    docs = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    missing_plot = [n for n in names if f"jaxsched.{n}(" not in code]
    missing_doc = [n for n in names if f"#### `{n}(" not in docs]
    assert not missing_plot, f"not plotted in the gallery: {missing_plot}"
    assert not missing_doc, f"no formula section in the gallery: {missing_doc}"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """One started kernel and its client, shut down after the module's last notebook."""
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path_factory.mktemp("kernel")))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def _run(nb, kernel) -> None:
    km, kc = kernel
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT_S, kernel_name="python3")
    client.kc = kc
    client.execute()  # raises CellExecutionError (with the cell and traceback) on any error


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_notebook_executes(path, tmp_path, kernel):
    copy = tmp_path / path.name
    shutil.copyfile(path, copy)
    nb = nbformat.read(copy, as_version=4)
    # an empty namespace and the notebook's own directory, as in a fresh kernel
    fresh = nbformat.v4.new_code_cell(f"%reset -f\n%cd {str(tmp_path)!r}")
    nb.cells.insert(0, fresh)
    _run(nb, kernel)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert all(out.output_type != "error" for out in cell.outputs)
    # the namespace really was emptied: a name the previous notebook left is gone
    check = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "%reset -f\nhidden = get_ipython().user_ns_hidden\n"
        "left = [k for k in globals() if not k.startswith('_') and k not in hidden]\n"
        "assert left == ['hidden'], left")])
    _run(check, kernel)

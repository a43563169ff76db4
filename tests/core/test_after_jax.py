"""``jaxsched.core.after_jax``: code run once JAX is imported (``import jaxsched`` imports no JAX).

The path through the import hook (a schedule built before ``import jax`` is a pytree after it)
is checked in a fresh interpreter by ``test_core.test_jaxsched_imports_neither_torch_nor_jax_until_used``.
"""

from __future__ import annotations

import subprocess
import sys

import jax

from jaxsched.core import after_jax


def test_runs_at_once_when_jax_is_imported():
    seen = []
    after_jax.when_imported(lambda: seen.append(jax.tree_util is not None))
    assert seen == [True]
    assert not any(isinstance(f, after_jax._AfterJax) for f in sys.meta_path)


def test_an_import_the_hook_did_not_see_is_caught_by_the_first_call():
    """Another finder ahead of the hook answers ``import jax`` (so the hook never runs): the
    first ``schedule(count)`` registers the pending classes before anything uses them."""
    code = (
        "import sys, importlib.machinery\n"
        "import jaxsched\n"
        "from jaxsched.core import after_jax\n"
        "class Ahead:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        return importlib.machinery.PathFinder.find_spec(name, path) if name == 'jax' else None\n"
        "sys.meta_path.insert(0, Ahead())\n"
        "import jax\n"
        "assert after_jax._PENDING, 'the hook ran: this test checks the other path'\n"
        "s = jaxsched.cosine_decay(1.0, 10)\n"
        "assert abs(float(s(5)) - 0.5) < 1e-7  # half-way down the cosine: 1/2\n"
        "assert not after_jax._PENDING\n"
        "assert jax.tree_util.tree_leaves(s) == [1.0, 10, 0.0, 1.0]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

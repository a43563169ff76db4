"""The benchmark suite measures the checkout it lives in.

``python benchmarks/run.py`` puts ``benchmarks/`` first on ``sys.path``, not the checkout, so
without ``benchmarks/harness.py`` putting the checkout there, ``import jaxsched`` finds what is
installed: from a second work tree, an editable install of another checkout. (A full run from
a work tree once reported plateau and device-mode step times 50x the work tree's own: they
were the installed checkout's older code.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmarks_import_jaxsched_from_their_own_checkout(tmp_path):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import harness, jaxsched; "
            "print(jaxsched.__file__); print(harness.jaxsched_source()['this_checkout'])")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "benchmarks")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    path, mine = out.stdout.split()
    assert Path(path).resolve() == ROOT / "jaxsched" / "__init__.py"
    assert mine == "True"

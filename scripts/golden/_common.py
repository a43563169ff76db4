"""Shared helpers for the golden-vector generators in this folder.

Not part of the jaxsched package and never imported by the tests: the tests only read the
JSON files these scripts write under tests/config/golden/.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GOLDEN_DIR = REPO / "tests" / "config" / "golden"

CONVENTION = ("values[k] is the value the library's own training loop applies to optimizer update k "
              "(0-based)")


def fetch_dist(package: str, version: str, dest: str | None = None) -> Path:
    """`pip download --no-deps package==version` into dest (a temp dir by default); returns the file.

    Only the distribution file itself is fetched (no dependencies, nothing installed).
    """
    dest = dest or tempfile.mkdtemp(prefix=f"golden-{package}-")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q",
           f"{package}=={version}", "-d", dest]
    print("running:", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    files = sorted(Path(dest).glob(f"{package}-{version}*"))
    if not files:
        raise SystemExit(f"pip download left no {package}-{version}* file in {dest}")
    return files[0]


def to_float(x) -> float:
    """A plain Python float from a float, numpy scalar, 0-d array or 0-d tensor."""
    if hasattr(x, "item"):
        x = x.item()
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"non-finite value {x!r} cannot go into a golden file")
    return x


class Checker:
    """Compares generated cases with the verified vectors quoted in anchors.md (d)/(b*)."""

    def __init__(self, cases: list[dict]):
        self.by_id = {c["id"]: c for c in cases}
        self.failures: list[str] = []
        self.count = 0

    def check(self, case_id: str, expected, atol: float, key: str = "lr", source: str = "") -> None:
        self.count += 1
        got = self.by_id[case_id][key][: len(expected)]
        if len(got) < len(expected):
            diff = math.inf
        else:
            diff = max(abs(a - b) for a, b in zip(got, expected))
        ok = diff <= atol
        status = "ok  " if ok else "FAIL"
        print(f"CHECK {status} {case_id} [{key}] vs {source or 'anchors.md'}: max|diff| = {diff:.3g} "
              f"(atol {atol:g})")
        if not ok:
            print(f"      expected {list(expected)}")
            print(f"      got      {[round(v, 8) for v in got]}")
            self.failures.append(case_id)

    def check_value(self, label: str, got: float, expected: float, atol: float, source: str = "") -> None:
        self.count += 1
        ok = abs(got - expected) <= atol
        print(f"CHECK {'ok  ' if ok else 'FAIL'} {label} vs {source or 'anchors.md'}: got {got!r}, "
              f"expected {expected!r} (atol {atol:g})")
        if not ok:
            self.failures.append(label)

    def finish(self) -> None:
        print(f"{self.count - len(self.failures)}/{self.count} reference checks agree")
        if self.failures:
            raise SystemExit(f"reference checks disagree: {self.failures}; golden file NOT written")


def _dumps(obj) -> str:
    return json.dumps(obj, allow_nan=False, separators=(",", ":"))


def write_golden(filename: str, header: dict, cases: list[dict],
                 rejected: list[dict] | None = None,
                 sections: dict[str, list[dict]] | None = None) -> Path:
    """Write tests/config/golden/<filename>: header keys one per line, then one case per line.

    ``sections`` are further lists of records (other objects of the library, e.g. a curriculum
    or an EMA), each written one record per line under its own key, before ``cases``.
    """
    ids = [c["id"] for c in cases]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise SystemExit(f"duplicate case ids: {sorted(dup)}")
    for c in cases:
        n = c["steps"]
        for key, val in c.items():
            if key in ("lr", "lr_jit", "momentum", "beta1", "beta2") and len(val) != n:
                raise SystemExit(f"case {c['id']}: {key} has {len(val)} values, steps={n}")
    head = {k: header[k] for k in ("library", "version", "generator")}
    head["date"] = datetime.date.today().isoformat()
    head["convention"] = header.get("convention", CONVENTION)
    head.update({k: v for k, v in header.items() if k not in head})
    head["python"] = platform.python_version()
    head["case_count"] = len(cases)
    lines = ["{"]
    for key, val in head.items():
        lines.append(f"{json.dumps(key)}:{_dumps(val)},")
    if rejected is not None:
        lines.append('"rejected":[')
        lines.append(",\n".join(_dumps(r) for r in rejected))
        lines.append("],")
    for key, records in (sections or {}).items():
        lines.append(f"{json.dumps(key)}:[")
        lines.append(",\n".join(_dumps(r) for r in records))
        lines.append("],")
    lines.append('"cases":[')
    lines.append(",\n".join(_dumps(c) for c in cases))
    lines.append("]}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # round-trip sanity
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    path = GOLDEN_DIR / filename
    path.write_text(text)
    size = os.path.getsize(path)
    print(f"wrote {path.relative_to(REPO)}: {len(cases)} cases, {size / 1024:.1f} KiB")
    if size > 1024 * 1024:
        raise SystemExit(f"{path} is over 1 MiB")
    return path

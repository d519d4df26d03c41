"""One `verify all` over the repository's claims/ per test session, into temporary folders only.

Both tests marked `library` (tests/test_cli.py checks every verdict, tests/test_browser.py looks
at every page of the report) use the same run: the first to ask starts it, later ones read what it
left in the session's base temporary folder. Nothing is written inside the repository: the report
and the cache live in the temporary folder (`--no-cache` checks everything again).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import os

# the project whose claims/ the run checks: this repository (VERIFY_LIBRARY_ROOT points the
# library tests at another project, e.g. a small copy, to try them out cheaply)
REPO = Path(os.environ.get("VERIFY_LIBRARY_ROOT") or Path(__file__).resolve().parents[1])


WATCHED = ("reports",)  # the repository's own report: the test suite must leave it alone


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()} if folder.is_dir() else {}


def library_run(tmp_path_factory) -> dict:
    """{"out": report folder, "returncode", "stdout", "stderr", "seconds", "changed_in_repo": files of
    the repository's reports/ that the run created, removed or changed}."""
    base = tmp_path_factory.getbasetemp() / "library-run"
    record = base / "run.json"
    if record.exists():
        return json.loads(record.read_text())
    base.mkdir(parents=True, exist_ok=True)
    out = base / "reports"
    before = {name: _tree(REPO / name) for name in WATCHED}
    start = time.perf_counter()
    # the default limits: they count CPU time per check, so a loaded machine (another process on
    # both cores) gets the same verdicts as a quiet one (tests/test_load_independence.py)
    proc = subprocess.run([sys.executable, "-m", "verify.cli", "all", "--no-cache",
                           "--out", str(out), "--cache-dir", str(base / "cache")],
                          cwd=REPO, capture_output=True, text=True, timeout=5400)
    data = {"out": str(out), "returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
            "seconds": round(time.perf_counter() - start, 1),
            "changed_in_repo": sorted(f"{name}/{f}" for name in WATCHED
                                      for f in set(before[name]) ^ set(_tree(REPO / name))
                                      | {f for f, v in _tree(REPO / name).items() if before[name].get(f, v) != v})}
    record.write_text(json.dumps(data))
    return data


VERDICTS = Path(__file__).resolve().parent / "data" / "library_verdicts.json"


def verdicts(results: dict) -> dict:
    """What a run decided, without timings or digits: per claim its status, whether it is as
    expected, each check's outcome and rung and each necessity case's outcome (results.json's
    margins may differ in their last digits between engine versions; these may not)."""
    def check(k: dict) -> str:
        return f"{k.get('kind')} {k.get('name') or ''}".strip() + f": {k.get('outcome')} ({k.get('rung')})"

    return {c["id"]: {"status": c["status"], "as_expected": c["as_expected"],
                      "checks": [check(k) for k in c.get("checks") or []],
                      "necessity": [f"{n.get('drop')}: {n.get('outcome')}" for n in c.get("necessity") or []]}
            for c in sorted(results["claims"], key=lambda c: c["id"])}


if __name__ == "__main__":  # python tests/library_run.py RESULTS.json: store its verdicts as the expected ones
    import sys as _sys
    VERDICTS.write_text(json.dumps(verdicts(json.loads(Path(_sys.argv[1]).read_text())), indent=1) + "\n")
    print(f"wrote {VERDICTS}")

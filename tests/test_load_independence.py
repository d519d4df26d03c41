"""A slow machine must not change a verdict (issue 12, item 5).

The run is confined to one core while a CPU hog runs on that same core, so every worker gets
about half the core: the verdicts (status and as-expected of every claim) must be those of the
quiet run. Limits count CPU time (per check), not wall-clock time; the wall clock is only a
generous safety net. Before the fix, `--timeout` was wall-clock seconds per claim, and a claim
that took most of it quietly timed out under load.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = "depth_ge3_nonstrict_saddle"   # the library's heaviest claim (numerical Hessians at depth 3)


def _closure(cid: str) -> set:
    """The claim and every claim it rests on (a folder must hold what its claims use)."""
    from verify.pipeline import load_folder
    claims = load_folder(ROOT / "claims").claims
    out, todo = set(), [cid]
    while todo:
        c = todo.pop()
        if c not in out:
            out.add(c)
            todo.extend(claims[c].uses)
    return out

pytestmark = [pytest.mark.library,
              pytest.mark.skipif(not shutil.which("taskset"), reason="taskset (util-linux) is not installed")]


def _verdicts(folder: Path, out: Path, timeout: str, hog: bool) -> dict:
    cmd = [sys.executable, "-m", "verify.cli", "all", "--no-cache", "-j", "1", "--claims", str(folder),
           "--out", str(out), "--timeout", timeout]
    hogs = []
    if hog:  # the run and a busy loop share core 0
        cmd = ["taskset", "-c", "0"] + cmd
        hogs = [subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", "while True: pass"])]
    try:
        subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True, timeout=3000,
                       env={**os.environ, "VERIFY_CACHE_DIR": str(out.parent / "cache")})
    finally:
        for h in hogs:
            h.kill()
            h.wait()
    results = json.loads((out / "results.json").read_text())
    return {c["id"]: (c["status"], c["as_expected"], [k["outcome"] for k in c["checks"]])
            for c in results["claims"]}


def test_verdicts_are_the_same_on_a_loaded_core(tmp_path):
    folder = tmp_path / "claims"
    folder.mkdir()
    for cid in _closure(HEAVY):
        shutil.copy(ROOT / "claims" / f"{cid}.yaml", folder)
    # 20 CPU seconds per check: more than any check here needs on a quiet machine, less than the
    # wall-clock time the heaviest claim takes when it gets half a core
    quiet = _verdicts(folder, tmp_path / "quiet", "20", hog=False)
    loaded = _verdicts(folder, tmp_path / "loaded", "20", hog=True)
    assert quiet == loaded
    assert all(v[1] for v in quiet.values()), quiet

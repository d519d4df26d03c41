"""A slow machine must not change a verdict (issue 12, item 5).

The whole library is checked again confined to one core while a CPU hog runs on that same core,
so every worker gets about half a core: every claim's status, as-expected and check outcomes must
be those of the session's ordinary run (tests/library_run.py). Limits count CPU time per check,
not wall-clock time; the wall clock is only a generous safety net. Before the fix, `--timeout`
was wall-clock seconds per claim, and a claim that took most of it quietly timed out under load
(depth_ge3_nonstrict_saddle and gd_ols_min_norm_limit_as_written did, on a loaded 2-core machine).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from library_run import REPO, library_run

pytestmark = [pytest.mark.library,
              pytest.mark.skipif(not shutil.which("taskset"), reason="taskset (util-linux) is not installed")]


def _verdicts(results: dict) -> dict:
    return {c["id"]: (c["status"], c["as_expected"], [k["outcome"] for k in c["checks"]])
            for c in results["claims"]}


def test_the_librarys_verdicts_are_the_same_on_one_loaded_core(tmp_path, tmp_path_factory):
    quiet = library_run(tmp_path_factory)
    assert quiet["returncode"] == 0, quiet["stdout"][-2000:] + quiet["stderr"][-2000:]
    quiet_verdicts = _verdicts(json.loads((Path(quiet["out"]) / "results.json").read_text()))
    out = tmp_path / "loaded"
    hog = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", "while True: pass"])
    try:  # the run and a busy loop share core 0; the default limits, two workers
        proc = subprocess.run(["taskset", "-c", "0", sys.executable, "-m", "verify.cli", "all", "--no-cache",
                               "-j", "2", "--out", str(out), "--cache-dir", str(tmp_path / "cache")],
                              cwd=REPO, capture_output=True, text=True, timeout=5400)
    finally:
        hog.kill()
        hog.wait()
    loaded = _verdicts(json.loads((out / "results.json").read_text()))
    changed = {cid: (quiet_verdicts.get(cid), v) for cid, v in loaded.items() if quiet_verdicts.get(cid) != v}
    assert not changed, changed
    assert proc.returncode == 0, proc.stdout[-2000:]

"""A slow machine must not change a verdict (issue 12, item 5).

The whole library is checked again confined to one core while a CPU hog runs on that same core,
so every worker gets about half a core: every claim's status, as-expected and check outcomes must
be those of the session's ordinary run (tests/library_run.py). Limits count CPU time per check,
not wall-clock time; the wall clock is only a generous safety net. Before the fix, `--timeout`
was wall-clock seconds per claim, and a claim that took most of it quietly timed out under load
(depth_ge3_nonstrict_saddle and gd_ols_min_norm_limit_as_written did, on a loaded 2-core machine).

The loaded run starts in the background once the ordinary run has ended (tests/library_run.py),
while the pytest workers go on with other tests, which load core 0 further; this test is scheduled
last (conftest.py) and waits for it.
"""

import json
import shutil
from pathlib import Path

import pytest

from library_run import library_run

pytestmark = [pytest.mark.library,
              pytest.mark.skipif(not shutil.which("taskset"), reason="taskset (util-linux) is not installed")]


def _verdicts(results: dict) -> dict:
    return {c["id"]: (c["status"], c["as_expected"], [k["outcome"] for k in c["checks"]])
            for c in results["claims"]}


def test_the_librarys_verdicts_are_the_same_on_one_loaded_core(tmp_path_factory, loaded_library_run):
    quiet = library_run(tmp_path_factory)
    assert quiet["returncode"] == 0, quiet["stdout"][-2000:] + quiet["stderr"][-2000:]
    quiet_verdicts = _verdicts(json.loads((Path(quiet["out"]) / "results.json").read_text()))
    proc = loaded_library_run
    assert proc["returncode"] is not None, proc["stderr"][-2000:]  # not killed by the safety net
    loaded = _verdicts(json.loads((Path(proc["out"]) / "results.json").read_text()))
    changed = {cid: (quiet_verdicts.get(cid), v) for cid, v in loaded.items() if quiet_verdicts.get(cid) != v}
    assert not changed, changed
    assert proc["returncode"] == 0, proc["stdout"][-2000:]

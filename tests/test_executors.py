"""Other executors: a local Dask cluster runs the same checks (skipped only without the extra)."""

import json
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import claim_text
from verify.cli import main

GOOD = claim_text("good", "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: sqrt(x) <= (x + 1) / 2\n    n: 5\n")
BROKEN = claim_text("broken", "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: sqrt(x) >= (x + 1) / 2\n    n: 5\n")


def test_dask_cluster_gives_the_same_results(tmp_path, write_claim):
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed (pip install 'verify[dask]')")
    write_claim("good", GOOD)
    write_claim("broken", BROKEN)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        main(["all", "-j", "1", "--no-cache", "--out", "local"])
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster:
            url = "dask://" + cluster.scheduler_address.replace("tcp://", "")
            code = main(["all", "--no-cache", "--executor", url, "--out", "dask"])
    finally:
        os.chdir(cwd)
    assert code == 1
    local = json.loads((tmp_path / "local" / "results.json").read_text())
    remote = json.loads((tmp_path / "dask" / "results.json").read_text())
    def strip(r):  # run times differ from run to run; everything else must not
        return [{k: ([{kk: vv for kk, vv in ch.items() if kk != "timings"} for ch in v] if k == "checks" else v)
                 for k, v in c.items() if k != "duration_s"} for c in r["claims"]]
    assert strip(local) == strip(remote)


def test_junit_format(tmp_path, write_claim, capsys):
    write_claim("good", GOOD)
    write_claim("broken", BROKEN)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["all", "--format", "junit", "--no-cache"]) == 1
    finally:
        os.chdir(cwd)
    suite = ET.fromstring(capsys.readouterr().out)
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["broken"].find("failure") is not None and cases["good"].find("failure") is None
    assert {p.get("name"): p.get("value") for p in cases["good"].iter("property")}["status"] == "proved"  # by z3

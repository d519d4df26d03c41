"""pytest plugin: claim files as test items (`pytest claims`), one item per claim, named by its id.

Registered through the `pytest11` entry point. A claim passes when its evidence agrees with its
`expect` (an expected-false claim passes when it is refuted). A failure shows the file and line,
the verdict, the counterexample and the seed that replays it; `--junitxml` records each claim's
status as properties. SymPy is imported only when a claim runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == "claims":
        return ClaimFile.from_parent(parent, path=file_path)
    return None


class ClaimFile(pytest.File):
    def collect(self):
        from verify.validate import load_claim
        claim, problems = load_claim(self.path, str(self.path))
        if problems:
            raise ClaimFileInvalid("\n".join(str(p) for p in problems))
        yield ClaimItem.from_parent(self, name=claim.id, claim=claim)


class ClaimFileInvalid(Exception):
    """A claim file that does not validate: reported as a collection error, no traceback."""


class ClaimItem(pytest.Item):
    def __init__(self, *, claim, **kwargs):
        super().__init__(**kwargs)
        self.claim = claim
        self.record = None

    def runtest(self):
        from verify.check_claim import check_claim
        seed = self.config.getoption("verify_seed", None)
        self.record = rec = check_claim(self.claim, seed)
        self.user_properties += [("status", rec["status"]), ("expect", self.claim.expect),
                                 ("seed", str(rec["seed"])), ("file", self.claim.file)]
        if not rec["as_expected"]:
            raise ClaimNotAsExpected(rec)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ClaimNotAsExpected):
            return _describe(self.claim, excinfo.value.record)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.claim.line - 1, f"claim {self.claim.id}"


class ClaimNotAsExpected(Exception):
    def __init__(self, record):
        super().__init__(record["status"])
        self.record = record


def _describe(claim, rec) -> str:
    lines = [f"{claim.file}:{claim.line}: {claim.id}: {rec['status']} (expected {claim.expect})"]
    for c in rec["checks"]:
        if c["outcome"] not in ("proved", "certified", "supported", "statistical", "cited"):
            lines.append(f"  {claim.file}:{c.get('line', '?')}: {c['kind']} {c.get('name') or ''}: "
                         f"{c['outcome']} - {c['message']}")
            cex = c.get("counterexample")
            if cex:
                vals = ", ".join(f"{k} = {v}" for k, v in cex["values"].items())
                lines.append(f"    counterexample: {vals}")
    for n in rec["necessity"]:
        if n["outcome"] != "needed":
            lines.append(f"  without {n['drop']}: {n['outcome']} - {n.get('message', '')}")
    lines.append(f"  replay: verify check {claim.id} --seed {rec['seed']}")
    return "\n".join(lines)


def pytest_addoption(parser):
    parser.addoption("--verify-seed", dest="verify_seed", type=int, default=None,
                     help="seed for every claim (default: a stable hash of each claim's id)")

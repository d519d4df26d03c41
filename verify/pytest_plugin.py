"""pytest plugin: claim files as test items (`pytest claims`), one item per claim, named by its id.

Claim files are collected wherever pytest is pointed: a YAML file is a claim file when its
top-level mapping has an `id:` key and a `checks:` or `expect:` key, when it lies in a folder named
`claims`, or when it lies under a path listed in the `verify_claims` ini option (then every YAML
file there is one). An invalid claim file is a collection error that shows its problems located
(`file:line:col: message`), without a traceback. When nothing is collected, the plugin says so
for each folder it was pointed at.

Registered through the `pytest11` entry point. A claim passes when its evidence agrees with its
`expect` (an expected-false claim passes when it is refuted). A failure shows the file and line,
the verdict, the counterexample and the seed that replays it (verify.explain); `--junitxml`
records each claim's status as properties. SymPy is imported only when a claim runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest


_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:", re.M)
_SNIFF_BYTES = 64 * 1024


def looks_like_claim(path: Path) -> bool:
    """A YAML file whose top-level mapping has an `id:` key and a `checks:` or `expect:` key
    (read from the file's first 64 KB; no YAML parser, so nothing in the file is run or loaded)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    keys = set(_TOP_KEY.findall(head))
    return "id" in keys and bool(keys & {"checks", "expect"})


def _in_claim_paths(config, file_path: Path) -> bool:
    """Whether `file_path` lies in a file or folder listed in the `verify_claims` ini option."""
    for p in config.getini("verify_claims") or []:
        p = Path(p)
        if file_path == p or p in file_path.parents:
            return True
    return False


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    if _in_claim_paths(config, file_path) or file_path.parent.name == "claims" or looks_like_claim(file_path):
        config.stash[_COLLECTED] = config.stash.get(_COLLECTED, 0) + 1
        return ClaimFile.from_parent(parent, path=file_path)
    config.stash[_SKIPPED] = config.stash.get(_SKIPPED, []) + [file_path]
    return None


_COLLECTED = pytest.StashKey[int]()
_SKIPPED = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """When nothing was collected, say why for each folder pytest was pointed at."""
    if exitstatus != pytest.ExitCode.NO_TESTS_COLLECTED or config.stash.get(_COLLECTED, 0):
        return
    skipped = config.stash.get(_SKIPPED, [])
    for arg in config.args:
        folder = Path(arg.split("::")[0])
        if not folder.is_dir():
            continue
        here = [p for p in skipped if folder.resolve() in p.resolve().parents]
        msg = f"verify: no claim files in {arg}"
        if here:
            msg += (f" ({len(here)} YAML file{'s' if len(here) != 1 else ''} there do not look like claims: "
                    "a claim file is a YAML mapping with an `id:` key and a `checks:` or `expect:` key)")
        msg += "; list claim files or folders under `verify_claims` in the pytest ini options to collect them all"
        terminalreporter.write_line(msg, yellow=True)


class ClaimFile(pytest.File):
    def collect(self):
        from verify.validate import load_claim
        claim, problems = load_claim(self.path, str(self.path))
        if problems:
            raise ClaimFileInvalid("\n".join(str(p) for p in problems))
        yield ClaimItem.from_parent(self, name=claim.id, claim=claim)


class ClaimFileInvalid(pytest.Collector.CollectError):
    """A claim file that does not validate: a collection error that shows its located problems
    (`file:line:col: message`) and no traceback, as pytest's own collection errors do."""


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
    """The failure: the claim's record, located and with its replay command (verify.explain)."""
    from verify.explain import explain, replay_command
    return "\n".join(explain({**rec, "id": claim.id, "file": claim.file, "line": claim.line,
                               "expect": claim.expect, "replay": replay_command(claim.file, rec["seed"])}))


def pytest_addoption(parser):
    parser.addini("verify_claims", type="paths", default=[],
                  help="files or folders whose YAML files are all claim files (by default, a YAML file "
                       "is a claim when it has top-level id: and checks: or expect: keys, or lies in a "
                       "folder named claims)")
    parser.addoption("--verify-seed", dest="verify_seed", type=int, default=None,
                     help="seed for every claim (default: a stable hash of each claim's id)")

"""Shared fixtures: write claim files into a temporary folder and check them in-process."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Optional

import pytest

from verify.check_claim import check_claim
from verify.validate import load_claim

BASE = """\
id: {id}
kind: lemma
title: a test claim
statement: 'x'
source: {{note: test.txt, section: s, quote: q}}
uses: {uses}
expect: {expect}
"""


def claim_text(id_="t", body="", uses="[]", expect="holds", extra=""):
    """A claim file: the required header plus `body` (YAML, dedented)."""
    head = BASE.format(id=id_, uses=uses, expect=expect)
    return head + extra + textwrap.dedent(body)


@pytest.fixture(autouse=True, scope="session")
def _private_config_home(tmp_path_factory):
    """The cache's signing key (and any other configuration) lives in a temporary folder: the
    test suite writes nothing into the user's home."""
    import os
    old = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config-home"))
    yield
    if old is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = old


@pytest.fixture
def write_claim(tmp_path):
    """write_claim(name, text) -> Path in a fresh claims folder."""
    folder = tmp_path / "claims"
    folder.mkdir()

    def write(name: str, text: str) -> Path:
        p = folder / f"{name}.yaml"
        p.write_text(text, encoding="utf-8")
        return p
    write.folder = folder
    return write


def load_text(tmp_path: Path, text: str, name: str = "t"):
    """Write one claim file (`tmp_path/name.yaml`) and load it; fail the test if it is invalid."""
    p = tmp_path / f"{name}.yaml"
    p.write_text(text, encoding="utf-8")
    claim, problems = load_claim(p)
    assert not problems, "\n".join(str(x) for x in problems)
    return claim


def run_text(tmp_path: Path, text: str, name: str = "t", seed: Optional[int] = None) -> dict:
    """Load and check one claim given as text (check_claim's record); fail if the file is invalid."""
    return check_claim(load_text(tmp_path, text, name), seed)


def run_first(tmp_path: Path, text: str, name: str = "t", seed: Optional[int] = None, **settings) -> dict:
    """The record of the claim's first check alone, run by its check kind with `Settings(seed,
    **settings)` (seed: the claim's stable seed unless given); no necessity cases, no graph."""
    from verify.check_claim import stable_seed
    from verify.checks import CHECKS, Settings
    claim = load_text(tmp_path, text, name)
    spec = claim.checks[0]
    seed = stable_seed(claim.id) if seed is None else seed
    return CHECKS[spec.kind].run(spec, claim, Settings(seed=seed, **settings))


@pytest.fixture
def file_reads(monkeypatch):
    """A Counter: how many times each file (by resolved path) is opened for reading, through
    os.open or Path.read_bytes / read_text."""
    import collections
    import os
    reads: collections.Counter = collections.Counter()
    real_open, real_bytes, real_text = os.open, Path.read_bytes, Path.read_text

    def counted(path):
        try:
            reads[Path(path).resolve()] += 1
        except (OSError, RuntimeError, TypeError):
            pass

    def os_open(path, flags, *args, **kwargs):
        if not flags & (os.O_WRONLY | os.O_RDWR):
            counted(path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(Path, "read_bytes", lambda self: (counted(self), real_bytes(self))[1])
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: (counted(self), real_text(self, *a, **k))[1])
    return reads


def problems_of(tmp_path: Path, text: str, name: str = "t") -> list:
    p = tmp_path / f"{name}.yaml"
    p.write_text(text, encoding="utf-8")
    return load_claim(p)[1]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the time of the full `verify all` run (tests/test_cli.py::test_repo_claims_all_as_expected)."""
    for line in getattr(config, "_verify_all", []):
        terminalreporter.write_line(f"verify all on the repository: {line}")


# -- pytest-xdist: README's `pytest` runs on two workers (`-n 2` in pyproject.toml's addopts) ----

_LIBRARY_IDS = "library-tests"  # files in the session's base temporary folder, one per worker

# Scheduling only (no test depends on it): the tests that took the most CPU time, measured on the
# 2-core machine (December 2025), longest first. They go first, so that the small tests fill the
# end of the session and no long one starts last; the library's tests go last (they wait for the
# session's library run, which starts in the background when collection ends). Not here:
# test_hostile.py::test_hang_and_memory_hog_are_contained (14 s): its `--memory-mb 300` workers
# are forked from the pytest process, which maps about 280 MB once every test module is imported;
# run first in a fresh worker they crashed (later in a session they pass). Nor tests with a
# module-scoped fixture: moved away from their module, it would be set up again.
HEAVY = (
    "tests/test_verdicts.py::test_a_wrong_limit_at_infinity_is_refuted_not_a_dead_worker",  # 14 s
    "tests/test_statistical_quantifiers.py::test_false_versions_of_cited_results_are_refuted",  # 12 + 10 s
    "tests/test_hostile.py::test_same_seed_same_results_across_jobs_and_hash_seeds",      # 12 s
    "tests/test_mutate.py::test_the_worker_budget_is_the_mutate_budget_not_the_per_check_one",  # 6 s
    "tests/test_fuzz.py::test_loader_bulk",                                               # 10 x 6 s in CI
    "tests/test_plugin.py::test_xdist_and_last_failed",                                   # 5 s
    "tests/test_mutants.py::test_dropping_each_hypothesis_breaks_the_conclusion",
    "tests/test_parent_bounds.py::test_every_parent_stage_is_bounded_on_the_worst_inputs",
)


def _order(item) -> tuple:
    """HEAVY first, longest first, then the rest in file order, and last the tests that read the
    library run (it runs in the background meanwhile)."""
    if item.get_closest_marker("library"):
        return (2, 0)
    for i, prefix in enumerate(HEAVY):
        if item.nodeid.startswith(prefix):
            return (0, i)
    return (1, 0)


def pytest_collection_modifyitems(config, items):
    """Order the tests (_order; a stable sort, the same in every worker, as xdist requires). In an
    xdist worker: name the tests that read the library run for the controller's scheduler."""
    items.sort(key=_order)
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and config.option.basetemp:
        ids = [item.nodeid for item in items if item.get_closest_marker("library")]
        folder = Path(config.option.basetemp).parent  # the controller's base temporary folder
        (folder / f"{_LIBRARY_IDS}.{workerinput['workerid']}").write_text("\n".join(ids), encoding="utf-8")


def pytest_collection_finish(session):
    """When the session (after -k and -m) holds a test that reads the library run, start that run
    in the background now (tests/library_run.py): the other tests go on meanwhile."""
    if any(item.get_closest_marker("library") for item in session.items):
        from library_run import start_library_run
        start_library_run(session.config._tmp_path_factory.getbasetemp())


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist load`, except that the tests marked `library` go to one worker, one after the other:
    they all wait for the session's one library run (tests/library_run.py), and one waiting worker
    is enough. (`--dist loadgroup` would do this with xdist_group marks, but it renames node ids,
    which pytest 9 no longer allows.) The work queue follows the collection order (_order): that
    group last."""
    if config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    library: set = set()
    config.option.loadscopereorder = False  # keep _order (xdist would put the biggest group first)

    class LibraryTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            if not library:
                folder = config._tmp_path_factory.getbasetemp()
                for f in folder.glob(f"{_LIBRARY_IDS}.*"):
                    library.update(x for x in f.read_text(encoding="utf-8").splitlines() if x)
                library.add("")  # read once
            return "library" if nodeid in library else nodeid

    return LibraryTogether(config, log)


def pytest_sessionfinish(session, exitstatus):
    """In an xdist worker: hand the library run's summary line to the controller. In the
    controller (or without xdist): end a library run still going (its tests were not reached)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["verify_all"] = list(getattr(session.config, "_verify_all", []))
    else:
        from library_run import shared_folder, stop_library_run
        factory = getattr(session.config, "_tmp_path_factory", None)
        if factory is not None and getattr(factory, "_basetemp", None) is not None:
            stop_library_run(shared_folder(factory.getbasetemp()))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """On the xdist controller: the workers' summary lines, for pytest_terminal_summary."""
    lines = getattr(node, "workeroutput", None) or {}
    node.config._verify_all = getattr(node.config, "_verify_all", []) + list(lines.get("verify_all", []))

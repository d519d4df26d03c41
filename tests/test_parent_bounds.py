"""The parent process is bounded too (issue 14).

No small file hangs or exhausts the parent (loading, parsing, the graph), no signal orphans a
worker, the report is swapped whole and locked, limits and --out are checked before any check
runs, an interrupted run keeps its verdicts, the cache cannot be edited into a verdict, and a
file is named by its id. Every reproduction of the issue is a test here; the ones that hung the
old code run in a subprocess or a forked child with a time (and memory) budget, so that they fail
instead of hanging.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import claim_text

FAST = "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x >= 1\n    n: 3\n"
SLOW = ("symbols:\n  k: index\n  x: {real: [1, 2]}\nchecks:\n"
        "  - numeric: sum(log(k + x), k, 1, 100000) >= 0\n    n: 1000\n")


# -- helpers --------------------------------------------------------------------------------------
def _verify(args: list[str], cwd: Path, timeout: float = 30, memory_mb: int | None = None):
    """Run `python -m verify.cli ARGS`; fail (not hang) when it does not finish in `timeout` s."""
    def limit():
        if memory_mb:
            resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    t0 = time.monotonic()
    try:
        out = subprocess.run([sys.executable, "-m", "verify.cli", *args], cwd=cwd, capture_output=True,
                             text=True, timeout=timeout, preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"verify {' '.join(args)} did not finish within {timeout} s")
    return out.returncode, out.stdout, out.stderr, time.monotonic() - t0


def _address_space() -> int:
    """Bytes of address space this process maps now (a forked child starts with as much)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _child_main(conn, fn, args, memory_mb):
    cap = _address_space() + (memory_mb << 20)  # the budget on top of what the test process maps
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        t0 = time.perf_counter()
        value = fn(*args)
        conn.send(("ok", value, time.perf_counter() - t0))
    except BaseException as exc:  # noqa: BLE001 - reported to the test
        conn.send(("error", f"{type(exc).__name__}: {exc}", 0.0))
    conn.close()
    os._exit(0)


def _bounded(fn, *args, seconds: float = 10, memory_mb: int = 1024):
    """fn(*args) in a forked child that may map `memory_mb` more: (value, seconds), or the test fails."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(child, fn, args, memory_mb))
    proc.start()
    child.close()
    if not parent.poll(seconds):
        proc.kill()
        proc.join()
        pytest.fail(f"{fn.__name__} did not finish within {seconds} s")
    kind, value, took = parent.recv()
    proc.join()
    assert kind == "ok", value
    return value, took


def _folder(tmp_path: Path, files: dict[str, str], name: str = "claims") -> Path:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    for fname, text in files.items():
        (folder / fname).write_text(text, encoding="utf-8")
    return folder


def _nested_define(depth: int = 40, cid: str = "nest") -> str:
    expr = "x"
    for _ in range(depth):
        expr = f"f({expr})"
    return claim_text(cid, f"symbols:\n  x: {{real: [1, 2]}}\ndefine:\n  f(a): a*a\nchecks:\n  - numeric: '{expr} > 0'\n")


def _clique(n: int = 12, prefix: str = "") -> dict[str, str]:
    ids = [f"{prefix}c{i}" for i in range(n)]
    return {f"{i}.yaml": claim_text(i, FAST, uses="[" + ", ".join(j for j in ids if j != i) + "]") for i in ids}


WORST = {  # the issue's reproductions: each a small file that stopped the old parent
    "defines": (_nested_define(), "expanding the definition f(...) gives 4095 nodes"),
    "float": (claim_text("float", "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: 1e999999999 > x\n"),
              "the exponent of 1e999999999 is too large"),
    "deep": ("a: " + "[" * 10000 + "]" * 10000 + "\n", "deep.yaml:1:103: the YAML is nested more than 100"),
    "brackets": ("a: " + "[" * 126000 + "]" * 126000 + "\n",
                 "brackets.yaml:1:103: the YAML is nested more than 100"),
}


# -- items 1, 3, 4: small files that stopped everything ------------------------------------------
@pytest.mark.parametrize("name", sorted(WORST))
def test_small_hostile_file_is_rejected_quickly(tmp_path, name):
    text, message = WORST[name]
    folder = _folder(tmp_path, {f"{name}.yaml": text})
    code, out, err, took = _verify(["lint", "--claims", str(folder)], tmp_path, timeout=30)
    assert code == 2 and message in out, out + err
    assert "Traceback" not in err


def test_nested_defines_are_measured_while_expanding():
    from verify.errors import ExprError
    from verify.expr.parser import parse, parse_definitions
    defs = parse_definitions([("f(a)", "a*a"), ("g(a)", "f(f(a))")], {"x"})
    assert parse("g(g(x)) > 0", {"x"}, defs) is not None  # 31 nodes on the left: fine
    expr = "x"
    for _ in range(12):
        expr = f"g({expr})"
    t0 = time.perf_counter()
    with pytest.raises(ExprError, match=r"expanding the definition g\(\.\.\.\) gives \d+ nodes"):
        parse(expr, {"x"}, defs)
    assert time.perf_counter() - t0 < 1


def test_float_exponent_limit_is_the_loaders():
    from verify.errors import ExprError
    from verify.expr.parser import parse
    from verify.load import MAX_EXPONENT, load_yaml_text
    assert parse(f"1e{MAX_EXPONENT} > x", {"x"}) is not None
    with pytest.raises(ExprError) as parsed:
        parse(f"1e-{MAX_EXPONENT + 1} > x", {"x"})
    with pytest.raises(Exception) as loaded:
        load_yaml_text(f"a: 1e-{MAX_EXPONENT + 1}\n", "f.yaml")
    assert parsed.value.message == loaded.value.problems[0].message
    assert parsed.value.hint == loaded.value.problems[0].hint


def test_long_hex_literal_is_a_message_not_a_crash():
    from verify.errors import ExprError
    from verify.expr.parser import parse
    with pytest.raises(ExprError, match="more than 60 digits"):
        parse("0x" + "f" * 3990 + " > x", {"x"})


# -- item 2: a dependency clique ------------------------------------------------------------------
def test_dependency_clique_is_reported_in_linear_time(tmp_path):
    folder = _folder(tmp_path, _clique(12))
    code, out, err, took = _verify(["lint", "--claims", str(folder)], tmp_path, timeout=60, memory_mb=1024)
    assert code == 2, err
    cycles = [line for line in out.splitlines() if "dependency cycle" in line]
    assert len(cycles) == 1  # one per group of claims that rest on each other
    assert all(f"c{i}" in cycles[0] for i in range(12))


def _graph_of_clique(n: int):
    from verify.cache import claim_keys
    from verify.graph import build_graph
    from verify.model import Claim
    ids = [f"c{i}" for i in range(n)]
    claims = {i: Claim(id=i, kind="lemma", title="t", statement="s", source={}, file=f"{i}.yaml", line=1,
                       uses=[j for j in ids if j != i], raw={"id": i}) for i in ids}
    claims["free"] = Claim(id="free", kind="lemma", title="t", statement="s", source={}, file="free.yaml",
                           line=1, uses=[], raw={"id": "free"})
    claims["above"] = Claim(id="above", kind="lemma", title="t", statement="s", source={}, file="a.yaml",
                            line=1, uses=["c0", "free"], raw={"id": "above"})
    claims["self"] = Claim(id="self", kind="lemma", title="t", statement="s", source={}, file="s.yaml",
                           line=1, uses=["self"], raw={"id": "self"})
    g, problems, summary = build_graph(claims)
    keys = claim_keys(claims, g, (50, 80), None)
    return [p.message for p in problems], summary["cycles"], sorted(keys)


def test_cycles_and_cache_keys_of_a_large_clique_are_linear():
    (messages, cycles, keyed), took = _bounded(_graph_of_clique, 150, seconds=30)
    assert len(cycles) == 2 and ["self"] in cycles
    big = next(c for c in cycles if c != ["self"])
    assert big[0] == "c0" and len(big) >= 2
    assert any("150 claims rest on each other" in m for m in messages)
    assert keyed == ["free"]  # on a cycle, or resting on one: no key (never cached)


# -- item 5: FIFOs, loops and links -----------------------------------------------------------------
def test_fifo_named_yaml_is_a_problem_not_a_hang(tmp_path):
    folder = _folder(tmp_path, {"ok.yaml": claim_text("ok", FAST)})
    os.mkfifo(folder / "pipe.yaml")
    (folder / "dir.yaml").mkdir()
    code, out, err, _ = _verify(["lint", "--claims", str(folder)], tmp_path, timeout=20)
    assert code == 2
    assert "pipe.yaml" in out and "named pipe (FIFO), not a regular file" in out
    assert "dir.yaml" in out and "a folder, not a regular file" in out
    assert "1 of 3 files valid" in err


def test_symlink_loop_is_a_located_problem(tmp_path):
    from verify.pipeline import load_folder
    folder = _folder(tmp_path, {"ok.yaml": claim_text("ok", FAST)})
    (folder / "a.yaml").symlink_to("b.yaml")
    (folder / "b.yaml").symlink_to("a.yaml")
    loaded = load_folder(folder)
    assert sorted(loaded.claims) == ["ok"]
    messages = [(Path(p.file).name, p.message) for p in loaded.problems]
    assert ("a.yaml", "a symlink loop: the link never reaches a file") in messages
    assert len(messages) == 2


def test_symlink_out_of_the_folder_is_reported_once(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(claim_text("outside", FAST))
    folder = _folder(tmp_path, {"inside.yaml": claim_text("inside", FAST)})
    (folder / "link.yaml").symlink_to(outside)
    code, out, err, _ = _verify(["lint", "--claims", str(folder)], tmp_path, timeout=30)
    assert code == 2
    assert out.count("skipped: points outside the claims folder") == 1
    assert "link.yaml" in out


# -- item 6: every parent-side stage has a budget ---------------------------------------------------
def _lint_stages(folder: str) -> dict:
    """Load, build the graph and the cache keys of a folder; the seconds of each stage."""
    from verify.cache import claim_keys
    from verify.graph import build_graph
    from verify.pipeline import load_folder
    t = [time.perf_counter()]
    loaded = load_folder(Path(folder))
    t.append(time.perf_counter())
    g, problems, _ = build_graph(loaded.claims)
    t.append(time.perf_counter())
    claim_keys(loaded.claims, g, (50, 80), None)
    t.append(time.perf_counter())
    return {"load": t[1] - t[0], "graph": t[2] - t[1], "keys": t[3] - t[2],
            "problems": len(loaded.problems) + len(problems)}


def _worst_folder(tmp_path: Path, copies: int, name: str) -> Path:
    files = {}
    for k in range(copies):
        files[f"defines{k}.yaml"] = _nested_define(cid=f"defines{k}")
        files[f"float{k}.yaml"] = WORST["float"][0].replace("id: float", f"id: float{k}")
        files[f"deep{k}.yaml"] = WORST["deep"][0]
        files.update(_clique(6, prefix=f"k{k}"))
    files["brackets.yaml"] = WORST["brackets"][0]
    return _folder(tmp_path, files, name)


def test_every_parent_stage_is_bounded_on_the_worst_inputs(tmp_path):
    small = _worst_folder(tmp_path, 2, "small")
    large = _worst_folder(tmp_path, 8, "large")
    s, took_small = _bounded(_lint_stages, str(small), seconds=60)
    big, took_large = _bounded(_lint_stages, str(large), seconds=120)
    assert s["problems"] >= 2 * 4 and big["problems"] >= 8 * 4
    for stage in ("load", "graph", "keys"):
        assert big[stage] < 60, (stage, big)
    # four times the files: about four times the time, never the square (with slack for noise)
    assert took_large < 8 * took_small + 2, (took_small, took_large)
    code, out, err, took = _verify(["lint", "--claims", str(large)], tmp_path, timeout=120, memory_mb=1024)
    assert code == 2 and "Traceback" not in err


def _many_unknown_names(n: int = 2000) -> str:
    body = ("symbols:\n" + "".join(f"  sym{i}: {{real: [0, 1]}}\n" for i in range(n))
            + "checks:\n" + "".join(f"  - numeric: sym{i}x > 0\n" for i in range(n)))
    return claim_text("unknown", body)


def _many_dangling_uses(n: int = 12000) -> dict[str, str]:
    files = {f"claim_number_{i}.yaml": claim_text(f"claim_number_{i}", FAST) for i in range(100)}
    files["dangle.yaml"] = claim_text("dangle", FAST, uses="[" + ", ".join(f"claim_numbr_{i}" for i in range(n)) + "]")
    return files


@pytest.mark.parametrize("case", ["unknown names", "dangling uses"])
def test_did_you_mean_has_a_budget(tmp_path, case):
    """Suggestions cost a difflib comparison per candidate: thousands of unknown names among
    thousands of symbols (34 s) or of dangling ids among 100 claims (27 s) are now bounded."""
    files = {"unknown.yaml": _many_unknown_names()} if case == "unknown names" else _many_dangling_uses()
    folder = _folder(tmp_path, files)
    code, out, err, took = _verify(["lint", "--claims", str(folder)], tmp_path, timeout=20)
    assert code == 2 and "Traceback" not in err
    assert out.count("hint:") >= 2000


def test_suggestion_budget_is_scoped():
    from verify.errors import did_you_mean, suggestion_budget
    names = [f"name{i}" for i in range(100)]
    with suggestion_budget(250):
        got = [did_you_mean("name1x", names) for _ in range(3)]
    assert got[0] and got[1] and got[2] == ""
    assert did_you_mean("name1x", names)  # outside the block: no bound


# -- item 7: signals ----------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_workers_die_with_their_parent(tmp_path, sig):
    folder = _folder(tmp_path, {"slow.yaml": claim_text("slow", SLOW),
                                "slow2.yaml": claim_text("slow2", SLOW.replace(">= 0", ">= 1"))})
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("the previous report")
    proc = subprocess.Popen([sys.executable, "-m", "verify.cli", "all", "--claims", str(folder), "--out",
                             str(out), "--no-cache", "-j", "2"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(proc.pid)
        assert len(workers) == 2, "the workers did not start"
        os.kill(proc.pid, sig)
        proc.wait(timeout=20)
        time.sleep(1)
        assert [w for w in workers if _alive(w)] == [], "a worker outlived its parent by 1 s"
        err = proc.stderr.read()
        if sig == signal.SIGTERM:
            assert proc.returncode == 128 + signal.SIGTERM, err
            assert "terminated by SIGTERM; the previous report is left as it was" in err
        assert (out / "index.html").read_text() == "the previous report"
    finally:
        for w in workers:
            try:
                os.kill(w, signal.SIGKILL)
            except OSError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# -- item 8: the report is swapped whole ----------------------------------------------------------
def _results(title: str, ids: list[str]) -> dict:
    from fixtures_results import make_results
    res = make_results()
    res["claims"] = [c for c in res["claims"] if c["id"] in ids] if ids else res["claims"]
    for c in res["claims"]:
        c["title"] = title
    return res


def _snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _write_and_die_at_rename(results: dict, out: str, die_at: int, exchange: bool) -> None:
    """Write the report, but die (as SIGKILL would: no cleanup) at the die_at-th rename."""
    from verify.report import output, write_report
    calls = {"n": 0}

    def dying(real):
        def call(*args, **kw):
            calls["n"] += 1
            if calls["n"] == die_at:
                os._exit(9)
            return real(*args, **kw)
        return call

    os.rename, os.replace = dying(os.rename), dying(os.replace)
    if not exchange:
        output._exchange = lambda a, b: False
    write_report(results, Path(out))
    os._exit(0)


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_kill_during_the_swap_never_leaves_a_mixed_report(tmp_path, exchange):
    from verify.report import output, write_report
    first = _results("FIRST", [])
    second = _results("SECOND", [c["id"] for c in first["claims"]][:3])
    write_report(first, tmp_path / "a")
    write_report(second, tmp_path / "b")
    old, new = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    out = tmp_path / "reports"
    seen = set()
    for die_at in range(1, 6):
        write_report(first, out)
        (out / "junit.xml").write_text("<testsuite/>")  # not the report's: carried over
        ctx = multiprocessing.get_context("fork")
        proc = ctx.Process(target=_write_and_die_at_rename, args=(second, str(out), die_at, exchange))
        proc.start()
        proc.join(600)
        assert proc.exitcode is not None, "the writer did not finish"
        with output.locked(out):  # what the next run does first: repair, clean up
            pass
        now = _snapshot(out)
        assert now.pop("junit.xml") == b"<testsuite/>"
        differs = sorted(k for k in set(now) | set(old) if now.get(k) != old.get(k))
        assert now in (old, new), (f"a mixed report after a kill at rename {die_at} (exit {proc.exitcode}): "
                                   f"differs from the old report in {differs[:8]}")
        seen.add("old" if now == old else "new")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "reports"]
    assert seen == {"old", "new"}


def test_stale_build_folders_are_removed_by_the_next_run(tmp_path):
    from verify.report import write_report
    out = tmp_path / "reports"
    write_report(_results("ONE", []), out)
    for stale in (".reports.building-x1", ".reports.old-x2", ".reports.new-x3"):
        (tmp_path / stale / "claims").mkdir(parents=True)
        (tmp_path / stale / "claims" / "page.html").write_text("stale")
    write_report(_results("TWO", []), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]
    assert "TWO" in (out / "index.html").read_text()


def test_a_report_missing_after_a_crash_is_put_back(tmp_path):
    from verify.report import output, write_report
    out = tmp_path / "reports"
    write_report(_results("ONE", []), out)
    os.rename(out, tmp_path / ".reports.old-abc")  # killed between the two renames
    with output.locked(out):
        pass
    assert "ONE" in (out / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_report_folder_is_readable_by_others(tmp_path):
    from verify.report import write_report
    old = os.umask(0o022)
    try:
        write_report(_results("ONE", []), tmp_path / "reports")
    finally:
        os.umask(old)
    assert (tmp_path / "reports").stat().st_mode & 0o777 == 0o755


# -- item 9: an interrupted run keeps its verdicts ------------------------------------------------
def test_interrupted_run_caches_what_it_checked(tmp_path, monkeypatch):
    """Interrupted once `fast` is reported (its verdict is cached before its progress line is
    printed), while `slow` runs. No short wall-clock timeout: on a loaded machine the run may take
    long to get there and to exit; the nets below only keep a broken run from hanging the suite."""
    import queue
    import threading
    from verify.pipeline import run_pipeline
    folder = _folder(tmp_path, {"fast.yaml": claim_text("fast", FAST), "slow.yaml": claim_text("slow", SLOW)})
    cache = tmp_path / ".verify_cache"
    # --timeout: `slow` must still be running when the interrupt comes, however long this process
    # waits for the CPU (at the default 120 CPU s its check timed out first on a loaded machine, the
    # run ended normally and exited 1)
    proc = subprocess.Popen([sys.executable, "-m", "verify.cli", "all", "--claims", str(folder), "--out",
                             str(tmp_path / "out"), "-j", "2", "--timeout", "3600"], cwd=tmp_path,
                            # Ctrl-C's default action, whatever this pytest worker inherited (a process
                            # that starts with SIGINT ignored never gets Python's KeyboardInterrupt)
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stderr] + [lines.put(None)],
                     daemon=True).start()
    workers: list[int] = []
    try:
        while True:  # the progress output, line by line, until `fast` is reported
            line = lines.get(timeout=600)
            workers = sorted(set(workers) | set(_children(proc.pid)))
            assert line is not None, "the run ended before reporting fast"
            if "] fast:" in line:
                break
        os.kill(proc.pid, signal.SIGINT)
        proc.wait(timeout=600)
    finally:
        for w in workers:
            try:
                os.kill(w, signal.SIGKILL)
            except OSError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert list(cache.glob("??/*.json")), "the interrupted run cached nothing"
    monkeypatch.chdir(tmp_path)
    from verify.cache import code_digest
    code_digest.cache_clear()  # the key folds in verify's source: read it as the run did
    results = run_pipeline(folder, only={"fast"}, cache_dir=cache)
    assert results["run"]["cached"] == 1 and results["claims"][0]["id"] == "fast"


# -- item 10: limits are validated --------------------------------------------------------------------
@pytest.mark.parametrize("option,value", [("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "-inf"),
                                          ("--timeout", "0"), ("--timeout", "-1"), ("--memory-mb", "-1"),
                                          ("--memory-mb", "0")])
def test_out_of_range_limits_are_usage_errors(tmp_path, monkeypatch, capsys, option, value):
    from verify.cli import main
    import verify.workers
    folder = _folder(tmp_path, {"good.yaml": claim_text("good", FAST)})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(verify.workers, "run_all", lambda *a, **k: pytest.fail("a check ran"))
    with pytest.raises(SystemExit) as exc:
        main(["all", "--claims", str(folder), "--out", str(tmp_path / "out"), "--no-cache", f"{option}={value}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and "Traceback" not in err


def test_limits_in_range_are_accepted():
    from verify.cli import _megabytes, _seconds
    assert _seconds("0.5") == 0.5 and _seconds("120") == 120.0 and _megabytes("300") == 300


# -- item 11: --out problems are found before checking ------------------------------------------------
def _all_without_checking(tmp_path, monkeypatch, out: Path):
    from verify.cli import main
    import verify.workers
    folder = _folder(tmp_path, {"good.yaml": claim_text("good", FAST)})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(verify.workers, "run_all", lambda *a, **k: pytest.fail("a check ran"))
    return main(["all", "--claims", str(folder), "--out", str(out), "--no-cache"])


def test_out_that_is_a_file_is_a_usage_error_before_any_check(tmp_path, monkeypatch, capsys):
    out = tmp_path / "report.html"
    out.write_text("keep me")
    assert _all_without_checking(tmp_path, monkeypatch, out) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --out") and "is a file, not a folder" in err and "\n" not in err
    assert out.read_text() == "keep me"


def test_full_disk_is_found_before_any_check(tmp_path, monkeypatch, capsys):
    import errno
    from verify.report import output

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("previous")
    monkeypatch.setattr(output.os, "fsync", full)
    assert _all_without_checking(tmp_path, monkeypatch, out) == 2
    err = capsys.readouterr().err.strip()
    assert "the disk is full" in err and "\n" not in err
    assert (out / "index.html").read_text() == "previous"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_is_found_before_any_check(tmp_path, monkeypatch, capsys):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "index.html").write_text("previous")
    out.chmod(0o555)
    try:
        assert _all_without_checking(tmp_path, monkeypatch, out) == 2
    finally:
        out.chmod(0o755)
    assert "read-only" in capsys.readouterr().err
    assert (out / "index.html").read_text() == "previous"


# -- item 12: one run at a time per report folder ------------------------------------------------------
def test_second_run_into_the_same_folder_is_refused(tmp_path):
    from verify.report import output
    folder = _folder(tmp_path, {"good.yaml": claim_text("good", FAST)})
    out = tmp_path / "out"
    with output.locked(out):  # this process is "the first run"
        code, _, err, _ = _verify(["all", "--claims", str(folder), "--out", str(out), "--no-cache"],
                                  tmp_path, timeout=120)
    assert code == 2
    assert f"another verify run (pid {os.getpid()}) is writing the report in" in err
    assert not out.exists()
    code, _, err, _ = _verify(["all", "--claims", str(folder), "--out", str(out), "--no-cache"], tmp_path,
                              timeout=120)
    assert code == 0, err
    assert not (tmp_path / ".out.lock").exists()


# -- item 13: the cache's integrity ----------------------------------------------------------------------
@pytest.fixture
def config_home(tmp_path, monkeypatch):
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def test_tampered_cache_entry_is_a_miss(tmp_path, monkeypatch, config_home):
    from verify.pipeline import run_pipeline
    refuted = "symbols:\n  x: {real: [0, 2]}\nchecks:\n  - numeric: x > 1\n    n: 20\n    search: 0\n"
    folder = _folder(tmp_path, {"wrong.yaml": claim_text("wrong", refuted)})
    cache = tmp_path / "cache"
    monkeypatch.chdir(tmp_path)
    first = run_pipeline(folder, cache_dir=cache)
    assert first["claims"][0]["status"] == "refuted"
    entries = list(cache.glob("??/*.json"))
    assert len(entries) == 1
    entries[0].write_text(entries[0].read_text().replace("refuted", "proved"))
    second = run_pipeline(folder, cache_dir=cache)
    assert second["claims"][0]["status"] == "refuted"
    assert second["run"]["cached"] == 0


def test_cache_key_lives_outside_the_cache_with_mode_0600(tmp_path, monkeypatch, config_home):
    from verify.cache import ResultCache
    cache = ResultCache(tmp_path / "cache")
    cache.put("ab" * 32, {"status": "proved", "id": "x"})
    key = config_home / "verify" / "cache-key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    assert cache.get("ab" * 32)["record"]["status"] == "proved"
    assert not any("key" in p.name for p in (tmp_path / "cache").rglob("*"))
    # a config folder that cannot be written: a key file beside (not inside) the cache folder
    (tmp_path / "blocked").write_text("a file, not a folder")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "blocked" / "config"))
    other = ResultCache(tmp_path / "cache")
    assert other.get("ab" * 32) is None  # signed with the other key: a miss
    assert (tmp_path / ".cache-key").stat().st_mode & 0o777 == 0o600


def _tamper_store(path: Path, signed: bool) -> None:
    """Replace every stored MathML by raw HTML (signed with the real key, or not at all)."""
    from verify.report import math as m
    outer = json.loads(path.read_text())
    data = json.loads(outer["payload"]) if "payload" in outer else outer
    data["items"] = {k: ['<math><mi>x</mi></math><img src=x onerror="alert(1)">', None]
                     for k in data["items"]}
    if signed:
        from verify.cache import cache_secret, write_signed
        write_signed(path, json.dumps(data), cache_secret(path.parent))
    elif "payload" in outer:
        outer["payload"] = json.dumps(data)
        path.write_text(json.dumps(outer))
    else:
        path.write_text(json.dumps(data))
    m._STORE.clear()


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_poisoned_mathml_store_never_reaches_the_report(tmp_path, config_home, signed):
    from verify.report import math as m
    from verify.report import write_report
    from fixtures_results import make_results
    cache = tmp_path / "cache"
    m._STORE.clear()
    try:
        write_report(make_results(), tmp_path / "clean", cache_dir=cache)
        assert (cache / "mathml.json").exists()
        _tamper_store(cache / "mathml.json", signed)
        write_report(make_results(), tmp_path / "out", cache_dir=cache)
    finally:
        m._STORE.clear()
        getattr(m, "_UNCHECKED", set()).clear()
    pages = "".join(p.read_text() for p in (tmp_path / "out").rglob("*.html"))
    assert "onerror" not in pages and "<img" not in pages
    assert _snapshot(tmp_path / "out") == _snapshot(tmp_path / "clean")


# -- item 14: a file is named by its id; `check FILE` reports what `lint` does -------------------------
def test_file_name_must_be_the_id(tmp_path, monkeypatch, capsys):
    from verify.cli import main
    folder = _folder(tmp_path, {"other_name.yaml": claim_text("real_id", FAST)})
    monkeypatch.chdir(tmp_path)
    assert main(["lint", "--claims", str(folder)]) == 2
    out = capsys.readouterr().out
    assert "other_name.yaml:1:5: the file name 'other_name.yaml' differs from the id 'real_id'" in out
    assert "rename the file to real_id.yaml" in out
    assert main(["check", str(folder / "other_name.yaml")]) == 2
    assert "differs from the id 'real_id'" in capsys.readouterr().err


def test_check_file_reports_every_problem_lint_does(tmp_path, monkeypatch, capsys):
    from verify.cli import main
    bad_latex = claim_text("tex", FAST).replace("statement: 'x'", "statement: '\\frac{a}{'")
    folder = _folder(tmp_path, {"tex.yaml": bad_latex,
                                "uses_ghost.yaml": claim_text("uses_ghost", FAST, uses="[ghost]")})
    monkeypatch.chdir(tmp_path)
    for name in ("tex", "uses_ghost"):
        assert main(["lint", "--claims", str(folder)]) == 2
        lint_out = [line for line in capsys.readouterr().out.splitlines() if f"{name}.yaml" in line]
        assert lint_out
        assert main(["check", str(folder / f"{name}.yaml")]) == 2
        err = capsys.readouterr().err
        for line in lint_out:
            assert line.split(": ", 1)[1] in err, (line, err)


def test_a_cpu_budget_swallowed_once_fires_again():
    """A timeout raised from the signal handler inside a gc callback or a finalizer is swallowed
    there ("Exception ignored in ..."); the budget fires again, so the check still ends."""
    from verify.check_claim import REFIRE_S, CheckTimeout, cpu_budget

    def spin(seconds: float) -> None:
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass

    started = time.process_time()
    with pytest.raises(CheckTimeout):
        with cpu_budget(0.05):
            try:
                spin(5 * REFIRE_S)
            except CheckTimeout:
                pass  # swallowed, as a gc callback swallows it
            spin(5 * REFIRE_S)
    assert time.process_time() - started < 3 * REFIRE_S

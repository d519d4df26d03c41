"""A fully cached run, reused whole: `verify all` with nothing changed neither loads the claims
nor imports the checking machinery.

After a run whose every verdict is cached, the results (before the command line adds replay
commands and mutation strength) are kept in the cache folder as `last-run.json`, signed like
every cache file, under a key over everything they are computed from: the bytes and names of the
claim files, the claims folder, verify's own files (code, schemas, templates), the versions of
its dependencies, mpmath's backend switches, the precisions, the seed and the cost limits. The
next run with the same key takes them from there, with the run's own fields (start, duration,
command, jobs, checked, cached) made new. Any change to those inputs misses and runs the full
pipeline (whose result cache then re-checks only what changed).
"""

from __future__ import annotations

import datetime as _dt
import dataclasses
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Optional

from verify.cache import MAX_FILE_BYTES, installed_versions, package_digest  # package_digest re-exported

RUN_FILE = "last-run.json"
BYTES_PER_CLAIM = 1024 * 1024  # the kept results may take this much per claim file (about 12 kB are used)
_DEPENDENCIES = ("sympy", "mpmath", "gmpy2", "z3-solver", "python-flint", "networkx", "PyYAML",
                 "jsonschema", "numpy")


@dataclasses.dataclass(frozen=True)
class RunKey:
    """What a run of `verify all` is kept under: a digest of its inputs, and how many claim files
    it reads (the kept results may be as large as that many claims make them)."""

    digest: str
    claims: int

    @property
    def max_bytes(self) -> int:
        return MAX_FILE_BYTES + BYTES_PER_CLAIM * self.claims


def run_key(claims_dir: Path, precisions, seed) -> Optional[RunKey]:
    """The key of a run of `verify all` over `claims_dir`; None when a claim file cannot be read."""
    from verify import __version__
    from verify.limits import LIMITS
    from verify.folder import display_name as display, scan_folder
    files, skipped = scan_folder(claims_dir)
    listing = []
    for path in files:
        try:
            listing.append([display(path), hashlib.sha256(path.read_bytes()).hexdigest()])
        except OSError:
            return None  # a file that cannot be read is a located problem: the full run says it
    data = {"verify": __version__, "package": package_digest(), "versions": installed_versions(_DEPENDENCIES),
            "python": list(sys.version_info[:3]),
            "mpmath_env": sorted(k for k in os.environ if k.startswith("MPMATH_")),
            "precisions": list(precisions), "seed": seed, "limits": dict(LIMITS),
            "claims_dir": str(claims_dir), "cwd": os.getcwd(), "files": listing,
            "skipped": [p.to_dict() for p in skipped]}
    return RunKey(hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest(), len(files))


def reuse_run(cache_dir: Path, key: Optional[RunKey], started: float, command: str, jobs: int) -> Optional[dict]:
    """The results kept under `key` by the last fully cached run, with this run's own fields;
    None when there are none (or the file is not ours)."""
    if key is None:
        return None
    from verify.cache import cache_secret, read_signed
    payload = read_signed(Path(cache_dir) / RUN_FILE, cache_secret(Path(cache_dir)), key.max_bytes)
    try:
        kept = json.loads(payload) if payload else None
    except ValueError:
        return None
    if not isinstance(kept, dict) or kept.get("key") != key.digest or not isinstance(kept.get("results"), dict):
        return None
    results = kept["results"]
    total = len(results.get("claims") or [])
    results["run"].update(command=command, jobs=jobs, checked=0, cached=total, started=_stamp(started),
                          duration_s=round(time.time() - started, 2))
    return results


def keep_run(cache_dir: Path, key: Optional[RunKey], results: dict) -> None:
    """Keep `results` for the next run with the same key (signed, atomically)."""
    if key is None:
        return
    from verify.cache import cache_secret, write_signed
    write_signed(Path(cache_dir) / RUN_FILE, json.dumps({"key": key.digest, "results": results}, sort_keys=True),
                 cache_secret(Path(cache_dir)))


def _stamp(started: float) -> str:
    return _dt.datetime.fromtimestamp(started, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

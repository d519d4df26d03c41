"""Whether the report folder already holds the report of these inputs.

A report is a function of the results (less the run's own clock: its start and duration), of verify's own files (templates, static assets, code), of
the versions of the libraries that render it, and of the notes folder (its path and the bytes of
its files). Their digest is written into the report as `.inputs.json`, with the list of the
report's files, inside the same atomic swap as the pages. A run whose digest matches, with every
listed file present, leaves the report untouched (same files, same modification times). The
report then shows the start and duration of the run that built it.

This module imports nothing heavy: a fully cached run decides here without Jinja2 or SymPy.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Optional

DIGEST_FILE = ".inputs.json"
VOLATILE_RUN_FIELDS = ("started", "duration_s")
_RENDERERS = ("latex2mathml", "Jinja2", "MarkupSafe", "networkx")


def notes_digest(notes_dir: Optional[Path]) -> Optional[list]:
    """The notes folder as the report sees it: its path, and each file's name and digest."""
    if notes_dir is None:
        return None
    folder = Path(notes_dir)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return [str(folder), None]
    files = []
    for entry in entries:
        try:
            if entry.is_file():
                files.append([entry.name, hashlib.sha256(Path(entry.path).read_bytes()).hexdigest()])
        except OSError:
            files.append([entry.name, None])
    return [str(folder), files]


def inputs_digest(results: dict[str, Any], notes_dir: Optional[Path]) -> str:
    """The digest of everything the report built from `results` depends on."""
    from verify.cache import installed_versions, package_digest
    run = {k: v for k, v in (results.get("run") or {}).items() if k not in VOLATILE_RUN_FIELDS}
    data = {"results": {**results, "run": run}, "package": package_digest(),
            "versions": installed_versions(_RENDERERS),
            "notes": notes_digest(notes_dir)}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def is_current(out_dir: Path, digest: str) -> bool:
    """True when `out_dir` holds the report of `digest`, with every one of its files present."""
    try:
        kept = json.loads((Path(out_dir) / DIGEST_FILE).read_text(encoding="utf-8"))
        files = kept["files"]
        if kept["digest"] != digest or not isinstance(files, list):
            return False
        return all(isinstance(f, str) and (Path(out_dir) / f).is_file() for f in files)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def write_digest(root: Path, digest: str) -> None:
    """Record `digest` and the files of the report just built in `root` (before it is swapped in)."""
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    (root / DIGEST_FILE).write_text(json.dumps({"digest": digest, "files": files}, indent=0),
                                    encoding="utf-8")

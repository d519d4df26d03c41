"""The HTML report: rendered from the results document alone (docs/results-format.md).

`write_report(results, out_dir)` writes index.html, graph.html, claims/<id>.html, results.json
and static/ assets; everything works from file:// with no network. When `out_dir` already holds
the report of the same inputs, nothing is written (verify.report.digest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional


def write_report(results: dict[str, Any], out_dir: Path, cache_dir: Optional[Path] = None,
                 notes_dir: Optional[Path] = None) -> bool:
    """Build the report of `results` into `out_dir` (atomically, see verify.report.render), unless
    it is already there: False when nothing was written (the report is unchanged)."""
    from . import output
    from .digest import inputs_digest, is_current
    digest = inputs_digest(results, notes_dir)
    with output.locked(Path(out_dir)) as target:
        if is_current(target, digest):
            return False
        from .render import write_report as build
        build(results, target, cache_dir=cache_dir, notes_dir=notes_dir, digest=digest)
    return True

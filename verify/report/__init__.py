"""The HTML report: rendered from the results document alone (docs/results-format.md).

`write_report(results, out_dir)` writes index.html, graph.html, claims/<id>.html, results.json
and static/ assets; everything works from file:// with no network.
"""

from .render import write_report

__all__ = ["write_report"]

"""verify/pipeline.py: results assembly shows the trees validation kept, without parsing again."""

from __future__ import annotations

import pytest

from conftest import claim_text, load_text

BODY = r"""
symbols:
  x: {real: [1, 2], latex: '\xi'}
  y: {real: [1, 2]}
define:
  f(u,v): u * v + x
  c: 2
assume:
  - {name: pos, latex: 'x > 0', expr: 'f(x, y) > 0'}
checks:
  - numeric: f(x, y) >= c
  - calc:
      - f(x, y)
      - {'>=': 'c'}
  - cited: a book
    reason: it says so
"""
F_XY = r"\operatorname{f}\left(\xi, y\right)"


def test_results_show_the_trees_validation_kept(tmp_path, monkeypatch):
    """Each expression as LaTeX with `define` names kept, from the trees validation folded; a
    definition's text is its entry's, however its key is spaced (`f(u,v)` showed an empty body)."""
    from verify.expr.parser import Parser
    from verify.graph import build_graph
    from verify.pipeline import claim_record
    claim = load_text(tmp_path, claim_text(body=BODY))
    monkeypatch.setattr(Parser, "parse", lambda *a: pytest.fail("results assembly parsed an expression"))
    rec = claim_record(claim, {"checks": [{}, {"steps": [{}]}, {}]}, build_graph({"t": claim})[0], {}, {})
    assert rec["defines"] == [
        {"name": "f(u, v)", "expr": "u * v + x", "latex": r"\operatorname{f}\left(u, v\right) := u v + \xi"},
        {"name": "c", "expr": "2", "latex": "c := 2"}]
    assert rec["assume"] == [{"name": "pos", "latex": "x > 0", "expr": "f(x, y) > 0", "checked_latex": F_XY + " > 0"}]
    numeric, calc, cited = rec["checks"]
    assert numeric == {"checked_latex": F_XY + r" \ge c"} and cited == {}
    assert calc == {"checked_latex": F_XY, "first_latex": F_XY, "steps": [{"checked_latex": "c"}]}


def test_loading_pauses_the_garbage_collector_and_gives_it_back(tmp_path, monkeypatch):
    """load_folder pauses Python's cyclic collector (it walked the growing set of loaded claims:
    18% of loading 11,400) and restores it as it was, also when loading raises."""
    import gc

    import verify.validate
    from verify.pipeline import load_folder
    (tmp_path / "a.yaml").write_text("id: a\n", encoding="utf-8")
    seen = []
    real = verify.validate.load_claim
    monkeypatch.setattr(verify.validate, "load_claim", lambda *a: (seen.append(gc.isenabled()), real(*a))[1])
    assert gc.isenabled()
    load_folder(tmp_path)
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(verify.validate, "load_claim", lambda *a: 1 / 0)
    try:
        load_folder(tmp_path)
    except ZeroDivisionError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        load_folder(tmp_path / "missing")
        assert not gc.isenabled()
    finally:
        gc.enable()

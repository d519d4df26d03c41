"""The claim library against the inventory of the notes (tests/data/inventory.json, extracted from
the shared claims inventory): every claim, every edge, every cited node, every erratum."""

import json
from pathlib import Path

import pytest

from verify.graph import build_graph
from verify.pipeline import load_folder

ROOT = Path(__file__).resolve().parents[1]
INVENTORY = json.loads((ROOT / "tests" / "data" / "inventory.json").read_text())


@pytest.fixture(scope="module")
def library():
    loaded = load_folder(ROOT / "claims")
    g, problems, _ = build_graph(loaded.claims)
    return loaded, g, problems


def test_every_file_is_valid_and_the_graph_is_sound(library):
    loaded, g, problems = library
    assert not loaded.problems and not problems, [str(p) for p in loaded.problems + problems]
    import networkx as nx
    assert nx.is_directed_acyclic_graph(g)


def test_every_inventory_claim_is_present_with_its_kind(library):
    claims = library[0].claims
    missing = sorted(set(INVENTORY["claims"]) - set(claims))
    assert not missing
    wrong = {cid: (claims[cid].kind, kind) for cid, kind in INVENTORY["claims"].items() if claims[cid].kind != kind}
    assert not wrong


def test_every_inventory_edge_is_a_uses_edge(library):
    claims = library[0].claims
    missing = [(dep, cid) for cid, deps in INVENTORY["edges"].items() for dep in deps if dep not in claims[cid].uses]
    assert not missing
    assert sum(len(v) for v in INVENTORY["edges"].values()) == 85


def test_not_checkable_claims_are_cited_nodes(library):
    claims = library[0].claims
    for cid in INVENTORY["cited"]:
        assert cid in claims, cid
        assert any(c.kind == "cited" for c in claims[cid].checks), f"{cid} has no cited: check"


def test_every_erratum_appears_where_it_belongs(library):
    claims = library[0].claims
    for eid, info in INVENTORY["errata"].items():
        places = {cid for cid, c in claims.items()
                  if any(e.get("id") == eid for e in c.errata) or c.erratum == eid}
        assert places, f"{eid} appears on no claim"
        related = set(info["claims"]) | {c.corrected_by for cid, c in claims.items() if c.erratum == eid}
        assert places & related or any(claims[p].corrected_by in info["claims"] for p in places), (eid, places)


def test_expected_false_claims_link_to_their_correction(library):
    claims = library[0].claims
    false = [c for c in claims.values() if c.expect == "fails"]
    assert len(false) >= 15
    for c in false:
        assert c.corrected_by in claims and claims[c.corrected_by].expect == "holds", c.id
        assert c.erratum, f"{c.id} names no erratum"
        assert any(e.get("id") == c.erratum for e in claims[c.corrected_by].errata), \
            f"{c.corrected_by} does not list {c.erratum}"


def test_every_holding_claim_says_what_its_hypotheses_are_for(library):
    claims = library[0].claims
    silent = [c.id for c in claims.values() if c.expect == "holds" and not c.necessity
              and not any(k.kind == "cited" for k in c.checks) and not c.notes.strip()]
    assert not silent

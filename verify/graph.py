"""The dependency graph: an edge lemma -> claim for every `uses` entry (networkx DiGraph)."""

from __future__ import annotations

import networkx as nx

from verify.errors import Problem, did_you_mean, suggestion_budget
from verify.model import Claim


SUGGESTIONS = 100_000  # did-you-mean comparisons for all dangling references (then none)


def build_graph(claims: dict[str, Claim]) -> tuple[nx.DiGraph, list[Problem], dict]:
    """The graph, the problems (dangling references, cycles), and a summary for results.json."""
    with suggestion_budget(SUGGESTIONS):
        return _build_graph(claims)


def _build_graph(claims: dict[str, Claim]) -> tuple[nx.DiGraph, list[Problem], dict]:
    g = nx.DiGraph()
    problems: list[Problem] = []
    dangling = []
    for cid in sorted(claims):
        g.add_node(cid)
    for cid in sorted(claims):
        c = claims[cid]
        for k, dep in enumerate(c.uses):
            if dep in claims:
                g.add_edge(dep, cid)
            else:
                dangling.append([cid, dep])
                line = c.line_of("uses", k)
                problems.append(Problem(c.file, line, 1, f"uses: no claim has the id {dep!r}"
                                        f"{did_you_mean(dep, claims)}",
                                        "fix the id, or add the claim it refers to"))
        if c.corrected_by and c.corrected_by not in claims:
            dangling.append([cid, c.corrected_by])
            problems.append(Problem(c.file, c.line_of("corrected_by"), 1,
                                    f"corrected_by: no claim has the id {c.corrected_by!r}"
                                    f"{did_you_mean(c.corrected_by, claims)}"))
    cycles = []
    for members in cyclic_components(g):
        cycle = one_cycle(g, members)
        cycles.append(cycle)
        first = claims[cycle[0]]
        path = " -> ".join(cycle + [cycle[0]])
        rest = sorted(set(members) - set(cycle))
        also = (f"; {len(members)} claims rest on each other: {', '.join(members)}" if rest else "")
        problems.append(Problem(first.file, first.line_of("uses"), 1,
                                f"dependency cycle: {path}{also}",
                                "a claim cannot rest on itself; remove one of these uses"))
    summary = {"edges": sorted([list(e) for e in g.edges]), "cycles": cycles, "dangling": dangling}
    return g, problems, summary


def cyclic_components(g: nx.DiGraph) -> list[list[str]]:
    """The groups of claims that rest on each other (strongly connected components with a cycle:
    two or more claims, or one that uses itself), each sorted, ordered by their first id. Linear in
    the graph, where listing every simple cycle is exponential (a clique of 12 claims has 10^8)."""
    groups = [sorted(c) for c in nx.strongly_connected_components(g)
              if len(c) > 1 or g.has_edge(next(iter(c)), next(iter(c)))]
    return sorted(groups)


def one_cycle(g: nx.DiGraph, members: list[str]) -> list[str]:
    """One cycle through the smallest id of a cyclic component, as the list of its claims from
    that id: an edge to its smallest successor in the component, then a shortest path back
    (breadth-first, linear in the component)."""
    start = members[0]
    if g.has_edge(start, start):
        return [start]
    sub = g.subgraph(members)
    nxt = min(sub.successors(start))
    return [start] + nx.shortest_path(sub, nxt, start)[:-1]


def reading_order(g: nx.DiGraph, cid: str) -> list[str]:
    """All prerequisites of `cid` in a topological order (ties by id)."""
    anc = nx.ancestors(g, cid)
    sub = g.subgraph(anc)
    if not nx.is_directed_acyclic_graph(sub):
        return sorted(anc)
    return list(nx.lexicographical_topological_sort(sub))


def foundation(g: nx.DiGraph, cid: str, sound: dict[str, bool]) -> dict:
    """'sound' when every claim `cid` rests on (transitively) holds as expected."""
    weak = sorted(a for a in nx.ancestors(g, cid) if not sound.get(a, False))
    return {"status": "sound" if not weak else "rests-on", "weak": weak}

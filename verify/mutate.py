"""Mutation testing of the claim library: a verifier is worth what it rejects.

For every claim that holds, small wrong variants (mutants) are made from its checks and its
hypotheses, and each is run through the same check kinds:

- flip: each inequality of a relation reversed (`<=` becomes `>`, `<` becomes `>=`);
- constant: each numeric constant of a relation changed (an integer k becomes k + 1, any other
  number is multiplied by 11/10);
- transpose: each square-matrix factor of a product transposed (`X` becomes `T(X)`, `T(X)` becomes `X`);
- drop-hypothesis: the claim without one of its hypotheses.

A mutant is *killed* when a check refutes it (or, for a dropped hypothesis, when the claim's
necessity case for it shows the conclusion failing), *stillborn* when it is not even well typed
(a shape error: it is left out of the score), and otherwise it *survives*; each survivor gets the
most likely reason (an equivalent mutant, or a weakness of the evidence).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Optional

from verify.checks.registry import CHECKS, Settings
from verify.expr import nodes as N
from verify.expr.latex import to_latex
from verify.model import CheckSpec, Claim

FLIP = {"<=": ">", "<": ">=", ">=": "<", ">": "<="}
HOLDING_OUTCOMES = {"proved", "certified", "supported", "statistical"}
MAX_CONSTANTS = 6       # constant mutants per relation (the first distinct ones in reading order)


@dataclass
class Mutant:
    operator: str            # flip | constant | transpose | drop-hypothesis
    check: int               # the check's index, or -1 for a dropped hypothesis
    description: str         # e.g. "<= -> >", "2 -> 3 in ...", "drop eta_small"
    site: tuple = ()          # where in the check: mutants of one constant share it
    spec: Optional[CheckSpec] = None
    drop: Optional[str] = None

    def record(self, **fields) -> dict:
        """This mutant's record: which mutant it is, then `fields` (verdict, outcome, message, ...)."""
        return {"operator": self.operator, "check": self.check, "description": self.description, **fields}


# -- tree surgery -------------------------------------------------------------------------------

def paths(node: N.Node, prefix: tuple = ()) -> Iterator[tuple[tuple, N.Node, Optional[N.Node]]]:
    """(path, node, parent) for every node, in reading order."""
    stack = [(prefix, node, None)]
    while stack:
        path, cur, parent = stack.pop()
        yield path, cur, parent
        kids = N.children(cur)
        for i in reversed(range(len(kids))):
            stack.append((path + (i,), kids[i], cur))


def replace_at(node: N.Node, path: tuple, new: N.Node) -> N.Node:
    if not path:
        return new
    kids = list(N.children(node))
    kids[path[0]] = replace_at(kids[path[0]], path[1:], new)
    return N.rebuild(node, tuple(kids))


def _changed_constants(v: Fraction) -> tuple[Fraction, Fraction]:
    """Both directions: one of them usually makes the statement stronger (false), the other weaker."""
    if v.denominator == 1:
        return v + 1, v - 1
    return v * Fraction(11, 10), v * Fraction(10, 11)


def relation_mutants(rel: N.Node, claim: Claim) -> Iterator[tuple[str, str, N.Node, tuple]]:
    """(operator, description, mutated tree, site) for one relation; mutants of one site (a
    constant changed up and down) share it."""
    for path, node, _ in paths(rel):
        if isinstance(node, N.Compare):
            for k, op in enumerate(node.ops):
                if op in FLIP:
                    ops = node.ops[:k] + (FLIP[op],) + node.ops[k + 1:]
                    yield "flip", f"{op} -> {FLIP[op]}", replace_at(rel, path, N.Compare(ops, node.operands)), path + (k,)
    seen: set = set()
    count = 0
    for path, node, parent in paths(rel):
        if isinstance(node, N.Num) and count < MAX_CONSTANTS:
            key = (node.value, parent)
            if key in seen:
                continue
            seen.add(key)
            count += 1
            where = to_latex(parent) if parent is not None else ""
            for value in _changed_constants(node.value):
                yield ("constant", f"{_num(node.value)} -> {_num(value)} in {where}",
                       replace_at(rel, path, N.Num(value)), path)
    for path, node, parent in paths(rel):
        if not (isinstance(parent, N.BinOp) and parent.op in "*@"):
            continue
        if isinstance(node, N.Sym) and _square_matrix(claim, node.name):
            yield ("transpose", f"{node.name} -> T({node.name})", replace_at(rel, path, N.Call("T", (node,))),
                   path)
        elif isinstance(node, N.Call) and node.fn == "T" and isinstance(node.args[0], N.Sym) \
                and _square_matrix(claim, node.args[0].name):
            name = node.args[0].name
            yield "transpose", f"T({name}) -> {name}", replace_at(rel, path, node.args[0]), path


def _square_matrix(claim: Claim, name: str) -> bool:
    spec = claim.symbols.get(name)
    return bool(spec and spec.type == "matrix" and spec.shape and spec.shape[0] == spec.shape[1])


def _num(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def check_mutants(claim: Claim) -> Iterator[Mutant]:
    for spec in claim.checks:
        if not CHECKS[spec.kind].mutated:
            continue
        if spec.kind == "calc":
            yield from _calc_mutants(claim, spec)
            continue
        for op, desc, tree, site in relation_mutants(spec.nodes, claim):
            yield Mutant(op, spec.index, desc, site,
                         dataclasses.replace(spec, nodes=tree, text=f"{spec.text} [{desc}]"))


def _calc_mutants(claim: Claim, spec: CheckSpec) -> Iterator[Mutant]:
    steps = spec.nodes["steps"]
    for k, step in enumerate(steps):
        if step["rel"] in FLIP:
            new = [dict(s) for s in steps]
            new[k]["rel"] = FLIP[step["rel"]]
            yield Mutant("flip", spec.index, f"step {k + 1}: {step['rel']} -> {FLIP[step['rel']]}", (k,),
                         dataclasses.replace(spec, nodes={**spec.nodes, "steps": new}))
        for op, desc, tree, site in relation_mutants(step["node"], claim):
            new = [dict(s) for s in steps]
            new[k]["node"] = tree
            yield Mutant(op, spec.index, f"step {k + 1}: {desc}", (k, *site),
                         dataclasses.replace(spec, nodes={**spec.nodes, "steps": new}))


def mutants(claim: Claim) -> list[Mutant]:
    """Every mutant of a claim."""
    out = list(check_mutants(claim))
    out += [Mutant("drop-hypothesis", -1, f"drop {h.name}", drop=h.name) for h in claim.assume]
    return out


# -- running ------------------------------------------------------------------------------------

def run_mutant(claim: Claim, m: Mutant, settings: Settings) -> dict:
    """Run one mutant; return its record with the verdict killed | survived | stillborn."""
    if m.drop is not None:
        return m.record(**_run_dropped(claim, m.drop, settings))
    try:
        res = CHECKS[m.spec.kind].run(m.spec, claim, settings)
    except Exception as exc:  # noqa: BLE001 - a crash is that mutant's stillbirth
        return m.record(verdict="stillborn", outcome="error", message=f"{type(exc).__name__}: {exc}")
    outcome = res["outcome"]
    verdict = "killed" if outcome == "refuted" else ("stillborn" if outcome == "error" else "survived")
    out = m.record(verdict=verdict, outcome=outcome, message=res["message"],
                   killed_by=m.spec.kind if verdict == "killed" else None,
                   worst_margin=res.get("evidence", {}).get("worst_margin"))
    return {**out, **_survivor(claim, m, res)} if verdict == "survived" else out


def _run_dropped(claim: Claim, drop: str, settings: Settings) -> dict:
    from verify.check_claim import run_necessity
    weaker = dataclasses.replace(claim, assume=[h for h in claim.assume if h.name != drop])
    for spec in weaker.checks:
        if not CHECKS[spec.kind].mutated:
            continue
        try:
            res = CHECKS[spec.kind].run(spec, weaker, settings)
        except Exception:  # noqa: BLE001
            continue
        if res["outcome"] == "refuted":
            return {"verdict": "killed", "outcome": "refuted", "killed_by": spec.kind, "message": res["message"]}
    for i, case in enumerate(claim.necessity):
        if case.drop == drop:
            nec = run_necessity(claim, case, settings, i)
            if nec["outcome"] == "needed":
                return {"verdict": "killed", "outcome": "refuted", "killed_by": "necessity case",
                        "message": nec["message"]}
    bound = _binds(claim, drop, settings)
    reason = ("the samplers satisfy it on every draw and no necessity case samples outside it"
              if not bound else "the checks still hold without it on the drawn instances")
    return {"verdict": "survived", "outcome": "holds", "killed_by": None, "message": "", "reason": reason}


def _binds(claim: Claim, drop: str, settings: Settings, draws: int = 40) -> bool:
    """Whether the hypothesis rejects any of a few draws (else the samplers already enforce it)."""
    from verify.errors import EvalError, LimitExceeded
    from verify.instances import draw, failed_hypotheses
    hyp = [h for h in claim.assume if h.name == drop]
    rng = random.Random(f"{settings.seed}:binds")
    for i in range(draws):
        try:
            inst = draw(claim, rng, i)
            if failed_hypotheses(hyp, inst, settings.precisions[0]):
                return True
        except (EvalError, LimitExceeded, ZeroDivisionError):
            continue
    return False


def _survivor(claim: Claim, m: Mutant, res: dict) -> dict:
    """Why a mutant survived (`res`: its check's outcome and message), and whether it is an
    equivalent mutant, or a true one (proved to hold)."""
    def why(reason: str, equivalent: bool = False, true_mutant: bool = False) -> dict:
        return {"reason": reason, "equivalent": equivalent, "true_mutant": true_mutant}

    if res["outcome"] not in HOLDING_OUTCOMES:
        return why(f"not decided ({res['outcome']}: {res['message']})")
    if m.operator in ("constant", "transpose") and _no_effect(claim, m):
        return why("equivalent: the change leaves every side of the relation unchanged on the instances",
                   True)
    if res["outcome"] == "proved":
        return why("true mutant: the mutant itself is proved to hold (" + res["message"].split("; ")[-1][:100]
                   + ")", True, True)
    if m.operator == "transpose":
        name = m.description.split(" -> ")[0].replace("T(", "").replace(")", "")
        if _symmetric(claim, name):
            return why(f"equivalent: {name} is symmetric on the drawn instances", True)
    return why("held on every instance: an equivalent mutant or slack in the bound")


def _relations(spec: CheckSpec) -> list[N.Node]:
    """The comparisons of a check, in order (calc: one per step)."""
    if spec.kind == "calc":
        exprs = [spec.nodes["first"]] + [st["node"] for st in spec.nodes["steps"]]
        return [N.Compare((st["rel"],), (a, b)) for st, a, b in zip(spec.nodes["steps"], exprs, exprs[1:])]
    return [n for n in N.walk(spec.nodes) if isinstance(n, N.Compare)]


def _no_effect(claim: Claim, m: Mutant, instances: int = 5, dps: int = 30) -> bool:
    """Whether every side of every comparison has the same value before and after the mutation
    on a few instances satisfying the hypotheses (a guard like max(x, 10**-20) changed, a power
    of a quantity that is exactly 0): a trivially equivalent mutant."""
    from mpmath import mp

    from verify.errors import EvalError, LimitExceeded, Undecided
    from verify.expr import numeric as num
    from verify.instances import draw, failed_hypotheses, mp_env
    original = next((s for s in claim.checks if s.index == m.check), None)
    if original is None:
        return False
    before, after = _relations(original), _relations(m.spec)
    if len(before) != len(after):
        return False
    rng, seen = random.Random(f"{m.check}:no-effect"), 0
    for i in range(20 * instances):
        try:
            inst = draw(claim, rng, i, m.spec.options.get("symbols", {}), m.spec.options.get("dims", {}))
            if failed_hypotheses(claim.assume, inst, dps):
                continue
            with mp.workdps(dps):
                ctx = num.Ctx(mp_env(inst))
                for a, b in zip(before, after):
                    for x, y in zip(a.operands, b.operands):
                        if x is y:
                            continue
                        vx, vy = num.evaluate(x, ctx), num.evaluate(y, ctx)
                        if num.is_mat(vx) != num.is_mat(vy):
                            return False
                        diff = num.maxabs(vx - vy) if num.is_mat(vx) else abs(vx - vy)
                        size = max(1, num.maxabs(vx) if num.is_mat(vx) else abs(vx))
                        if diff > size * mp.mpf(10) ** (10 - dps):
                            return False
        except (EvalError, LimitExceeded, Undecided, ZeroDivisionError, TypeError, ValueError):
            return False
        seen += 1
        if seen >= instances:
            return True
    return False


def _symmetric(claim: Claim, name: str) -> bool:
    from verify.instances import draw
    try:
        v = draw(claim, random.Random(0), 5)[name]
    except Exception:  # noqa: BLE001
        return False
    return isinstance(v, list) and all(v[i][j] == v[j][i] for i in range(len(v)) for j in range(len(v)))


MUTANT_CPU_S = 120.0    # CPU seconds for one mutant (the default budget of one check)
CLAIM_CPU_S = 900.0     # CPU seconds for all the mutants of one claim (`verify mutate --timeout`)


def mutate_claim(claim: Claim, seed: int, precisions=(50, 80), budget_s: float = CLAIM_CPU_S,
                 mutant_s: float = MUTANT_CPU_S) -> dict:
    """Every mutant of one claim, run, each within `mutant_s` CPU seconds and all within
    `budget_s`; the record the mutate command collects. A mutant not decided in its budget (or
    not reached in the claim's) survives: a check that hangs on a wrong statement rejects nothing."""
    import time
    from verify.check_claim import stable_seed
    start, cpu0 = time.perf_counter(), time.process_time()
    seed = stable_seed(claim.id) if seed is None else seed
    settings = Settings(seed=seed, precisions=tuple(precisions))
    ms = mutants(claim)
    records = []
    for m in ms:
        left = budget_s - (time.process_time() - cpu0)
        records.append(_run_bounded(claim, m, settings, min(mutant_s, left)) if left > 1 else _unrun(m, budget_s))
    _mark_weaker(ms, records)
    return {"id": claim.id, "mutants": records, "duration_s": round(time.perf_counter() - start, 3)}


def _run_bounded(claim: Claim, m: Mutant, settings: Settings, seconds: float) -> dict:
    from verify.check_claim import CheckTimeout, cpu_budget
    try:
        with cpu_budget(seconds):
            return run_mutant(claim, m, settings)
    except CheckTimeout:
        late = f"not decided within {seconds:g} CPU seconds"
        return m.record(verdict="survived", outcome="timeout", message=late, killed_by=None,
                        reason=f"timeout: {late}")


def _unrun(m: Mutant, budget_s: float) -> dict:
    return m.record(verdict="survived", outcome="not run", message="", killed_by=None,
                    reason=f"not run: the claim's mutants had used its {budget_s:g} CPU seconds")


def reclassify(claim: Claim, record: dict) -> dict:
    """Recompute the survivors' reasons of a stored record with today's classifier (the mutants
    of a claim are generated in a fixed order, so record i is mutant i)."""
    ms = mutants(claim)
    recs = record.get("mutants")
    if recs is None or len(recs) != len(ms):
        return record
    for m, r in zip(ms, recs):
        if r["verdict"] == "survived" and m.spec is not None:
            r.update(_survivor(claim, m, {"outcome": r["outcome"], "message": r.get("message", "")}))
    _mark_weaker(ms, recs)
    return record


def _mark_weaker(ms: list[Mutant], records: list[dict]) -> None:
    """A changed constant that survives while the opposite change of the same constant is killed
    most likely made the statement weaker and still true: an equivalent mutant, not a weakness."""
    killed = {(m.check, m.site) for m, r in zip(ms, records) if m.operator == "constant" and r["verdict"] == "killed"}
    for m, r in zip(ms, records):
        if m.operator == "constant" and r["verdict"] == "survived" and (m.check, m.site) in killed \
                and r.get("reason", "").startswith("held"):
            r["equivalent"] = True
            r["reason"] = "a weaker statement, still true: the opposite change of this constant is rejected"


def score(records: list[dict]) -> dict:
    """Counts and the mutation score over non-stillborn mutants."""
    flat = [m for r in records for m in r.get("mutants", [])]
    by = {v: sum(1 for m in flat if m["verdict"] == v) for v in ("killed", "survived", "stillborn")}
    live = by["killed"] + by["survived"]
    ops = {}
    for m in flat:
        o = ops.setdefault(m["operator"], {"killed": 0, "survived": 0, "stillborn": 0})
        o[m["verdict"]] += 1
    equivalent = sum(1 for m in flat if m.get("equivalent"))   # true mutants included: proved to hold
    nonequiv = live - equivalent
    return {**by, "total": len(flat), "score": (by["killed"] / live) if live else None,
            "equivalent": equivalent, "score_nonequivalent": (by["killed"] / nonequiv) if nonequiv else None,
            "by_operator": ops,
            "claims": len(records), "failed_claims": [r["id"] for r in records if "mutants" not in r]}

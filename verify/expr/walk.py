"""The walk over an expression tree, written once for mpmath (verify.expr.numeric), the exact / arb
balls (verify.certify.balls) and SymPy (verify.expr.symbolic). The evaluation context is the
engine's `Ops` (verify.expr.bodies) plus what a walk needs: `evaluate` (each engine memoises a
subtree its own way, SymPy not at all), `lookup`, `const`, `binop`, `negate`, `item`, `decide`,
`logic`, its binder forms (`binders`: name -> form(ctx, node)) and its functions (`functions`:
name -> run(ctx, *args)). The engines that compute values share `item`, `logic` and five binder
forms (below); SymPy builds relations and `And`, and binds symbols. z3 builds terms under guards
and walks the tree itself."""

from __future__ import annotations

from verify.expr import nodes as N


def walk(ev, node: N.Node):
    """The value of one node in the evaluation context `ev`."""
    t = type(node)
    if t is N.Num:
        return ev.num(node.value)
    if t is N.Sym:
        return ev.lookup(node.name)
    if t is N.Const:
        return ev.const(node.name)
    if t is N.BinOp:
        return ev.binop(node.op, ev.evaluate(node.left), ev.evaluate(node.right))
    if t is N.Neg:
        return ev.negate(ev.evaluate(node.operand))
    if t is N.Item:
        return ev.item(node)
    if t is N.Compare:
        return ev.decide(node)
    if t is N.Logic:
        return ev.logic(node)
    if t is N.Call:
        binder = ev.binders.get(node.fn)
        if binder is not None:
            return binder(ev, node)
        run = ev.functions.get(node.fn)
        if run is None:
            ev.no_function(node.fn)
        return run(ev, *[ev.evaluate(a) for a in node.args])
    raise TypeError(f"cannot evaluate a {t.__name__} node")


def logic(ev, node: N.Logic) -> bool:
    """and / or (lazy) / not of decided conditions: the value engines' `logic`."""
    if node.op == "not":
        return not ev.truth(ev.evaluate(node.operands[0]))
    if node.op == "and":
        return all(ev.truth(ev.evaluate(o)) for o in node.operands)
    return any(ev.truth(ev.evaluate(o)) for o in node.operands)


def item(ev, node: N.Item):
    """x[i] of a vector, A[i, j] of a matrix (1-based): the value engines' `item`."""
    base = ev.lookup(node.base, None)
    idx = [ev.evaluate(i) for i in node.index]
    if not ev.is_mat(base):
        ev.fail(f"{node.base} is not a vector or matrix")
    rows, cols = ev.shape(base)
    if len(idx) == 1:
        if cols != 1:
            ev.fail(f"{node.base} is a matrix: use {node.base}[i, j]")
        return ev.at(base, ev.index(idx[0], rows, "vector"), 0)
    return ev.at(base, ev.index(idx[0], rows, "row"), ev.index(idx[1], cols, "column"))


# -- binder forms both engines evaluate the same way ----------------------------------------------
# The context also gives: `bind(var, value)` (a child context), `range(node)` (the inclusive integer
# bounds of args[2..3], within the limits), `integer(k)`, `tick()` (one step of a work budget) and
# `empty_sum(node, var, lo)` (the zero of the terms' shape).

def binder_var(ev, node: N.Call) -> str:
    v = node.args[1]
    if not isinstance(v, N.Sym):
        ev.fail(f"{node.fn} needs a variable name")
    return v.name


def _fold(op: str):
    """sum / prod over lo..hi (inclusive), the terms combined left to right."""
    def fold(ev, node: N.Call):
        var = binder_var(ev, node)
        lo, hi = ev.range(node)
        total = None
        for k in range(lo, hi + 1):
            ev.tick()
            term = ev.bind(var, ev.integer(k)).evaluate(node.args[0])
            total = term if total is None else ev.binop(op, total, term)
        if total is not None:
            return total
        return ev.empty_sum(node, var, lo) if op == "+" else ev.const("I")
    return fold


def _first(ev, node: N.Call):
    """The least t in lo..hi where the condition holds; +oo (by definition) when none does."""
    var = binder_var(ev, node)
    lo, hi = ev.range(node)
    for k in range(lo, hi + 1):
        ev.tick()
        if ev.truth(ev.bind(var, ev.integer(k)).evaluate(node.args[0])):
            return ev.integer(k)
    return ev.const("oo")


def _at(ev, node: N.Call):
    value = ev.evaluate(node.args[2])
    return ev.bind(binder_var(ev, node), value).evaluate(node.args[0])


def _piecewise(ev, node: N.Call):
    args = node.args
    for c, v in zip(args[0:-1:2], args[1:-1:2]):
        if ev.truth(ev.evaluate(c)):
            return ev.evaluate(v)
    if len(args) % 2 == 0:
        ev.fail("piecewise(c1, v1, ..., otherwise) needs an odd number of arguments")
    return ev.evaluate(args[-1])


BINDERS = {"sum": _fold("+"), "prod": _fold("*"), "first": _first, "at": _at, "piecewise": _piecewise}

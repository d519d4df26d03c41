"""The walk over an expression tree, written once for the engines that compute values: mpmath
(verify.expr.numeric) and the exact / arb balls (verify.certify.balls). The evaluation context is
the engine's `Ops` (verify.expr.bodies) plus what a walk needs: `evaluate` (each engine memoises a
subtree its own way), `lookup`, `const`, `binop`, `negate`, `decide`, `truth`, its binder forms
(`binders`: name -> form(ctx, node)) and its functions (`functions`: name -> run(ctx, *args)).
SymPy builds expressions rather than values (a comparison is a relation, not a truth value) and z3
terms under guards: they walk the tree themselves."""

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
        return _item(ev, node)
    if t is N.Compare:
        return ev.decide(node)
    if t is N.Logic:
        if node.op == "not":
            return not ev.truth(ev.evaluate(node.operands[0]))
        if node.op == "and":
            return all(ev.truth(ev.evaluate(o)) for o in node.operands)
        return any(ev.truth(ev.evaluate(o)) for o in node.operands)
    if t is N.Call:
        binder = ev.binders.get(node.fn)
        if binder is not None:
            return binder(ev, node)
        run = ev.functions.get(node.fn)
        if run is None:
            ev.no_function(node.fn)
        return run(ev, *[ev.evaluate(a) for a in node.args])
    raise TypeError(f"cannot evaluate a {t.__name__} node")


def _item(ev, node: N.Item):
    """x[i] of a vector, A[i, j] of a matrix (1-based)."""
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

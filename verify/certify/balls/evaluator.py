"""The evaluator, one for both domains: values, arithmetic and conditions over the tree."""

from __future__ import annotations

import operator
from typing import Optional

from verify.expr import nodes as N
from verify.expr.powers import Powers
from verify.expr.walk import item, logic, walk

from .common import (IDENT, MAX_BALL_EXPONENT, MAX_EXACT_EXPONENT, MAX_STEPS, EvalFailure, NotRational,
                     Undecidable, Unsupported, check_dims, is_mat, shape, square)
from .functions import PLAIN, SPECIAL, BallOps, binder_range

_RELATIONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
              ">=": operator.ge}


class Budget:
    __slots__ = ("left",)

    def __init__(self, n: int):
        self.left = n

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise Unsupported(f"evaluation budget of {MAX_STEPS} steps exceeded")


class Eval(BallOps):
    """One evaluation context: the domain, the instance (converted lazily), bound variables. It is
    the `Ops` of the functions written once (verify.certify.balls.functions.BallOps) and of the
    tree walk (verify.expr.walk)."""
    binders, functions, item, logic = SPECIAL, PLAIN, item, logic

    def __init__(self, dom, exact: dict, budget: Budget, converted=None, bound=None, powers=None):
        self.dom, self.exact, self.budget = dom, exact, budget
        self.converted = {} if converted is None else converted
        self.powers = {} if powers is None else powers  # id(matrix) -> Powers
        self.bound = bound or {}
        self.memo: dict = {}

    def bind(self, var: str, value) -> Eval:
        return Eval(self.dom, self.exact, self.budget, self.converted, {**self.bound, var: value}, self.powers)

    def lookup(self, name: str, default=KeyError):
        if name in self.bound:
            return self.bound[name]
        v = self.converted.get(name)
        if v is None:
            if name not in self.exact:
                if default is KeyError:
                    raise EvalFailure(f"symbol {name!r} has no value here")
                return default
            v = self.converted[name] = self.dom.value(self.exact[name])
        return v

    # -- values -------------------------------------------------------------------------------
    def number(self, v):
        """A condition's value (True, False) as the number 1 or 0; any other value as it is."""
        return self.dom.integer(int(v)) if isinstance(v, bool) else v

    def resolve(self, a, b):
        if a is IDENT:
            a = self.dom.eye(b.nrows()) if is_mat(b) else self.dom.one
        if b is IDENT:
            b = self.dom.eye(a.nrows()) if is_mat(a) else self.dom.one
        return a, b

    def truth(self, v) -> bool:
        if isinstance(v, bool):
            return v
        raise EvalFailure("a condition must be a comparison, as x > 0")

    # -- arithmetic ---------------------------------------------------------------------------
    def binop(self, op: str, a, b):
        dom = self.dom
        a, b = map(self.number, self.resolve(a, b))
        ma, mb = is_mat(a), is_mat(b)
        if ma and not mb and a.nrows() == 1 and a.ncols() == 1:
            a, ma = a[0, 0], False
        if mb and not ma and b.nrows() == 1 and b.ncols() == 1:
            b, mb = b[0, 0], False
        if op == "+" or op == "-":
            if ma != mb:
                raise EvalFailure(f"cannot {'add' if op == '+' else 'subtract'} a matrix and a scalar")
            if ma:
                if shape(a) != shape(b):
                    raise EvalFailure(f"shape mismatch in {op}: {shape(a)} and {shape(b)}")
                return dom.chk_mat(a + b if op == "+" else a - b)
            return dom.add(a, b) if op == "+" else dom.sub(a, b)
        if op == "*" or op == "@":
            if ma and mb:
                if a.ncols() != b.nrows():
                    if shape(a) == (1, 1):
                        return dom.chk_mat(dom.smul(a[0, 0], b))
                    if shape(b) == (1, 1):
                        return dom.chk_mat(dom.smul(b[0, 0], a))
                    raise EvalFailure(f"shape mismatch in product: {shape(a)} times {shape(b)}")
                check_dims(a.nrows(), b.ncols())
                self.budget.spend(a.nrows() * b.ncols() * a.ncols() // 8)
                return dom.matmul(a, b)
            if ma:
                return dom.chk_mat(dom.smul(b, a))
            if mb:
                return dom.chk_mat(dom.smul(a, b))
            return dom.mul(a, b)
        if op == "/":
            if mb:
                raise EvalFailure("division by a matrix; use inv(B)")
            if ma:
                return dom.chk_mat(dom.smul(dom.recip(b), a))
            return dom.div(a, b)
        if op == "**":
            return self.power(a, b)
        raise Unsupported(f"operator {op}")

    def matpow(self, a, k: int):
        """a**k, reusing the powers of `a` already computed (verify.expr.powers, as in the mpmath
        evaluator); each product is charged to the budget by the matrix's size."""
        entry = self.powers.get(id(a))
        if entry is None or entry.base is not a:
            entry = self.powers[id(a)] = Powers(a, self.dom.eye(a.nrows()))
        cost = a.nrows() ** 3 // 8 + 1
        return entry.get(k, self.dom.matmul, lambda: self.budget.spend(cost))

    def power(self, a, b):
        dom = self.dom
        b = self.scalar(b, "an exponent")
        if is_mat(a):
            square(a, "power")
            k = dom.to_int(b, "a matrix exponent")
            if k < 0:
                raise EvalFailure("matrix powers need a non-negative integer exponent")
            top = MAX_EXACT_EXPONENT if dom.name == "exact" else MAX_BALL_EXPONENT
            if k > top:
                if dom.name == "exact":
                    raise NotRational("a large matrix exponent")
                raise Unsupported(f"a matrix exponent {k} above {top}")
            return self.matpow(a, k)
        try:
            k = dom.to_int(b, "an exponent")
        except (EvalFailure, Undecidable):
            return dom.rpow(a, b)
        return dom.ipow(a, k)

    # -- the tree -----------------------------------------------------------------------------
    def evaluate(self, node):
        t = type(node)
        if t is N.Num:
            return self.dom.num(node.value)
        if t is N.Sym:
            return self.lookup(node.name)
        key = id(node)
        hit = self.memo.get(key)
        if hit is None:
            self.budget.spend()
            hit = self.memo[key] = walk(self, node)
        return hit

    def const(self, name: str):
        return IDENT if name == "I" else self.dom.const(name)

    def negate(self, v):
        if v is IDENT:
            return self.dom.mat([[self.dom.neg(self.dom.one)]])
        if isinstance(v, bool):
            return self.dom.integer(-int(v))
        return -v if is_mat(v) else self.dom.neg(v)

    @staticmethod
    def no_function(name: str):
        raise Unsupported(name)

    range = binder_range

    def tick(self) -> None:
        self.budget.spend()

    def integer(self, k: int):
        return self.dom.integer(k)

    def empty_sum(self, node, var, lo):
        return self.dom.zero

    def decide(self, node: N.Compare) -> bool:
        """A comparison inside an expression: decided, or Undecidable."""
        vals = [self.evaluate(o) for o in node.operands]
        for op, a, b in zip(node.ops, vals, vals[1:]):
            s = self.link_sign(op, a, b)
            if s is None:
                raise Undecidable(f"a condition {op} is not decided by the balls")
            if not holds(op, s):
                return False
        return True

    def link_sign(self, op: str, a, b) -> Optional[int]:
        """The sign of b - a (for ==/!= on matrices: 0 equal, 1 different), None if unknown."""
        a, b = self.resolve(a, b)
        if shape(a) != (1, 1) or shape(b) != (1, 1):
            if op not in ("==", "!=") or not (is_mat(a) and is_mat(b)):
                raise EvalFailure(f"matrices cannot be compared with {op}; compare norms or eigenvalues")
            if shape(a) != shape(b):
                raise EvalFailure(f"comparing shapes {shape(a)} and {shape(b)}")
            unknown = False
            for e in (b - a).entries():
                s = self.dom.sign(e)
                if s:
                    return 1
                if s is None:
                    unknown = True
            return None if unknown else 0
        a, b = self.scalar(a), self.scalar(b)
        return self.dom.cmp(b, a)


def holds(op: str, s: int) -> bool:
    """Whether `a op b` holds given the sign s of b - a (for matrices ==/!=: 0 or 1): `0 op s`."""
    return _RELATIONS[op](0, s)

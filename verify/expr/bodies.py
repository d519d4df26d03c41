"""Functions of the claim language written once, over a number domain's operations.

A `Body` holds everything about one function: its signature, documentation line, examples, LaTeX
and one body written against the operations of a number domain (`m.exp(x)`, `m.at(A, i, j)`), the
way mpmath writes a function once against its contexts. Each engine runs the same body with its own
`Ops`: mpmath at the check's precision, SymPy, exact rationals and arb balls, z3. An operation a
domain lacks is refused in one place (the `Ops` base class), and which engine supports which
function follows from the operations its body uses (`Body.uses`, traced on registration). A function
that is one operation (`exp`, `opnorm`) is computed by each engine its own way, as mpmath's
contexts each compute `exp`; the others are compositions, the same in every engine.

The bodies live in `elementary.py` (scalar functions), `structure.py` (the shape of matrices) and
`linalg.py` (linear algebra); `verify.expr.functions` imports them, so `BODIES` is complete wherever
the function table is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Optional

#: The operations a body may use; an engine's `Ops` defines those its domain can do.
SCALAR_OPERATIONS = frozenset({
    "num", "zero", "one",                                          # num(q): a constant; zero, one: values
    "add", "sub", "mul", "div", "neg",                             # arithmetic
    "abs", "sign", "floor", "ceil", "max2", "min2", "step",        # order
    "sqrt", "cbrt",                                                # roots
    "exp", "log", "logb", "log1p", "sin", "cos", "tan", "asin", "acos", "atan",
    "sinh", "cosh", "tanh", "sech",                                # transcendental
    "binomial", "factorial",
})
MATRIX_OPERATIONS = frozenset({
    "is_mat",      # whether a value is a matrix (z3's never are)
    "as_mat",      # a value as a matrix (a scalar as 1 x 1)
    "scalar",      # a value as a scalar (a 1 x 1 matrix's entry)
    "entrywise",   # entrywise(f, value): f of each entry of a matrix, or of a scalar
    "shape",       # (rows, columns) of a matrix
    "at",          # the entry (i, j) of a matrix, 0-based
    "mat",         # mat(rows, columns): the matrix of a list of rows of scalars
    "transpose",
    "hadamard",    # the entrywise product of two matrices of one shape
    "size",        # a value as a matrix size (a non-negative integer within the limits)
    "index",       # index(v, n, what): a 1-based index in 1..n as a 0-based one
    "total",       # the sum of a list of scalars
    "fail",        # fail(message): the value is undefined (the engine's error)
})
#: Linear algebra: each engine's own algorithm (mpmath's SVD and eigensolvers at the working
#: precision, SymPy's exact ones, arb's rigorous enclosures); a scalar argument where one makes sense.
LINEAR_ALGEBRA = frozenset({"inv", "det", "dot", "outer", "pinv", "rank", "norm", "fro", "opnorm",
                            "lambda_min", "lambda_max", "sigma_min", "sigma_max", "rho"})
OPERATIONS = SCALAR_OPERATIONS | MATRIX_OPERATIONS | LINEAR_ALGEBRA
CONSTANTS = frozenset({"zero", "one"})  # values, not functions
TRANSCENDENTAL = frozenset({"exp", "log", "logb", "log1p", "sin", "cos", "tan", "asin", "acos", "atan",
                            "sinh", "cosh", "tanh", "sech"})


class Ops:
    """A number domain's operations, as the bodies call them (`m.exp(x)`). Subclasses define the
    operations their domain can do; every other one is refused here, by `unsupported`."""
    __slots__ = ()
    matrices = True  # whether the domain has matrices (z3 has none: only a body's scalar path runs)

    def unsupported(self, op: str):
        raise NotImplementedError(f"{type(self).__name__} cannot do {op}")


def _refusal(op: str) -> Callable:
    def refuse(self, *args):
        return self.unsupported(op)
    return refuse


for _op in OPERATIONS:  # methods, not __getattr__: a class with one is slower at every attribute
    setattr(Ops, _op, property(_refusal(_op)) if _op in CONSTANTS else _refusal(_op))


#: How a body takes its arguments: each entry of a matrix (unary), scalars, or values as they are.
ENTRYWISE, SCALARS, VALUES = "entrywise", "scalars", "values"


@dataclass(frozen=True)
class Body:
    """One function of the language, written once."""
    name: str
    arity: tuple[int, int]            # min, max number of arguments (max -1: any)
    doc: str
    body: Callable                    # body(m, *args) over a domain's Ops m
    examples: tuple[str, ...]
    latex: Optional[str]              # "#1" the argument, "#*" all of them; None: latex.py's form
    takes: str                        # ENTRYWISE, SCALARS or VALUES
    uses: frozenset                   # the operations the body calls on matrices and scalars
    uses_on_scalars: frozenset        # those it calls when no argument is a matrix
    operation: Optional[str] = None   # the body is this one operation (run without the body)


BODIES: dict[str, Body] = {}


def does(ops: type, op: str) -> bool:
    """Whether a domain's `Ops` class does the operation (defines it, not refuses it)."""
    return getattr(ops, op) is not getattr(Ops, op)


def can(ops: type, fn: Body) -> bool:
    """Whether a domain's `Ops` class does every operation the function's body uses there."""
    return all(does(ops, op) for op in (fn.uses if ops.matrices else fn.uses_on_scalars))


class _Stop(Exception):
    pass


class _Trace:
    """Records the operations a body calls, on matrices or on scalars only (`is_mat`'s answer)."""
    __slots__ = ("seen", "matrices_seen")
    _DUMMY = {"shape": (2, 2), "size": 2, "index": 0}

    def __init__(self, matrices_seen: bool):
        self.seen: set[str] = set()
        self.matrices_seen = matrices_seen

    def __getattr__(self, op: str):
        if op not in OPERATIONS:
            raise AttributeError(op)
        self.seen.add(op)
        if op == "fail":
            def stop(*args):
                raise _Stop
            return stop
        answer = self.matrices_seen if op == "is_mat" else self._DUMMY.get(op)
        return lambda *args: object() if answer is None else answer


def _traced(body: Callable, arities: set, matrices_seen: bool) -> frozenset:
    trace = _Trace(matrices_seen)
    for n in sorted(arities):
        try:
            body(trace, *[object()] * n)
        except _Stop:
            pass
    return frozenset(trace.seen)


def define(name: str, arity, doc: str, *examples: str, latex: Optional[str] = None,
           takes: str = ENTRYWISE, operation: Optional[str] = None) -> Callable:
    """Register the decorated body as the function `name` of the language."""
    lo, hi = (arity, arity) if isinstance(arity, int) else arity
    arities = {lo, max(lo, 2) if hi == -1 else hi}

    def register(body: Callable) -> Callable:
        on_scalars = _traced(body, arities, False)
        BODIES[name] = Body(name, (lo, hi), doc, body, examples, latex, takes,
                            on_scalars | _traced(body, arities, True), on_scalars, operation)
        return body
    return register


def operation(name: str, arity, doc: str, *examples: str, latex: Optional[str] = None,
              takes: str = ENTRYWISE) -> None:
    """A function that is one operation of the domains (each engine computes it its own way)."""
    define(name, arity, doc, *examples, latex=latex, takes=takes,
           operation=name)(lambda m, *args: getattr(m, name)(*args))


def runner(fn: Body, ops: type) -> Callable:
    """`run(ops, *args)`: the body as an engine with that `Ops` class runs it on its values
    (`ops.entrywise(f, value)` maps f over a matrix's entries or applies it to a scalar). A body
    that is one operation calls the class's method directly, looked up once, here."""
    body, op = fn.body, fn.operation
    if op is not None:
        f, entrywise = _static(ops, op), _static(ops, "entrywise")
        if fn.takes == ENTRYWISE and f is not None and entrywise is not None:
            return lambda ops, x: entrywise(f, x)
        body = _method(ops, op)
    if fn.takes == ENTRYWISE:
        return lambda ops, x: ops.entrywise(partial(body, ops), x)
    if fn.takes == SCALARS:
        scalar = _static(ops, "scalar")
        if scalar is None:
            return lambda ops, *args: body(ops, *map(ops.scalar, args))
        if fn.arity == (1, 1):
            return lambda ops, x: body(ops, scalar(x))
        return lambda ops, *args: body(ops, *map(scalar, args))
    return body


def _held(ops: type, name: str):
    for klass in ops.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return None


def _static(ops: type, name: str) -> Optional[Callable]:
    """The function a class holds as a static method `name`, or None."""
    held = _held(ops, name)
    return held.__func__ if isinstance(held, staticmethod) else None


def _method(ops: type, name: str) -> Callable:
    """The operation `name` of an `Ops` class as a function of (ops, *args)."""
    held, f = _held(ops, name), _static(ops, name)
    if f is not None:
        return lambda ops, *args: f(*args)
    return held if callable(held) else (lambda ops, *args: getattr(ops, name)(*args))

"""Hints a newcomer can act on: the function a common synonym means, what to do about an
evaluation error. Pure data and string matching, no heavy imports."""

from __future__ import annotations

from typing import Iterable

from verify.errors import did_you_mean

# Names people reach for (NumPy, MATLAB, textbooks) -> the language's function, or a phrase
# saying how to write it when there is no single function.
FUNCTION_SYNONYMS = {
    "determinant": "det", "Det": "det",
    "Tr": "trace", "Trace": "trace",
    "norm2": "norm", "l2norm": "norm", "l2": "norm", "euclidean_norm": "norm", "vecnorm": "norm",
    "frobenius": "fro", "frobenius_norm": "fro", "fro_norm": "fro", "normF": "fro",
    "spectral_norm": "opnorm", "specnorm": "opnorm", "op_norm": "opnorm", "operator_norm": "opnorm",
    "norm_op": "opnorm",
    "eig": "lambda_min or lambda_max", "eigs": "lambda_min or lambda_max",
    "eigvals": "lambda_min or lambda_max", "eigenvalues": "lambda_min or lambda_max",
    "eigvalsh": "lambda_min or lambda_max",
    "eigmin": "lambda_min", "min_eig": "lambda_min", "lambdamin": "lambda_min", "lmin": "lambda_min",
    "eigmax": "lambda_max", "max_eig": "lambda_max", "lambdamax": "lambda_max", "lmax": "lambda_max",
    "svd": "sigma_min or sigma_max", "svals": "sigma_min or sigma_max",
    "smin": "sigma_min", "sigmamin": "sigma_min", "smax": "sigma_max", "sigmamax": "sigma_max",
    "spectral_radius": "rho", "specrad": "rho",
    "ln": "log", "log10": "write log(x, 10)", "log2": "write log(x, 2)",
    "arctan": "atan", "arcsin": "asin", "arccos": "acos", "atan2": "write atan(y / x) (for x > 0)",
    "inverse": "inv", "invert": "inv", "pinverse": "pinv", "pseudo_inverse": "pinv",
    "pseudoinverse": "pinv",
    "transp": "transpose", "trans": "transpose",
    "inner": "dot", "vdot": "dot", "innerprod": "dot",
    "kron": "outer", "matmul": "write A @ B", "mm": "write A @ B",
    "pow": "write x**k", "power": "write x**k",
    "cuberoot": "cbrt", "cube_root": "cbrt", "root3": "cbrt",
    "fabs": "abs", "absolute": "abs", "magnitude": "abs",
    "sgn": "sign", "signum": "sign",
    "heaviside": "step", "indicator": "ind",
    "logistic": "sigmoid", "expit": "sigmoid",
    "ReLU": "relu", "Relu": "relu",
    "identity": "eye", "I": "eye",
    "product": "prod", "summation": "sum",
    "fact": "factorial", "choose": "binomial", "comb": "binomial", "nchoosek": "binomial",
    "maximum": "max", "minimum": "min", "argmax": "max", "argmin": "min",
    "exponential": "exp", "expm1": "write exp(x) - 1",
    "sq": "write x**2", "square": "write x**2",
    "hess": "hessian", "gradient": "grad", "jac": "jacobian", "derivative": "diff", "deriv": "diff",
    "integrate": "integral", "lim": "limit",
    "nrows": "rows", "ncols": "cols", "len": "rows", "length": "rows", "dim": "rows",
    "diagonal": "diag", "flatten": "vec", "concat": "hstack or vstack",
}


def suggest_function(name: str, known: Iterable[str]) -> str:
    """' (did you mean ...?)' for an unknown function name: a known synonym first, then close
    spellings; '' when nothing fits."""
    known = set(known)
    target = FUNCTION_SYNONYMS.get(name) or FUNCTION_SYNONYMS.get(name.lower())
    if target and target != name:
        if target in known:
            return f" (did you mean {target!r}?)"
        if target.startswith("write "):
            return f" ({target})"
        return f" (did you mean {target}?)"
    return did_you_mean(name, known)


# Substrings of evaluation errors -> what to do about them.
ERROR_HINTS = (
    ("negative base to a non-integer power",
     "a non-integer power of a negative number is not a real number: if the base cannot be negative "
     "under the claim's hypotheses, add that hypothesis (e.g. a*b*c >= 0) or write abs(...)**(1/3); "
     "for the real cube root of a signed number write cbrt(x) (= sign(x)*abs(x)**(1/3))"),
    ("0 to a negative power",
     "a zero base with a negative exponent divides by zero: exclude 0 with a hypothesis or the "
     "symbol's range"),
)


def error_hint(message) -> str:
    """The hint for an evaluation error message ('' when there is none)."""
    text = str(message or "")
    for needle, hint in ERROR_HINTS:
        if needle in text:
            return hint
    return ""

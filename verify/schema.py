"""Validate loaded claim data against `schemas/claim.schema.json` and locate each error.

`schema_problems` runs jsonschema's Draft 2020-12 validator and turns every error into a
`Problem` at the YAML line of the offending key or value (from the loader's marks), with a
short message: unknown keys get "did you mean", enums list the allowed values, type errors say
"expected X, got Y", and "exactly one kind key" failures name the allowed kinds.
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction
from functools import lru_cache
from importlib import resources

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from verify.errors import Problem, did_you_mean
from verify.load import mark_of

_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "a string",
               "number": "a number", "integer": "an integer", "boolean": "true or false",
               "null": "null"}


@lru_cache(maxsize=None)
def claim_schema() -> dict:
    """The claim file JSON Schema (draft 2020-12): the base file plus each check kind's fragment."""
    from verify.checks.registry import CHECKS
    ref = resources.files("verify").joinpath("schemas", "claim.schema.json")
    schema = json.loads(ref.read_text(encoding="utf-8"))
    check = schema["$defs"]["check"]
    for kind in sorted(CHECKS):  # each check kind owns its fragment
        check["properties"][kind] = CHECKS[kind].schema
    check["oneOf"] = [{"required": [kind]} for kind in sorted(CHECKS)]
    return schema


@lru_cache(maxsize=None)
def _validator() -> Draft202012Validator:
    # "integer" means a Python int: 40.0 (a YAML float) is not an integer here.
    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _c, x: isinstance(x, int) and not isinstance(x, bool))
    cls = validators.extend(Draft202012Validator, type_checker=checker)
    return cls(claim_schema())


def to_json_data(data: object) -> object:
    """The loader's data with each Fraction replaced by the nearest float (for validation)."""
    if isinstance(data, dict):
        return {k: to_json_data(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_json_data(v) for v in data]
    if isinstance(data, Fraction):
        try:
            return float(data)
        except OverflowError:
            return math.copysign(math.inf, data)
    return data


def schema_problems(data: object, marks: dict[tuple, tuple[int, int]], file: str) -> list[Problem]:
    """All schema violations of one claim file, sorted by line; [] when the data is valid."""
    problems: dict[tuple, Problem] = {}
    for err in _validator().iter_errors(to_json_data(data)):
        for p in _explain(err, marks, file):
            problems.setdefault((p.line, p.col, p.message), p)
    return sorted(problems.values(), key=lambda p: (p.line, p.col, p.message))


def _where(path: tuple) -> str:
    """'checks[0].numeric: ' for a path, '' for the root."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out + ": " if out else ""


def _show(value: object) -> str:
    """A value as it would read in the YAML file, shortened."""
    if isinstance(value, float) and value.is_integer():
        text = repr(value)
    elif isinstance(value, (dict, list)):
        return _TYPE_WORDS["object" if isinstance(value, dict) else "array"]
    else:
        text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_of(value: object) -> str:
    for name, kind in (("boolean", bool), ("integer", int), ("number", float),
                       ("string", str), ("array", list), ("object", dict)):
        if isinstance(value, kind):
            return _TYPE_WORDS[name]
    return _TYPE_WORDS["null"]


def _join(words: list[str], last: str = "or") -> str:
    words = [repr(w) for w in words]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def _explain(err: ValidationError, marks: dict, file: str) -> list[Problem]:
    """One or more Problems for one jsonschema error."""
    path, kind, inst, schema = tuple(err.absolute_path), err.validator, err.instance, err.schema
    where = _where(path)

    def at(p: tuple, message: str, hint: str = "") -> Problem:
        return Problem(file, *mark_of(marks, p), message, hint)

    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        extra = [k for k in inst if k not in allowed and not any(re.search(p, k) for p in patterns)]
        return [at(path + (k, "__key__"), f"{where}unknown key {k!r}{did_you_mean(k, allowed)}",
                   "allowed keys here: " + ", ".join(allowed)) for k in extra]
    if kind == "required":
        hint = schema.get("description", "") if "then" in err.relative_schema_path else ""
        return [at(path, f"{where}missing required key {k!r}", hint)
                for k in err.validator_value if isinstance(inst, dict) and k not in inst]
    if "propertyNames" in err.relative_schema_path:
        return [at(path + (inst, "__key__"), f"{where}{inst!r} is not a valid name",
                   schema.get("description", "letters, digits and _, starting with a letter"))]
    if kind in ("enum", "const"):
        allowed = err.validator_value if kind == "enum" else [err.validator_value]
        near = did_you_mean(inst, allowed) if isinstance(inst, str) else ""
        return [at(path, f"{where}{_show(inst)} is not allowed{near}; expected {_join(allowed)}")]
    if kind == "type":
        want = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        words = " or ".join(_TYPE_WORDS[w] for w in want)
        got = _type_of(inst) + ("" if isinstance(inst, (dict, list)) else f" ({_show(inst)})")
        return [at(path, f"{where}expected {words}, got {got}")]
    if kind in ("oneOf", "anyOf"):
        return _explain_one_of(err, path, where, at, marks, file)
    return [at(path, where + _message(err), schema.get("description", ""))]


def _explain_one_of(err, path, where, at, marks, file) -> list[Problem]:
    """'exactly one of these keys' failures get one concise message; others the best sub-error."""
    branches = err.validator_value
    keys = [b["required"][0] for b in branches if list(b) == ["required"] and len(b["required"]) == 1]
    inst = err.instance
    if len(keys) == len(branches) and isinstance(inst, dict):
        noun = err.schema.get("title", "this mapping")
        found = [k for k in inst if k in keys]
        message = f"{where}a {noun} needs exactly one of the keys {_join(keys)}"
        if not found:
            return [at(path, message + "; found none")]
        return [at(path + (found[1], "__key__"), message + f"; found {_join(found, 'and')}",
                   "keep only one of them")]
    best = best_match(err.context) if err.context else None
    return _explain(best, marks, file) if best is not None else [at(path, where + err.message)]


def _message(err: ValidationError) -> str:
    """Readable text for the remaining validators (sizes, bounds, patterns)."""
    kind, value, inst = err.validator, err.validator_value, err.instance
    count = len(inst) if isinstance(inst, (list, dict, str)) else 0
    unit = {list: "items", dict: "keys", str: "characters"}.get(type(inst), "")
    if kind in ("minProperties", "maxProperties") and err.schema.get("minProperties") == 1 \
            and err.schema.get("maxProperties") == 1:
        return f"expected exactly one key, got {count}"
    if kind in ("minItems", "minProperties", "minLength"):
        return "must not be empty" if value == 1 and count == 0 else \
            f"expected at least {value} {unit}, got {count}"
    if kind in ("maxItems", "maxProperties", "maxLength"):
        return f"expected at most {value} {unit}, got {count}"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">",
              "exclusiveMaximum": "<"}[kind]
        return f"{_show(inst)} is out of range: it must be {op} {value}"
    if kind == "pattern":
        return f"{_show(inst)} does not have the required form"
    if kind == "uniqueItems":
        return "the items must be distinct"
    return err.message if len(err.message) <= 200 else err.message[:197] + "..."

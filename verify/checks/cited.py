"""cited: a claim that is not checkable as stated; the report shows it as "cited, not verified".

The claim should carry a weaker finite instance as a real check beside it where one exists.

    - cited: Du et al. 2019, Theorem 3.1
      reason: an infinite-width limit; the finite-width Gram matrix is checked instead
"""

from __future__ import annotations

from verify.checks.records import result
from verify.checks.registry import Settings, check_kind
from verify.errors import ExprError
from verify.model import CheckSpec, Claim

SCHEMA = {"type": "string", "minLength": 1, "examples": ["Du et al. 2019, Theorem 3.1"],
          "description": "A claim that is not checkable as stated: the reference it is taken from."}


def prepare(entry: dict, claim: Claim, ctx) -> CheckSpec:
    if not str(entry.get("reason", "")).strip():
        raise ExprError("a cited check needs reason: why it cannot be checked as stated")
    return CheckSpec("cited", ctx.index, entry.get("name", ""), entry["cited"], None,
                     {"reason": entry["reason"]}, ctx.line)


@check_kind("cited", example="cited: Du et al. 2019, Theorem 3.1\n  reason: asymptotic in the width",
            options=("name", "reason"))
def run(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    return result(spec, "cited", "cited", f"cited, not verified: {spec.options['reason']}",
                  evidence={"reference": str(spec.text)})

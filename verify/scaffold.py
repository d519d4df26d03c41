"""`verify new`: a commented claim scaffold that passes `verify check` as written."""

from pathlib import Path

TEMPLATE = """\
# A claim file. Edit each field; `verify lint {path}` validates, `verify check {path}` checks.
# The format: docs/claim-format.md. Functions: `verify functions`. Samplers: `verify samplers`.
id: {id}
kind: lemma            # definition | lemma | proposition | theorem | corollary | example | derivation-step
title: AM-GM for two positive reals
statement: 'a, b > 0 \\implies \\sqrt{{ab}} \\le \\frac{{a+b}}{{2}}'   # LaTeX, for people
source:
  note: 000_a5c604ccae0ab764.txt   # the note file it comes from
  section: where in the note
  quote: a short quote of the note's text
uses: []               # ids of claims this one rests on (claim files in {folder}/)
expect: holds          # or: fails (then add corrected_by: <id>)

symbols:               # every name used below
  a: {{real: [0, 10]}}   # a real drawn in [0, 10]
  b: {{real: [0, 10]}}

assume:                # named hypotheses; drawn instances must satisfy them
  - {{name: a_positive, latex: 'a > 0', expr: 'a > 0'}}
  - {{name: b_positive, latex: 'b > 0', expr: 'b > 0'}}

checks:
  - symbolic: (a + b)**2 - 4*a*b == (a - b)**2         # SymPy: the difference simplifies to 0
  - numeric: sqrt(a*b) <= (a + b) / 2                  # mpmath: seeded instances, 50 and 80 digits
    n: 30

necessity:             # what a hypothesis is for: without it, the conclusion must fail
  - drop: a_positive
    instance: {{a: -1, b: 1}}
    why: sqrt of a negative product is not real
"""


def scaffold_text(claim_id: str, path) -> str:
    """The scaffold of `claim_id`, whose comments name the file it is written to (`path`)."""
    shown = str(path)
    folder = str(Path(shown).parent)
    if any(c.isspace() or c in "'\"$`\\" for c in shown):
        import shlex
        shown = shlex.quote(shown)
    return TEMPLATE.format(id=claim_id, path=shown, folder=folder)

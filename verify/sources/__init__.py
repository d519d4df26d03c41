"""Where each claim comes from: its `source` located as a span of its lecture note.

A claim's `source` names a note (a file in the notes folder) and quotes it. This package finds the
quote in the note and returns the span it covers (first line and column to last line and column,
1-based, columns counted in characters, the end column inclusive):

* **verbatim**: the quote is the note's own text, up to runs of white space;
* **fuzzy**: the quote is located by an approximate match that tolerates LaTeX spacing and
  markup (`\\nabla f(\\vec{w}_1)` and `grad f(w1)` read alike), ASCII paraphrases of symbols
  (`<=`, `||`, `beta`, `sum_{k=0}^t`) and OCR damage; its score is 1 - (edits / quote length), and
  `...` in a quote stands for an elided stretch of the note;
* **span**: the claim gives the span itself, `span: "123:1-125:40"` or
  `span: {line: 123, col: 1, end_line: 125, end_col: 40}` (then the quote is not searched).

A quote whose best match scores below `THRESHOLD` is a located problem for `verify lint`, which
reports the best location found as `note:line:col`.

Notes are read as they are, with one repair: text extracted from arXiv's HTML (LaTeXML) writes each
formula three times, glued together: as plain text, as content MathML (italic letters, words like
`subscript`) and as LaTeX (`l2subscript𝑙2l_{2}`). `NoteText.clean` keeps only the LaTeX, between
`$` signs, and maps every character back to its place in the file, so quotes may use the LaTeX and
spans are still reported in the file's own lines and columns. Nothing here needs more than the
standard library and NumPy.
"""

from .matching import THRESHOLD, Location, locate, normalize
from .note import NoteText, load_note, note_files
from .resolution import lint_sources, load_store, notes_notice, parse_span, resolve, save_store

"""The statuses the report draws: those of the results document it renders (its `statuses`, the
ladder with each status's fill colour and icon, written from verify.status), else verify.status's
own. `use(results)` makes them the ones in `LADDER` (strongest first) and `STATUS_STYLE`."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from verify.status import MARK_ICONS, status_table

LADDER: list[str] = []
STATUS_STYLE: dict[str, tuple[str, str]] = {}   # status -> (fill colour, icon)
UNKNOWN_STYLE = ("#ffffff", "\u00b7")


def use(results: dict[str, Any]) -> None:
    """Draw the statuses of `results` from now on."""
    rows = [r for r in results.get("statuses") or [] if isinstance(r, dict) and "status" in r] or status_table()
    LADDER[:] = [str(r["status"]) for r in reversed(rows)]
    STATUS_STYLE.clear()
    STATUS_STYLE.update({str(r["status"]): (str(r.get("fill") or UNKNOWN_STYLE[0]), str(r.get("icon") or UNKNOWN_STYLE[1]))
                         for r in rows})


def icon(status: Any) -> str:
    """A status's icon; what is not a status (a necessity case's outcome, a missing claim) has its mark."""
    status = str(status or "")
    return STATUS_STYLE[status][1] if status in STATUS_STYLE else MARK_ICONS.get(status, UNKNOWN_STYLE[1])


def css_token(value: Any) -> str:
    """A value (a status, a kind) as a CSS class token: lower case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]", "-", str(value or "none").lower())


def badge(status: Any) -> str:
    """A status as a small badge, its icon and word (the class `st-<status>` gives its colour)."""
    status = str(status or "none")
    icon = STATUS_STYLE.get(status, UNKNOWN_STYLE)[1]
    return f'<span class="badge st-{css_token(status)} small">{escape(icon)} {escape(status)}</span>'


use({})

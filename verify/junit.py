"""results.json as JUnit XML, for CI systems: one test case per claim, its status as properties."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from verify.explain import explain


def junit_xml(results: dict) -> str:
    claims = results["claims"]
    suite = ET.Element("testsuite", name="verify", tests=str(len(claims)),
                       failures=str(sum(not c["as_expected"] for c in claims)),
                       errors=str(len(results["problems"])), time=str(results["run"].get("duration_s", 0)))
    for p in results["problems"]:
        case = ET.SubElement(suite, "testcase", classname=p["file"], name=f"{p['file']}:{p['line']}")
        ET.SubElement(case, "error", message=p["message"]).text = p.get("hint", "")
    for c in claims:
        case = ET.SubElement(suite, "testcase", classname=c["file"], name=c["id"],
                             time=str(c.get("duration_s") or 0))
        props = ET.SubElement(case, "properties")
        for key in ("status", "expect", "seed", "kind"):
            ET.SubElement(props, "property", name=key, value=str(c.get(key)))
        for i, k in enumerate(c["checks"], start=1):
            for name, value in check_properties(k):
                ET.SubElement(props, "property", name=f"check{i}.{name}", value=value)
        if not c["as_expected"]:
            ET.SubElement(case, "failure", message=f"{c['status']} (expected {c['expect']})").text = \
                "\n".join(explain(c))
    return ET.tostring(suite, encoding="unicode")


def check_properties(check: dict) -> list[tuple[str, str]]:
    """What a reader must not miss about a check: its outcome and engine, what confirmed a
    refutation, the scope of "certified on instances", a near miss, an open failure."""
    ev = check.get("evidence") or {}
    out = [("outcome", f"{check['outcome']}" + (f" ({check['engine']})" if check.get("engine") else ""))]
    for key in ("confirmed_by", "scope", "near_miss", "unconfirmed", "mostly_rejected"):
        if ev.get(key):
            out.append((key, str(ev[key])))
    if check.get("undecided_ok"):
        out.append(("undecided_ok", check["undecided_ok"]))
    return out

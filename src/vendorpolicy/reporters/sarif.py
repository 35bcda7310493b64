"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; `tool.driver.rules` lists every loaded rule plus the reserved VP-YAML, VP-SCHEMA and
VP-WAIVER rules, sorted by id. Results are the `fail` and `error` outcomes, plus `waived`
ones carrying an accepted external suppression (so viewers show them as dismissed, with the
waiver). `partialFingerprints` hash the finding's identity (rule, path, document, pointer,
item, check), never its line, so an alert survives edits above it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from vendorpolicy.model import (
    VP_SCHEMA,
    VP_WAIVER,
    VP_YAML,
    Report,
    Result,
    RuleInfo,
    Severity,
    Status,
)
from vendorpolicy.reporters import RenderOptions

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://example.invalid/vendorpolicy"
FINGERPRINT_KEY = "vendorpolicy/v1"
AUTOMATION_ID = "vendorpolicy/"
SRCROOT = "%SRCROOT%"

RESERVED_RULES: tuple[RuleInfo, ...] = (
    RuleInfo(
        id=VP_YAML,
        title="Readable, strict YAML",
        severity=Severity.CRITICAL,
        description=(
            "The file could not be read as strict, safe YAML (syntax error, duplicate key, "
            "unsupported tag, bad encoding, empty document...). A document that is not "
            "readable is not evaluated by any policy rule."
        ),
        remediation="Fix the YAML at the reported line; the message says what is wrong.",
        tags=("yaml",),
    ),
    RuleInfo(
        id=VP_SCHEMA,
        title="Valid document",
        severity=Severity.CRITICAL,
        description=(
            "The document does not conform to the JSON Schema of its kind, or its metadata.id "
            "is not unique. A document with schema violations is not evaluated by policy rules."
        ),
        remediation=(
            "Correct the field at the reported location so the document matches its schema."
        ),
        tags=("schema",),
    ),
    RuleInfo(
        id=VP_WAIVER,
        title="Waiver in force",
        severity=Severity.HIGH,
        description=(
            "A waiver is expired, not yet approved, too long, outside the allowed paths, "
            "names a rule no policy defines, or matches nothing. Such a waiver waives nothing."
        ),
        remediation="Renew, correct or remove the waiver.",
        tags=("waiver",),
    ),
)

SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
PROBLEM_SEVERITY = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "recommendation",
    Severity.INFO: "recommendation",
}
SHOWN = (Status.FAIL, Status.ERROR, Status.WAIVED)
_SURROGATE = re.compile("[\ud800-\udfff]")


def severity_level(severity: Severity) -> str:
    """SARIF level of a severity: critical/high error, medium warning, low/info note."""
    if severity.rank >= Severity.HIGH.rank:
        return "error"
    if severity is Severity.MEDIUM:
        return "warning"
    return "note"


def level(result: Result) -> str:
    """SARIF level of a result: `error` status is always an error, else by severity."""
    return "error" if result.status is Status.ERROR else severity_level(result.severity)


def rule_catalogue(report: Report) -> list[RuleInfo]:
    """report.rules (first wins per id) plus the reserved rules and any rule only results name."""
    by_id: dict[str, RuleInfo] = {}
    for info in (*report.rules, *RESERVED_RULES):
        by_id.setdefault(info.id, info)
    for r in report.results:
        by_id.setdefault(r.rule, RuleInfo(r.rule, r.title or r.rule, r.severity))
    return [by_id[k] for k in sorted(by_id)]


def camel_case(text: str, fallback: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text) or re.findall(r"[A-Za-z0-9]+", fallback)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def group(rule_id: str) -> str:
    """The rule's group prefix: ENC for ENC-001, VP for VP-YAML."""
    return rule_id.split("-", 1)[0]


def _help(info: RuleInfo) -> tuple[str, str]:
    text = [info.description or info.title]
    md = [info.description or info.title]
    if info.remediation:
        text += ["", f"Remediation: {info.remediation}"]
        md += ["", f"**Remediation:** {info.remediation}"]
    if info.references:
        text += ["", "References:"] + [f"- {ref}" for ref in info.references]
        md += ["", "**References:**", ""] + [f"- {ref}" for ref in info.references]
    text += ["", f"Run `vendorpolicy explain {info.id}` for the rule in full."]
    md += ["", f"Run `vendorpolicy explain {info.id}` for the rule in full."]
    return "\n".join(text), "\n".join(md)


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def rule_descriptor(info: RuleInfo) -> dict[str, Any]:
    help_text, help_md = _help(info)
    return {
        "id": info.id,
        "name": camel_case(info.title, info.id),
        "shortDescription": {"text": info.title or info.id},
        "fullDescription": {"text": info.description or info.title or info.id},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": severity_level(info.severity)},
        "properties": {
            # GitHub only honours security-severity on rules tagged "security".
            "tags": _dedupe(["security", "compliance", "outsourcing", group(info.id), *info.tags]),
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[info.severity],
            "problem.severity": PROBLEM_SEVERITY[info.severity],
        },
    }


def uri(path: str) -> str:
    """Repository-relative, forward slashes, no leading `./`."""
    out = path.replace("\\", "/")
    while out.startswith("./"):
        out = out[2:]
    return out


def fingerprint(r: Result) -> str:
    """sha256 of rule|path|document|pointer|item|check: stable when lines move."""
    key = "|".join([r.rule, uri(r.path), r.document or "", r.pointer, r.item or "", r.check or ""])
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _result(r: Result, index: int) -> dict[str, Any]:
    props: dict[str, Any] = {"status": r.status.value, "severity": r.severity.value}
    for key, value in (
        ("document", r.document),
        ("vendor", r.vendor),
        ("kind", r.kind),
        ("pointer", r.pointer or None),
        ("item", r.item),
        ("check", r.check),
        ("evidence", r.evidence),
    ):
        if value is not None:
            props[key] = value
    out: dict[str, Any] = {
        "ruleId": r.rule,
        "ruleIndex": index,
        "level": level(r),
        "message": {"text": r.message or r.title or r.rule},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(r.path), "uriBaseId": SRCROOT},
                    "region": {"startLine": max(r.line, 1), "startColumn": max(r.column, 1)},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(r)},
        "properties": props,
    }
    if r.status is Status.WAIVED:
        w = r.waiver
        justification = (
            f"{w.id}: {w.justification} (approved by {w.approved_by} on {w.approved_on}, "
            f"expires {w.expires})"
            if w is not None
            else "waived"
        )
        suppression: dict[str, Any] = {
            "kind": "external",
            "status": "accepted",
            "justification": justification,
        }
        if w is not None:
            suppression["properties"] = {"waiver": w.as_dict()}
        out["suppressions"] = [suppression]
    return out


def sarif_log(report: Report) -> dict[str, Any]:
    ev = report.evidence
    catalogue = rule_catalogue(report)
    index = {info.id: i for i, info in enumerate(catalogue)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "vendorpolicy",
                        "semanticVersion": ev.tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(info) for info in catalogue],
                    }
                },
                "automationDetails": {"id": AUTOMATION_ID},
                "columnKind": "unicodeCodePoints",
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "properties": {
                            "as_of": ev.as_of,
                            "policy_digest": ev.policy_digest,
                            "fail_on": ev.fail_on.value,
                        },
                    }
                ],
                "results": [_result(r, index[r.rule]) for r in report.results if r.status in SHOWN],
            }
        ],
    }


def render(report: Report, options: RenderOptions) -> str:
    text = json.dumps(sarif_log(report), indent=2, ensure_ascii=False)
    return _SURROGATE.sub("\ufffd", text) + "\n"

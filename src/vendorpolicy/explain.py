"""`vendorpolicy explain RULE`: a rule's documentation, parameters in effect and source."""

from __future__ import annotations

import json

from vendorpolicy.errors import UsageError
from vendorpolicy.policy import PolicySet


def explain_rule(policies: PolicySet, rule_id: str) -> str:
    rule = policies.rule(rule_id) or policies.rule(rule_id.upper())
    if rule is None:
        close = [r.id for r in policies.rules if r.id.split("-")[0] == rule_id.split("-")[0]]
        hint = f"; rules of that group: {', '.join(close)}" if close else ""
        raise UsageError(f"no rule {rule_id!r} in the loaded policies{hint}")
    info = rule.info
    lines = [f"{info.id}  {info.title}", ""]
    sev = info.severity.value
    if rule.severity.raises:
        sev += "; raised to " + "; ".join(
            f"{level.value} when `{cond.text}`" for level, cond in rule.severity.raises
        )
    lines += [f"Severity:    {sev}", f"Applies to:  {', '.join(rule.kinds)}"]
    lines.append(f"When:        {rule.when.text if rule.when else 'always'}")
    if rule.for_each:
        lines.append(f"For each:    {rule.for_each.text}")
    for entry in rule.checks:
        label = f" ({entry.label})" if entry.label else ""
        each = f"  [for each {entry.for_each.text}]" if entry.for_each else ""
        lines.append(f"Check{label}: {entry.compiled.text}{each}")
    lines.append(f"Policy:      {info.policy}  ({info.source})")
    if info.description:
        lines += ["", "Why", "  " + info.description]
    if info.remediation:
        lines += ["", "What to change", "  " + info.remediation]
    if info.references:
        lines += ["", "References"] + [f"  - {ref}" for ref in info.references]
    if info.params:
        lines += ["", "Parameters in effect"]
        for name in info.params:
            value = json.dumps(policies.params.get(name), ensure_ascii=False)
            lines.append(f"  {name} = {value}  ({policies.param_sources.get(name, 'default')})")
    return "\n".join(lines) + "\n"

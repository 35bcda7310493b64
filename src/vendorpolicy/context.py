"""The cross-document view rules see: vendor bundles and the portfolio, indexed once per run.

`attestations(vendor)` returns that vendor's valid attestations; `contracts()` returns the
*portfolio view* of every valid contract: the sections listed in PORTFOLIO_SECTIONS. Rules
over the portfolio read only those sections, which lets the pre-commit cache keep a small
projection of every contract instead of re-reading the repository (see cache.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vendorpolicy.expr import Context

PORTFOLIO_SECTIONS = (
    "apiVersion",
    "kind",
    "metadata",
    "vendor",
    "dates",
    "classification",
    "services",
    "commercial",
    "subcontractors",
)


def portfolio_view(contract: dict[str, Any]) -> dict[str, Any]:
    """The part of a contract that `contracts()` exposes (absent sections stay absent)."""
    return {k: contract[k] for k in PORTFOLIO_SECTIONS if k in contract}


class RunContext(Context):
    """Bundles by vendor and the portfolio, built once from (sort key, kind, data) triples."""

    def __init__(self, entries: Iterable[tuple[tuple[str, int], str, dict[str, Any]]]) -> None:
        super().__init__()
        by_vendor: dict[str, list[tuple[tuple[str, int], dict[str, Any]]]] = {}
        contracts: list[tuple[tuple[str, int], dict[str, Any]]] = []
        for key, kind, data in entries:
            if kind == "Attestation":
                vendor = (data.get("metadata") or {}).get("vendor")
                if isinstance(vendor, str):
                    by_vendor.setdefault(vendor, []).append((key, data))
            elif kind == "Contract":
                contracts.append((key, portfolio_view(data)))
        self._attestations = {
            v: [d for _, d in sorted(items, key=lambda kd: kd[0])] for v, items in by_vendor.items()
        }
        self._contracts = [d for _, d in sorted(contracts, key=lambda kd: kd[0])]

    def attestations(self, vendor: str) -> list[dict[str, Any]]:
        return self._attestations.get(vendor, [])

    def contracts(self) -> list[dict[str, Any]]:
        return self._contracts

"""The cross-document view rules see: vendor bundles and the portfolio, indexed once per run.

`attestations(vendor)` returns that vendor's valid attestations; `contracts()` returns the
*portfolio view* of every valid contract: the fields listed in PORTFOLIO_FIELDS. Rules over
the portfolio read only those fields, which lets the pre-commit cache keep a small
projection of every contract instead of re-reading the repository (see cache.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from vendorpolicy import memory
from vendorpolicy.expr import Context

# section -> the fields kept (None: the whole section). Lists keep their items' fields.
PORTFOLIO_FIELDS: dict[str, tuple[str, ...] | None] = {
    "apiVersion": None,
    "kind": None,
    "metadata": ("id", "vendor"),
    "vendor": ("legal_name", "parent_id", "country"),
    "dates": None,
    "classification": None,
    "services": ("id", "type", "critical_function", "subcontracting_allowed"),
    "commercial": ("annual_value", "currency"),
    "subcontractors": ("id", "name", "country", "data_access", "services"),
}
PORTFOLIO_SECTIONS = tuple(PORTFOLIO_FIELDS)


def _keep(value: Any, fields: tuple[str, ...] | None) -> Any:
    if fields is None:
        return value
    if isinstance(value, dict):
        return {k: value[k] for k in fields if k in value}
    if isinstance(value, list):
        return [_keep(item, fields) for item in value]
    return value


def portfolio_view(contract: dict[str, Any]) -> dict[str, Any]:
    """The part of a contract that `contracts()` exposes (absent fields stay absent)."""
    return {k: _keep(contract[k], f) for k, f in PORTFOLIO_FIELDS.items() if k in contract}


Loader = Callable[[], dict[str, Any]]
LARGE_PORTFOLIO = 200  # contracts: from there, portfolio indexes run as generated code


class RunContext(Context):
    """Bundles by vendor and the portfolio, indexed once per run.

    Entries are (sort key, kind, vendor, data or a loader of the data): documents read
    from the context index are decoded only when a rule asks for them, so a hook run on
    one contract does not decode every attestation of the repository.
    """

    def __init__(
        self, entries: Iterable[tuple[tuple[str, int], str, str | None, Loader | dict[str, Any]]]
    ) -> None:
        super().__init__()
        by_vendor: dict[str, list[tuple[tuple[str, int], Loader | dict[str, Any]]]] = {}
        contracts: list[tuple[tuple[str, int], Loader | dict[str, Any]]] = []
        for key, kind, vendor, data in entries:
            if kind == "Attestation":
                if isinstance(vendor, str):
                    by_vendor.setdefault(vendor, []).append((key, data))
            elif kind == "Contract":
                # in memory: keep only the portfolio view, so the full document can be freed
                contracts.append((key, portfolio_view(data) if isinstance(data, dict) else data))
        self._pending = {v: sorted(items, key=lambda kd: kd[0]) for v, items in by_vendor.items()}
        self._attestations: dict[str, list[dict[str, Any]]] = {}
        self._pending_contracts = sorted(contracts, key=lambda kd: kd[0])
        self.large = len(contracts) >= LARGE_PORTFOLIO
        self._contracts: list[dict[str, Any]] | None = None

    def attestations(self, vendor: str) -> list[dict[str, Any]]:
        found = self._attestations.get(vendor)
        if found is None:
            found = [_data(d) for _, d in self._pending.get(vendor, [])]
            self._attestations[vendor] = found
        return found

    def contracts(self) -> list[dict[str, Any]]:
        if self._contracts is None:
            # (a loader's data is a context entry's, projected already when it was made;
            # decoded from the hook's index, the portfolio is ~600,000 objects that hold
            # no cycle and live until the run ends: not for the cycle collector to walk)
            with memory.collector_paused():
                self._contracts = [_data(d) for _, d in self._pending_contracts]
                memory.keep_until_the_end()
        return self._contracts


def _data(value: Loader | dict[str, Any]) -> dict[str, Any]:
    return value if isinstance(value, dict) else value()

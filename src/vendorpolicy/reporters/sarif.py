"""Placeholder: the sarif reporter lands with the reports work."""

from __future__ import annotations

from vendorpolicy.model import Report
from vendorpolicy.reporters import RenderOptions


def render(report: Report, options: RenderOptions) -> str:
    raise NotImplementedError("sarif")

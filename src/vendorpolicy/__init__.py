"""vendorpolicy: compliance-as-code for IT outsourcing contracts and vendor attestations."""

from __future__ import annotations

__version__ = "0.1.0"

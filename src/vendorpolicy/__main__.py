"""`python -m vendorpolicy`."""

from __future__ import annotations

from vendorpolicy.cli import main

raise SystemExit(main())

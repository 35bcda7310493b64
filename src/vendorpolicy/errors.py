"""The exceptions the core may raise. Everything else bad is a result, not an exception."""

from __future__ import annotations


class VendorPolicyError(Exception):
    """Base class: the CLI turns these into exit code 2 with the message."""

    exit_code = 2


class ConfigError(VendorPolicyError):
    """A configuration, policy or usage problem found before any document is judged.

    `where` is `file:line` (or `file:line:col`) when the problem has a location.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class UsageError(ConfigError):
    """A bad command-line option or argument."""


class EvaluationError(Exception):
    """A rule could not be evaluated on one document: becomes an `error` result."""


class EvaluationTimeout(EvaluationError):
    """A rule ran past its time budget on one document."""

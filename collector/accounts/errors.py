"""Why an account change was refused. The message is written for the person who asked and
is shown as it is: a flash message on the dashboard, ``eus: MESSAGE`` (exit 2) in the CLI."""

from __future__ import annotations


class AccountError(Exception):
    """A refused change; nothing was written (the caller's transaction is rolled back)."""


class InvalidValue(AccountError):
    """A value that breaks a rule of :mod:`collector.accounts.rules`."""


class AlreadyExists(AccountError):
    """A name that another account already has, ignoring case."""


class NotFound(AccountError):
    """No account by that name or number."""


class NotAllowed(AccountError):
    """A change that would lock its author out."""

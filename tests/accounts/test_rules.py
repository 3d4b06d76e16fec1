"""The account rules, one table each: what is accepted (as stored) and what is refused (why)."""

from __future__ import annotations

import pytest

from collector.accounts import rules
from collector.accounts.errors import InvalidValue
from collector.store.models import Role


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("alice", "alice"),
        ("  Alice ", "Alice"),
        ("a", "a"),
        ("ops.team_1@msp-x", "ops.team_1@msp-x"),
        ("9lives", "9lives"),
        ("x" * 64, "x" * 64),
    ],
)
def test_usernames_accepted(raw: str, stored: str) -> None:
    assert rules.username(raw) == stored


@pytest.mark.parametrize("raw", ["", "   ", "x y", ".alice", "-bob", "_c", "x" * 65, "al/ice", "zoë", "a\tb"])
def test_usernames_refused(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"^Username: 1 to 64 letters"):
        rules.username(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Password: at least 10 characters."),
        ("123456789", "Password: at least 10 characters."),
        ("x" * 1025, "Password: at most 1024 characters."),
    ],
)
def test_passwords_refused(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        rules.password(raw)
    assert str(caught.value) == message


@pytest.mark.parametrize("raw", ["1234567890", " leading and trailing spaces kept ", "x" * 1024])
def test_passwords_accepted_as_given(raw: str) -> None:
    assert rules.password(raw) == raw


@pytest.mark.parametrize(
    ("raw", "role"),
    [
        ("technician", Role.TECHNICIAN),
        (" supervisor ", Role.SUPERVISOR),
        ("administrator", Role.ADMINISTRATOR),
    ],
)
def test_roles_accepted(raw: str, role: Role) -> None:
    assert rules.role(raw) is role


@pytest.mark.parametrize("raw", ["", "admin", "Administrator", "emperor"])
def test_roles_refused(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"^Role: choose one of technician, supervisor, administrator.$"):
        rules.role(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Acme", "Acme"),
        ("  Charlie   Cafe ", "Charlie Cafe"),
        ("Zoë\tGmbH", "Zoë GmbH"),
        ("n" * 200, "n" * 200),
    ],
)
def test_names_accepted(raw: str, stored: str) -> None:
    assert rules.name(raw) == stored


@pytest.mark.parametrize("raw", ["", " \t ", "n" * 201])
def test_names_refused(raw: str) -> None:
    with pytest.raises(InvalidValue, match=r"^Name: 1 to 200 characters.$"):
        rules.name(raw)


@pytest.mark.parametrize(
    ("candidate", "existing", "taken_by"),
    [
        ("Alice", ["alice", "bob"], "alice"),
        ("alice", ["ALICE"], "ALICE"),
        ("charlie cafe", ["Charlie  Cafe"], "Charlie  Cafe"),
        ("ZOË", ["zoë"], "zoë"),
        ("Straße", ["STRASSE"], "STRASSE"),  # casefold, not lower: one name to a German reader
        ("alice2", ["alice"], None),
        ("Acme", [], None),
    ],
)
def test_names_are_unique_ignoring_case_and_spacing(
    candidate: str, existing: list[str], taken_by: str | None
) -> None:
    assert rules.taken_by(candidate, existing) == taken_by

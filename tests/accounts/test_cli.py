"""``eus`` account, token and site commands run as the operator runs them (a subprocess on
a data directory): what they print, what they store and audit, and the help text on every
command and option."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from support.procs import eus

from collector import __version__
from collector.cli import admin_parser
from collector.passwords import verify_password
from collector.store.db import Store
from collector.store.models import AuditEntry, Customer, Device, EnrollmentToken, User

PW = "long-enough-pw-1"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    eus(data, "init", "--admin", "admin")
    eus(data, "customer", "create", "Acme")
    return data


def store(data: Path) -> Store:
    return Store(f"sqlite:///{data / 'eus.sqlite3'}")


def audited(data: Path, prefix: str) -> list[tuple[str, str]]:
    st = store(data)
    try:
        with st.session() as s:
            rows = s.scalars(
                select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)
            )
            return [(r.action, r.target) for r in rows]
    finally:
        st.dispose()


def test_version() -> None:
    proc = eus(Path("/nonexistent"), "--version")
    assert proc.stdout.strip() == f"eus {__version__}"


def _parsers(p: argparse.ArgumentParser, path: str = "eus") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, p
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, child in action.choices.items():
                assert helps.get(name), f"'{path} {name}' has no help line"
                yield from _parsers(child, f"{path} {name}")


def test_every_command_and_option_has_help() -> None:
    commands = list(_parsers(admin_parser()))
    assert len(commands) > 25
    for path, parser in commands:
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            assert action.help, f"{path}: {action.option_strings or action.dest} has no help"


def test_users_created_listed_disabled_and_given_a_new_password(data: Path) -> None:
    out = eus(
        data, "user", "create", "Alice", "--customer", "acme", "--password-stdin", stdin=PW + "\n"
    ).stdout
    assert out.strip() == "user Alice created"
    refused = eus(data, "user", "create", "alice", "--password-stdin", stdin=PW, check=False)
    assert (refused.returncode, refused.stderr) == (2, "eus: A user named 'Alice' already exists.\n")

    lines = eus(data, "user", "list").stdout.splitlines()
    assert lines[0].split("\t") == ["ID", "USERNAME", "ROLE", "STATE", "CUSTOMERS", "CREATED (UTC)"]
    assert [line.split("\t")[1:5] for line in lines[1:]] == [
        ["admin", "administrator", "active", "all"],
        ["Alice", "technician", "active", "Acme"],
    ]

    assert eus(data, "user", "disable", "ALICE").stdout.strip() == "user Alice disabled"
    assert eus(data, "user", "disable", "alice").stdout.strip() == "user Alice was already disabled"
    (alice,) = [u for u in json.loads(eus(data, "user", "list", "--json").stdout) if u["username"] == "Alice"]
    assert (alice["active"], alice["customers"]) == (False, ["Acme"])
    eus(data, "user", "enable", "alice")

    out = eus(data, "user", "reset-password", "alice").stdout.strip()
    assert out.startswith("user Alice: password ") and out.endswith("(shown once)")
    new_password = out.split()[3]
    st = store(data)
    try:
        with st.session() as s:
            user = s.scalars(select(User).where(User.username == "Alice")).one()
            assert user.active and verify_password(user.password_hash, new_password)
            details = s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "user.update")).all()
    finally:
        st.dispose()
    assert [json.loads(d) for d in details] == [
        {"changes": {"active": [True, False]}, "password_changed": False},
        {"changes": {"active": [False, True]}, "password_changed": False},
        {"changes": {}, "password_changed": True},
    ]
    assert new_password not in "".join(details)
    for argv in (["disable", "bob"], ["reset-password", "bob"]):
        proc = eus(data, "user", *argv, check=False)
        assert (proc.returncode, proc.stderr) == (2, "eus: No user named 'bob'.\n")


def test_tokens_listed_by_prefix_and_revoked(data: Path) -> None:
    token = eus(data, "token", "create", "--customer", "ACME", "--uses", "2").stdout.strip()
    eus(data, "token", "create", "--customer", "Acme")
    lines = eus(data, "token", "list").stdout.splitlines()
    assert lines[0].split("\t") == [
        "ID",
        "PREFIX",
        "CUSTOMER",
        "USES",
        "EXPIRES (UTC)",
        "STATUS",
        "CREATED BY",
    ]
    first = lines[1].split("\t")
    assert (first[1], first[2], first[3], first[5]) == (f"{token[:10]}…", "Acme", "0/2", "active")
    assert token not in "\n".join(lines)

    assert eus(data, "token", "revoke", token[:10]).stdout.strip() == f"token {token[:10]}… revoked"
    assert eus(data, "token", "revoke", token).stdout.strip() == f"token {token[:10]}… was already revoked"
    assert [r["id"] for r in json.loads(eus(data, "token", "list", "--json").stdout)] == [2]
    everything = json.loads(eus(data, "token", "list", "--all", "--json").stdout)
    assert [(r["id"], r["status"]) for r in everything] == [(1, "revoked"), (2, "active")]
    assert audited(data, "token.revoke") == [("token.revoke", f"token:{token[:10]}")]
    proc = eus(data, "token", "revoke", "eus_nothing", check=False)
    assert (proc.returncode, proc.stderr) == (
        2,
        "eus: no token starts with 'eus_nothin': give the token's number\n",
    )
    st = store(data)
    try:
        with st.session() as s:
            assert s.scalars(select(EnrollmentToken.revoked_at).where(EnrollmentToken.id == 2)).one() is None
    finally:
        st.dispose()


def test_customers_and_sites_renamed_under_their_numbers(data: Path) -> None:
    assert (
        eus(data, "customer", "rename", "acme", "Acme Dental").stdout.strip()
        == "customer 1: Acme -> Acme Dental"
    )
    assert eus(data, "site", "create", "--customer", "1", "HQ").stdout.strip() == "site 1: HQ (Acme Dental)"
    refused = eus(data, "site", "create", "--customer", "acme dental", "hq", check=False)
    assert (refused.returncode, refused.stderr) == (2, "eus: Acme Dental already has a site named 'HQ'.\n")
    assert eus(data, "site", "rename", "--customer", "Acme Dental", "hq", "Head office").stdout.strip() == (
        "site 1: HQ -> Head office"
    )
    assert eus(data, "site", "list", "--no-headers").stdout.strip() == "1\tAcme Dental\tHead office"
    lines = eus(data, "customer", "list").stdout.splitlines()
    assert lines == ["ID\tNAME\tAGENTS\tSITES", "1\tAcme Dental\t0 device(s)\tHead office"]
    assert audited(data, "customer.") + audited(data, "site.") == [
        ("customer.create", "customer:1"),
        ("customer.rename", "customer:1"),
        ("site.create", "site:1"),
        ("site.rename", "site:1"),
    ]


def test_agent_list_shows_the_alias_the_dashboard_uses(data: Path) -> None:
    st = store(data)
    try:
        with st.session() as s:
            acme = s.scalars(select(Customer).where(Customer.name == "Acme")).one()
            s.add(Device(customer_id=acme.id, agent_id="a-1", hostname="vm", alias="Reception PC"))
            s.add(Device(customer_id=acme.id, agent_id="a-2", hostname="vm"))
    finally:
        st.dispose()
    header, first, second = eus(data, "agent", "list").stdout.splitlines()
    assert header.split("\t")[3:5] == ["HOSTNAME", "ALIAS"]
    assert first.split("\t")[3:5] == ["vm", "Reception PC"] and second.split("\t")[3:5] == ["vm", "-"]
    rows = json.loads(eus(data, "agent", "list", "--json").stdout)
    assert [r["alias"] for r in rows] == ["Reception PC", ""]


def test_token_create_prints_a_runnable_enroll_command_without_placeholders(data: Path) -> None:
    proc = eus(data, "token", "create", "--customer", "Acme")
    token = proc.stdout.strip()
    (line,) = [ln for ln in proc.stderr.splitlines() if ln.startswith("# on the machine to enroll: ")]
    command = line.removeprefix("# on the machine to enroll: ")
    found = re.fullmatch(
        rf"printf '%s' '{re.escape(token)}' \| eus-agent enroll --collector (\S+):7444 "
        r"--token-file - --ca-fingerprint ([0-9a-f]{64})",
        command,
    )
    assert found is not None, command
    assert found.group(1) not in {"HOST", "COLLECTOR", "0.0.0.0", ""}
    assert f"--token {token}" not in command  # the token never sits in argv

"""``eus snmp device add|list|show|remove|assign``: what the dashboard's SNMP pages do, for
scripts. The submitted values go through the dashboard's own rules
(:func:`collector.snmp.validation.validate`) and its service layer
(:mod:`collector.snmp.service`: secrets encrypted, changes audited, here as
``cli:<unix user>``). Each change leaves a push request for the affected gateways, which
the running collector carries out (:meth:`SnmpTargets.push_requested`); a gateway gets its
configuration at every connection in any case.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.accounts.customers import find as find_customer
from collector.cli.common import CliError, actor, column, config, open_store, print_rows, store_of
from collector.cli.snmp_input import agent_choice, agent_label, read_secrets, site_choice
from collector.snmp import reported, service
from collector.snmp.editing import form_values
from collector.snmp.lifecycle import retired_note
from collector.snmp.models import INCLUDE_RETIRED, NetworkDevice, Origin, SnmpVersion
from collector.snmp.secrets import SecretBox
from collector.snmp.validation import StoredSecrets, ValidationError, validate
from collector.store.db import actor_auditor
from collector.store.models import Customer, Device, Site

# CLI option (argparse dest) -> form field, for the values typed as text
FORM_OPTIONS = {
    "name": "name",
    "host": "host",
    "port": "port",
    "snmp_version": "version",
    "user": "user",
    "auth_protocol": "auth_protocol",
    "priv_protocol": "priv_protocol",
    "context": "context",
    "interval": "interval_s",
    "timeout": "timeout_s",
    "retries": "retries",
    "profiles": "profiles",
    "engine_id": "engine_id",
    "supply_warn": "supply_warn_percent",
    "supply_crit": "supply_crit_percent",
}
PUSH_NOTE = "# push requested: the collector sends {gw} its new target list (at the latest at its next Hello)"
NOT_REPORTED = "not reported yet"  # an agent.toml target before its gateway said how it polls it


def _choices(s: Session, customer_id: int) -> tuple[set[int], set[int]]:
    """The agents that may poll a device of this customer, and its sites (as the form offers)."""
    agents = s.scalars(
        select(Device.id).where(Device.customer_id == customer_id, Device.revoked_at.is_(None))
    ).all()
    sites = s.scalars(select(Site.id).where(Site.customer_id == customer_id)).all()
    return set(agents), set(sites)


def secrets_needed(form: dict[str, str]) -> list[str]:
    """The secret fields the submitted settings call for (pure)."""
    version = form.get("version", "").strip().lower() or SnmpVersion.V3.value
    if version != SnmpVersion.V3.value:
        return ["community"]
    auth = bool(form.get("auth_protocol", "").strip())
    priv = auth and bool(form.get("priv_protocol", "").strip())
    return ["auth_key"] * auth + ["priv_key"] * priv


def _validate(form: dict[str, str], gateways: set[int], sites: set[int], **kw: Any) -> Any:
    try:
        return validate(form, gateways=gateways, sites=sites, **kw)
    except ValidationError as exc:
        raise CliError("nothing was changed:\n  - " + "\n  - ".join(exc.errors)) from None


def device_or_error(s: Session, ident: str) -> NetworkDevice:
    device = (
        s.get(NetworkDevice, int(ident), execution_options={INCLUDE_RETIRED: True})
        if ident.strip().isdigit()
        else None
    )
    if device is None:
        raise CliError(f"no SNMP device {ident!r} (a number from 'eus snmp device list --all')")
    return device


def cmd_device_add(args: argparse.Namespace) -> int:
    cfg = config(args)
    store, box = open_store(cfg), SecretBox.open(cfg.data_dir)
    with store.session() as s:
        customer = find_customer(s, args.customer)
        gateways, sites = _choices(s, customer.id)
        form = {field: str(getattr(args, dest) or "") for dest, field in FORM_OPTIONS.items()}
        form["legacy"] = "on" if args.legacy else ""
        form["gateway_device_id"] = agent_choice(s, customer.id, args.gateway)
        form["site_id"] = site_choice(s, customer.id, args.site) if args.site else ""
    form |= {f: secret.reveal() for f, secret in read_secrets(args, secrets_needed(form)).items()}
    settings = _validate(form, gateways, sites)
    who = actor()
    with store.session() as s:
        device = service.create_device(s, box, customer.id, settings, actor=who, audit=actor_auditor(who))
        service.request_push(s, device.gateway_device_id, actor=who)
        gateway = s.get(Device, device.gateway_device_id)
        print(f"SNMP device {device.id}: {device.name}, polled by {agent_label(gateway)}")
    print(PUSH_NOTE.format(gw=agent_label(gateway)), file=sys.stderr)
    return 0


def describe(s: Session, device: NetworkDevice) -> dict[str, Any]:
    """Everything about a device but its secrets (only whether each is set)."""
    customer = s.get(Customer, device.customer_id)
    gateway = s.get(Device, device.gateway_device_id)
    site = s.get(Site, device.site_id) if device.site_id is not None else None
    values = form_values(device)
    if not reported.reported(device):  # agent.toml target whose gateway has not said how it polls
        unknown = ("host", "port", "version", "user", "auth_protocol", "priv_protocol", "interval_s")
        values |= dict.fromkeys((*unknown, "timeout_s", "retries"), NOT_REPORTED)
    stored = StoredSecrets.of(device)
    return {
        "id": device.id,
        "customer": customer.name if customer else "",
        **values,
        "legacy": device.is_legacy,
        "site": site.name if site else "",
        "gateway": agent_label(gateway),
        "origin": "agent.toml" if device.origin == Origin.AGENT_FILE.value else device.origin,
        "target_id": device.target_id,
        "secrets_set": [f for f in ("community", "auth_key", "priv_key") if getattr(stored, f)],
        "created_by": device.created_by,
        "created_at": f"{device.created_at:%Y-%m-%d %H:%M:%S}",
        "state": retired_note(device) or "active",
    }


def _address(r: Mapping[str, Any]) -> str:
    if r["host"] == NOT_REPORTED:
        return NOT_REPORTED
    return f"{r['host'] or '-'}{'' if r['port'] in ('161', '') else ':' + r['port']}"


def _version(r: Mapping[str, Any]) -> str:
    if r["version"] == NOT_REPORTED:
        return NOT_REPORTED
    return f"v{r['version']}{' legacy' if r['legacy'] else ''}"


def cmd_device_list(args: argparse.Namespace) -> int:
    store = store_of(args)
    with store.session() as s:
        stmt = select(NetworkDevice).order_by(NetworkDevice.customer_id, NetworkDevice.name, NetworkDevice.id)
        if args.customer:
            stmt = stmt.where(NetworkDevice.customer_id == find_customer(s, args.customer).id)
        if args.gateway:
            stmt = stmt.where(NetworkDevice.gateway_device_id.in_(_gateway_ids(s, args.gateway)))
        rows = [describe(s, d) for d in s.scalars(stmt.execution_options(**{INCLUDE_RETIRED: args.all}))]
    print_rows(args, DEVICE_COLUMNS, rows)
    return 0


DEVICE_COLUMNS = [
    column("ID", "id"),
    column("CUSTOMER", "customer"),
    column("NAME", "name"),
    ("ADDRESS", _address),
    ("SNMP", _version),
    column("GATEWAY", "gateway"),
    column("ORIGIN", "origin"),
    column("STATE", "state"),
]


def _gateway_ids(s: Session, ident: str) -> list[int]:
    ids = [a.id for a in s.scalars(select(Device)) if ident in (a.agent_id, str(a.id), a.hostname)]
    if not ids:
        raise CliError(f"no agent {ident!r} (an agent id, number or host name from 'eus agent list')")
    return ids


def cmd_device_show(args: argparse.Namespace) -> int:
    store = store_of(args)
    with store.session() as s:
        info = describe(s, device_or_error(s, args.id))
    if args.json:
        print(json.dumps(info, indent=1))
    else:
        for key, value in info.items():
            print(f"{key}: {', '.join(value) if isinstance(value, list) else value}")
    return 0


def _central_or_error(device: NetworkDevice, what: str) -> None:
    if device.origin != Origin.CENTRAL.value:
        raise CliError(
            f"SNMP device {device.id} is configured in its gateway's agent.toml ({device.target_id}): "
            f"{what} it there; the collector follows when the gateway restarts"
        )


def cmd_device_remove(args: argparse.Namespace) -> int:
    store = store_of(args)
    who = actor()
    with store.session() as s:
        device = device_or_error(s, args.id)
        _central_or_error(device, "remove")
        gateway = s.get(Device, device.gateway_device_id)
        name = device.name
        service.delete_device(s, device, audit=actor_auditor(who))
        service.request_push(s, device.gateway_device_id, actor=who)
    print(f"SNMP device {args.id} ({name}) removed")
    print(PUSH_NOTE.format(gw=agent_label(gateway)), file=sys.stderr)
    return 0


def cmd_device_assign(args: argparse.Namespace) -> int:
    if args.gateway is None and args.site is None and not args.no_site:
        raise CliError("assign what? give --gateway AGENT, --site SITE or --no-site")
    cfg = config(args)
    store, box = open_store(cfg), SecretBox.open(cfg.data_dir)
    who = actor()
    with store.session() as s:
        device = device_or_error(s, args.id)
        _central_or_error(device, "change")
        gateways, sites = _choices(s, device.customer_id)
        form = form_values(device)  # the stored settings, as the edit form starts
        if args.gateway is not None:
            form["gateway_device_id"] = agent_choice(s, device.customer_id, args.gateway)
        if args.site is not None or args.no_site:
            form["site_id"] = "" if args.no_site else site_choice(s, device.customer_id, args.site)
        settings = _validate(form, gateways, sites, stored=StoredSecrets.of(device))
        old_gateway = device.gateway_device_id
        changed = service.update_device(s, box, device, settings, audit=actor_auditor(who))
        for gateway_id in {old_gateway, device.gateway_device_id} if changed else set():
            service.request_push(s, gateway_id, actor=who)
        gateway = s.get(Device, device.gateway_device_id)
        site = s.get(Site, device.site_id) if device.site_id is not None else None
    if not changed:
        print(f"SNMP device {args.id}: nothing changed")
        return 0
    print(f"SNMP device {args.id}: polled by {agent_label(gateway)}, site {site.name if site else '-'}")
    print(PUSH_NOTE.format(gw=agent_label(gateway)), file=sys.stderr)
    return 0

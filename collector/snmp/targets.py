"""What a gateway agent is told to poll: its network devices as ``SnmpTarget``s, and its
trap listener, sent down the mutual-TLS stream.

:class:`SnmpTargets` is registered as the ``snmp`` config source of
:class:`collector.rpc.agent_config.AgentConfigs` at the composition root, and pushes a
gateway's configuration again after every change (``push``), and those the admin CLI
asked for (``push_requested``: the CLI runs in another process, so it leaves a row in
``snmp_push_requests``). Secrets are decrypted only here, into the message; nothing here
logs a target's credentials.

An agent is a gateway — and is sent an SNMP configuration after every Hello — when it has
central devices, a trap listener row, or devices from its own agent.toml (retired ones
too): its answer to the configuration is the file's target list, which is how the
collector learns that the file changed (``collector/snmp/lifecycle.py``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from sqlalchemy import delete, select

from collector.rpc.agent_config import AgentConfigs
from collector.snmp.models import (
    INCLUDE_RETIRED,
    NetworkDevice,
    Origin,
    SnmpGateway,
    SnmpPushRequest,
    SnmpVersion,
)
from collector.snmp.secrets import SecretBox, SecretError
from collector.store.db import Store
from eus.v1 import eus_pb2

log = logging.getLogger(__name__)

SOURCE_NAME = "snmp"


def _params(device: NetworkDevice) -> dict[str, str]:
    return {str(k): f"{v:g}" if isinstance(v, float) else str(v) for k, v in (device.params or {}).items()}


def build_target(device: NetworkDevice, box: SecretBox) -> eus_pb2.SnmpTarget:
    """The target message for one device (raises SecretError when a secret is unreadable)."""
    target = eus_pb2.SnmpTarget(
        id=device.target_id,
        name=device.name,
        host=device.host,
        port=device.port,
        version=device.version,
        legacy=device.is_legacy,
        context=device.context,
        interval_s=device.interval_s,
        timeout_s=device.timeout_s,
        retries=device.retries,
        profiles=device.profile_list,
        params=_params(device),
    )
    if device.version == SnmpVersion.V3.value:
        target.user = device.user
        target.auth_protocol = device.auth_protocol
        target.auth_key = box.decrypt(device.auth_key_enc).reveal()
        target.priv_protocol = device.priv_protocol
        target.priv_key = box.decrypt(device.priv_key_enc).reveal()
    else:
        target.community = box.decrypt(device.community_enc).reveal()
    return target


def trap_users(targets: Iterable[eus_pb2.SnmpTarget]) -> list[eus_pb2.SnmpTarget]:
    """The USM users the trap listener accepts: those of the gateway's SNMPv3 devices, once
    each (per engine id: the same user on two devices with known engine ids is two entries)."""
    seen: set[tuple[str, ...]] = set()
    users: list[eus_pb2.SnmpTarget] = []
    for t in targets:
        if t.version != SnmpVersion.V3.value or not t.user:
            continue
        key = (
            t.user,
            t.auth_protocol,
            t.auth_key,
            t.priv_protocol,
            t.priv_key,
            t.params.get("engine_id", ""),
        )
        if key in seen:
            continue
        seen.add(key)
        user = eus_pb2.SnmpTarget(
            user=t.user,
            auth_protocol=t.auth_protocol,
            auth_key=t.auth_key,
            priv_protocol=t.priv_protocol,
            priv_key=t.priv_key,
        )
        if t.params.get("engine_id"):  # a v3 trap (not an inform) is checked against its sender's engine id
            user.params["engine_id"] = t.params["engine_id"]
        users.append(user)
    return users


def trap_communities(gateway: SnmpGateway, box: SecretBox) -> list[str]:
    raw = box.decrypt(gateway.trap_communities_enc).reveal()
    return [str(c) for c in json.loads(raw)] if raw else []


class SnmpTargets:
    """The ``snmp`` config source, and pushing a gateway's configuration after a change."""

    def __init__(self, store: Store, box: SecretBox) -> None:
        self.store = store
        self.box = box
        self._push: Callable[[int], bool] | None = None

    def attach(self, configs: AgentConfigs) -> None:
        """Register as a config source and push through ``configs`` from now on."""
        configs.add_source(SOURCE_NAME, self.config_for)
        self._push = configs.push

    def push(self, gateway_device_id: int) -> bool:
        """Send the gateway its configuration now; False when it is not connected."""
        if self._push is None:
            return False
        return self._push(gateway_device_id)

    def push_requested(self) -> list[int]:
        """Push the gateways the admin CLI changed, and clear their requests (a scheduler job:
        every couple of seconds). A gateway that is not connected gets its configuration at
        its next Hello anyway. Returns the gateways that were sent it now."""
        with self.store.session() as s:
            pending = s.execute(select(SnmpPushRequest.gateway_device_id, SnmpPushRequest.requested_at)).all()
        sent: list[int] = []
        for gateway_id, requested_at in pending:
            if self.push(gateway_id):
                sent.append(gateway_id)
            with self.store.session() as s:  # a request made meanwhile stays for the next round
                s.execute(
                    delete(SnmpPushRequest)
                    .where(SnmpPushRequest.gateway_device_id == gateway_id)
                    .where(SnmpPushRequest.requested_at <= requested_at)
                )
        return sent

    def config_for(self, device_id: int) -> eus_pb2.AgentConfig | None:
        """The SNMP part of an agent's configuration; None when it is no gateway."""
        with self.store.session() as s:
            devices = s.scalars(
                select(NetworkDevice)
                .where(NetworkDevice.gateway_device_id == device_id)
                .where(NetworkDevice.origin == Origin.CENTRAL.value)
                .order_by(NetworkDevice.id)
            ).all()
            gateway = s.get(SnmpGateway, device_id)
            own_file = s.scalars(
                select(NetworkDevice.id)
                .where(NetworkDevice.gateway_device_id == device_id)
                .where(NetworkDevice.origin == Origin.AGENT_FILE.value)
                .limit(1)
                .execution_options(**{INCLUDE_RETIRED: True})
            ).first()
        if not devices and gateway is None and own_file is None:
            return None
        config = eus_pb2.AgentConfig()
        for device in devices:
            try:
                config.snmp_targets.append(build_target(device, self.box))
            except SecretError as exc:
                log.error("SNMP device %d left out of gateway %d's targets: %s", device.id, device_id, exc)
        if gateway is not None:
            listener = eus_pb2.TrapListener(
                enabled=gateway.trap_enabled, host=gateway.trap_host, port=gateway.trap_port
            )
            try:
                listener.communities.extend(trap_communities(gateway, self.box))
            except (SecretError, ValueError) as exc:
                log.error("gateway %d: trap communities left out: %s", device_id, exc)
            listener.v3_users.extend(trap_users(config.snmp_targets))
            config.trap_listener.CopyFrom(listener)
        return config

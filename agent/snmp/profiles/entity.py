"""ENTITY-MIB: the physical parts of a device (chassis, modules, power supplies, fans ...)
with model, serial and firmware, as inventory. Fetched slowly; nothing per poll."""

from __future__ import annotations

from agent.snmp.oids import PollData, oid
from agent.snmp.profiles.base import (
    Profile,
    ProfileResult,
    TargetInfo,
    index_str,
    integer,
    item,
    lookup,
    text,
)

_E = "1.3.6.1.2.1.47.1.1.1.1."
ENT_DESCR = oid(_E + "2")
ENT_CLASS = oid(_E + "5")
ENT_NAME = oid(_E + "7")
ENT_HARDWARE_REV = oid(_E + "8")
ENT_FIRMWARE_REV = oid(_E + "9")
ENT_SOFTWARE_REV = oid(_E + "10")
ENT_SERIAL = oid(_E + "11")
ENT_MFG = oid(_E + "12")
ENT_MODEL = oid(_E + "13")

CLASSES = {
    1: "other",
    2: "unknown",
    3: "chassis",
    4: "backplane",
    5: "container",
    6: "powerSupply",
    7: "fan",
    8: "sensor",
    9: "module",
    10: "port",
    11: "stack",
    12: "cpu",
}
# Parts worth listing even without a serial or model: what a technician would replace.
HARDWARE = frozenset({"chassis", "module", "powerSupply", "fan", "stack", "cpu"})


def collect(data: PollData, target: TargetInfo) -> ProfileResult:
    out = ProfileResult()
    for index in sorted(set(data.column(ENT_DESCR)) | set(data.column(ENT_CLASS))):
        number = integer(lookup(data, ENT_CLASS, index))
        cls = CLASSES.get(number, str(number)) if number is not None else ""
        serial = text(lookup(data, ENT_SERIAL, index))
        model = text(lookup(data, ENT_MODEL, index))
        if cls not in HARDWARE and not serial and not model:
            continue  # ports, sensors and empty slots: no inventory value
        out.inventory.append(
            item(
                "entity",
                index_str(index),
                **{"class": cls},
                descr=text(lookup(data, ENT_DESCR, index)),
                name=text(lookup(data, ENT_NAME, index)),
                model=model,
                serial=serial,
                firmware=text(lookup(data, ENT_FIRMWARE_REV, index)),
                hardware_rev=text(lookup(data, ENT_HARDWARE_REV, index)),
                software_rev=text(lookup(data, ENT_SOFTWARE_REV, index)),
                mfg=text(lookup(data, ENT_MFG, index)),
            )
        )
    return out


PROFILE = Profile(
    name="entity",
    collect=collect,
    slow_columns=(
        ENT_DESCR,
        ENT_CLASS,
        ENT_NAME,
        ENT_HARDWARE_REV,
        ENT_FIRMWARE_REV,
        ENT_SOFTWARE_REV,
        ENT_SERIAL,
        ENT_MFG,
        ENT_MODEL,
    ),
    probes=(ENT_DESCR,),
)

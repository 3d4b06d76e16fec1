"""Vendor names by IANA private enterprise number (the 7th arc of a sysObjectID)."""

from __future__ import annotations

from agent.snmp.oids import Oid

ENTERPRISES = (1, 3, 6, 1, 4, 1)

# The vendors an MSP meets on customer sites; anything else shows as "enterprise <n>".
VENDORS: dict[int, str] = {
    2: "IBM",
    9: "Cisco",
    11: "HP",
    171: "D-Link",
    232: "HPE (Compaq)",
    253: "Xerox",
    311: "Microsoft",
    318: "APC (Schneider Electric)",
    534: "Eaton (Powerware)",
    641: "Lexmark",
    674: "Dell",
    705: "Eaton (MGE)",
    789: "NetApp",
    850: "Tripp Lite",
    935: "Phoenixtec",
    1248: "Epson",
    1347: "Kyocera",
    1588: "Brocade",
    1602: "Canon",
    1916: "Extreme Networks",
    1991: "Brocade (Foundry)",
    2011: "Huawei",
    2021: "net-snmp (UC Davis)",
    2254: "Xerox (Fuji Xerox)",
    2435: "Brother",
    2468: "Ingrasys",
    2636: "Juniper Networks",
    3320: "BDCOM",
    3902: "ZTE",
    4413: "Broadcom",
    4526: "Netgear",
    4881: "Ruijie",
    5089: "Clavister",
    6027: "Force10",
    6339: "Digital China",
    6876: "VMware",
    8072: "net-snmp",
    11863: "TP-Link",
    12356: "Fortinet",
    14179: "Cisco (Airespace)",
    14823: "Aruba Networks",
    14988: "MikroTik",
    18334: "Konica Minolta",
    21239: "Geist",
    25053: "Ruckus Wireless",
    25461: "Palo Alto Networks",
    25506: "H3C",
    26543: "IBM",
    30065: "Arista Networks",
    41112: "Ubiquiti",
}


def enterprise(sys_object_id: Oid) -> int | None:
    if len(sys_object_id) > len(ENTERPRISES) and sys_object_id[: len(ENTERPRISES)] == ENTERPRISES:
        return sys_object_id[len(ENTERPRISES)]
    return None


def vendor(sys_object_id: Oid) -> str:
    number = enterprise(sys_object_id)
    if number is None:
        return ""
    return VENDORS.get(number, f"enterprise {number}")

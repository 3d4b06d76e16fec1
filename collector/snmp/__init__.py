"""The collector side of the SNMP gateway: network devices polled by a gateway agent.

``models`` (tables), ``secrets`` (encryption at rest), ``validation`` (form rules),
``service`` (changes, audited and pushed), ``targets`` (what a gateway is sent), ``rates``
(counters to rates), ``links`` (LLDP neighbours to links), ``readings`` / ``events`` (what
the gateway reported, read back for the pages).
"""

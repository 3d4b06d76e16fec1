"""The collector side of the SNMP gateway: network devices polled by a gateway agent.

``models`` (tables), ``secrets`` (encryption at rest), ``validation`` / ``gateways`` /
``editing`` (form rules), ``service`` (changes, audited), ``targets`` (what a gateway is
sent, and pushing it), ``registry`` / ``lifecycle`` (targets from a gateway's own file
become devices, and are retired when the file drops them; ``eus snmp ...`` is
:mod:`collector.cli.snmp`),
``rates`` (counters to rates), ``links`` / ``network`` (LLDP neighbours to links),
``status`` / ``interfaces`` / ``panels`` / ``trap_senders`` / ``pages`` (what the gateways
reported, read back for the dashboard through :mod:`collector.tsdb.snmp`).
"""

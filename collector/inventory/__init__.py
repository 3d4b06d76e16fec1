"""Hardware and software inventory at the collector: snapshots per device and subject, the
history of what changed, and the queries the dashboard and rules read.

``changes`` is pure (apply a report to a snapshot, classify what changed), ``versions``
compares package versions the way each packaging system does, ``store`` writes the
snapshot and history inside the ingest transaction and answers the read API, ``ingest``
connects that to the writer and the bus.
"""

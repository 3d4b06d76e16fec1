"""Hardware and software inventory at the collector: snapshots per device and subject, the
history of what changed, and the queries the dashboard and rules read.

``changes`` is pure (apply a report to a snapshot, classify what changed), ``versions``
compares package versions the way each packaging system does. Writing the snapshot and
history inside the ingest transaction, the read API and the hook to the writer and the bus
live in the storage package, :mod:`collector.tsdb.inventory`.
"""

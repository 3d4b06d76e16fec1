"""Alerting: rule kinds, the alert lifecycle, maintenance, inhibition, grouping and routing.

Pure decisions live in ``state``, ``rules/``, ``maintenance``, ``inhibit``, ``grouping`` and
``routing``; ``engine`` feeds them from the bus and the scheduler and persists the results
(alerts, transitions and outbox rows in one transaction) through ``models``.
"""

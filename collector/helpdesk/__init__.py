"""The helpdesk: tickets opened by alerts, email, technicians and customers, run under SLAs.

The decision logic is pure and lives in small modules (calendar, SLA clock, lifecycle, rota,
rules on save, timesheets); persistence and pages sit on top of it.
"""

"""The Installation Trouble-Shooter of a customer: agents that fail to enroll, connect or
upgrade, each finding with its fix (:mod:`collector.troubleshooting.findings`).

It lists the customer's enrollment attempts with the collector's refusal reasons (attempts
with a token no customer has are shown to those who see every customer), the
``eus-agent doctor`` reports technicians paste in (stored, audited as
``troubleshooter.doctor_report``), and each agent's version mismatch and connection state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from collector import __version__ as COLLECTOR_VERSION
from collector.store.models import Device, EnrollmentAttempt
from collector.troubleshooting.findings import (
    MAX_REPORT,
    Finding,
    ReportError,
    connection_finding,
    enrollment_finding,
    parse_report,
    report_findings,
    version_finding,
)
from collector.troubleshooting.models import DoctorReport
from collector.web.auditing import record
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_customer_or_404, may_see, require
from collector.web.resources import store

bp = Blueprint("troubleshooter", __name__)

ATTEMPTS = 100
REPORTS = 20


@dataclass(frozen=True, slots=True)
class Row:
    """One thing the page lists: when, about what, and its findings (none: it went well)."""

    at: datetime | None
    subject: str
    detail: str
    findings: list[Finding]


def _attempt_row(a: EnrollmentAttempt) -> Row:
    who = f"{a.hostname or 'unknown host'} from {a.peer}" + (
        f" (agent {a.agent_version})" if a.agent_version else ""
    )
    token = f"token {a.token_prefix}…" if a.token_prefix else "no known token"
    return Row(a.at, who, f"{token}: {a.message}", [] if a.ok else [enrollment_finding(a.message)])


def _page(customer_id: int, pasted: str = "", error: str = "", status: int = 200) -> ResponseReturnValue:
    user = current_user()
    now = datetime.now(UTC)
    with store().session() as s:
        customer = get_customer_or_404(s, customer_id, user)
        attempts = s.scalars(
            select(EnrollmentAttempt)
            .where(EnrollmentAttempt.customer_id == customer.id)
            .order_by(EnrollmentAttempt.at.desc())
            .limit(ATTEMPTS)
        ).all()
        unknown = (
            s.scalars(
                select(EnrollmentAttempt)
                .where(EnrollmentAttempt.customer_id.is_(None))
                .order_by(EnrollmentAttempt.at.desc())
                .limit(ATTEMPTS)
            ).all()
            if may_see(user, None)
            else []
        )
        reports = s.scalars(
            select(DoctorReport)
            .where(DoctorReport.customer_id == customer.id)
            .order_by(DoctorReport.at.desc(), DoctorReport.id.desc())
            .limit(REPORTS)
        ).all()
        devices = s.scalars(
            select(Device).where(Device.customer_id == customer.id).order_by(Device.hostname)
        ).all()
        agents = []
        for d in devices:
            found = connection_finding(d.stream_state, d.last_seen, d.cert_not_after, now)
            mismatch = version_finding(d.agent_version, COLLECTOR_VERSION)
            agents.append(
                Row(
                    d.last_seen,
                    d.hostname or d.agent_id,
                    d.agent_version,
                    [*found, *([mismatch] if mismatch else [])],
                )
            )
        doctor = [
            Row(
                r.at,
                r.hostname or "unknown host",
                f"submitted by {r.submitted_by}",
                report_findings(r.report),
            )
            for r in reports
        ]
        page = render_template(
            "troubleshooter.html",
            customer=customer,
            attempts=[_attempt_row(a) for a in attempts],
            unknown=[_attempt_row(a) for a in unknown],
            doctor=doctor,
            agents=agents,
            collector_version=COLLECTOR_VERSION,
            pasted=pasted,
            error=error,
            max_report=MAX_REPORT,
        )
    return page, status


@bp.get("/customers/<int:customer_id>/troubleshooter")
@require(Capability.VIEW_DASHBOARD)
def troubleshooter(customer_id: int) -> ResponseReturnValue:
    return _page(customer_id)


def _text(report: Mapping[str, Any], key: str, limit: int) -> str:
    value = report.get(key, "")
    return value[:limit] if isinstance(value, str) else ""


@bp.post("/customers/<int:customer_id>/troubleshooter/doctor")
@require(Capability.WORK_TICKETS)
def add_doctor_report(customer_id: int) -> ResponseReturnValue:
    pasted = request.form.get("report", "")[: MAX_REPORT + 1]
    try:
        report = parse_report(pasted)
    except ReportError as exc:
        return _page(customer_id, pasted, f"Report not added: {exc}", 400)
    with store().session() as s:
        customer = get_customer_or_404(s, customer_id)
        row = DoctorReport(
            customer_id=customer.id,
            hostname=_text(report, "hostname", 255),
            agent_version=_text(report, "agent_version", 50),
            submitted_by=current_user().actor,
            report=report,
        )
        s.add(row)
        s.flush()
        record(
            s, "troubleshooter.doctor_report", f"doctor:{row.id}", customer_id=customer.id, host=row.hostname
        )
        failed = len(report_findings(report))
    flash(
        f"Doctor report added: {failed} problem(s) found."
        if failed
        else "Doctor report added: every check passed.",
        "info",
    )
    return redirect(url_for("troubleshooter.troubleshooter", customer_id=customer_id))

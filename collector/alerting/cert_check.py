"""Scheduler job: the certificate-expiry rules over every enrolled, unrevoked agent's
certificate end as the collector issued it (``Device.cert_not_after``)."""

from __future__ import annotations

from sqlalchemy import select

from collector.alerting.engine import AlertEngine
from collector.alerting.rules import cert_expiry
from collector.store.models import Device


def run_cert_checks(engine: AlertEngine) -> int:
    """Evaluate each device's cert-expiry rules in force; returns the verdicts observed."""
    if not any(isinstance(r.params, cert_expiry.Params) for r in engine.rules.all()):
        return 0
    with engine.store.session() as s:
        rows = s.execute(
            select(Device.id, Device.cert_not_after)
            .where(Device.revoked_at.is_(None))
            .where(Device.cert_not_after.is_not(None))
        ).all()
    now = engine.clock()
    done = 0
    for device_id, not_after in rows:
        dev = engine.device(int(device_id))
        if dev is None or not_after is None:
            continue
        for r in engine.rules.for_device(dev.customer_id, dev.site_id, dev.id):
            if isinstance(r.params, cert_expiry.Params):
                v = cert_expiry.evaluate(r.params, not_after.timestamp(), now)
                engine.observe(r, dev, cert_expiry.SUBJECT, v, source_at=now)
                done += 1
    return done

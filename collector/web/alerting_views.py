"""Alerts on the dashboard: the list (filter by customer, severity, state), one alert with
its transitions, acknowledge, un-acknowledge, snooze, resolve and comment - as forms and as
JSON under ``/api/alerts/<id>/<action>`` (session and CSRF token like every POST), both
calling the same methods of the alert engine, the one writer of alert state (rules and
windows: ``rules_views``; contacts and their message log: ``contacts_views``).

Everything is scoped to the customers the user may see (system alerts and global rules,
which belong to no customer, to users who see every customer); every change is audited.
Who may do what is a capability (``collector.web.permissions``): reading needs
``view-dashboard``; acknowledging, snoozing, maintenance and testing a contact
``handle-alerts``; editing rules and contacts ``edit-alerting``; global rules
``edit-global-rules``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.alerting import display, forms
from collector.alerting.domain import Severity, State
from collector.alerting.engine import AlertEngine
from collector.alerting.models import Alert, AlertRule, AlertTransition
from collector.alerting.records import Acted, Actor, AlertNotFound
from collector.alerting.state import ActionRefused, InvalidInput
from collector.store.models import Device, utcnow
from collector.web.alert_resolve_views import article_for
from collector.web.auditing import remote_address
from collector.web.device_names import names_of
from collector.web.identity import CurrentUser, current_user, optional_user
from collector.web.permissions import (
    Capability,
    get_owned_or_404,
    require,
    scope_to_customers,
    visible_customer_ids,
    visible_customers,
)
from collector.web.resources import required_service, store
from collector.web.security import safe_next

bp = Blueprint("alerting", __name__)
EXTENSION_KEY = "eus.alerting"

LIST_LIMIT = 500


def _alert_or_404(s: Session, alert_id: int, user: CurrentUser) -> Alert:
    return get_owned_or_404(s, Alert, alert_id, user)


def _rule_names(s: Session, alerts: list[Alert]) -> dict[int, str]:
    ids = {a.rule_id for a in alerts if a.rule_id is not None}
    return {r.id: r.name for r in s.scalars(select(AlertRule).where(AlertRule.id.in_(ids)))}


@bp.app_context_processor
def _firing_count() -> dict[str, Any]:
    """The number of firing alerts the user may see, for the navigation's Alerts link."""
    user = optional_user()
    if user is None:
        return {"firing_count": 0}
    stmt = scope_to_customers(
        select(func.count()).select_from(Alert).where(Alert.state == State.FIRING.value),
        Alert.customer_id,
        user,
    )
    with store().session() as s:
        return {"firing_count": s.scalar(stmt) or 0}


# -- alerts -------------------------------------------------------------------------------
@bp.get("/alerts")
@require(Capability.VIEW_DASHBOARD)
def alerts() -> ResponseReturnValue:
    user = current_user()
    stmt = select(Alert).where(Alert.state != State.INACTIVE.value)
    stmt = scope_to_customers(stmt, Alert.customer_id, user)
    f = {k: request.args.get(k, "") for k in ("customer", "severity", "state")}
    if f["customer"].isdigit():
        stmt = stmt.where(Alert.customer_id == int(f["customer"]))
    if f["severity"] in {s.value for s in Severity}:
        stmt = stmt.where(Alert.severity == f["severity"])
    if f["state"] in {s.value for s in State}:
        stmt = stmt.where(Alert.state == f["state"])
    with store().session() as s:
        rows = list(s.scalars(stmt.order_by(Alert.updated_at.desc()).limit(LIST_LIMIT)))
        rule_names = _rule_names(s, rows)
        customers = visible_customers(s, user)
        names = names_of(s.scalars(select(Device).where(Device.id.in_({a.device_id for a in rows}))))
    return render_template(
        "alerts_list.html",
        alerts=rows,
        customers=customers,
        names=names,
        f=f,
        severities=[s.value for s in Severity],
        states=[s.value for s in State if s is not State.INACTIVE],
        customer_names={c.id: c.name for c in customers},
        titles={
            a.id: display.title(rule_names.get(a.rule_id or 0), a.summary, a.kind, a.value) for a in rows
        },
        snoozed={a.id for a in rows if display.snoozed(a.snoozed_until, utcnow())},
        refresh_s=current_app.config.get("EUS_ALERTS_REFRESH_S", 30),
    )


@bp.get("/alerts/<int:alert_id>")
@require(Capability.VIEW_DASHBOARD)
def alert_detail(alert_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        alert = _alert_or_404(s, alert_id, user)
        transitions = s.scalars(
            select(AlertTransition)
            .where(AlertTransition.alert_id == alert.id)
            .order_by(AlertTransition.id.desc())
            .limit(200)
        ).all()
        device = s.get(Device, alert.device_id) if alert.device_id is not None else None
        rule = s.get(AlertRule, alert.rule_id) if alert.rule_id is not None else None
        article = article_for(s, alert, rule)  # Resolve, when an article covers the rule kind
    return render_template(
        "alerts_detail.html",
        resolve_article=article,
        alert=alert,
        transitions=transitions,
        device=device,
        rule=rule,
        title=display.title(rule.name if rule else None, alert.summary, alert.kind, alert.value),
        is_snoozed=display.snoozed(alert.snoozed_until, utcnow()),
        evidence=display.evidence(alert.kind, alert.device_id).value,
    )


def _alert_action(alert_id: int, act: Callable[[AlertEngine, Actor], Acted]) -> ResponseReturnValue:
    """Run one of the engine's actions for the logged-in user and say how it went."""
    try:
        done = act(_engine(), _actor())
    except AlertNotFound:
        abort(404)
    except ActionRefused as exc:
        flash(f"Alert {alert_id}: {exc}.", "error")
        return redirect(url_for("alerting.alert_detail", alert_id=alert_id))
    flash(f"Alert {alert_id}: {done.reason if done.changed else 'nothing to change'}.", "info")
    return redirect(
        safe_next(request.form.get("next")) or url_for("alerting.alert_detail", alert_id=alert_id)
    )


@bp.post("/alerts/<int:alert_id>/ack")
@require(Capability.HANDLE_ALERTS)
def acknowledge(alert_id: int) -> ResponseReturnValue:
    """Acknowledge, with the optional comment as a note on the timeline."""
    note = request.form.get("comment", "").strip()

    def ack(engine: AlertEngine, who: Actor) -> Acted:
        done = engine.acknowledge(alert_id, who)
        if note:
            engine.comment(alert_id, who, note)
        return done

    return _alert_action(alert_id, ack)


@bp.post("/alerts/ack")
@require(Capability.HANDLE_ALERTS)
def acknowledge_many() -> ResponseReturnValue:
    """Acknowledge every ticked alert; one the user may not see counts as not found."""
    ids = [int(v) for v in request.form.getlist("alert_id") if v.isdigit()][:LIST_LIMIT]
    engine, who = _engine(), _actor()
    acked = skipped = 0
    for alert_id in ids:
        try:
            done = engine.acknowledge(alert_id, who)
        except (AlertNotFound, ActionRefused):
            skipped += 1
            continue
        acked += done.changed
    flash(f"{acked} alert(s) acknowledged" + (f", {skipped} could not be" if skipped else "") + ".", "info")
    return redirect(safe_next(request.form.get("next")) or url_for("alerting.alerts"))


@bp.post("/alerts/<int:alert_id>/snooze")
@require(Capability.HANDLE_ALERTS)
def snooze(alert_id: int) -> ResponseReturnValue:
    try:
        minutes = forms.snooze_minutes(request.form)
    except forms.FormError as exc:
        flash(f"Not snoozed: {exc}", "error")
        return redirect(url_for("alerting.alert_detail", alert_id=alert_id))
    return _alert_action(alert_id, lambda engine, who: engine.snooze(alert_id, who, minutes * 60))


# -- one writer: the engine ------------------------------------------------------------------
def init_app(app: Flask, engine: AlertEngine) -> None:
    """Give the views the process's alert engine (composition root)."""
    app.extensions[EXTENSION_KEY] = engine


def _engine() -> AlertEngine:
    return required_service(EXTENSION_KEY, AlertEngine, "alerting is not running in this process")


def alert_engine() -> AlertEngine:
    """The process's alert engine, for other views that act on alerts (the fleet's bulk actions)."""
    return _engine()


def engine_actor() -> Actor:
    """The logged-in user as the engine sees them (see :func:`_actor`)."""
    return _actor()


def _actor() -> Actor:
    """The logged-in user as the engine sees them: audit name, address, customers in sight."""
    user = current_user()
    visible = visible_customer_ids(user)
    return Actor(user.actor, remote_address(), None if visible is None else frozenset(visible))


@bp.post("/alerts/<int:alert_id>/unack")
@require(Capability.HANDLE_ALERTS)
def unacknowledge(alert_id: int) -> ResponseReturnValue:
    return _alert_action(alert_id, lambda engine, who: engine.unacknowledge(alert_id, who))


@bp.post("/alerts/<int:alert_id>/resolve")
@require(Capability.HANDLE_ALERTS)
def resolve(alert_id: int) -> ResponseReturnValue:
    comment = request.form.get("comment", "")
    return _alert_action(alert_id, lambda engine, who: engine.resolve(alert_id, who, comment))


@bp.post("/alerts/<int:alert_id>/comment")
@require(Capability.HANDLE_ALERTS)
def comment(alert_id: int) -> ResponseReturnValue:
    text = request.form.get("comment", "")
    return _alert_action(alert_id, lambda engine, who: engine.comment(alert_id, who, text))


ApiAction = Callable[[AlertEngine, int, Actor, dict[str, Any]], Acted]

API_ACTIONS: dict[str, ApiAction] = {
    "acknowledge": lambda engine, alert_id, who, _body: engine.acknowledge(alert_id, who),
    "unacknowledge": lambda engine, alert_id, who, _body: engine.unacknowledge(alert_id, who),
    "snooze": lambda engine, alert_id, who, body: engine.snooze(
        alert_id, who, forms.snooze_minutes({"minutes": str(body.get("minutes", ""))}) * 60
    ),
    "resolve": lambda engine, alert_id, who, body: engine.resolve(
        alert_id, who, str(body.get("comment", ""))
    ),
    "comment": lambda engine, alert_id, who, body: engine.comment(
        alert_id, who, str(body.get("comment", ""))
    ),
}
"""The JSON API: ``POST /api/alerts/<id>/<name>``, one route each, calling the same engine
methods as the forms above."""


def _api_action(alert_id: int, run: ApiAction) -> ResponseReturnValue:
    """A JSON body (``{"minutes": 30}``, ``{"comment": "..."}``) and the ``X-CSRFToken``
    header. 200 with the alert's state; 400 bad input; 404 unknown or not yours; 409 not in
    a state that allows it."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = {}
    try:
        done = run(_engine(), alert_id, _actor(), body)
    except AlertNotFound:
        abort(404)
    except (InvalidInput, forms.FormError) as exc:
        return jsonify({"error": str(exc)}), 400
    except ActionRefused as exc:
        return jsonify({"error": str(exc)}), 409
    life = done.life
    return jsonify(
        {
            "alert": done.alert_id,
            "changed": done.changed,
            "reason": done.reason,
            "state": life.state.value,
            "severity": life.severity.value,
            "acknowledged": life.acked,
            "snoozed_until": life.snoozed_until,
        }
    )


def _api_view(run: ApiAction) -> Callable[[int], ResponseReturnValue]:
    @require(Capability.HANDLE_ALERTS)
    def view(alert_id: int) -> ResponseReturnValue:
        return _api_action(alert_id, run)

    return view


for _name, _run in API_ACTIONS.items():
    bp.add_url_rule(
        f"/api/alerts/<int:alert_id>/{_name}",
        endpoint=f"api_{_name}",
        view_func=_api_view(_run),
        methods=["POST"],
    )

"""A device's functions: every function's state, message and last change; one function's
history; and the central functions a supervisor or administrator adds or removes
(``configure-devices``; audited, pushed to the agent after the commit). Tenant-scoped like
every device page: another customer's device is 404.

The collector's :class:`~collector.rpc.agent_config.AgentConfigs` reaches the app through
:func:`init_app`, called by the composition root; without it (an app built for tests of
other areas) changes are stored and reach the agent at its next connection.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from collector.customers.access import Category
from collector.functions.central import add_spec, remove_spec, specs_of
from collector.functions.specs import KINDS, SpecError, validate
from collector.rpc.agent_config import AgentConfigs
from collector.snmp.registry import retired_subjects
from collector.tsdb.functions.queries import status_changes
from collector.web import sensitive
from collector.web.auditing import remote_address
from collector.web.identity import current_user
from collector.web.permissions import Capability, get_device_or_404, require
from collector.web.resources import optional_service, storage, store
from eus.values import checkbox

bp = Blueprint("functions", __name__)

AGENT_CONFIGS_KEY = "eus.agent_configs"
MAX_FORM_FIELD = 4000
FORM_FIELDS = ("kind", "name", "interval", "timeout", "params", "spec_id")


def init_app(app: Flask, configs: AgentConfigs) -> None:
    """Give the dashboard the live agents' configuration and command channel."""
    app.extensions[AGENT_CONFIGS_KEY] = configs


def agent_configs() -> AgentConfigs | None:
    return optional_service(AGENT_CONFIGS_KEY, AgentConfigs)


def _push(device_id: int) -> bool:
    configs = agent_configs()
    return configs is not None and configs.push(device_id)


def _page(device_id: int, form: Mapping[str, str], status: int = 200) -> ResponseReturnValue:
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        specs = sensitive.without_processes(specs_of(s, dev.id), dev.customer_id)
        retired = retired_subjects(s, dev.id)  # SNMP targets removed from the gateway's agent.toml
    states = [st for st in storage().function_states(dev.id) if st.subject not in retired]
    states = sensitive.without_processes(states, dev.customer_id)  # blocked for some roles
    reported = {st.function_id for st in states if not st.subject}
    page = render_template(
        "functions_device.html",
        device=dev,
        states=states,
        specs=specs,
        reported=reported,
        kinds=KINDS,
        form=form,
    )
    return page, status


@bp.get("/devices/<int:device_id>/functions")
@require(Capability.VIEW_DASHBOARD)
def device_functions(device_id: int) -> ResponseReturnValue:
    return _page(device_id, {})


@bp.get("/api/devices/<int:device_id>/functions")
@require(Capability.VIEW_DASHBOARD)
def api_functions(device_id: int) -> ResponseReturnValue:
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        retired = retired_subjects(s, dev.id)
    return jsonify(
        {
            "device_id": dev.id,
            "functions": [
                {
                    "subject": st.subject,
                    "id": st.function_id,
                    "kind": st.kind,
                    "name": st.name,
                    "status": st.status.label,
                    "message": st.message,
                    "ts": st.ts.isoformat() + "Z",
                    "since": st.since.isoformat() + "Z",
                    "since_exact": st.since_exact,
                    "metrics": st.metrics,
                }
                for st in sensitive.without_processes(storage().function_states(dev.id), dev.customer_id)
                if st.subject not in retired
            ],
        }
    )


@bp.get("/devices/<int:device_id>/functions/history")
@require(Capability.VIEW_DASHBOARD)
def function_history(device_id: int) -> ResponseReturnValue:
    function_id = request.args.get("id", "").strip()[:200]
    subject = request.args.get("subject", "").strip()[:200]
    if not function_id:
        abort(400, description="which function? (?id=...)")
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        if not sensitive.shows(dev.customer_id, Category.PROCESS_LISTS) and sensitive.is_process_check(
            s, dev.id, function_id, subject
        ):
            abort(404)  # a process check, for a role blocked from process lists
    rows = storage().function_history(dev.id, function_id, subject)
    only_changes = checkbox(request.args.get("changes"))
    return render_template(
        "functions_history.html",
        device=dev,
        function_id=function_id,
        subject=subject,
        rows=status_changes(rows) if only_changes else rows,
        only_changes=only_changes,
    )


def _field(name: str) -> str:
    return request.form.get(name, "")[:MAX_FORM_FIELD]


@bp.post("/devices/<int:device_id>/functions")
@require(Capability.CONFIGURE_DEVICES)
def add_function(device_id: int) -> ResponseReturnValue:
    user = current_user()
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        try:
            spec = validate(
                _field("kind"),
                _field("name"),
                _field("interval"),
                _field("timeout"),
                _field("params"),
                _field("spec_id"),
            )
            add_spec(s, dev, spec, actor=user.actor, address=remote_address())
        except SpecError as exc:
            error = f"Function not added: {exc}"
        else:
            error = ""
    if error:  # the form again, as entered, with the reason
        flash(error, "error")
        return _page(device_id, {k: _field(k) for k in FORM_FIELDS}, 400)
    pushed = _push(device_id)
    where = "sent to the agent" if pushed else "the agent gets it when it next connects"
    flash(f"Function {spec.name} ({spec.spec_id}) added; {where}.", "info")
    return redirect(url_for("functions.device_functions", device_id=device_id))


@bp.post("/devices/<int:device_id>/functions/remove")
@require(Capability.CONFIGURE_DEVICES)
def remove_function(device_id: int) -> ResponseReturnValue:
    user = current_user()
    raw = request.form.get("spec", "")
    with store().session() as s:
        dev = get_device_or_404(s, device_id)
        row = (
            remove_spec(s, dev, int(raw), actor=user.actor, address=remote_address())
            if raw.isdigit()
            else None
        )
        if row is None:
            abort(404, description="this device has no such central function")
        name, spec_id = row.name, row.spec_id
    pushed = _push(device_id)
    where = "sent to the agent" if pushed else "the agent drops it when it next connects"
    flash(f"Function {name} ({spec_id}) removed; {where}.", "info")
    return redirect(url_for("functions.device_functions", device_id=device_id))

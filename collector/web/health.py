"""``/healthz``: public liveness for the operator's monitoring. Reveals nothing else."""

from __future__ import annotations

from flask import Blueprint, Response

from collector.web.permissions import public

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")

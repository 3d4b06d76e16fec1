"""Error pages: HTML for people, JSON for ``/api/`` callers. Never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    description = error.description or ""
    if _wants_json():
        return jsonify({"error": error.name, "message": description}), code
    return render_template("error.html", code=code, name=error.name, description=description), code


def init_app(app: Flask) -> None:
    # Unexpected exceptions reach this handler as InternalServerError after Flask has
    # logged them (and, under TESTING, re-raised them instead).
    app.register_error_handler(HTTPException, handle_http_error)

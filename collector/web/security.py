"""Cross-cutting request security: the login guard and the response headers.

The guard is deny-by-default: every endpoint needs a logged-in user unless it is named in
:data:`PUBLIC_ENDPOINTS`. JSON endpoints redirect to the login page like every other page
(the dashboard's own scripts notice the redirect and reload), so "no session" has one
answer everywhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from collector.web.identity import load_current_user, optional_user

PUBLIC_ENDPOINTS = frozenset({"auth.login", "two_factor.verify", "static", "health.healthz"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)

STATIC_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("/login"):
        return None
    return target


def require_login() -> BaseResponse | None:
    """``before_request``: redirect to the login page unless public or logged in.

    Unknown URLs get the same redirect, so the route table cannot be probed without a
    session.
    """
    if request.endpoint in PUBLIC_ENDPOINTS or optional_user() is not None:
        return None
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=target))


def add_security_headers(response: Response) -> Response:
    """``after_request``: the same hardening headers on every response."""
    for name, value in STATIC_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages show customer data: never keep them in a browser or proxy cache.
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    app.before_request(load_current_user)
    app.before_request(require_login)
    app.after_request(add_security_headers)

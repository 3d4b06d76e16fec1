"""The collector's stores as the web app sees them, attached to the app with ``init_app``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, abort, current_app

from collector.store.db import Store
from collector.tsdb.storage import Storage
from collector.web.throttle import LoginThrottle

EXTENSION_KEY = "eus"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Resources:
    """What every request may reach: the relational store, the time series, the throttle."""

    store: Store
    tsdb: Storage
    login_throttle: LoginThrottle


def init_app(app: Flask, store: Store, tsdb: Storage) -> None:
    app.extensions[EXTENSION_KEY] = Resources(
        store=store,
        tsdb=tsdb,
        login_throttle=LoginThrottle(),
    )


def resources() -> Resources:
    res: Resources = current_app.extensions[EXTENSION_KEY]
    return res


def store() -> Store:
    """The relational store of the running app."""
    return resources().store


def storage() -> Storage:
    """The time-series storage of the running app: every read a view makes goes through it."""
    return resources().tsdb


def optional_service(key: str, kind: type[T]) -> T | None:
    """The service a view area's ``init_app`` attached under ``key``; None where this process
    runs without it (the dashboard then shows what it can)."""
    found = current_app.extensions.get(key)
    if found is not None and not isinstance(found, kind):
        raise TypeError(f"app.extensions[{key!r}] is a {type(found).__name__}, not a {kind.__name__}")
    return found


def required_service(key: str, kind: type[T], unavailable: str) -> T:
    """The service attached under ``key``; a 503 saying ``unavailable`` where there is none,
    so a view that cannot work without it never half-runs."""
    found = optional_service(key, kind)
    if found is None:
        abort(503, unavailable)
    return found

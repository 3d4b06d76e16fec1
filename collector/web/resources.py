"""The collector's stores as the web app sees them, attached to the app with ``init_app``."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from flask import Flask, current_app

from collector.store.db import Store
from collector.tsdb.db import TimeSeriesDB
from collector.web.throttle import LoginThrottle

EXTENSION_KEY = "eus"


@dataclass(frozen=True, slots=True)
class Resources:
    """What every request may reach: the relational store, the time series, the throttle."""

    store: Store
    tsdb: TimeSeriesDB
    login_throttle: LoginThrottle


def init_app(app: Flask, store: Store, tsdb: TimeSeriesDB) -> None:
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


def tsdb_cursor() -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB cursor (waitress runs each request on a worker thread)."""
    return resources().tsdb.cursor()

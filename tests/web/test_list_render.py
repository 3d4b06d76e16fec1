"""The template helpers the long lists render with (``collector.web.list_render``): ``id_url``
writes what ``url_for`` writes, ``memo`` renders a macro once per distinct value."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, url_for

from collector.web.list_render import id_url


def test_id_url_writes_what_url_for_writes(app: Flask) -> None:
    app.add_url_rule("/padded/<int(fixed_digits=4):n>", "padded", lambda n: "")
    with app.test_request_context("/"):
        for endpoint, arg in (
            ("dashboard.device", "device_id"),
            ("dashboard.customer", "customer_id"),
            ("alerting.alert_detail", "alert_id"),
            ("alerting.acknowledge", "alert_id"),
            ("alerting.alerts", "customer"),  # a query argument
            ("helpdesk.queue", "customer"),
        ):
            build = id_url(endpoint, arg)
            for value in (1, 7, 42, 1000, 123456789):
                values: dict[str, Any] = {arg: value}
                assert build(value) == url_for(endpoint, **values)
        with pytest.raises(ValueError, match="padded"):
            id_url("padded", "n")  # 7 is written 0007 there


def test_memo_renders_a_macro_once_per_distinct_value(app: Flask) -> None:
    calls: list[object] = []

    def seen(value: object) -> str:
        calls.append(value)
        return ""

    template = app.jinja_env.from_string(
        "{% macro badge(v) %}{{ seen(v) }}<b>{{ v }}</b>{% endmacro %}"
        "{% for v in values %}{{ memo(badge, v) }}|{% endfor %}"
    )
    values = [1, 2, 1, [3, 4], 1, [3, 4], "<x>", 2]
    with app.test_request_context("/"):
        out = template.render(values=values, seen=seen)
    assert out.split("|")[:-1] == [f"<b>{v}</b>" if v != "<x>" else "<b>&lt;x&gt;</b>" for v in values]
    assert calls == [1, 2, [3, 4], "<x>"]

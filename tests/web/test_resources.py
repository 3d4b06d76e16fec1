"""Services that view areas attach to the app: found by key and type, or a 503 when missing."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.exceptions import ServiceUnavailable

from collector.web.resources import optional_service, required_service


class Engine:
    """A stand-in service class: the helpers only look at the type."""


def test_an_attached_service_is_returned_by_key_and_type() -> None:
    app = Flask(__name__)
    engine = Engine()
    app.extensions["eus.test"] = engine
    with app.app_context():
        assert optional_service("eus.test", Engine) is engine
        assert required_service("eus.test", Engine, "not here") is engine


def test_a_missing_service_is_none_or_a_503_with_the_reason() -> None:
    app = Flask(__name__)
    with app.app_context():
        assert optional_service("eus.test", Engine) is None
        with pytest.raises(ServiceUnavailable) as caught:
            required_service("eus.test", Engine, "alerting is not running in this process")
    assert caught.value.description == "alerting is not running in this process"


def test_a_service_of_another_type_is_a_wiring_error() -> None:
    app = Flask(__name__)
    app.extensions["eus.test"] = "not an engine"
    with app.app_context(), pytest.raises(TypeError, match="not a Engine"):
        optional_service("eus.test", Engine)

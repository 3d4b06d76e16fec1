"""Saving a rule that silences another says so, and the rules page shows where each rule is
in force and which rule applies instead."""

from __future__ import annotations

import html

from flask.testing import FlaskClient
from web.conftest import PASSWORDS, LoginFn, Seed, csrf_token

PARAMS = {"metric": "cpu.percent", "op": ">", "warning": "90"}


def test_a_second_rule_of_the_same_family_says_what_it_silences(
    client: FlaskClient, login: LoginFn, seed: Seed
) -> None:
    assert login("super", PASSWORDS["super"]).status_code == 302
    token = csrf_token(client, "/alerting/rules")
    base = {"csrf_token": token, "kind": "threshold", "customer_id": str(seed.customer_a), **PARAMS}
    first = client.post("/alerting/rules", data={**base, "name": "CPU 90"}, follow_redirects=True)
    assert "takes the place of" not in html.unescape(first.get_data(as_text=True))
    second = client.post("/alerting/rules", data={**base, "name": "CPU 80"}, follow_redirects=True)
    page = html.unescape(second.get_data(as_text=True))
    assert "It takes the place of “CPU 90” on" in page and "(“threshold”)" in page
    assert "elsewhere “CPU 80” applies" in page  # CPU 90's row: in force nowhere now
    own = client.post(
        "/alerting/rules", data={**base, "name": "Disk", "family": "disk-full"}, follow_redirects=True
    )
    assert "takes the place of" not in html.unescape(own.get_data(as_text=True))

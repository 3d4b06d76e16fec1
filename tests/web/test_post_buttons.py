"""The one-button POST forms drawn by the ``post_button`` macro: where a page used to write the
form by hand, it still posts to the same address with the CSRF token, and a confirmation
question stays attached (and escaped) where there is one."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import Flask, render_template_string
from flask.testing import FlaskClient
from sqlalchemy import select

from collector.customers.models import CategoryBlock, CustomerRestriction
from collector.store.db import Store

from .conftest import PASSWORDS, LoginFn, Seed, csrf_token


@dataclass
class Form:
    action: str
    attrs: dict[str, str]
    hidden: dict[str, str] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    """Every POST form of a page: its attributes, hidden fields and button labels."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post":
            self._open = Form(a.get("action", ""), a)
        elif self._open is not None and tag == "input" and a.get("type") == "hidden":
            self._open.hidden[a["name"]] = a.get("value", "")
        elif self._open is not None and tag == "button":
            self._in_button = True
            self._open.buttons.append("")

    def handle_data(self, data: str) -> None:
        if self._open is not None and self._in_button:
            self._open.buttons[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False
        elif tag == "form" and self._open is not None:
            self.forms.append(self._open)
            self._open = None


def forms(html: str) -> dict[str, Form]:
    parser = _Forms()
    parser.feed(html)
    return {f.action: f for f in parser.forms}


def test_restrict_access_rows_post_to_their_own_undo_with_the_token(
    client: FlaskClient, login: LoginFn, store: Store, seed: Seed
) -> None:
    login("admin", PASSWORDS["admin"])
    token = csrf_token(client, "/admin/access")
    for path, data in (
        ("/admin/access/hidden", {"customer_id": str(seed.customer_b), "who": "role:technician"}),
        ("/admin/access/blocks", {"role": "technician", "category": "process-lists"}),
    ):
        assert client.post(path, data={**data, "csrf_token": token}).status_code == 302
    with store.session() as s:
        rid = s.scalars(select(CustomerRestriction.id)).one()
        bid = s.scalars(select(CategoryBlock.id)).one()

    page = forms(client.get("/admin/access").get_data(as_text=True))
    unhide, unblock = page[f"/admin/access/hidden/{rid}/remove"], page[f"/admin/access/blocks/{bid}/remove"]
    assert (unhide.buttons, unblock.buttons) == (["Show again"], ["Unblock"])
    assert unhide.hidden["csrf_token"] == unblock.hidden["csrf_token"] != ""
    assert "data-confirm" not in unhide.attrs

    resp = client.post(unblock.action, data=unblock.hidden)
    assert resp.status_code == 302
    with store.session() as s:
        assert s.scalars(select(CategoryBlock.id)).all() == []


def test_a_confirmation_question_is_kept_and_escaped(app: Flask) -> None:
    source = (
        '{% from "_macros.html" import post_button %}'
        '{{ post_button("/rules/7/delete", "Delete", confirm="Delete the rule “" ~ name ~ "”?") }}'
        '{{ post_button("/rules/7/toggle", "Disable") }}'
    )
    with app.test_request_context("/"):
        html = render_template_string(source, name='disk <b>"full"</b>')
    assert 'data-confirm="Delete the rule “disk &lt;b&gt;&#34;full&#34;&lt;/b&gt;”?"' in html
    drawn = forms(html)
    assert drawn["/rules/7/delete"].attrs["data-confirm"] == 'Delete the rule “disk <b>"full"</b>”?'
    assert "data-confirm" not in drawn["/rules/7/toggle"].attrs
    assert drawn["/rules/7/toggle"].buttons == ["Disable"]

"""The knowledge base on the dashboard: every technician reads the articles and their
history; supervisors (``edit-knowledge-base``) write and edit them, each save a new version
(audited as ``kb.article.create`` / ``kb.article.update``). Articles belong to no customer:
they are the MSP's own procedures, linked to fault kinds (:mod:`collector.kb.faults`)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from collector.kb import articles
from collector.kb.articles import ArticleError
from collector.kb.faults import FAMILIES
from collector.kb.models import Article
from collector.web.auditing import remote_address
from collector.web.identity import current_user
from collector.web.permissions import Capability, can, get_or_404, require
from collector.web.resources import store

bp = Blueprint("kb", __name__)

MAX_FIELD = 60_000
FIELDS = ("title", "summary", "fault_kinds", "steps")


def _form() -> dict[str, str]:
    return {k: request.form.get(k, "")[:MAX_FIELD] for k in FIELDS}


def _draft(values: dict[str, str]) -> articles.Draft:
    """The article the form's ``values`` describe; ArticleError names the field at fault."""
    return articles.parse_draft(values["title"], values["summary"], values["fault_kinds"], values["steps"])


def _values(article: Article) -> dict[str, str]:
    return {
        "title": article.title,
        "summary": article.summary,
        "fault_kinds": ", ".join(article.fault_kinds),
        "steps": "\n".join(article.steps),
    }


def _edit_page(
    article_id: int | None, values: Mapping[str, str], error: str = "", status: int = 200
) -> ResponseReturnValue:
    page = render_template(
        "kb_edit.html", article_id=article_id, values=values, error=error, families=FAMILIES
    )
    return page, status


@bp.get("/kb")
@require(Capability.VIEW_DASHBOARD)
def index() -> ResponseReturnValue:
    wanted = request.args.get("fault", "").strip().lower()[:100]
    with store().session() as s:
        rows = [a for a in articles.all_articles(s) if not wanted or any(wanted in k for k in a.fault_kinds)]
        return render_template(
            "kb_list.html",
            articles=rows,
            fault=wanted,
            can_edit=can(current_user(), Capability.EDIT_KNOWLEDGE_BASE),
        )


@bp.get("/kb/<int:article_id>")
@require(Capability.VIEW_DASHBOARD)
def article(article_id: int) -> ResponseReturnValue:
    with store().session() as s:
        row = get_or_404(s, Article, article_id)
        return render_template(
            "kb_article.html",
            article=row,
            history=articles.versions(s, row.id),
            can_edit=can(current_user(), Capability.EDIT_KNOWLEDGE_BASE),
        )


@bp.get("/kb/<int:article_id>/versions/<int:version>")
@require(Capability.VIEW_DASHBOARD)
def article_version(article_id: int, version: int) -> ResponseReturnValue:
    with store().session() as s:
        row = s.get(Article, article_id)
        old = articles.version(s, article_id, version)
        if row is None or old is None:
            abort(404)
        return render_template("kb_version.html", article=row, old=old)


@bp.get("/kb/new")
@require(Capability.EDIT_KNOWLEDGE_BASE)
def new_article() -> ResponseReturnValue:
    prefill = request.args.get("fault", "")[:100]
    return _edit_page(None, {"title": "", "summary": "", "fault_kinds": prefill, "steps": ""})


@bp.post("/kb")
@require(Capability.EDIT_KNOWLEDGE_BASE)
def create_article() -> ResponseReturnValue:
    values = _form()
    try:
        draft = _draft(values)
    except ArticleError as exc:
        return _edit_page(None, values, f"Article not saved: {exc}", 400)
    with store().session() as s:
        row = articles.create(s, draft, current_user().actor, address=remote_address())
        article_id = row.id
    flash(f"Article “{draft.title}” saved as version 1.", "info")
    return redirect(url_for("kb.article", article_id=article_id))


@bp.get("/kb/<int:article_id>/edit")
@require(Capability.EDIT_KNOWLEDGE_BASE)
def edit_article(article_id: int) -> ResponseReturnValue:
    with store().session() as s:
        row = get_or_404(s, Article, article_id)
        return _edit_page(row.id, _values(row))


@bp.post("/kb/<int:article_id>")
@require(Capability.EDIT_KNOWLEDGE_BASE)
def save_article(article_id: int) -> ResponseReturnValue:
    values = _form()
    with store().session() as s:
        row = get_or_404(s, Article, article_id)
        try:
            draft = _draft(values)
        except ArticleError as exc:
            return _edit_page(article_id, values, f"Article not saved: {exc}", 400)
        changed = articles.save(s, row, draft, current_user().actor, address=remote_address())
        version = row.version
    flash(f"Saved as version {version}." if changed else "Nothing changed; no new version.", "info")
    return redirect(url_for("kb.article", article_id=article_id))

"""Reading and saving knowledge-base articles. Every save is a new version, audited.

:func:`parse_draft` checks what a supervisor typed (title, summary, fault kinds, steps one per
line) and says precisely what is wrong; :func:`create` and :func:`save` write the article and
append its version in the caller's transaction; :func:`for_fault` picks the article for a fault.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from collector.kb.faults import FaultKindError, parse_fault_kinds
from collector.kb.models import Article, ArticleVersion
from collector.store.db import audit

MAX_TITLE = 200
MAX_STEP = 1000
MAX_STEPS = 50
MAX_SUMMARY = 2000
_NUMBERING = re.compile(r"^\s*(\d+[.)]|[-*•])\s+")


class ArticleError(ValueError):
    """An article that cannot be saved, with the reason in words a supervisor can act on."""


@dataclass(frozen=True, slots=True)
class Draft:
    title: str
    summary: str
    fault_kinds: list[str]
    steps: list[str]


def parse_steps(text: str) -> list[str]:
    """One step per non-blank line; a leading "1." / "2)" / "-" the writer typed is dropped."""
    return [_NUMBERING.sub("", line).strip() for line in text.splitlines() if line.strip()]


def parse_draft(title: str, summary: str, fault_kinds: str, steps: str) -> Draft:
    """A valid draft from the form's text, or :class:`ArticleError` naming the field."""
    title = title.strip()
    if not title:
        raise ArticleError("title: an article needs a title")
    if len(title) > MAX_TITLE:
        raise ArticleError(f"title: at most {MAX_TITLE} characters (this one has {len(title)})")
    if len(summary) > MAX_SUMMARY:
        raise ArticleError(f"summary: at most {MAX_SUMMARY} characters")
    try:
        kinds = parse_fault_kinds(fault_kinds)
    except FaultKindError as exc:
        raise ArticleError(f"fault kinds: {exc}") from exc
    if not kinds:
        raise ArticleError("fault kinds: name at least one, e.g. function:systemd")
    lines = parse_steps(steps)
    if not lines:
        raise ArticleError("steps: write at least one step, one per line")
    if len(lines) > MAX_STEPS:
        raise ArticleError(f"steps: at most {MAX_STEPS} (this article has {len(lines)})")
    long = next((i for i, s in enumerate(lines, 1) if len(s) > MAX_STEP), None)
    if long is not None:
        raise ArticleError(f"steps: step {long} is longer than {MAX_STEP} characters")
    return Draft(title, summary.strip(), kinds, lines)


def _version_of(article: Article, actor: str, now: datetime) -> ArticleVersion:
    return ArticleVersion(
        article_id=article.id,
        version=article.version,
        title=article.title,
        summary=article.summary,
        fault_kinds=list(article.fault_kinds),
        steps=list(article.steps),
        saved_by=actor,
        saved_at=now,
    )


def create(session: Session, draft: Draft, actor: str, *, address: str = "") -> Article:
    """A new article at version 1."""
    now = datetime.now(UTC)
    article = Article(
        title=draft.title,
        summary=draft.summary,
        fault_kinds=draft.fault_kinds,
        steps=draft.steps,
        version=1,
        updated_by=actor,
        updated_at=now,
    )
    session.add(article)
    session.flush()
    session.add(_version_of(article, actor, now))
    audit(session, actor, "kb.article.create", f"kb:{article.id}", address=address, title=draft.title)
    return article


def save(session: Session, article: Article, draft: Draft, actor: str, *, address: str = "") -> bool:
    """Save ``draft`` as the article's next version; False (and nothing written) when unchanged."""
    same = (
        article.title == draft.title
        and article.summary == draft.summary
        and list(article.fault_kinds) == draft.fault_kinds
        and list(article.steps) == draft.steps
    )
    if same:
        return False
    now = datetime.now(UTC)
    article.title, article.summary = draft.title, draft.summary
    article.fault_kinds, article.steps = draft.fault_kinds, draft.steps
    article.version += 1
    article.updated_by, article.updated_at = actor, now
    session.add(_version_of(article, actor, now))
    audit(
        session,
        actor,
        "kb.article.update",
        f"kb:{article.id}",
        address=address,
        version=article.version,
        title=draft.title,
    )
    return True


def all_articles(session: Session) -> list[Article]:
    return list(session.scalars(select(Article).order_by(Article.title)))


def versions(session: Session, article_id: int) -> list[ArticleVersion]:
    """Every saved version of the article, newest first."""
    stmt = (
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.version.desc())
    )
    return list(session.scalars(stmt))


def version(session: Session, article_id: int, number: int) -> ArticleVersion | None:
    stmt = select(ArticleVersion).where(
        ArticleVersion.article_id == article_id, ArticleVersion.version == number
    )
    return session.scalars(stmt).one_or_none()


def choose(articles: Sequence[Article], candidates: Sequence[str]) -> tuple[Article, str] | None:
    """Pure: the first article (by id) linked to the most specific of ``candidates``, with it."""
    for kind in candidates:
        for article in sorted(articles, key=lambda a: a.id):
            if kind in article.fault_kinds:
                return article, kind
    return None


def for_fault(session: Session, candidates: Sequence[str]) -> tuple[Article, str] | None:
    """The article for a fault whose kinds are ``candidates`` (most specific first)."""
    return choose(all_articles(session), candidates)

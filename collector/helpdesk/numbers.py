"""Ticket numbers (``EUS-000123``) and the subject tag that ties mail to a ticket."""

from __future__ import annotations

import re

PREFIX = "EUS"
WIDTH = 6
_TAG = re.compile(rf"\[{PREFIX}-(\d{{{WIDTH},}})\]")
_NUMBER = re.compile(rf"{PREFIX}-(\d{{{WIDTH},}})", re.IGNORECASE)


def format_number(n: int) -> str:
    """``EUS-000123``; numbers past 999,999 simply grow wider."""
    if n < 1:
        raise ValueError(f"ticket numbers start at 1, not {n}")
    return f"{PREFIX}-{n:0{WIDTH}d}"


def parse_number(text: str) -> int | None:
    """The number in ``EUS-000123`` (any case, surrounding text allowed), else None."""
    m = _NUMBER.search(text)
    return int(m.group(1)) if m else None


def subject_tag(n: int) -> str:
    return f"[{format_number(n)}]"


def tagged(subject: str, n: int) -> str:
    """``subject`` carrying the ticket's tag exactly once."""
    tag = subject_tag(n)
    return subject if tag in subject else f"{tag} {subject}".strip()


def number_in_subject(subject: str) -> int | None:
    """The ticket a mail's subject names by its tag (``[EUS-000123]``), else None."""
    m = _TAG.search(subject)
    return int(m.group(1)) if m else None

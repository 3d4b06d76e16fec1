"""The second factor: TOTP (RFC 6238) through pyotp, recovery codes, and the policy.

A secret counts once the user proved their app has it with one code. Each code is
accepted once (the last accepted time step is kept), one step of clock drift either way is
tolerated. Recovery codes are shown once, stored argon2id-hashed, and each works once.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pyotp
import segno
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from collector.passwords import hash_password, verify_password
from collector.signin.models import RecoveryCode, SigninSettings, TotpCredential

ISSUER = "EUS"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
VALID_WINDOW = 1  # steps of drift accepted either side


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, RFC 4226's recommendation)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code, made offline (segno), with no scripts or styles."""
    result: str = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")
    return result


def normalize_code(raw: str) -> str:
    """What the user typed, with spaces and dashes removed, lower-cased."""
    return "".join(ch for ch in raw if ch.isalnum()).lower()[:64]


def accepted_step(secret: str, code: str, last_step: int, now: datetime | None = None) -> int | None:
    """The time step ``code`` is valid for, if it is valid and newer than ``last_step``."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    at = now or datetime.now(UTC)
    current = totp.timecode(at)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = current + offset
        if step > last_step and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirmed_credential(s: Session, user_id: int) -> TotpCredential | None:
    """The user's TOTP credential if they completed setup."""
    cred = s.get(TotpCredential, user_id)
    return cred if cred is not None and cred.confirmed_at is not None else None


def pending_secret(s: Session, user_id: int) -> str:
    """The secret being set up (made on first call, kept until confirmed or replaced)."""
    cred = s.get(TotpCredential, user_id)
    if cred is None:
        cred = TotpCredential(user_id=user_id, secret=new_secret(), last_step=0)
        s.add(cred)
    elif cred.confirmed_at is not None:
        raise ValueError("two-factor authentication is already set up")
    return cred.secret


def confirm(s: Session, user_id: int, code: str, now: datetime | None = None) -> list[str] | None:
    """Finish setup with a code from the app; returns fresh recovery codes, or None if wrong."""
    cred = s.get(TotpCredential, user_id)
    if cred is None or cred.confirmed_at is not None:
        return None
    step = accepted_step(cred.secret, normalize_code(code), cred.last_step, now)
    if step is None:
        return None
    cred.last_step = step
    cred.confirmed_at = now or datetime.now(UTC)
    return new_recovery_codes(s, user_id)


def verify(s: Session, user_id: int, code: str, now: datetime | None = None) -> str | None:
    """Check a TOTP or recovery code at sign-in; returns "totp"/"recovery-code", None if wrong."""
    cred = confirmed_credential(s, user_id)
    if cred is None:
        return None
    typed = normalize_code(code)
    step = accepted_step(cred.secret, typed, cred.last_step, now)
    if step is not None:
        cred.last_step = step
        return "totp"
    if len(typed) == 10 and use_recovery_code(s, user_id, typed, now):
        return "recovery-code"
    return None


def new_recovery_codes(s: Session, user_id: int) -> list[str]:
    """Replace the user's recovery codes with fresh ones; the plaintext is returned once."""
    s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)
    ]
    s.add_all(RecoveryCode(user_id=user_id, code_hash=hash_password(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use_recovery_code(s: Session, user_id: int, typed: str, now: datetime | None = None) -> bool:
    """Spend a matching unused recovery code; False when none matches."""
    unused = s.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if verify_password(row.code_hash, typed):
            row.used_at = now or datetime.now(UTC)
            return True
    return False


def remaining_recovery_codes(s: Session, user_id: int) -> int:
    """How many unused recovery codes the user has left."""
    return len(
        s.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def remove(s: Session, user_id: int) -> bool:
    """Forget the user's second factor and recovery codes; False if there was none."""
    had = s.get(TotpCredential, user_id) is not None
    s.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
    s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    return had


def totp_required(s: Session) -> bool:
    """Whether an administrator requires a second factor for everyone."""
    row = s.get(SigninSettings, 1)
    return bool(row and row.require_totp)


def set_totp_required(s: Session, required: bool, actor: str, now: datetime | None = None) -> bool:
    """Change the requirement; returns whether it changed."""
    row = s.get(SigninSettings, 1)
    if row is None:
        row = SigninSettings(id=1, require_totp=False)
        s.add(row)
    changed = row.require_totp != required
    row.require_totp, row.updated_by, row.updated_at = required, actor, now or datetime.now(UTC)
    return changed

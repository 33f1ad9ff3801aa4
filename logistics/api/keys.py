"""API keys: high-entropy random keys stored only as SHA-256 hashes, each with one role.

A key reads `fwd_<key_id>_<secret>`; the database keeps `key_id` and sha256(key). Lookups go
by `key_id` and compare hashes in constant time (`hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from fwdnet.logistics.api.tables import api_keys
from fwdnet.logistics.errors import InputError

ROLE_RE = re.compile(r"^(hq|dispatch|region:[A-Za-z0-9_.-]{1,64}|carrier:[A-Za-z0-9_.-]{1,64})$")
_KEY_RE = re.compile(r"^fwd_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key id and its role (`hq`, `dispatch`, `region:X`, `carrier:X`)."""

    key_id: str
    role: str

    @property
    def kind(self) -> str:
        return self.role.split(":", 1)[0]

    @property
    def code(self) -> str | None:
        """The region or carrier code of a scoped role, else None."""
        return self.role.split(":", 1)[1] if ":" in self.role else None


@dataclass(frozen=True)
class KeyInfo:
    """A key as `fwdnet keys list` shows it (never the key itself)."""

    key_id: str
    role: str
    label: str | None
    created_at: datetime
    revoked_at: datetime | None


def check_role(role: str) -> str:
    """The role unchanged, or InputError naming the expected forms."""
    if not ROLE_RE.match(role):
        raise InputError(f"--role: {role!r} is not one of hq, dispatch, region:<code>, "
                         "carrier:<code> (code: letters, digits, _ . -)")
    return role


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, role: str, label: str | None = None) -> tuple[str, str]:
    """Store a new key for `role`; return (key_id, key). The key is shown once, never stored."""
    check_role(role)
    key_id = secrets.token_hex(8)
    key = f"fwd_{key_id}_{secrets.token_urlsafe(32)}"
    with engine.begin() as c:
        c.execute(insert(api_keys).values(key_id=key_id, key_hash=hash_key(key), role=role,
                                          label=label, created_at=datetime.now(UTC)))
    return key_id, key


def revoke_key(engine: Engine, key_id: str) -> bool:
    """Mark a key revoked; False when no active key has that id."""
    with engine.begin() as c:
        res = c.execute(update(api_keys).where(api_keys.c.key_id == key_id,
                                               api_keys.c.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)))
    return res.rowcount == 1


def list_keys(engine: Engine) -> list[KeyInfo]:
    """Every key (active and revoked), oldest first."""
    with engine.connect() as c:
        rows = c.execute(select(api_keys).order_by(api_keys.c.created_at)).mappings().all()
    return [KeyInfo(r["key_id"], r["role"], r["label"], r["created_at"], r["revoked_at"])
            for r in rows]


class KeyStore:
    """Authenticates bearer keys against the database, caching rows for `cache_s` seconds.

    A revocation reaches every process within `cache_s` (0 = look up every request).
    """

    def __init__(self, engine: Engine, cache_s: float) -> None:
        self._engine = engine
        self._cache_s = cache_s
        self._cache: dict[str, tuple[float, str | None, str]] = {}
        self._lock = threading.Lock()

    def _row(self, key_id: str) -> tuple[str | None, str]:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key_id)
        if hit is not None and now - hit[0] < self._cache_s:
            return hit[1], hit[2]
        with self._engine.connect() as c:
            r = c.execute(select(api_keys.c.key_hash, api_keys.c.role)
                          .where(api_keys.c.key_id == key_id,
                                 api_keys.c.revoked_at.is_(None))).first()
        value: tuple[str | None, str] = (r[0], r[1]) if r is not None else (None, "")
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key_id] = (now, *value)
        return value

    def cached(self, key_id: str) -> bool:
        """True when this key id's row is in the cache (no database lookup needed)."""
        with self._lock:
            hit = self._cache.get(key_id)
        return hit is not None and time.monotonic() - hit[0] < self._cache_s

    def check(self, key: str) -> tuple[Principal | None, str]:
        """(principal, "ok") for a valid, unrevoked key, else (None, why): `malformed`,
        `unknown` (no active key has this id) or `mismatch` (wrong secret)."""
        m = _KEY_RE.match(key)
        if m is None:
            return None, "malformed"
        stored, role = self._row(m.group(1))
        # compare the full hash in constant time, also when the id is unknown
        ok = hmac.compare_digest(hash_key(key), stored or "0" * 64)
        if stored is None:
            return None, "unknown"
        return (Principal(m.group(1), role), "ok") if ok else (None, "mismatch")

    def authenticate(self, key: str) -> Principal | None:
        """The principal of a valid, unrevoked key, else None."""
        return self.check(key)[0]


def key_id_of(key: str) -> str | None:
    """The key id part of a well-formed key, else None."""
    m = _KEY_RE.match(key)
    return m.group(1) if m else None

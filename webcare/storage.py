"""Persistent storage (SQLAlchemy): hashed API keys and the log of knowledge-base edits.

SQLite by default (zero set-up); any SQLAlchemy URL (PostgreSQL for teams) works the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand: Mapped[str] = mapped_column(String(64), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[int] = mapped_column(Integer, default=0)


class KBEditRow(Base):
    __tablename__ = "kb_edits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # article | canned
    item_id: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(8))  # upsert | delete
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class KBEdit:
    kind: str
    item_id: str
    action: str
    payload: dict[str, Any] | None


def hash_key(key: str) -> str:
    """API keys are random 32-byte tokens, so a plain SHA-256 is a safe one-way hash for them."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Storage:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # API keys ---------------------------------------------------------------------------------
    def create_api_key(self, brand: str, label: str = "") -> str:
        """Create a key for ``brand``; the plain key is returned once and never stored."""
        key = f"wc_{brand}_{secrets.token_urlsafe(32)}"
        with self.session() as s:
            s.add(ApiKeyRow(brand=brand, key_hash=hash_key(key), prefix=key[: len(brand) + 8], label=label, created_at=_now()))
        return key

    def add_api_key(self, brand: str, key: str, label: str = "") -> None:
        """Register a key chosen by the operator (e.g. from a secret store)."""
        with self.session() as s:
            if s.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == hash_key(key))) is None:
                s.add(ApiKeyRow(brand=brand, key_hash=hash_key(key), prefix=key[:8], label=label, created_at=_now()))

    def brand_for_key(self, key: str) -> str | None:
        digest = hash_key(key)
        with self.session() as s:
            row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest, ApiKeyRow.revoked == 0))
            if row is None or not hmac.compare_digest(row.key_hash, digest):
                return None
            return row.brand

    def list_api_keys(self, brand: str | None = None) -> list[dict[str, Any]]:
        with self.session() as s:
            query = select(ApiKeyRow)
            if brand:
                query = query.where(ApiKeyRow.brand == brand)
            return [
                {"id": r.id, "brand": r.brand, "prefix": r.prefix, "label": r.label, "created_at": r.created_at.isoformat(), "revoked": bool(r.revoked)}
                for r in s.scalars(query.order_by(ApiKeyRow.id))
            ]

    def revoke_api_key(self, key_id: int) -> bool:
        with self.session() as s:
            row = s.get(ApiKeyRow, key_id)
            if row is None:
                return False
            row.revoked = 1
            return True

    # knowledge-base edits ---------------------------------------------------------------------
    def record_kb_edit(self, brand: str, kind: str, item_id: str, action: str, payload: dict[str, Any] | None) -> None:
        with self.session() as s:
            s.add(KBEditRow(brand=brand, kind=kind, item_id=item_id, action=action, payload=payload, created_at=_now()))

    def kb_edits(self, brand: str) -> list[KBEdit]:
        """Edits of one brand, oldest first (replayed over the files on every load)."""
        with self.session() as s:
            rows = s.scalars(select(KBEditRow).where(KBEditRow.brand == brand).order_by(KBEditRow.id))
            return [KBEdit(r.kind, r.item_id, r.action, json.loads(json.dumps(r.payload)) if r.payload else None) for r in rows]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _now() -> datetime:
    return datetime.now(UTC)

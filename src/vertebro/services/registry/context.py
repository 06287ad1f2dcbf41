"""What every registry service call carries: the session of its one transaction, who acts,
and the clock (injectable, so tests are deterministic)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vertebro.errors import Conflict, PermissionDenied
from vertebro.registry.schema import AuditRow, Role
from vertebro.registry.store import Registry

__all__ = ["Actor", "Tx", "unit_of_work"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a user (``name`` and ``role``) or the command line (``cli:<os user>``)."""

    name: str
    role: Role
    user_id: int | None = None

    @classmethod
    def cli(cls) -> Actor:
        """The local operator at the command line (full rights, like an admin)."""
        try:
            who = getpass.getuser()
        except (KeyError, OSError):
            who = "unknown"
        return cls(f"cli:{who}", Role.ADMIN)


@dataclass(slots=True)
class Tx:
    """One transaction of one actor. ``now`` and ``today`` default to the real clock."""

    session: Session
    actor: Actor
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    today_: date | None = None

    @property
    def today(self) -> date:
        """The day the services reason with (``now``'s UTC date unless injected)."""
        return self.today_ if self.today_ is not None else self.now.astimezone(UTC).date()

    def require(self, role: Role) -> None:
        """Raise :class:`PermissionDenied` unless the actor's role includes ``role``."""
        if not self.actor.role.allows(role):
            raise PermissionDenied(f"{self.actor.name} ({self.actor.role}) may not do this")

    def flush(self, conflict: str) -> None:
        """Write pending rows now; a uniqueness clash (a concurrent writer won) becomes
        :class:`Conflict` with the message ``conflict``."""
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise Conflict(conflict) from exc

    def audit(
        self,
        action: str,
        entity: str,
        key: str | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AuditRow:
        """Add an audit row (written with the rest of the transaction, or not at all)."""
        row = AuditRow(
            at=self.now,
            actor=self.actor.name,
            action=action,
            entity=entity,
            entity_key=key,
            before=before,
            after=after,
        )
        self.session.add(row)
        return row


@contextmanager
def unit_of_work(
    registry: Registry,
    actor: Actor,
    *,
    now: datetime | None = None,
    today: date | None = None,
    write: bool = True,
) -> Iterator[Tx]:
    """One transaction for ``actor``: committed when the block ends, rolled back (nothing
    written, audit rows included) when it raises. ``write=False``: a read transaction (no
    write lock on SQLite, ``READ ONLY`` on PostgreSQL; a write in it raises)."""
    with registry.transaction(write=write) as session:
        yield Tx(session, actor, now or datetime.now(UTC), today)

"""An email when a chat message has waited unread for a while (15 minutes by default).

Like the appointment reminders, nothing lives in memory: each tick asks the database which member
has messages from the other member that are neither read (``last_read_seq``) nor announced
(``notified_seq``), the oldest of them written at least the wait ago. One email covers the whole
burst (every such message, also the newer ones), and ``notified_seq`` moves past all of them, so
the next email comes only for messages written after this one. Each burst is claimed (the mark
committed under a row lock) before its email is sent, and the claim is given back when the send
fails: a failed send is retried on the next tick, a restart or a second app instance repeats
nothing. The one gap: a crash between the claim and the hand-over loses that one notice.

The email says who wrote and how many messages wait, with a short preview (80 characters) and a
link; never the whole conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.chat import repository as repo
from app.chat.models import ChatMessage, ReadMark
from app.core.db import Database, write_transaction
from app.core.mail import Postman
from app.core.periodic import Periodic
from app.wardrobe import service as wardrobe

log = logging.getLogger(__name__)
PREVIEW_CHARS = 80


def preview_of(text: str) -> str:
    """The first ``PREVIEW_CHARS`` characters on one line, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


class UnreadNotifier(Periodic):
    name = "chat unread notices"

    def __init__(
        self,
        db: Database,
        postman: Postman,
        base_url: str,
        clock: Callable[[], datetime],
        wait: timedelta = timedelta(minutes=15),
    ) -> None:
        self.db, self.postman, self.base_url, self.clock = db, postman, base_url, clock
        self.wait = wait
        super().__init__()

    async def tick(self, now: datetime | None = None) -> int:
        """Send every notice that is due at ``now`` (default: the clock); returns how many."""
        now = now or self.clock()
        async with self.db.sessions() as session:
            bursts = await repo.unnoticed_unread(session, now - self.wait)
        sent = 0
        for burst in bursts:
            try:
                sent += await self._notify(burst, now)
            except Exception:
                log.exception("unread notice for conversation %s failed", burst.conversation_id)
        return sent

    async def _notify(self, burst: repo.UnreadBurst, now: datetime) -> int:
        # 1. Claim the burst under a row lock: two app instances never both send it, and the
        #    database is not kept waiting while the mail server answers.
        async with write_transaction(self.db) as session:
            mark = await repo.read_mark_for_update(
                session, burst.conversation_id, burst.recipient_id
            ) or ReadMark(conversation_id=burst.conversation_id, user_id=burst.recipient_id)
            if max(mark.last_read_seq, mark.notified_seq) >= burst.last_seq:
                return 0  # read (or announced) since the query above
            before = (mark.notified_seq, mark.notified_at)
            mark.notified_seq, mark.notified_at = burst.last_seq, now
            session.add(mark)
            mail = await self._mail(session, burst)
        if mail is None:
            return 0
        # 2. Send; 3. on failure give the claim back, so the next tick tries again.
        try:
            await self.postman.deliver(*mail)
        except Exception:
            async with write_transaction(self.db) as session:
                claimed = await repo.read_mark_for_update(
                    session, burst.conversation_id, burst.recipient_id
                )
                if claimed is not None and claimed.notified_seq == burst.last_seq:
                    claimed.notified_seq, claimed.notified_at = before
                    session.add(claimed)
            raise
        return 1

    async def _mail(
        self, session: AsyncSession, burst: repo.UnreadBurst
    ) -> tuple[str, str, dict[str, object], str] | None:
        """(to, template, context, locale) of the notice, or None for an inactive recipient."""
        recipient = await session.get(User, burst.recipient_id)
        sender = await session.get(User, burst.sender_id)
        if recipient is None or sender is None or not recipient.is_active:
            return None
        first = (await repo.after(session, burst.conversation_id, burst.first_seq - 1, 1))[0]
        context = await self._context(session, burst, sender, first)
        context["name"] = f"{recipient.family_name} {recipient.given_name}"
        return recipient.email, "chat_unread", context, recipient.locale

    async def _context(
        self, session: AsyncSession, burst: repo.UnreadBurst, sender: User, first: ChatMessage
    ) -> dict[str, object]:
        product = None
        if first.catalog_item_id is not None:
            items = await wardrobe.items_by_id(session, ids={first.catalog_item_id})
            if item := items.get(first.catalog_item_id):
                product = {"ja": item.name_ja, "en": item.name_en}
        return {
            "sender": f"{sender.family_name} {sender.given_name}",
            "count": burst.count,
            "preview": preview_of(first.body),
            "photo": first.attachment_name is not None,
            "product": product,
            "link": f"{self.base_url}/conversations/{burst.conversation_id}",
        }

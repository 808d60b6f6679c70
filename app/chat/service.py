"""Chat use cases: open a conversation, post (exactly once) text, photos and product cards, read
what was missed, mark as read, count what is unread."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.access import service as access
from app.accounts import service as accounts
from app.accounts.models import STAFF_ROLES, Role, User
from app.booking.models import Appointment
from app.chat import repository as repo
from app.chat.models import ChatMessage, Conversation, ReadMark
from app.chat.schemas import (
    AttachmentIn,
    AttachmentOut,
    ConversationOut,
    MessageOut,
    ProductOut,
    SendIn,
)
from app.core.errors import AppError, Conflict, Forbidden, NotFound
from app.core.i18n import gettext as _
from app.core.images import CleanImage
from app.core.types import utcnow
from app.store import service as stores
from app.wardrobe import service as wardrobe
from app.wardrobe.closet.vocabulary import colour_label
from app.wardrobe.models import CatalogItem

PAGE = 500
PRODUCTS_FOUND = 12
# Stores a clean image for a conversation and returns the file name it was given.
SaveImage = Callable[[int, CleanImage], Awaitable[str]]


def attachment_url(conversation_id: int, name: str) -> str:
    return f"/api/v1/conversations/{conversation_id}/attachments/{name}"


def _product(item: CatalogItem) -> ProductOut:
    return ProductOut(
        id=item.id,  # type: ignore[arg-type]
        sku=item.sku,
        name_ja=item.name_ja,
        name_en=item.name_en,
        colour_name=item.colour_name,
        colour_name_ja=colour_label(item.colour_name, "ja"),
        colour_name_en=colour_label(item.colour_name, "en"),
        colour_rgb=item.colour_rgb,
        price_yen=item.price_yen,
        sizes=list(item.sizes),
        swatch_url=f"/catalog/{item.sku}/swatch.svg",
    )


def _out(message: ChatMessage, items: dict[int, CatalogItem]) -> MessageOut:
    out = MessageOut.model_validate(message, from_attributes=True)
    if message.attachment_name:
        out.attachment = AttachmentOut(
            url=attachment_url(message.conversation_id, message.attachment_name),
            width=message.attachment_width or 0,
            height=message.attachment_height or 0,
            content_type=message.attachment_type or "",
        )
    if message.catalog_item_id is not None and message.catalog_item_id in items:
        out.product = _product(items[message.catalog_item_id])
    return out


async def to_outs(session: AsyncSession, messages: list[ChatMessage]) -> list[MessageOut]:
    """Messages as frames, with their photo and product card filled in."""
    ids = {m.catalog_item_id for m in messages if m.catalog_item_id is not None}
    items = await wardrobe.items_by_id(session, ids=ids) if ids else {}
    return [_out(m, items) for m in messages]


async def to_out(session: AsyncSession, message: ChatMessage) -> MessageOut:
    return (await to_outs(session, [message]))[0]


async def _shares_an_appointment(
    session: AsyncSession, customer_id: int, staff_id: int
) -> Appointment | None:
    statement = select(Appointment).where(
        Appointment.customer_id == customer_id, Appointment.staff_id == staff_id
    )
    return (await session.exec(statement)).first()


async def open_conversation(
    session: AsyncSession, *, viewer: User, customer_id: int, staff_id: int
) -> Conversation:
    """The conversation of a customer and stylist who share an appointment (made on first use)."""
    if viewer.id not in (customer_id, staff_id):
        raise Forbidden(_("You can only open your own conversations."))
    existing = await repo.pair(session, customer_id, staff_id)
    if existing is not None:
        return existing
    appointment = await _shares_an_appointment(session, customer_id, staff_id)
    if appointment is None:
        raise Forbidden(_("A conversation opens once you have a session together."))
    conversation = Conversation(
        customer_id=customer_id, staff_id=staff_id, store_id=appointment.store_id
    )
    session.add(conversation)
    try:
        await session.flush()
    except IntegrityError as exc:  # opened at the same moment from the other side
        raise Conflict(_("This conversation was just opened. Please try again.")) from exc
    return conversation


async def existing_conversation(
    session: AsyncSession, *, viewer: User, customer_id: int
) -> Conversation | None:
    """The stylist's conversation with this customer, if one was ever opened."""
    return await repo.pair(session, customer_id, viewer.id)  # type: ignore[arg-type]


async def load(session: AsyncSession, *, viewer: User, conversation_id: int) -> Conversation:
    """A conversation for its customer; for its stylist while the access policy lets her see the
    customer; for a manager of its store and an admin. 404 for anyone else."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(_("There is no such conversation."))
    if viewer.id == conversation.customer_id or viewer.role == Role.admin:
        return conversation
    manager = viewer.role == Role.manager and await stores.manages(
        session,
        user_id=viewer.id,  # type: ignore[arg-type]
        store_id=conversation.store_id,
    )
    if manager or (
        viewer.id == conversation.staff_id
        and (
            await access.decide(session, viewer=viewer, customer_id=conversation.customer_id)
        ).visible
    ):
        return conversation
    raise NotFound(_("There is no such conversation."))


async def load_for_writing(
    session: AsyncSession, *, viewer: User, conversation_id: int
) -> Conversation:
    """A conversation the viewer may write in (its customer or stylist)."""
    conversation = await load(session, viewer=viewer, conversation_id=conversation_id)
    if viewer.id not in (conversation.customer_id, conversation.staff_id):
        raise Forbidden(_("Only the customer and the stylist write in this conversation."))
    return conversation


def _only_the_stylist(viewer: User, conversation: Conversation) -> None:
    if viewer.role not in STAFF_ROLES or viewer.id != conversation.staff_id:
        raise Forbidden(_("Only the stylist can send product cards."))


async def find_products(
    session: AsyncSession, *, viewer: User, conversation_id: int, query: str
) -> list[ProductOut]:
    """Active items of the store's catalog matching ``query``, for the stylist to send."""
    conversation = await load_for_writing(session, viewer=viewer, conversation_id=conversation_id)
    _only_the_stylist(viewer, conversation)
    store = await stores.get_store(session, store_id=conversation.store_id)
    found = await repo.catalog_search(session, store.brand_id, query.strip(), PRODUCTS_FOUND)
    return [_product(item) for item in found]


async def _card_item(
    session: AsyncSession, *, viewer: User, conversation: Conversation, item_id: int
) -> CatalogItem:
    _only_the_stylist(viewer, conversation)
    item = (await wardrobe.items_by_id(session, ids={item_id})).get(item_id)
    store = await stores.get_store(session, store_id=conversation.store_id)
    if item is None or item.brand_id != store.brand_id:
        raise NotFound(_("There is no such item in the catalog."), field="catalog_item_id")
    if not item.is_active:
        raise Conflict(
            _("This item is no longer sold. Please choose another one."), field="catalog_item_id"
        )
    return item


async def _append(
    session: AsyncSession,
    *,
    viewer: User,
    conversation_id: int,
    client_msg_id: str,
    build: Callable[[Conversation], Awaitable[dict[str, object]]],
) -> tuple[ChatMessage, bool]:
    """Number and store a message once; ``build`` runs only for a new one (under the lock)."""
    conversation = await load_for_writing(session, viewer=viewer, conversation_id=conversation_id)
    assert viewer.id is not None and conversation.id is not None
    locked = await repo.conversation_for_update(session, conversation.id)
    assert locked is not None
    existing = await repo.by_client_id(session, conversation.id, viewer.id, client_msg_id)
    if existing is not None:
        return existing, False
    fields = await build(locked)
    locked.last_seq += 1
    message = ChatMessage(
        conversation_id=conversation.id,
        seq=locked.last_seq,
        sender_id=viewer.id,
        client_msg_id=client_msg_id,
        **fields,  # type: ignore[arg-type]
    )
    session.add_all([locked, message])
    await session.flush()
    return message, True


async def post(
    session: AsyncSession, *, viewer: User, conversation_id: int, data: SendIn
) -> tuple[ChatMessage, bool]:
    """Store a message once: a retry with the same client_msg_id returns the stored one."""

    async def build(conversation: Conversation) -> dict[str, object]:
        fields: dict[str, object] = {"body": data.body}
        if data.catalog_item_id is not None:
            await _card_item(
                session, viewer=viewer, conversation=conversation, item_id=data.catalog_item_id
            )
            fields["catalog_item_id"] = data.catalog_item_id
        return fields

    return await _append(
        session,
        viewer=viewer,
        conversation_id=conversation_id,
        client_msg_id=data.client_msg_id,
        build=build,
    )


@dataclass(frozen=True)
class TextPost:
    """A validated text message waiting to be stored (see ``post_texts_pg``)."""

    conversation_id: int
    sender_id: int
    client_msg_id: str
    body: str

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.conversation_id, self.sender_id, self.client_msg_id)


@dataclass(frozen=True)
class Posted:
    """What storing a post gave: its number, and its frame when it is new (None: a retry)."""

    seq: int
    out: MessageOut | None


@dataclass
class Numbered:
    """``number_posts``' answer: a result per post, the rows to insert, the new last_seqs."""

    results: list[Posted | AppError]
    rows: list[dict[str, object]]
    last_seqs: dict[int, int]


def number_posts(
    posts: Sequence[TextPost],
    locked: Mapping[int, repo.LockedConversation],
    stored: Mapping[tuple[int, int, str], int],
) -> Numbered:
    """Decide, under the conversations' locks, what each post becomes: refused (not a writer of
    the conversation), a retry of a stored message (its seq), or a new row numbered after the
    conversation's last. Pure: the caller reads ``locked`` and ``stored`` and writes the rows."""
    seen = dict(stored)
    last = {conversation_id: row.last_seq for conversation_id, row in locked.items()}
    numbered = Numbered([], [], {})
    for post in posts:
        conversation = locked.get(post.conversation_id)
        if conversation is None or post.sender_id not in (
            conversation.customer_id,
            conversation.staff_id,
        ):
            refused = Forbidden(_("Only the customer and the stylist write in this conversation."))
            numbered.results.append(refused)
            continue
        if post.key in seen:  # stored before, or earlier in this batch
            numbered.results.append(Posted(seen[post.key], None))
            continue
        last[post.conversation_id] += 1
        seen[post.key] = last[post.conversation_id]
        numbered.last_seqs[post.conversation_id] = last[post.conversation_id]
        row: dict[str, object] = {
            "conversation_id": post.conversation_id,
            "seq": last[post.conversation_id],
            "sender_id": post.sender_id,
            "client_msg_id": post.client_msg_id,
            "body": post.body,
            "created_at": utcnow(),
        }
        numbered.rows.append(row)
        numbered.results.append(Posted(seen[post.key], MessageOut.model_validate(row)))
    return numbered


async def post_texts_pg(connection: Any, posts: Sequence[TextPost]) -> list[Posted | AppError]:
    """Store many text messages, each exactly once, numbered in order, on an asyncpg connection
    inside the caller's transaction (PostgreSQL).

    The group-commit form of ``post``: one lock, one look-up of retried ids, one insert and one
    update for the whole batch. Each post gets its own result; a refused post does not stop the
    others. Only the conversation's customer and stylist may write in it.
    """
    locked = await repo.pg_lock_conversations(connection, {p.conversation_id for p in posts})
    stored = await repo.pg_seqs_by_client_id(connection, [p.key for p in posts])
    numbered = number_posts(posts, locked, stored)
    if numbered.rows:
        await repo.pg_insert_messages(connection, numbered.rows)
        await repo.pg_set_last_seqs(connection, numbered.last_seqs)
    return numbered.results


def post_texts_sqlite(
    connection: sqlite3.Connection, posts: Sequence[TextPost]
) -> list[Posted | AppError]:
    """``post_texts_pg`` for SQLite: one transaction on a plain connection (in a worker thread)."""
    with repo.sqlite_write(connection):
        locked = repo.sqlite_lock_conversations(connection, {p.conversation_id for p in posts})
        stored = repo.sqlite_seqs_by_client_id(connection, [p.key for p in posts])
        numbered = number_posts(posts, locked, stored)
        if numbered.rows:
            repo.sqlite_insert_messages(connection, numbered.rows)
            repo.sqlite_set_last_seqs(connection, numbered.last_seqs)
    return numbered.results


async def post_photo(
    session: AsyncSession,
    *,
    viewer: User,
    conversation_id: int,
    data: AttachmentIn,
    image: CleanImage,
    save: SaveImage,
) -> tuple[ChatMessage, bool]:
    """Store a photo message once; the file is written only for a new message."""

    async def build(conversation: Conversation) -> dict[str, object]:
        assert conversation.id is not None
        name = await save(conversation.id, image)
        return {
            "body": data.body,
            "attachment_name": name,
            "attachment_type": image.content_type,
            "attachment_width": image.width,
            "attachment_height": image.height,
            "attachment_bytes": len(image.data),
        }

    return await _append(
        session,
        viewer=viewer,
        conversation_id=conversation_id,
        client_msg_id=data.client_msg_id,
        build=build,
    )


async def attachment(
    session: AsyncSession, *, viewer: User, conversation_id: int, name: str
) -> ChatMessage:
    """The message carrying a photo, for someone who may see the conversation."""
    conversation = await load(session, viewer=viewer, conversation_id=conversation_id)
    message = await repo.by_attachment(session, conversation.id, name)  # type: ignore[arg-type]
    if message is None:
        raise NotFound(_("There is no such photo in this conversation."))
    return message


async def missed(
    session: AsyncSession, *, viewer: User, conversation_id: int, after_seq: int
) -> list[ChatMessage]:
    """Messages after ``after_seq``, in order (at most one page)."""
    conversation = await load(session, viewer=viewer, conversation_id=conversation_id)
    return await repo.after(session, conversation.id, max(0, after_seq), PAGE)  # type: ignore[arg-type]


async def mark_read(session: AsyncSession, *, viewer: User, conversation_id: int, seq: int) -> int:
    """Remember how far the viewer has read; never moves backwards."""
    conversation = await load(session, viewer=viewer, conversation_id=conversation_id)
    assert viewer.id is not None and conversation.id is not None
    mark = await repo.read_mark(session, conversation.id, viewer.id) or ReadMark(
        conversation_id=conversation.id, user_id=viewer.id
    )
    mark.last_read_seq = max(mark.last_read_seq, min(seq, conversation.last_seq))
    session.add(mark)
    return mark.last_read_seq


async def unread(session: AsyncSession, *, viewer: User, conversation: Conversation) -> int:
    """How many of the other member's messages the viewer has not read."""
    assert viewer.id is not None and conversation.id is not None
    return await repo.unread_count(session, conversation.id, viewer.id)


def _name(user: User | None) -> str:
    return f"{user.family_name} {user.given_name}" if user else ""


async def conversation_out(
    session: AsyncSession, *, viewer: User, conversation: Conversation
) -> ConversationOut:
    other = await session.get(User, other_member(conversation, viewer))
    return ConversationOut(
        id=conversation.id,  # type: ignore[arg-type]
        customer_id=conversation.customer_id,
        staff_id=conversation.staff_id,
        last_seq=conversation.last_seq,
        unread=await unread(session, viewer=viewer, conversation=conversation),
        other_name=_name(other),
    )


def other_member(conversation: Conversation, viewer: User) -> int:
    """The member the viewer talks to (for a manager looking in: the customer)."""
    if viewer.id == conversation.customer_id:
        return conversation.staff_id
    return conversation.customer_id


async def list_mine(session: AsyncSession, *, viewer: User) -> list[ConversationOut]:
    """The viewer's own conversations with unread counts, most recent first."""
    assert viewer.id is not None
    rows = await repo.for_member(session, viewer.id)
    people = await accounts.users_by_id(
        session, ids={other_member(conversation, viewer) for conversation, _u, _w in rows}
    )
    return [
        ConversationOut(
            id=conversation.id,  # type: ignore[arg-type]
            customer_id=conversation.customer_id,
            staff_id=conversation.staff_id,
            last_seq=conversation.last_seq,
            unread=unread_count,
            other_name=_name(people.get(other_member(conversation, viewer))),
            last_message_at=last_at,
        )
        for conversation, unread_count, last_at in rows
    ]

"""A message left unread for 15 minutes is announced by email: once per burst, never twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import User
from app.chat import service
from app.chat.models import ChatMessage, Conversation
from app.chat.notifier import UnreadNotifier
from app.chat.schemas import SendIn
from app.core.mail import Postman
from app.store.models import Brand
from tests.conftest import mail_text, read_outbox
from tests.factories import make_customer, make_item, make_store, make_stylist

MINUTE = timedelta(minutes=1)


class UnreachableMailServer:
    """The outside world failing: the SMTP server does not answer."""

    async def send(self, message: EmailMessage) -> None:
        raise ConnectionRefusedError("smtp.example: connection refused")


@pytest.fixture
async def pair(session: AsyncSession) -> dict:
    store = await make_store(session)
    stylist = await make_stylist(session, store, family_name="田中", given_name="愛子", locale="ja")
    customer = await make_customer(session, family_name="佐藤", given_name="由紀", locale="en")
    conversation = Conversation(customer_id=customer.id, staff_id=stylist.id, store_id=store.id)
    session.add(conversation)
    await session.flush()
    brand = await session.get(Brand, store.brand_id)
    item = await make_item(session, brand, name_ja="紺のブラウス", name_en="Navy blouse")
    return {
        "customer": customer,
        "stylist": stylist,
        "conversation": conversation.id,
        "item": item,
    }


async def _say(
    session: AsyncSession, who: User, conversation: int, body: str = "", **extra: object
) -> ChatMessage:
    message, _new = await service.post(
        session,
        viewer=who,
        conversation_id=conversation,
        data=SendIn(client_msg_id=f"m{datetime.now().timestamp()}", body=body, **extra),  # type: ignore[arg-type]
    )
    await session.commit()
    return message


async def _tick(app: FastAPI, moment: datetime) -> int:
    return await app.state.chat_notices.tick(moment)


class TestUnreadNotice:
    async def test_one_email_after_fifteen_minutes_and_only_one(
        self, app: FastAPI, session: AsyncSession, pair: dict, outbox_dir: Path
    ) -> None:
        message = await _say(
            session, pair["customer"], pair["conversation"], "紺のスカートに合うトップスは？"
        )
        t0 = message.created_at
        assert await _tick(app, t0 + 14 * MINUTE) == 0
        assert read_outbox(outbox_dir) == []
        assert await _tick(app, t0 + 15 * MINUTE) == 1
        assert await _tick(app, t0 + 16 * MINUTE) == 0
        assert await _tick(app, t0 + 3 * 60 * MINUTE) == 0
        [mail] = read_outbox(outbox_dir)
        assert mail["To"] == pair["stylist"].email  # the other member, not the writer
        text = mail_text(mail)
        assert "佐藤 由紀" in mail["Subject"] and "佐藤 由紀" in text
        assert "紺のスカートに合うトップスは？" in text
        assert f"http://testserver/conversations/{pair['conversation']}" in text

    async def test_reading_in_time_means_no_email(
        self, app: FastAPI, session: AsyncSession, pair: dict, outbox_dir: Path
    ) -> None:
        message = await _say(session, pair["customer"], pair["conversation"], "見てください")
        await service.mark_read(
            session, viewer=pair["stylist"], conversation_id=pair["conversation"], seq=message.seq
        )
        await session.commit()
        assert await _tick(app, message.created_at + 30 * MINUTE) == 0
        assert read_outbox(outbox_dir) == []

    async def test_a_burst_is_one_email_and_later_messages_get_their_own(
        self, app: FastAPI, session: AsyncSession, pair: dict, outbox_dir: Path
    ) -> None:
        first = await _say(session, pair["stylist"], pair["conversation"], "Hello!")
        for body in ("Here are some ideas.", "And one more."):
            await _say(session, pair["stylist"], pair["conversation"], body)
        own = await _say(session, pair["customer"], pair["conversation"], "(my own message)")
        await service.mark_read(  # the stylist has seen it: only the customer has unread ones
            session, viewer=pair["stylist"], conversation_id=pair["conversation"], seq=own.seq
        )
        await session.commit()
        t0 = first.created_at
        assert await _tick(app, t0 + 15 * MINUTE) == 1
        [mail] = read_outbox(outbox_dir)
        assert mail["To"] == pair["customer"].email
        text = mail_text(mail)
        assert "Unread messages: 3" in text and "Hello!" in text
        assert "Here are some ideas." not in text  # a preview of one message, not the thread

        later = await _say(session, pair["stylist"], pair["conversation"], "Are you there?")
        assert await _tick(app, later.created_at + 14 * MINUTE) == 0
        assert await _tick(app, later.created_at + 15 * MINUTE) == 1
        assert await _tick(app, later.created_at + 60 * MINUTE) == 0
        mails = read_outbox(outbox_dir)
        assert len(mails) == 2
        assert "Unread messages: 1" in mail_text(mails[1])
        assert "Are you there?" in mail_text(mails[1])

    async def test_a_restart_does_not_send_again(
        self, app: FastAPI, session: AsyncSession, pair: dict, outbox_dir: Path
    ) -> None:
        message = await _say(session, pair["customer"], pair["conversation"], "一度だけ")
        assert await _tick(app, message.created_at + 20 * MINUTE) == 1
        restarted = UnreadNotifier(
            app.state.db, app.state.postman, "http://testserver", app.state.clock
        )
        assert await restarted.tick(message.created_at + 40 * MINUTE) == 0
        assert len(read_outbox(outbox_dir)) == 1

    async def test_a_failed_send_is_tried_again_on_the_next_tick(
        self, app: FastAPI, session: AsyncSession, pair: dict, outbox_dir: Path
    ) -> None:
        message = await _say(session, pair["customer"], pair["conversation"], "届きますか")
        broken = UnreadNotifier(
            app.state.db,
            Postman(app.state.settings, UnreachableMailServer()),
            "http://testserver",
            app.state.clock,
        )
        assert await broken.tick(message.created_at + 15 * MINUTE) == 0
        assert read_outbox(outbox_dir) == []
        assert await _tick(app, message.created_at + 16 * MINUTE) == 1
        assert len(read_outbox(outbox_dir)) == 1

    async def test_the_email_is_in_the_recipients_language_with_a_short_preview(
        self, app: FastAPI, session: AsyncSession, pair: dict, outbox_dir: Path
    ) -> None:
        long_text = "とても長いメッセージ" * 20  # 200 characters
        card = await _say(
            session,
            pair["stylist"],
            pair["conversation"],
            long_text,
            catalog_item_id=pair["item"].id,
        )
        assert await _tick(app, card.created_at + 15 * MINUTE) == 1
        [mail] = read_outbox(outbox_dir)
        text = mail_text(mail)
        assert "Navy blouse" in text and "紺のブラウス" not in text  # the customer reads English
        preview = next(line for line in text.splitlines() if "とても長い" in line)
        assert len(preview.split("] ", 1)[1]) == 80 and preview.endswith("…")
        assert long_text not in text

        reply = await _say(session, pair["customer"], pair["conversation"], "ありがとう")
        assert await _tick(app, reply.created_at + 15 * MINUTE) == 1
        to_stylist = read_outbox(outbox_dir)[1]
        assert to_stylist["To"] == pair["stylist"].email
        assert "田中 愛子 様" in mail_text(to_stylist)  # Japanese greeting for a Japanese reader
        assert "Dear 佐藤 由紀," in text

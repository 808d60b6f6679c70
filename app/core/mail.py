"""Outgoing email: SMTP in production, a file outbox (``var/outbox/*.eml``) in development."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

import aiosmtplib

from app.core.config import Settings
from app.core.text import mask_email

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes | str  # str for text/* parts: they are sent with charset=utf-8
    maintype: str
    subtype: str


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="closetcall.example")
    message["Date"] = datetime.now(UTC)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for item in attachments:
        if isinstance(item.content, str):
            # Text parts must declare their charset, or Japanese arrives as mojibake.
            message.add_attachment(
                item.content, subtype=item.subtype, charset="utf-8", filename=item.filename
            )
        else:
            message.add_attachment(
                item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename
            )
    return message


class FileOutbox:
    """Writes each message as an .eml file; the development outbox page lists them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}_{uuid.uuid4().hex[:8]}.eml"
        await asyncio.to_thread(path.write_bytes, message.as_bytes(policy=default_policy))
        log.info("mail to %s written to outbox", mask_email(str(message["To"])))


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password,
            start_tls=s.smtp_starttls,
            timeout=20,
        )
        log.info("mail to %s sent over SMTP", mask_email(str(message["To"])))


def create_mailer(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.smtp_host else FileOutbox(settings.outbox_dir)


class Postman:
    """Renders an email template in the recipient's language and hands it to the mailer."""

    def __init__(self, settings: Settings, mailer: Mailer) -> None:
        self.settings = settings
        self.mailer = mailer

    async def deliver(
        self,
        to: str,
        template: str,
        context: dict[str, object],
        locale: str,
        attachments: tuple[Attachment, ...] = (),
    ) -> None:
        from app.core.templating import render_email

        subject, text, html = render_email(template, context, locale)
        message = build_message(
            sender=self.settings.mail_from,
            to=to,
            subject=subject,
            text=text,
            html=html,
            attachments=attachments,
        )
        await self.mailer.send(message)

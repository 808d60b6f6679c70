"""Settings rules, and email through a real SMTP server and the development file outbox."""

from __future__ import annotations

import asyncio
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pydantic import ValidationError

from app.core.config import Settings
from app.core.mail import FileOutbox, Postman, SmtpMailer, build_message
from tests.conftest import free_port, mail_text, read_outbox


class TestSettings:
    def test_production_requires_a_secret_key(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="SECRET_KEY"):
            Settings(env="production", var_dir=tmp_path, secret_key="", smtp_host="mail.example")

    def test_production_requires_smtp(self, tmp_path: Path) -> None:
        with pytest.raises(ValidationError, match="SMTP_HOST"):
            Settings(env="production", var_dir=tmp_path, secret_key="x" * 40)

    def test_development_generates_a_secret_once_and_keeps_it(self, tmp_path: Path) -> None:
        first = Settings(env="development", var_dir=tmp_path, secret_key="")
        second = Settings(env="development", var_dir=tmp_path, secret_key="")
        assert len(first.secret_key) >= 40
        assert first.secret_key == second.secret_key
        assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0

    def test_default_database_is_a_sqlite_file_under_var(self, tmp_path: Path) -> None:
        settings = Settings(env="development", var_dir=tmp_path, database_url="")
        assert settings.database_url == f"sqlite:///{tmp_path / 'closetcall.db'}"


class _Collector:
    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


class TestMail:
    async def test_smtp_mailer_delivers_to_a_real_smtp_server(self, tmp_path: Path) -> None:
        collector = _Collector()
        port = free_port()
        controller = Controller(collector, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            settings = Settings(
                env="test",
                var_dir=tmp_path,
                secret_key="s" * 40,
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_starttls=False,
            )
            postman = Postman(settings, SmtpMailer(settings))
            await postman.deliver(
                "yuki@example.jp",
                "password_reset",
                {"name": "佐藤", "link": "http://x/r/abc", "minutes": 60},
                "ja",
            )
            for _ in range(50):
                if collector.received:
                    break
                await asyncio.sleep(0.05)
        finally:
            controller.stop()
        assert len(collector.received) == 1
        _sender, recipients, content = collector.received[0]
        assert recipients == ["yuki@example.jp"]
        message = BytesParser(policy=policy.default).parsebytes(content)
        assert message["Subject"] == "Closet Call パスワード再設定のご案内"
        assert "http://x/r/abc" in mail_text(message)  # type: ignore[arg-type]

    async def test_file_outbox_keeps_subject_body_and_attachments(self, tmp_path: Path) -> None:
        from app.core.mail import Attachment

        message: EmailMessage = build_message(
            sender="a@example.jp",
            to="b@example.jp",
            subject="ご予約の確認",
            text="本文",
            attachments=(Attachment("invite.ics", b"BEGIN:VCALENDAR", "text", "calendar"),),
        )
        await FileOutbox(tmp_path).send(message)
        [stored] = read_outbox(tmp_path)
        assert stored["Subject"] == "ご予約の確認"
        assert [p.get_filename() for p in stored.iter_attachments()] == ["invite.ics"]

    async def test_emails_are_rendered_in_the_recipients_language(self, tmp_path: Path) -> None:
        settings = Settings(env="test", var_dir=tmp_path, secret_key="s" * 40)
        postman = Postman(settings, FileOutbox(tmp_path))
        context = {"name": "Sato", "link": "http://x/r/1", "minutes": 60}
        await postman.deliver("a@example.jp", "password_reset", context, "en")
        await postman.deliver("b@example.jp", "password_reset", context, "ja")
        english, japanese = read_outbox(tmp_path)
        assert english["Subject"] == "Reset your Closet Call password"
        assert japanese["Subject"] == "Closet Call パスワード再設定のご案内"

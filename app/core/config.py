"""One Settings object for the whole app (environment prefix ``CLOSETCALL_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLOSETCALL_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    var_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    secret_key: str = ""
    redis_url: str | None = None
    # Prefix of the keys this deployment keeps in Redis (call membership), so several deployments
    # or test runs can share one Redis without seeing each other's rooms.
    redis_key_prefix: str = "closetcall"
    public_base_url: str = "http://127.0.0.1:8000"
    default_locale: Literal["ja", "en"] = "ja"
    default_time_zone: str = "Asia/Tokyo"

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    mail_from: str = "Closet Call <no-reply@closetcall.example>"

    # Secure cookies everywhere but development (plain http on 127.0.0.1). Test clients that speak
    # plain http set this to False explicitly.
    cookie_secure: bool | None = None

    # WebRTC: STUN/TURN servers handed to call participants; TURN uses ephemeral credentials.
    ice_stun_urls: list[str] = Field(default_factory=list)
    ice_turn_urls: list[str] = Field(default_factory=list)
    turn_secret: str | None = None
    # Lifetime of a TURN credential (capped at an hour); fresh ones are pushed before expiry.
    turn_ttl_seconds: int = Field(default=3600, ge=2, le=3600)
    # Call sockets: clients send a frame at least this often; silent this long and they are closed.
    call_keepalive_interval_seconds: float = Field(default=20.0, gt=0)
    call_keepalive_timeout_seconds: float = Field(default=60.0, gt=0)
    # A call room opens this many minutes before the session and stays open this long after it.
    call_opens_minutes_before: int = 10
    call_grace_minutes_after: int = 30

    # The in-process periodic jobs: appointment reminders and unread-chat emails (tests drive
    # them by hand).
    reminders_enabled: bool = True
    reminder_interval_seconds: float = Field(default=30.0, gt=0)

    # Chat photos: largest upload accepted and most decoded pixels (decompression bombs).
    chat_photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    chat_photo_max_pixels: int = Field(default=40_000_000, ge=10_000)
    # A message still unread after this long is announced to its recipient by email, once.
    chat_unread_notice_minutes: int = Field(default=15, ge=1, le=24 * 60)
    chat_notice_interval_seconds: float = Field(default=60.0, gt=0)

    # Lookbooks: "Buy online" links ({sku} is replaced), and how long a try-on reservation holds
    # a unit at the store (the expiry job runs on reminder_interval_seconds).
    online_shop_url: str = "https://shop.kinari.example/items/{sku}"
    reservation_hold_days: int = Field(default=3, ge=1, le=14)

    # Who may see a customer (app/access/policy.py): the stylist of an appointment from this many
    # hours before its start (preparation) to this many days after its end (wrap-up, follow-up),
    # and a stylist whose conversation with the customer had a message within the last days.
    access_prepare_hours: int = Field(default=7 * 24, ge=0, le=30 * 24)
    access_follow_up_days: int = Field(default=14, ge=0, le=90)
    access_conversation_days: int = Field(default=30, ge=0, le=365)
    # A stylist's "show" of masked contact data (phone, email, birthday) lasts this long.
    access_reveal_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # A stylist who opens more distinct customers than this within an hour is flagged to her
    # store's managers (as is any customer read outside her approved shifts).
    access_unusual_per_hour: int = Field(default=30, ge=1, le=10_000)

    # /docs and /openapi.json: for signed-in staff (default), for everyone, or not served.
    api_docs: Literal["staff", "public", "off"] = "staff"

    session_days: int = Field(default=14, ge=1, le=90)
    password_reset_minutes: int = Field(default=60, ge=5, le=24 * 60)
    invitation_days: int = Field(default=7, ge=1, le=30)

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'closetcall.db'}"
        if not self.secret_key:
            if self.env == "production":
                raise ValueError("CLOSETCALL_SECRET_KEY is required in production")
            self.secret_key = _development_secret(self.var_dir)
        if self.env == "production" and not self.smtp_host:
            raise ValueError("CLOSETCALL_SMTP_HOST is required in production")
        return self

    @property
    def is_development(self) -> bool:
        return self.env == "development"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else not self.is_development

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"


def _development_secret(var_dir: Path) -> str:
    """Generate a secret once and keep it, so dev sessions survive a restart."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()

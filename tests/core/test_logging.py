"""Secrets stay out of logs: link tokens in access-log lines are redacted."""

from __future__ import annotations

import logging

import pytest

from app.core.logging import RedactTokens, log_config, redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /password/reset/AbC-12_x HTTP/1.1", "GET /password/reset/[redacted] HTTP/1.1"),
        ("POST /invitations/tok3n HTTP/1.1", "POST /invitations/[redacted] HTTP/1.1"),
        (
            "POST /api/v1/auth/password-reset/xyz HTTP/1.1",
            "POST /api/v1/auth/password-reset/[redacted] HTTP/1.1",
        ),
        ("POST /api/v1/auth/password-reset HTTP/1.1", "POST /api/v1/auth/password-reset HTTP/1.1"),
        ("GET /me HTTP/1.1", "GET /me HTTP/1.1"),
    ],
)
def test_tokens_in_paths_are_redacted(line: str, expected: str) -> None:
    assert redact(line) == expected


def test_access_log_records_are_rewritten(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.access")
    logger.addFilter(RedactTokens())
    with caplog.at_level(logging.INFO, logger="test.access"):
        logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5",
            "GET",
            "/password/reset/s3cret-token",
            "1.1",
            200,
        )
    assert "s3cret-token" not in caplog.text
    assert "/password/reset/[redacted]" in caplog.text


def test_uvicorn_handlers_carry_the_filter() -> None:
    config = log_config()
    assert all(handler["filters"] == ["redact"] for handler in config["handlers"].values())

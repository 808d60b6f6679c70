"""Logging set-up that keeps secrets out of logs: single-use tokens in URL paths are redacted."""

from __future__ import annotations

import logging
import re
from typing import Any

# Paths whose last segment is a secret link token.
_TOKEN_PATH = re.compile(
    r"(/(?:password/reset|invitations|api/v1/auth/password-reset)/)[A-Za-z0-9_\-]+"
)


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """Rewrite access-log arguments so link tokens never reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_redaction(*logger_names: str) -> None:
    for name in logger_names or ("uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).addFilter(RedactTokens())


def log_config() -> dict[str, Any]:
    """uvicorn's log config with the redaction filter on its access and error loggers."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {"redact": {"()": "app.core.logging.RedactTokens"}}
    config["handlers"] = {
        name: {**handler, "filters": ["redact"]}
        for name, handler in LOGGING_CONFIG["handlers"].items()
    }
    return config

"""Development-only pages: the mail outbox. Every route answers 404 outside development."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from app.core.templating import render

router = APIRouter(prefix="/dev", include_in_schema=False)


def _outbox(request: Request) -> Path:
    settings = request.app.state.settings
    # Reset links are in there: only for development, and only from this machine.
    client = request.client.host if request.client else ""
    if not settings.is_development or client not in ("127.0.0.1", "::1", "localhost"):
        raise HTTPException(status_code=404)
    return settings.outbox_dir


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)  # type: ignore[return-value]


@router.get("/outbox")
async def outbox(request: Request) -> Response:
    directory = _outbox(request)
    files = sorted(directory.glob("*.eml"), reverse=True)[:200] if directory.exists() else []
    messages = []
    for path in files:
        message = _read(path)
        messages.append(
            {
                "name": path.stem,
                "to": message["To"],
                "subject": message["Subject"],
                "date": message["Date"],
            }
        )
    return render(request, "dev/outbox.html", {"messages": messages})


@router.get("/outbox/{name}")
async def outbox_message(request: Request, name: str) -> Response:
    directory = _outbox(request)
    path = directory / f"{name}.eml"
    if "/" in name or ".." in name or not path.is_file():
        raise HTTPException(status_code=404)
    message = _read(path)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    attachments = [part.get_filename() for part in message.iter_attachments()]
    context = {"message": message, "text": text, "attachments": attachments, "name": name}
    return render(request, "dev/message.html", context)

"""JSON API for conversations (the websocket carries the live traffic)."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from app.accounts.deps import CsrfProtected, CurrentUser
from app.chat import service, uploads
from app.chat.schemas import (
    AttachmentIn,
    ConversationList,
    ConversationOut,
    MessageOut,
    OpenIn,
    ProductOut,
    SendIn,
)
from app.chat.writer import channel
from app.core.db import SessionDep, WriteSessionDep
from app.core.errors import AppError, InvalidInput, NotFound, describe_validation
from app.core.events import after_commit
from app.core.i18n import gettext as _
from app.core.images import ImageLimits, ImageTooLarge, accepted_formats
from app.core.openapi import ErrorBody, errors
from app.core.types import IdPath

router = APIRouter(prefix="/api/v1/conversations", tags=["chat"], dependencies=[CsrfProtected])
# Room for the multipart framing and the small form fields around the photo.
FORM_OVERHEAD = 64 * 1024
TOO_LARGE = {413: {"model": ErrorBody, "description": "The photo is too large (bytes or pixels)."}}
AttachmentName = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,40}\.(jpg|png|webp)$")]


class TooManyMessages(AppError):
    status = 429
    code = "rate_limited"


def _limited(request: Request, user_id: int) -> None:
    if request.app.state.chat_limiter.hit(user_id, time.monotonic()):
        raise TooManyMessages(_("Too many messages at once. Please wait a few seconds."))


async def _publish(request: Request, conversation_id: int, frame: dict[str, Any]) -> None:
    payload = json.dumps(frame, ensure_ascii=False)
    await request.app.state.broker.publish(channel(conversation_id), payload)


@router.get("", responses=errors(401))
async def list_conversations(user: CurrentUser, session: SessionDep) -> ConversationList:
    """Your conversations, most recent first, each with how many messages you have not read."""
    found = await service.list_mine(session, viewer=user)
    return ConversationList(data=found, count=len(found))


@router.post("", responses=errors(401, 403, 409, 422))
async def open_conversation(
    data: OpenIn, user: CurrentUser, session: SessionDep
) -> ConversationOut:
    """Open (or find) the conversation of a customer and a stylist who share an appointment."""
    conversation = await service.open_conversation(
        session, viewer=user, customer_id=data.customer_id, staff_id=data.staff_id
    )
    return await service.conversation_out(session, viewer=user, conversation=conversation)


@router.get("/{conversation_id}/messages", responses=errors(401, 404, 422))
async def history(
    conversation_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    after: Annotated[int, Query(ge=0)] = 0,
) -> list[MessageOut]:
    """Messages after a sequence number, in order (up to 500)."""
    found = await service.missed(
        session, viewer=user, conversation_id=conversation_id, after_seq=after
    )
    return await service.to_outs(session, found)


@router.post(
    "/{conversation_id}/messages", status_code=201, responses=errors(401, 403, 404, 409, 422, 429)
)
async def post_message(
    conversation_id: IdPath,
    data: SendIn,
    user: CurrentUser,
    session: WriteSessionDep,
    request: Request,
) -> MessageOut:
    """Send a message or (stylists) a product card; the same client_msg_id is stored once."""
    assert user.id is not None
    _limited(request, user.id)
    message, new = await service.post(
        session, viewer=user, conversation_id=conversation_id, data=data
    )
    out = await service.to_out(session, message)
    if new:
        frame = out.model_dump(mode="json")
        after_commit(session, lambda: _publish(request, conversation_id, frame))
    return out


@router.get("/{conversation_id}/products", responses=errors(401, 403, 404, 422))
async def find_products(
    conversation_id: IdPath,
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[str, Query(max_length=60)] = "",
) -> list[ProductOut]:
    """Catalog items the conversation's stylist can send as product cards (up to 12)."""
    return await service.find_products(
        session, viewer=user, conversation_id=conversation_id, query=q
    )


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["client_msg_id", "file"],
                    "properties": {
                        "client_msg_id": {"type": "string", "maxLength": 64},
                        "body": {"type": "string", "maxLength": 2000},
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


@router.post(
    "/{conversation_id}/attachments",
    status_code=201,
    responses={**errors(401, 403, 404, 422, 429), **TOO_LARGE},
    openapi_extra=_UPLOAD_BODY,
)
async def upload_photo(conversation_id: IdPath, user: CurrentUser, request: Request) -> MessageOut:
    """Send a photo (JPEG, PNG, WebP, HEIC); it is checked, cleaned of EXIF and stored once."""
    assert user.id is not None
    settings = request.app.state.settings
    limits = ImageLimits(
        max_bytes=settings.chat_photo_max_bytes, max_pixels=settings.chat_photo_max_pixels
    )
    _limited(request, user.id)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes + FORM_OVERHEAD:
        raise ImageTooLarge(
            _(
                "The photo is larger than %(limit)s MB. Please send a smaller photo.",
                limit=f"{limits.max_bytes / 1024 / 1024:g}",
            )
        )
    data, upload = await _read_form(request, limits.max_bytes)
    new, frame = await uploads.receive_photo(
        request.app.state.db,
        viewer=user,
        conversation_id=conversation_id,
        data=data,
        upload=upload,
        root=uploads.chat_upload_dir(settings.var_dir),
        limits=limits,
    )
    if new:
        await _publish(request, conversation_id, frame)
    return MessageOut.model_validate(frame)


async def _read_form(request: Request, max_bytes: int) -> tuple[AttachmentIn, bytes]:
    form = await request.form(max_files=1, max_fields=8)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InvalidInput(
            _("Please attach a photo (%(formats)s).", formats=accepted_formats()), field="file"
        )
    upload = await file.read(max_bytes + 1)  # one byte more tells "too large" without reading all
    await file.close()
    if len(upload) > max_bytes:
        raise ImageTooLarge(
            _(
                "The photo is larger than %(limit)s MB. Please send a smaller photo.",
                limit=f"{max_bytes / 1024 / 1024:g}",
            )
        )
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    try:
        return AttachmentIn.model_validate(fields), upload
    except ValidationError as exc:
        first = describe_validation(list(exc.errors()))[0]
        raise InvalidInput(f"{first['field']}: {first['message']}", field=first["field"]) from exc


@router.get(
    "/{conversation_id}/attachments/{name}",
    responses={**errors(401, 404), 200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
async def photo(
    conversation_id: IdPath,
    name: AttachmentName,
    user: CurrentUser,
    session: SessionDep,
    request: Request,
) -> FileResponse:
    """A photo sent in a conversation, for its members (and its store's managers)."""
    message = await service.attachment(
        session, viewer=user, conversation_id=conversation_id, name=name
    )
    root = uploads.chat_upload_dir(request.app.state.settings.var_dir)
    path = uploads.PhotoStore(root).path_of(conversation_id, name)
    if not path.is_file():
        raise NotFound(_("This photo is no longer available."))
    return FileResponse(
        path,
        media_type=message.attachment_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )

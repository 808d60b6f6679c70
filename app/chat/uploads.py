"""Photos in the chat: receive an upload, keep a clean copy on disk, hand the file back to members.

Files live under ``<var_dir>/uploads/chat/<conversation id>/<random name>.<ext>``; the name is
random (not guessable, not the customer's file name) and the database row is what grants access:
``service.attachment`` finds it only for people who may see the conversation. The order of work
keeps half-done uploads out: the access check comes first (an outsider costs no decoding), the
image is checked and re-encoded in a thread, the file is written only for a new message (a retry
with the same client_msg_id writes nothing), and it is deleted again if the transaction fails.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from app.accounts.models import User
from app.chat import service
from app.chat.schemas import AttachmentIn
from app.core.db import Database, transaction, write_transaction
from app.core.images import CleanImage, ImageLimits, inspect_and_clean


def chat_upload_dir(var_dir: Path) -> Path:
    return var_dir / "uploads" / "chat"


@dataclass
class PhotoStore:
    """Writes clean images atomically and remembers what it wrote (to undo on failure)."""

    root: Path
    written: list[Path] = field(default_factory=list)

    def path_of(self, conversation_id: int, name: str) -> Path:
        return self.root / str(conversation_id) / name

    async def save(self, conversation_id: int, image: CleanImage) -> str:
        name = f"{secrets.token_urlsafe(18)}.{image.extension}"
        target = self.path_of(conversation_id, name)
        await asyncio.to_thread(_write_atomically, target, image.data)
        self.written.append(target)
        return name

    def discard(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written.clear()


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, target)  # the served name never points at a half-written file


async def receive_photo(
    db: Database,
    *,
    viewer: User,
    conversation_id: int,
    data: AttachmentIn,
    upload: bytes,
    root: Path,
    limits: ImageLimits,
) -> tuple[bool, dict[str, object]]:
    """Check, clean and store a photo message once; returns whether it is new and its frame
    (the JSON the other members receive)."""
    async with transaction(db) as session:
        await service.load_for_writing(session, viewer=viewer, conversation_id=conversation_id)
    image = await asyncio.to_thread(inspect_and_clean, upload, limits)
    store = PhotoStore(root)
    try:
        async with write_transaction(db) as session:
            message, new = await service.post_photo(
                session,
                viewer=viewer,
                conversation_id=conversation_id,
                data=data,
                image=image,
                save=store.save,
            )
            frame = (await service.to_out(session, message)).model_dump(mode="json")
    except BaseException:
        store.discard()
        raise
    return new, frame

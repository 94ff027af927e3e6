"""Complaint photos: the type checked by content (not by name or the browser's word), a size
limit, stored under a random name outside the web root (``QIWANG_COMPLAINT_FILES_DIR``), read back
only through the complaint page's permission check."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from qiwang.complaints.models import Attachment, Complaint
from qiwang.errors import ServiceError

MAX_BYTES = 5 * 1024 * 1024
#: Leading bytes → content type. Only photos: nothing a browser would run.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def _directory() -> Path:
    path = Path(settings.QIWANG_COMPLAINT_FILES_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(content: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if content.startswith(signature):
            return content_type
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(content: bytes) -> str:
    """The photo's content type, or a :class:`ServiceError` naming the problem."""
    if not content:
        raise ServiceError(_("The photo is empty."), field="photo")
    if len(content) > MAX_BYTES:
        raise ServiceError(
            _("The photo is larger than %(size)s MB.") % {"size": MAX_BYTES // 1024 // 1024},
            field="photo",
        )
    content_type = sniff(content)
    if content_type is None:
        raise ServiceError(_("Only JPEG, PNG or WebP photos can be attached."), field="photo")
    return content_type


def store_photo(complaint: Complaint, content: bytes, content_type: str) -> Attachment:
    """Write the checked photo and its row. Call it inside the complaint's transaction: if the
    row cannot be written the file is removed again, so nothing is left half-written."""
    name = secrets.token_hex(16)
    path = _directory() / name
    path.write_bytes(content)
    try:
        return Attachment.objects.create(
            complaint=complaint,
            stored_name=name,
            content_type=content_type,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise


def open_attachment(item: Attachment) -> IO[bytes]:
    path = _directory() / item.stored_name
    if not path.is_file() or "/" in item.stored_name:
        from django.http import Http404

        raise Http404
    return path.open("rb")

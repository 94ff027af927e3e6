"""Importing responses into a wave: upload → column mapping → dry-run preview → import.

One URL, one view, four POST steps (``step=upload | mapping | preview | import``) so the route
table keeps its single ``import`` entry. Between the steps the uploaded file waits in the data
directory (``<data dir>/imports/survey-<token>.upload``) under a random token kept in the user's
session together with the wave it was uploaded for and when; it is deleted after the import, and
any upload older than an hour is refused and deleted (``KEEP_SECONDS``). The import re-reads the
file, checks its SHA-256 and the plan digest the preview showed, and re-checks every row inside
the one transaction that stores them (``imports.apply_import``): a stale preview is refused.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from qiwang.accounts.permissions import Action, require
from qiwang.errors import ServiceError
from qiwang.project import config
from qiwang.surveys import import_recode, import_sources, imports
from qiwang.surveys.models import Wave

SESSION_KEY = "survey_imports"
#: Seconds an uploaded file waits for its import.
KEEP_SECONDS = 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
_PREFIX = "survey-"


def _upload_dir() -> Path:
    path = config.data_dir() / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget_old_uploads(directory: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for item in directory.glob(f"{_PREFIX}*.upload"):
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink(missing_ok=True)
        except FileNotFoundError:  # removed by a concurrent request
            continue


def _wave(request: HttpRequest, wave_id: int) -> Wave:
    require(request.user, Action.VIEW_SURVEYS)
    wave = get_object_or_404(
        Wave.objects.for_user(request.user).select_related("version__instrument", "branch"),
        pk=wave_id,
    )
    require(request.user, Action.CHANGE_SURVEYS, wave)
    return wave


class _Expired(Exception):
    """The upload is older than ``KEEP_SECONDS`` or gone: ask for the file again."""


def _store(request: HttpRequest, wave: Wave, content: bytes, filename: str) -> str:
    directory = _upload_dir()
    _forget_old_uploads(directory)
    token = secrets.token_hex(16)
    (directory / f"{_PREFIX}{token}.upload").write_bytes(content)
    uploads = {
        key: entry
        for key, entry in request.session.get(SESSION_KEY, {}).items()
        if entry.get("at", 0) > time.time() - KEEP_SECONDS
    }
    uploads[token] = {"wave": wave.pk, "name": filename, "at": time.time()}
    request.session[SESSION_KEY] = uploads
    return token


def _stored(request: HttpRequest, wave: Wave, token: str) -> tuple[Path, str]:
    """This session's upload ``token`` for ``wave`` and its original name (404 for a token that
    is not this session's or not this wave's)."""
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not _TOKEN.match(token or "") or entry is None or entry.get("wave") != wave.pk:
        raise Http404
    path = _upload_dir() / f"{_PREFIX}{token}.upload"
    if entry.get("at", 0) < time.time() - KEEP_SECONDS or not path.exists():
        _forget(request, token)
        raise _Expired
    return path, str(entry.get("name", "upload"))


def _forget(request: HttpRequest, token: str) -> None:
    (_upload_dir() / f"{_PREFIX}{token}.upload").unlink(missing_ok=True)
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(token, None)
    request.session[SESSION_KEY] = uploads


def _posted_mapping(request: HttpRequest, columns: int) -> dict[int, str]:
    return {index: request.POST.get(f"map-{index}", imports.IGNORE) for index in range(columns)}


def _kinds(targets: list[imports.Target]) -> dict[str, str]:
    return {t.key: t.column.question.kind for t in targets if t.column is not None}


def _posted_recode(request: HttpRequest) -> dict[str, dict[str, str]]:
    """The recode boxes (``recode-<wave column>``, one "file value = code" a line)."""
    recode: dict[str, dict[str, str]] = {}
    for name, text in request.POST.items():
        if name.startswith("recode-"):
            target = name.removeprefix("recode-")
            recode[target] = import_recode.parse_recode_text(text, column=target)
    return recode


def _recode_rows(
    wave: Wave,
    table: imports.Table,
    targets: list[imports.Target],
    mapping: dict[int, str],
    posted: dict[str, dict[str, str]] | None,
) -> list[tuple[imports.Target, str, int]]:
    """The recode step's boxes: per mapped rating column, its text and how many values still
    need a code. Posted boxes win; other columns start from the saved recode and suggestions."""
    saved = imports.saved_mapping(wave, table.source)
    suggested = import_recode.suggest_recode(
        table, mapping, _kinds(targets), saved=saved.recode if saved else None
    )
    by_key = {t.key: t for t in targets}
    rows = []
    chosen = [m for _i, m in sorted(mapping.items()) if m in by_key and by_key[m].column]
    # Every mapped rating column gets a box, even when its values are all codes already: a
    # numeric export coded the other way round (1 = very satisfied) is turned with "1 = 5" ….
    kinds = _kinds(targets)
    rated = [m for m in chosen if kinds.get(m) in import_recode.LEVELS]
    for key in [m for m in chosen if m in suggested or m in (posted or {}) or m in rated]:
        entries = dict(suggested.get(key, {}))
        if posted is not None and key in posted:  # what the person wrote, then new values
            entries = {**posted[key], **{v: c for v, c in entries.items() if v not in posted[key]}}
        open_count = sum(1 for code in entries.values() if not code)
        rows.append((by_key[key], import_recode.format_recode(entries), open_count))
    return rows


def _messages(error: ServiceError) -> list[str]:
    return [message for field_messages in error.errors.values() for message in field_messages]


def _upload_page(
    request: HttpRequest, wave: Wave, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "surveys/import.html",
        {
            "wave": wave,
            "errors": errors or [],
            "targets": imports.import_targets(list(wave.version.questions.order_by("position"))),
            "max_mb": imports.MAX_BYTES // 1024 // 1024,
            "keep_minutes": KEEP_SECONDS // 60,
        },
        status=status,
    )


def _mapping_page(
    request: HttpRequest,
    wave: Wave,
    token: str,
    filename: str,
    table: imports.Table,
    chosen: dict[int, str] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
    recode: dict[str, dict[str, str]] | None = None,
) -> HttpResponse:
    targets = imports.import_targets(list(wave.version.questions.order_by("position")))
    saved = imports.saved_mapping(wave, table.source)
    columns = imports.source_columns(table, targets, saved.columns if saved else None)
    rows = [
        (column, chosen.get(column.index, imports.IGNORE) if chosen else column.suggested)
        for column in columns
    ]
    current = {column.index: key for column, key in rows}
    return render(
        request,
        "surveys/import_mapping.html",
        {
            "wave": wave,
            "token": token,
            "filename": filename,
            "rows": rows,
            "row_count": len(table.rows),
            "targets": targets,
            "errors": errors or [],
            "recode_rows": _recode_rows(wave, table, targets, current, recode),
            "source": table.source,
            "source_label": import_sources.source_label(table.source),
            "saved": saved,
        },
        status=status,
    )


def _preview_page(
    request: HttpRequest,
    wave: Wave,
    token: str,
    filename: str,
    preview: imports.ImportPreview,
    errors: list[str] | None = None,
    status: int | None = None,
) -> HttpResponse:
    if status is None:
        status = 200 if preview.can_import else (409 if preview.already_imported else 422)
    return render(
        request,
        "surveys/import_preview.html",
        {
            "wave": wave,
            "token": token,
            "filename": filename,
            "preview": preview,
            "errors": errors or [],
            "recode_texts": [
                (key, import_recode.format_recode(entries))
                for key, entries in preview.recode.items()
            ],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def wave_import(request: HttpRequest, wave_id: int) -> HttpResponse:
    """GET: the upload form. POST ``step``: ``upload`` stores the file and shows the mapping;
    ``mapping`` shows it again; ``preview`` is the dry run; ``import`` stores all or nothing."""
    wave = _wave(request, wave_id)
    if request.method == "GET":
        return _upload_page(request, wave)
    step = request.POST.get("step", "upload")
    if step == "upload":
        upload = request.FILES.get("file")
        if upload is None:
            return _upload_page(request, wave, [_("Choose a .csv, .tsv, .xlsx or .sav file.")], 400)
        if upload.size is not None and upload.size > imports.MAX_BYTES:
            message = _("The file is larger than %(size)d MB.") % {
                "size": imports.MAX_BYTES // 1024 // 1024
            }
            return _upload_page(request, wave, [message], 413)
        content = upload.read()
        try:
            table = imports.read_upload(content, upload.name or "")
        except ServiceError as error:
            return _upload_page(request, wave, _messages(error), 400)
        token = _store(request, wave, content, upload.name or "upload")
        return _mapping_page(request, wave, token, upload.name or "", table)
    if step not in ("mapping", "preview", "import"):
        return _upload_page(request, wave, [_("Unknown step; start again.")], 400)
    token = request.POST.get("token", "")
    try:
        path, filename = _stored(request, wave, token)
    except _Expired:
        message = _(
            "The uploaded file is no longer kept (files wait %(minutes)d minutes); upload it again."
        ) % {"minutes": KEEP_SECONDS // 60}
        return _upload_page(request, wave, [message], 410)
    content = path.read_bytes()
    table = imports.read_upload(content, filename)
    mapping = _posted_mapping(request, len(table.header))
    try:
        recode = _posted_recode(request)
    except ServiceError as error:
        return _mapping_page(
            request, wave, token, filename, table, mapping, _messages(error), 422, None
        )
    if step == "mapping":
        return _mapping_page(request, wave, token, filename, table, mapping, recode=recode)
    try:
        preview = imports.preview_import(
            actor=request.user,
            wave=wave,
            content=content,
            filename=filename,
            mapping=mapping,
            recode=recode,
        )
    except ServiceError as error:
        return _mapping_page(
            request,
            wave,
            token,
            filename,
            table,
            mapping,
            _messages(error),
            error.status_code,
            recode,
        )
    if step == "preview":
        return _preview_page(request, wave, token, filename, preview)
    try:
        result = imports.apply_import(
            actor=request.user,
            wave=wave,
            content=content,
            filename=filename,
            mapping=mapping,
            expected_fingerprint=request.POST.get("fingerprint", ""),
            expected_plan=request.POST.get("plan", ""),
            recode=recode,
        )
    except ServiceError as error:
        # Show the preview as it is now, with why the import was refused.
        return _preview_page(
            request, wave, token, filename, preview, _messages(error), error.status_code
        )
    _forget(request, token)
    text = _("Imported %(n)d responses from %(file)s.") % {"n": result.imported, "file": filename}
    if result.followed_up:
        text += " " + _("%(n)d follow-ups created by the wave's rule.") % {"n": result.followed_up}
    messages.success(request, text)
    return redirect("surveys:wave", wave_id=wave.pk)

"""Import responses collected elsewhere (paper, a phone campaign, another tool) into a wave.

The file is CSV (UTF-8 or GBK) or XLSX with one row per response and the columns of the raw
export (``<attribute>_functional``, ``<item>_E``, ``overall`` …); other headers are mapped with
``{file column: export column}``. Every row is checked with the same rules as the answer pages;
any error stops the whole import (nothing is stored) and the report names the row and column.
A dry run checks without storing. The same file cannot be imported twice into a wave.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, can
from qiwang.accounts.services import record_event
from qiwang.customers.services.io import read_table as read_customer_table
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.choices import ResponseStatus
from qiwang.surveys.exports import Column, question_columns
from qiwang.surveys.models import Answer, Response, Wave
from qiwang.surveys.responding import validate_page

MAX_ROWS = 100_000


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class ImportReport:
    rows: int
    imported: int
    dry_run: bool
    errors: tuple[RowError, ...] = ()
    unmapped: tuple[str, ...] = field(default=())


def read_table(content: bytes, filename: str) -> pd.DataFrame:
    """A DataFrame of strings from CSV or XLSX bytes, read by the customer import's reader
    (UTF-8 with or without BOM, UTF-16, GBK; size limit; Excel formula guard undone)."""
    if not filename.lower().endswith((".csv", ".xlsx")):
        raise ServiceError(_("Upload a .csv or .xlsx file."), field="file")
    _format, _encoding, rows = read_customer_table(content, filename)
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ServiceError(_("The file is empty."), field="file")
    header = [cell.strip() for cell in rows[0]]
    width = len(header)
    body = [(row + [""] * width)[:width] for row in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=str)


def _raw_row(
    row: pd.Series, columns: list[Column], source: dict[str, str]
) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for column in columns:
        header = source.get(column.name)
        value = str(row[header]).strip() if header is not None else ""
        if value.endswith(".0") and value[:-2].lstrip("-").isdigit():
            value = value[:-2]  # numbers read back from spreadsheets
        entry = raw.setdefault(column.question.attribute, {})
        if column.part == "text" and column.question.kind in ("single", "multiple"):
            entry["choices"] = [part.strip() for part in value.split(",") if part.strip()]
        else:
            entry[column.part] = value
    return raw


def import_responses(
    *,
    actor: User,
    wave: Wave,
    content: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    dry_run: bool = True,
) -> ImportReport:
    """Check (and unless ``dry_run`` store) every row of the file as a complete response."""
    if not can(actor, Action.CHANGE_SURVEYS, wave):
        raise ServiceError(_("You may not change surveys here."))
    frame = read_table(content, filename)
    if len(frame) > MAX_ROWS:
        raise ServiceError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS}, field="file")
    questions = list(wave.version.questions.order_by("position"))
    columns = question_columns(questions)
    mapping = {k.strip(): v.strip() for k, v in (mapping or {}).items() if k.strip() and v.strip()}
    known = {column.name for column in columns}
    bad_targets = sorted(set(mapping.values()) - known)
    if bad_targets:
        raise ServiceError(
            _("Not a column of this wave: %(names)s.") % {"names": ", ".join(bad_targets)},
            field="mapping",
        )
    missing_headers = sorted(set(mapping) - set(frame.columns))
    if missing_headers:
        raise ServiceError(
            _("The file has no column %(names)s.") % {"names": ", ".join(missing_headers)},
            field="mapping",
        )
    source = {target: header for header, target in mapping.items()}
    for column in columns:
        if column.name not in source and column.name in frame.columns:
            source[column.name] = column.name
    unmapped = tuple(c.name for c in columns if c.name not in source)
    errors: list[RowError] = []
    parsed_rows = []
    for position, (_index, row) in enumerate(frame.iterrows(), start=2):  # row 1 is the header
        try:
            parsed_rows.append(
                validate_page(questions, _raw_row(row, columns, source), require=True)
            )
        except ServiceError as error:
            for key, messages in error.errors.items():
                errors.extend(RowError(position, key, message) for message in messages)
        if len(errors) >= 200:
            break
    if errors or dry_run:
        return ImportReport(len(frame), 0, dry_run, tuple(errors), unmapped)
    digest = hashlib.sha256(content).hexdigest()[:16]
    keys = [f"m{wave.pk}-{digest}-{i}" for i in range(len(parsed_rows))]
    now = timezone.now()
    with transaction.atomic():
        if Response.objects.filter(submission_key__in=keys[:1]).exists():
            raise ConflictError(_("This file has already been imported into this wave."))
        responses = Response.objects.bulk_create(
            [
                Response(
                    wave=wave,
                    branch_id=wave.branch_id,
                    submission_key=key,
                    status=ResponseStatus.COMPLETE,
                    source="import",
                    started_at=now,
                    submitted_at=now,
                )
                for key in keys
            ],
            batch_size=2000,
        )
        Answer.objects.bulk_create(
            [
                Answer(response=response, question_id=question_pk, **values.__dict__)
                for response, parsed in zip(responses, parsed_rows, strict=True)
                for question_pk, values in parsed.items()
                if not values.is_empty
            ],
            batch_size=5000,
        )
        record_event(
            actor=actor,
            action="survey_responses_imported",
            obj=wave,
            changes={"rows": len(responses), "file": filename[:100]},
        )
    return ImportReport(len(frame), len(responses), False, (), unmapped)

"""The response import in one call, for the API, the command line and scripts: the mapping
suggested from the headers and the last import from the same tool, an explicit mapping and
recode on top, then the dry run or the import (all rows or none).

A *mapping file* (``qiwang surveys import --mapping FILE``, the API's ``mapping`` field) is JSON::

    {"columns": {"file header": "wave column", ...},
     "recode": {"wave column": {"file value": "code", ...}, ...}}

or just the ``columns`` object. A header mapped to "" is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

from qiwang.accounts.models import User
from qiwang.accounts.permissions import Action, can
from qiwang.errors import ConflictError, ServiceError
from qiwang.surveys.import_mapping import (
    IGNORE,
    _legacy_keys,
    _questions,
    import_targets,
    suggest_for_table,
)
from qiwang.surveys.import_recode import Recode, check_recode, suggest_recode
from qiwang.surveys.import_sources import read_upload
from qiwang.surveys.models import Wave

__all__ = ["ImportReport", "RowError", "import_responses", "parse_mapping_file"]


@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row, the answer pages' key (``overall.value``), the message,
    and the file's own column header and the value found there."""

    row: int
    column: str
    message: str
    header: str = ""
    value: str = ""


@dataclass(frozen=True)
class ImportReport:
    """What a one-call import did: rows read, rows stored (0 for a dry run or when any row is
    bad), every problem, the wave columns no file column fills, the tool the file seems to come
    from, the mapping used (file header → wave column) and the recode used."""

    rows: int
    imported: int
    dry_run: bool
    errors: tuple[RowError, ...] = ()
    unmapped: tuple[str, ...] = field(default=())
    source: str = "file"
    mapping: dict[str, str] = field(default_factory=dict)
    recode: Recode = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "dry_run": self.dry_run,
            "errors": [
                {
                    "row": e.row,
                    "column": e.column,
                    "message": e.message,
                    "header": e.header,
                    "value": e.value,
                }
                for e in self.errors
            ],
            "unmapped": list(self.unmapped),
            "source": self.source,
            "mapping": self.mapping,
            "recode": self.recode,
        }


def parse_mapping_file(text: str | bytes) -> tuple[dict[str, str], Any]:
    """``(columns, recode)`` from a mapping file's JSON (see the module docstring); the recode is
    checked against the wave later. A ServiceError names what is wrong."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ServiceError(
            _("The mapping file is not JSON: %(error)s") % {"error": error}, field="mapping"
        ) from None
    if not isinstance(data, dict):
        raise ServiceError(_("The mapping file must hold a JSON object."), field="mapping")
    if "columns" in data or "recode" in data:
        columns, recode = data.get("columns") or {}, data.get("recode")
    else:
        columns, recode = data, None
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        raise ServiceError(
            _("“columns” must map file headers to wave columns (text to text)."), field="mapping"
        )
    return columns, recode


def import_responses(
    *,
    actor: User | None,
    wave: Wave,
    content: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    recode: Mapping[str, Mapping[str, str]] | None = None,
    dry_run: bool = True,
) -> ImportReport:
    """Check (and unless ``dry_run`` store) the file in one call. ``mapping`` is
    ``{file header: wave column}`` and ``recode`` ``{wave column: {file value: code}}``; other
    headers and values start from the last import from the same tool, then from the suggestions
    (``import_mapping.suggest_for_table``, ``import_recode.suggest_recode``). Errors carry the
    answer pages' key (``overall.value``) as their column."""
    # imports.py re-exports this module's names, so it is imported when first called.
    from qiwang.surveys.imports import apply_import, preview_import, saved_mapping

    if actor is not None and not can(actor, Action.CHANGE_SURVEYS, wave):
        raise ServiceError(_("You may not change surveys here."))
    table = read_upload(content, filename)
    targets = import_targets(_questions(wave))
    known = {target.key for target in targets}
    legacy = _legacy_keys(targets)
    pairs = {
        k.strip(): legacy.get(v.strip(), v.strip()) for k, v in (mapping or {}).items() if k.strip()
    }
    bad_targets = sorted(set(pairs.values()) - known - {IGNORE})
    if bad_targets:
        raise ServiceError(
            _("Not a column of this wave: %(names)s.") % {"names": ", ".join(bad_targets)},
            field="mapping",
        )
    missing_headers = sorted(set(pairs) - set(table.header))
    if missing_headers:
        raise ServiceError(
            _("The file has no column %(names)s.") % {"names": ", ".join(missing_headers)},
            field="mapping",
        )
    explicit_recode = check_recode(
        {legacy.get(k, k): v for k, v in recode.items()} if isinstance(recode, dict) else recode,
        (t.key for t in targets if t.column is not None),
    )
    saved = saved_mapping(wave, table.source)
    by_index = suggest_for_table(table, targets, saved.columns if saved else None)
    explicit = {table.header.index(header): target for header, target in pairs.items()}
    for index, target in list(by_index.items()):
        if target and target in explicit.values() and index not in explicit:
            by_index[index] = IGNORE
    by_index.update(explicit)
    kinds = {t.key: t.column.question.kind for t in targets if t.column is not None}
    used = suggest_recode(table, by_index, kinds, saved=saved.recode if saved else None)
    for key, values in explicit_recode.items():
        used.setdefault(key, {}).update(values)
    # Values with no code yet ("") stay in the report, for the person to fill in.
    filled = {k: {v: c for v, c in values.items() if c} for k, values in used.items()}
    filled = {k: values for k, values in filled.items() if values}
    preview = preview_import(
        actor=actor, wave=wave, content=content, filename=filename, mapping=by_index, recode=filled
    )
    errors = tuple(
        RowError(i.row, i.field or i.column, i.reason, i.column, i.value) for i in preview.issues
    ) + tuple(RowError(1, "", message) for message in preview.file_issues)
    if preview.already_imported:
        message = _("This file has already been imported into this wave.")
        if not dry_run:
            raise ConflictError(message)
        errors += (RowError(1, "", message),)  # the dry run says what the import would refuse
    report = ImportReport(
        rows=preview.rows,
        imported=0,
        dry_run=dry_run,
        errors=errors,
        unmapped=preview.unmapped,
        source=table.source,
        mapping={table.header[i]: key for i, key in sorted(by_index.items()) if key},
        recode=used,
    )
    if errors or dry_run:
        return report
    result = apply_import(
        actor=actor,
        wave=wave,
        content=content,
        filename=filename,
        mapping=by_index,
        recode=filled,
        expected_fingerprint=preview.fingerprint,
    )
    return replace(report, imported=result.imported, dry_run=False)

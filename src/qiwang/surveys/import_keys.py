"""Submission keys of imported responses (``imports.py``): one per row, unique in the database.

A row whose file has the tool's own response id (Qualtrics ``ResponseId``, 问卷星 序号, 腾讯问卷
编号, LimeSurvey ``id``, Formbricks "Response ID": ``import_sources.response_id_index``) is keyed
by the tool and that id — with the submission time for the tools that number each survey's
responses 1, 2, 3 … (``response_time_index``) —, so the same response in a later export of the survey is recognised and
refused instead of stored twice; other rows are keyed by the file's SHA-256 and the row's place.
"""

from __future__ import annotations

import hashlib
import re

from qiwang.surveys.import_sources import Table, response_id_index, response_time_index
from qiwang.surveys.models import Response, Wave

_CHUNK = 900  # codes per IN (…) query: below SQLite's variable limit


def _cell(value: str) -> str:
    value = value.strip()
    if value.endswith(".0") and value[:-2].lstrip("-").isdigit():
        value = value[:-2]  # numbers read back from spreadsheets
    return value


def _submission_keys(wave: Wave, digest: str, count: int) -> list[str]:
    return [f"m{wave.pk}-{digest[:16]}-{i}" for i in range(count)]


def _row_keys(wave: Wave, table: Table) -> tuple[list[str], list[str]]:
    """Each row's submission key and the tool's response id ("" without one): a row with an id
    is keyed by the tool and the id, so a later export holding the same response is known."""
    index, when = response_id_index(table), response_time_index(table)
    ids = [_cell(row[index]) if index is not None else "" for row in table.rows]
    keys = _submission_keys(wave, table.fingerprint, len(ids))
    for i, answer_id in enumerate(ids):
        if answer_id:
            # "2026/11/2 10:03:00" (CSV) and "2026-11-02 10:03:00" (XLSX) are the same time.
            at = (
                [int(n) for n in re.findall(r"\d+", table.rows[i][when])]
                if when is not None
                else []
            )
            digest = hashlib.sha256(f"{table.source}\x00{answer_id}\x00{at}".encode()).hexdigest()
            keys[i] = f"m{wave.pk}-r{digest[:40]}"
    return keys, ids


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        found.update(
            Response.objects.filter(submission_key__in=chunk).values_list(
                "submission_key", flat=True
            )
        )
    return found

"""Answers for the data warehouse: one Parquet row per answer, partitioned by wave.

``qiwang export responses --format parquet --dest DIR`` writes ``DIR/wave=<id>/part-00000.parquet``
(Hive-style partitions that DuckDB, Spark and every lake engine read as a ``wave`` column), so an
organisation's data team can run ``qiwang analyze … --engine spark`` or its own jobs on the answers.

A row holds the wave's name, the response, the customer's internal id (a number, no name or
contact details), branch, tier, the question's kind, attribute and dimension, the numeric answer
(``value``; ``second`` is the dysfunctional Kano answer or the SERVQUAL perception), the stated
importance and the submission time (UTC). Free-text answers are left out: they can hold personal
data. Only complete responses are exported.

Personal data only on request, for a user whose role may see it (``personal_for``): then four
more columns (the customer's number, name, phone and e-mail), only the answers of that user's
branches, and one audit event per wave written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from qiwang.surveys.choices import QuestionKind, ResponseStatus
from qiwang.surveys.models import Answer, Wave

KINDS = tuple(k.value for k in QuestionKind if k != QuestionKind.TEXT)
"""Question kinds with numeric answers (free text is never exported)."""

SCHEMA = pa.schema(
    [
        ("wave_name", pa.string()),
        ("response", pa.int64()),
        ("customer", pa.int64()),
        ("branch", pa.string()),
        ("tier", pa.string()),
        ("kind", pa.string()),
        ("attribute", pa.string()),
        ("dimension", pa.string()),
        ("value", pa.int32()),
        ("second", pa.int32()),
        ("importance", pa.int32()),
        ("submitted_at", pa.timestamp("us", tz="UTC")),
    ]
)
"""Columns of every part file (the ``wave`` column comes from the directory name)."""

PERSONAL_SCHEMA = pa.schema(
    [
        ("customer_code", pa.string()),
        ("customer_name", pa.string()),
        ("customer_phone", pa.string()),
        ("customer_email", pa.string()),
    ]
)
"""The columns added for a user allowed to see personal data."""
PERSONAL_FIELDS = (
    "response__customer__code",
    "response__customer__name",
    "response__customer__phone",
    "response__customer__email",
)

FIELDS = (
    "response__wave__name",
    "response_id",
    "response__customer_id",
    "response__branch__name",
    "response__tier",
    "question__kind",
    "question__attribute",
    "question__dimension",
    "value",
    "second",
    "importance",
    "response__submitted_at",
)


@dataclass(frozen=True)
class WarehouseExport:
    """What :func:`export_answers` wrote: rows per wave id and the files."""

    rows: dict[int, int]
    files: tuple[Path, ...]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


class DestinationNotEmptyError(ValueError):
    """The destination already holds a partition of a wave being exported."""


def export_answers(
    dest: Path,
    *,
    waves: Iterable[int] | None = None,
    kind: str | None = None,
    chunk_size: int = 50_000,
    personal_for: Any = None,
) -> WarehouseExport:
    """Write the answers of ``waves`` (default: every wave) to ``dest`` as Parquet, by wave.

    Parameters
    ----------
    dest : Path
        Directory (created if missing); ``dest/wave=<id>`` must not exist yet.
    waves : iterable of int, optional
        Wave ids.
    kind : str, optional
        Only questions of this kind (``kano``, ``servqual`` …), so the files fit one analysis.
    chunk_size : int
        Rows read from the database and written per batch (memory stays flat).
    personal_for : User, optional
        Add the customers' personal data for this user, who must hold the permission to see it
        (``PermissionDenied`` otherwise); only the answers of their branches are written.
    """
    schema, fields = SCHEMA, FIELDS
    if personal_for is not None:
        from qiwang.accounts.permissions import Action, require

        require(personal_for, Action.VIEW_PERSONAL_DATA)
        schema = pa.schema([*SCHEMA, *PERSONAL_SCHEMA])
        fields = (*FIELDS, *PERSONAL_FIELDS)
    ids = sorted(
        set(waves) if waves is not None else set(Wave.objects.values_list("pk", flat=True))
    )
    for wave_id in ids:
        if (dest / f"wave={wave_id}").exists():
            raise DestinationNotEmptyError(str(dest / f"wave={wave_id}"))
    dest.mkdir(parents=True, exist_ok=True)
    rows: dict[int, int] = {}
    files: list[Path] = []
    for wave_id in ids:
        answers = Answer.objects.filter(
            response__wave_id=wave_id, response__status=ResponseStatus.COMPLETE
        ).exclude(value__isnull=True, second__isnull=True, importance__isnull=True)
        if kind is not None:
            answers = answers.filter(question__kind=kind)
        if personal_for is not None:
            visible = personal_for.visible_branch_ids()
            if visible is not None:
                answers = answers.filter(response__branch_id__in=visible)
        stream = answers.order_by("pk").values_list(*fields).iterator(chunk_size=chunk_size)
        path = dest / f"wave={wave_id}" / "part-00000.parquet"
        count = 0
        writer: pq.ParquetWriter | None = None
        batch: list[tuple[object, ...]] = []
        try:
            for row in stream:
                batch.append(row)
                if len(batch) == chunk_size:
                    writer = _write(writer, path, batch, schema)
                    count += len(batch)
                    batch = []
            if batch or writer is None:
                writer = _write(writer, path, batch, schema)
                count += len(batch)
        finally:
            if writer is not None:
                writer.close()
        rows[wave_id] = count
        files.append(path)
        if personal_for is not None:
            from qiwang.accounts.services import record_event

            record_event(
                actor=personal_for,
                action="answers_exported_with_personal_data",
                obj=Wave.objects.get(pk=wave_id),
                changes={"rows": count, "dest": str(dest)},
            )
    return WarehouseExport(rows=rows, files=tuple(files))


def _write(
    writer: pq.ParquetWriter | None,
    path: Path,
    batch: list[tuple[object, ...]],
    schema: pa.Schema = SCHEMA,
) -> pq.ParquetWriter:
    columns = list(zip(*batch, strict=True)) if batch else [[] for _ in schema]
    table = pa.Table.from_arrays(
        [
            pa.array(list(values), type=field.type)
            for values, field in zip(columns, schema, strict=True)
        ],
        schema=schema,
    )
    if writer is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = pq.ParquetWriter(path, schema)
    writer.write_table(table)
    return writer

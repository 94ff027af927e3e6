"""The free-text section of a wave's results: labelled comments, filters, shares and themes.

Reads only: counts come from one aggregate over :class:`~qiwang.surveys.text_models.
AnswerTextLabel` (indexed by wave), the page of comments from one query, the themes from the
latest :data:`THEME_SAMPLE` comments that match the filters (themes need the words of every
comment; a sample keeps the page fast for a wave of a million answers, and says so).
What is still unlabelled is labelled first, at most :data:`LABEL_ON_VIEW` answers per view
(``text_services.label_wave_answers``); the worker labels the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from qiwang.analysis import text
from qiwang.surveys.models import Question, Wave
from qiwang.surveys.presentation import DIMENSION_LABELS
from qiwang.surveys.text_models import DIMENSION_FIELDS, AnswerTextLabel, Sentiment

PAGE_SIZE = 20
THEME_SAMPLE = 2_000
LABEL_ON_VIEW = 2_000
SENTIMENTS = ("negative", "neutral", "positive")
#: Longest search text kept (characters); longer input is cut, never refused.
SEARCH_LIMIT = 100


@dataclass(frozen=True)
class Filters:
    """What the user chose above the comments (validated: unknown values are ignored)."""

    question: str = ""
    sentiment: str = ""
    dimension: str = ""
    service: str = ""
    search: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query: Any, questions: list[Question], services: list[str]) -> Filters:
        def pick(name: str, allowed: set[str]) -> str:
            value = str(query.get(name, ""))
            return value if value in allowed else ""

        try:
            page = int(query.get("page", 1))
        except (TypeError, ValueError):
            page = 1
        return cls(
            question=pick("question", {q.attribute for q in questions}),
            sentiment=pick("sentiment", set(SENTIMENTS)),
            dimension=pick("dimension", set(DIMENSION_FIELDS)),
            service=pick("service", set(services)),
            search=" ".join(str(query.get("search", "")).split())[:SEARCH_LIMIT],
            page=max(1, min(page, 100_000)),
        )

    def as_query(self, **changes: Any) -> str:
        from urllib.parse import urlencode

        values = {
            "question": self.question,
            "sentiment": self.sentiment,
            "dimension": self.dimension,
            "service": self.service,
            "search": self.search,
            "page": self.page,
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})


def labels_of(wave: Wave, filters: Filters, questions: list[Question]) -> QuerySet[AnswerTextLabel]:
    rows = AnswerTextLabel.objects.filter(wave=wave)
    if filters.question:
        ids = [q.pk for q in questions if q.attribute == filters.question]
        rows = rows.filter(question_id__in=ids)
    if filters.dimension:
        if filters.sentiment:
            rows = rows.filter(**{filters.dimension: filters.sentiment})
        else:
            rows = rows.exclude(**{filters.dimension: ""})
    elif filters.sentiment:
        rows = rows.filter(sentiment=filters.sentiment)
    if filters.search:
        # Words typed in the search box: every one must occur in the comment (case-insensitive).
        for word in filters.search.split()[:5]:
            rows = rows.filter(answer__text__icontains=word)
    return rows


def dimension_shares(
    rows: QuerySet[AnswerTextLabel],
) -> tuple[int, dict[str, int], list[dict[str, Any]]]:
    """Comments, comments per sentiment and, per dimension, mentions by sentiment: one query."""
    aggregates: dict[str, Any] = {"total": Count("pk")}
    for sentiment in SENTIMENTS:
        aggregates[f"all_{sentiment}"] = Count("pk", filter=Q(sentiment=sentiment))
        for name in DIMENSION_FIELDS:
            aggregates[f"{name}_{sentiment}"] = Count("pk", filter=Q(**{name: sentiment}))
    counts = rows.aggregate(**aggregates)
    dimensions = []
    for name in DIMENSION_FIELDS:
        by = {s: int(counts[f"{name}_{s}"]) for s in SENTIMENTS}
        mentions = sum(by.values())
        dimensions.append(
            {
                "code": name,
                "label": str(DIMENSION_LABELS[name]),
                "mentions": mentions,
                **by,
                "negative_share": round(100 * by["negative"] / mentions, 1) if mentions else None,
            }
        )
    return int(counts["total"]), {s: int(counts[f"all_{s}"]) for s in SENTIMENTS}, dimensions


def service_counts(rows: QuerySet[AnswerTextLabel], names: dict[str, str]) -> list[dict[str, Any]]:
    """Mentions and negative mentions per service (attribute), from the stored aspects."""
    counts: dict[str, dict[str, int]] = {}
    for aspects in (
        rows.exclude(aspects=[]).values_list("aspects", flat=True).iterator(chunk_size=5000)
    ):
        seen: dict[str, str] = {}
        for aspect in aspects or []:
            if aspect.get("kind") == "service":
                name = str(aspect.get("name"))
                if seen.get(name) != "negative":
                    seen[name] = str(aspect.get("label"))
        for name, label in seen.items():
            entry = counts.setdefault(name, {"mentions": 0, "negative": 0})
            entry["mentions"] += 1
            entry["negative"] += label == "negative"
    return [
        {
            "key": key,
            "label": names.get(key, key),
            "mentions": entry["mentions"],
            "negative": entry["negative"],
            "negative_share": round(100 * entry["negative"] / entry["mentions"], 1),
        }
        for key, entry in sorted(counts.items(), key=lambda item: -item[1]["mentions"])
    ]


def themes_of(rows: QuerySet[AnswerTextLabel]) -> tuple[text.ThemesResult, int]:
    """Themes of the latest :data:`THEME_SAMPLE` matching comments, and how many were read."""
    sample = list(
        rows.order_by("-answer_id").values_list("answer__text", "sentiment", "score")[:THEME_SAMPLE]
    )
    analyses = [
        text.CommentAnalysis(text.normalize(body).text, label, score)
        for body, label, score in sample
    ]
    return text.themes(analyses=analyses, top=8, examples=2, min_comments=2), len(sample)


def gap_by_dimension(results: Any) -> dict[str, float | None]:
    """SERVQUAL gap P − E per dimension from the wave's results (``None`` without SERVQUAL)."""
    if results is None or getattr(results, "servqual", None) is None:
        return {}
    return {stat.name: round(stat.gap, 2) for stat in results.servqual.dimensions}


def comment_row(label: AnswerTextLabel, question: str) -> dict[str, Any]:
    """One comment as the list shows it (``label.answer`` should be selected with it)."""
    return {
        "answer_id": label.answer_id,
        "text": label.answer.text,
        "question": question,
        "sentiment": label.sentiment,
        "sentiment_label": Sentiment(label.sentiment).label,
        "score": round(label.score, 2),
        "dimensions": [
            {"code": d, "label": DIMENSION_LABELS[d], "sentiment": getattr(label, d)}
            for d in label.dimensions
        ],
        "services": sorted(
            {str(a.get("name")) for a in label.aspects or [] if a.get("kind") == "service"}
        ),
        "is_corrected": label.is_corrected,
    }


def comment_rows(
    rows: QuerySet[AnswerTextLabel], filters: Filters, question_labels: dict[int, str]
) -> tuple[list[dict[str, Any]], int]:
    total = rows.count()
    start = (filters.page - 1) * PAGE_SIZE
    page = rows.select_related("answer").order_by("-answer_id")[start : start + PAGE_SIZE]
    items = [comment_row(label, question_labels.get(label.question_id, "")) for label in page]
    return items, total


def section_context(
    wave: Wave, filters: Filters, *, results: Any = None, pending: int = 0
) -> dict[str, Any]:
    """Everything the ``_text_answers.html`` partial shows."""
    questions = list(wave.version.questions.order_by("position"))
    text_questions = [q for q in questions if q.kind == "text"]
    service_names = {
        q.attribute: q.text.removeprefix("关于「").removesuffix("」").removeprefix("About: ")
        for q in questions
        if q.kind == "kano" or q.catalogue_service_id is not None
    }
    rows = labels_of(wave, filters, questions)
    if filters.service:
        ids = [
            pk
            for pk, aspects in rows.values_list("answer_id", "aspects").iterator(chunk_size=5000)
            if any(
                a.get("kind") == "service" and a.get("name") == filters.service
                for a in aspects or []
            )
        ]
        rows = rows.filter(answer_id__in=ids)
    total, by_sentiment, dimensions = dimension_shares(rows)
    gaps = gap_by_dimension(results)
    for row in dimensions:
        row["gap"] = gaps.get(row["code"])
    comments, matching = comment_rows(rows, filters, {q.pk: q.text for q in questions})
    found, sampled = themes_of(rows) if total else (None, 0)
    pages = max(1, -(-matching // PAGE_SIZE))
    return {
        "wave": wave,
        "filters": filters,
        "text_questions": [{"attribute": q.attribute, "label": q.text} for q in text_questions],
        "services": [{"key": k, "label": v} for k, v in service_names.items()],
        "service_rows": service_counts(rows, service_names),
        "total": total,
        "by_sentiment": by_sentiment,
        "shares": {
            s: round(100 * n / total, 1) if total else None for s, n in by_sentiment.items()
        },
        "dimension_rows": dimensions,
        "has_gaps": bool(gaps),
        "comments": comments,
        "themes": found.themes if found else (),
        "theme_sample": sampled,
        "theme_sample_limited": sampled >= THEME_SAMPLE,
        "page": filters.page,
        "pages": pages,
        "previous_query": filters.as_query(page=filters.page - 1) if filters.page > 1 else None,
        "next_query": filters.as_query(page=filters.page + 1) if filters.page < pages else None,
        "pending": pending,
        "sentiment_choices": [(s, Sentiment(s).label) for s in SENTIMENTS],
        "dimension_choices": [(d, DIMENSION_LABELS[d]) for d in DIMENSION_FIELDS],
        # As a data attribute, not a json_script tag: htmx drops <script> elements from the
        # fragments it swaps in (allowScriptTags is off under the Content-Security-Policy).
        "chart": json.dumps(
            {
                "dimensions": [
                    [row["label"], row["negative"], row["neutral"], row["positive"]]
                    for row in dimensions
                    if row["mentions"]
                ],
                "labels": {
                    "negative": str(Sentiment.NEGATIVE.label),
                    "neutral": str(Sentiment.NEUTRAL.label),
                    "positive": str(Sentiment.POSITIVE.label),
                    "unit": _("comments"),
                },
            },
            ensure_ascii=False,
        ),
    }


def add_text_labels(frame: Any, columns: list[Any], wave: Wave) -> Any:
    """Beside each free-text column of a response export, its labels: ``<name>_sentiment``,
    ``<name>_positive_probability`` and ``<name>_dimensions`` (``;``-separated codes). Text cells
    pass the formula guard when the export is written (``surveys.exports.render``).
    ``frame`` is indexed by response id; labels are read in one query per question."""
    text_columns = [c for c in columns if c.part == "text"]
    if not text_columns or frame.empty:
        return frame
    for column in text_columns:
        if column.question.kind != "text":
            continue
        rows = AnswerTextLabel.objects.filter(wave=wave, question=column.question).values_list(
            "answer__response_id", "sentiment", "score", *DIMENSION_FIELDS
        )
        sentiment, score, dimensions = {}, {}, {}
        for response_id, label, probability, *per_dimension in rows.iterator(chunk_size=20_000):
            sentiment[response_id] = label
            score[response_id] = round(probability, 4)
            dimensions[response_id] = ";".join(
                name for name, value in zip(DIMENSION_FIELDS, per_dimension, strict=True) if value
            )
        position = list(frame.columns).index(column.name) + 1
        for offset, (suffix, values) in enumerate(
            (("sentiment", sentiment), ("positive_probability", score), ("dimensions", dimensions))
        ):
            frame.insert(
                position + offset,
                f"{column.name}_{suffix}",
                frame.index.map(lambda pk, v=values: v.get(pk)),
            )
    return frame

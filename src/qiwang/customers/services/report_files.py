"""The monthly report as files: XLSX (:mod:`qiwang.xlsx`, typed cells) and PDF (reportlab).

The PDF embeds a subset of a TrueType Chinese font (:mod:`qiwang.pdf`, ``QIWANG_PDF_FONT``), so it
looks the same in every viewer and can be archived (ADR 0210).
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from qiwang.customers.services.report import MonthlyReport

__all__ = ["report_filename", "report_pdf", "report_xlsx"]


def report_filename(report: MonthlyReport, extension: str) -> str:
    return f"customer-report-{report.month:%Y-%m}.{extension}"


def _sections(report: MonthlyReport) -> list[tuple[str, list[str], list[list[Any]], list[str]]]:
    """``(title, header, rows, formats)`` per table; formats: "", "int" or "pct" per column."""
    tiers = [
        [row.label, row.planned, row.made, row.completion, row.interactions, row.anomalies]
        for row in report.tiers
    ]
    tiers.append(
        [
            _("Total"),
            report.planned,
            report.made,
            report.made / report.planned if report.planned else None,
            report.interactions,
            report.anomaly_total,
        ]
    )
    sections = [
        (
            _("Contacts by tier"),
            [
                _("Tier"),
                _("Planned"),
                _("Made"),
                _("Completion"),
                _("Interactions"),
                _("Anomalies"),
            ],
            tiers,
            ["", "int", "int", "pct", "int", "int"],
        ),
        (
            _("Effort split"),
            [_("Customers"), _("Target"), _("Interactions"), _("Actual"), _("Gap")],
            [
                [row.label, row.target, row.interactions, row.actual, row.gap]
                for row in report.effort
            ],
            ["", "pct", "int", "pct", "pct"],
        ),
    ]
    if report.managers:
        sections.append(
            (
                _("By account manager"),
                [_("Account manager"), _("Planned"), _("Made"), _("Interactions"), _("Anomalies")],
                [
                    [row.name, row.planned, row.made, row.interactions, row.anomalies]
                    for row in report.managers
                ],
                ["", "int", "int", "int", "int"],
            )
        )
    sections += [
        (
            _("Tier changes"),
            [_("From"), _("To"), _("Customers")],
            [[row.before_label, row.after_label, row.customers] for row in report.tier_changes],
            ["", "", "int"],
        ),
        (
            _("Lifecycle changes"),
            [_("From"), _("To"), _("Customers")],
            [
                [row.before_label, row.after_label, row.customers]
                for row in report.lifecycle_changes
            ],
            ["", "", "int"],
        ),
        (
            _("Referrals"),
            [
                _("Referrer"),
                _("Referred customer"),
                _("Referred on"),
                _("Follow-up due"),
                _("Followed up"),
            ],
            [
                [
                    row.referrer,
                    row.referred,
                    row.referred_on,
                    row.follow_up_due,
                    _("Yes") if row.followed_up else _("No"),
                ]
                for row in report.referrals
            ],
            ["", "", "", "", ""],
        ),
        (
            _("Anomalies"),
            [_("Time"), _("Customer number"), _("Customer"), _("Tier"), _("Author"), _("Notes")],
            [
                [
                    timezone.localtime(row.occurred_at).replace(tzinfo=None),
                    row.code,
                    row.customer,
                    row.tier,
                    row.author,
                    row.notes,
                ]
                for row in report.anomalies
            ],
            ["", "", "", "", "", ""],
        ),
    ]
    return sections


def _summary(report: MonthlyReport) -> list[tuple[str, Any]]:
    return [
        (_("Month"), report.month_label),
        (_("Scope"), report.scope),
        (_("Contacts planned"), report.planned),
        (_("Contacts made"), report.made),
        (_("Interactions"), report.interactions),
        (_("Anomalies raised"), report.anomaly_total),
        (_("New customers"), report.new_customers),
        (_("Referrals"), report.referral_total),
        (_("Referrals followed up"), report.referral_followed_up),
        (_("Generated"), timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")),
    ]


def report_xlsx(report: MonthlyReport) -> bytes:
    """One sheet per table, a header row, numbers as numbers and shares as percentages
    (:mod:`qiwang.xlsx`: constant memory, Excel's limits, every text guarded)."""
    from qiwang.xlsx import Sheet, write_workbook

    sheets = [
        Sheet(
            str(_("Summary")),
            [],
            ([label, value] for label, value in _summary(report)),
            title=str(_("Monthly customer report")),
            widths=(24, 30),
        )
    ]
    for title, header, rows, formats in _sections(report):
        sheets.append(
            Sheet(
                str(title),
                header,
                rows,
                widths=[16 if kind else 22 for kind in formats],
                number_formats=["0.0%" if kind == "pct" else None for kind in formats],
            )
        )
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def _pdf_text(value: Any, kind: str = "") -> str:
    """Cell text for reportlab's Paragraph (which reads markup: escape &, < and >)."""
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M") if hasattr(value, "hour") else value.isoformat()
    return escape(str(value))


def report_pdf(report: MonthlyReport) -> bytes:
    """An A4 PDF of the report, set in the embedded font of :func:`qiwang.pdf.pdf_font`."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from qiwang.pdf import pdf_font

    font = pdf_font(settings.QIWANG_PDF_FONT).name
    title_style = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=8)
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    story: list[Any] = [
        Paragraph(_("Monthly customer report"), title_style),
        Paragraph(_pdf_text(f"{report.month_label} / {report.scope}"), heading),
        Spacer(1, 4 * mm),
    ]
    summary = Table(
        [
            [Paragraph(_pdf_text(label), body), Paragraph(_pdf_text(value), body)]
            for label, value in _summary(report)
        ],
        colWidths=[50 * mm, 80 * mm],
        hAlign="LEFT",
    )
    summary.setStyle(
        TableStyle(
            [("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("FONTNAME", (0, 0), (-1, -1), font)]
        )
    )
    story.append(summary)
    for title, header, rows, formats in _sections(report):
        story.append(Paragraph(title, heading))
        if not rows:
            story.append(Paragraph(_("None this month."), body))
            continue
        data = [[Paragraph(_pdf_text(text), body) for text in header]]
        for row in rows:
            data.append(
                [
                    Paragraph(_pdf_text(value, kind), body)
                    for value, kind in zip(row, formats, strict=True)
                ]
            )
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6f2f1")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), font),
                ]
            )
        )
        story.append(table)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Monthly customer report"),
        initialFontName=font,  # else the canvas starts in Helvetica, a font no file embeds
    )
    document.build(story)
    return buffer.getvalue()

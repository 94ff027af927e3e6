"""The working-day calendar as data: the years it knows and the days that break the weekly rule.

Imported by ``accounts.models`` so that Django registers the models; the pure calendar object
built from these rows is :class:`qiwang.accounts.working_calendar.WorkingCalendar`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["CalendarDay", "CalendarYear", "DayKind", "HolidayName", "YearSource", "YearStatus"]


class YearStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    ESTIMATED = "estimated", _("Estimated")


class YearSource(models.TextChoices):
    LIBRARY = "library", _("chinese-calendar package")
    MANUAL = "manual", _("Entered by an administrator")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (day off)")
    WORKDAY = "workday", _("Make-up working day")


class HolidayName(models.TextChoices):
    NEW_YEARS_DAY = "new_years_day", _("New Year's Day")
    SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
    TOMB_SWEEPING_DAY = "tomb_sweeping_day", _("Tomb-sweeping Day")
    LABOUR_DAY = "labour_day", _("Labour Day")
    DRAGON_BOAT_FESTIVAL = "dragon_boat_festival", _("Dragon Boat Festival")
    MID_AUTUMN_FESTIVAL = "mid_autumn_festival", _("Mid-autumn Festival")
    NATIONAL_DAY = "national_day", _("National Day")
    ANTI_FASCIST_70TH_DAY = "anti_fascist_70th_day", _("Victory Day (70th anniversary)")
    OTHER = "other", _("Other")


class CalendarYear(models.Model):
    """A year the calendar knows. Days of a year without this row are never guessed."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=YearStatus.choices, default=YearStatus.PUBLISHED
    )
    source = models.CharField(
        _("source"), max_length=12, choices=YearSource.choices, default=YearSource.MANUAL
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A public holiday or a make-up working day (调休上班); with a branch, that branch's own
    exception (a local closure, or a branch that works on a holiday)."""

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(
        _("holiday"), max_length=30, choices=HolidayName.choices, default=HolidayName.OTHER
    )
    branch = models.ForeignKey(
        "accounts.Branch",
        verbose_name=_("branch"),
        related_name="calendar_days",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: the whole company. A branch: only that branch."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day", "branch_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day"],
                condition=models.Q(branch__isnull=True),
                name="calendar_day_unique_company",
            ),
            models.UniqueConstraint(
                fields=["day", "branch"],
                condition=models.Q(branch__isnull=False),
                name="calendar_day_unique_branch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def is_working_day(self) -> bool:
        return self.kind == DayKind.WORKDAY

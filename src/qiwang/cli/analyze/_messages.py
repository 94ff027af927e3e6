"""The analysis errors in the command line's language.

:mod:`qiwang.analysis` knows nothing of Django or of languages: it raises
:class:`~qiwang.analysis.AnalysisInputError` with an English reason and the column and row at
fault. The commands translate at the boundary: :func:`input_error` matches the reason against
the patterns below (each an English text of the analysis with its variable parts named) and
returns the catalogue's text, with the row and column prefix in the same language. A reason no
pattern knows stays in English (docs/notes/clii18n.md lists what is left).
"""

from __future__ import annotations

import re
from typing import Any

from qiwang.cli._i18n import gettext as _
from qiwang.cli._i18n import gettext_noop

__all__ = ["input_error"]

# (English reason as the analysis writes it, with named groups) -> msgid with the same names;
# the first pattern that matches the whole reason wins, so the specific ones come first.
_SPECIFIC: tuple[tuple[str, str], ...] = (
    # the rarer reasons a command can meet (options, file contents, engines); issue 17
    (r"not a number", gettext_noop("not a number")),
    (r"not numeric \((?:d?type) (?P<type>.+)\)", gettext_noop("not numeric (type %(type)s)")),
    (r"infinite value", gettext_noop("infinite value")),
    (
        r"no rows left to analyse after listwise deletion",
        gettext_noop("no rows left to analyse after listwise deletion"),
    ),
    (
        r"the column is constant \(its variance is 0\)",
        gettext_noop("the column is constant (its variance is 0)"),
    ),
    (
        r"the column is constant; a constant cannot explain or be explained",
        gettext_noop("the column is constant; a constant cannot explain or be explained"),
    ),
    (
        r"key-driver analysis needs at least one predictor",
        gettext_noop("key-driver analysis needs at least one predictor"),
    ),
    (
        r"the predictors (?P<names>.+) are collinear \(one is a linear combination of the others\); drop one",
        gettext_noop(
            "the predictors %(names)s are collinear (one is a linear combination of the others); drop one"
        ),
    ),
    (
        r"Shapley values of (?P<p>\d+) predictors need 2\^(?P=p) regressions; use at most "
        r"(?P<most>\d+) predictors or the relative-weights method",
        gettext_noop(
            "Shapley values of %(p)s predictors need 2^%(p)s regressions; use at most %(most)s "
            "predictors or the relative-weights method"
        ),
    ),
    # promise
    (
        r"unknown comparison (?P<value>.+): use one of (?P<choices>.+)",
        gettext_noop("unknown comparison %(value)s: use one of %(choices)s"),
    ),
    (
        r"the threshold (?P<value>.+) is not a finite number",
        gettext_noop("the threshold %(value)s is not a finite number"),
    ),
    (
        r"the target (?P<value>.+) is not text such as '<=24'",
        gettext_noop("the target %(value)s is not text such as '<=24'"),
    ),
    (
        r"cannot read the target (?P<value>.+): write a comparison \(<=, <, >=, >, ≤, ≥\) followed by "
        r"a number and an optional unit, e\.g\. '<=24' or '>=18 °C'",
        gettext_noop(
            "cannot read the target %(value)s: write a comparison (<=, <, >=, >, ≤, ≥) followed by a "
            "number and an optional unit, e.g. '<=24' or '>=18 °C'"
        ),
    ),
    (
        r"the target (?P<value>.+) has no finite threshold",
        gettext_noop("the target %(value)s has no finite threshold"),
    ),
    (
        r"the confidence (?P<value>.+) must lie strictly between 0 and 1",
        gettext_noop("the confidence %(value)s must lie strictly between 0 and 1"),
    ),
    (
        r"the allowed breach rate (?P<value>.+) must lie strictly between 0 and 1",
        gettext_noop("the allowed breach rate %(value)s must lie strictly between 0 and 1"),
    ),
    (
        r"the values must be finite numbers \(found an infinity\)",
        gettext_noop("the values must be finite numbers (found an infinity)"),
    ),
    (
        r"there are no values to judge the target against",
        gettext_noop("there are no values to judge the target against"),
    ),
    # surprise plans and habituation
    (
        r"the budget (?P<value>.+) is not an amount",
        gettext_noop("the budget %(value)s is not an amount"),
    ),
    (
        r"the cost (?P<value>.+) is not an amount",
        gettext_noop("the cost %(value)s is not an amount"),
    ),
    (
        r"the budget (?P<value>.+) is not a finite amount",
        gettext_noop("the budget %(value)s is not a finite amount"),
    ),
    (
        r"the cost (?P<value>.+) is not a finite amount",
        gettext_noop("the cost %(value)s is not a finite amount"),
    ),
    (
        r"(?P<option>[a-z_]+) (?P<value>.+) must be a whole number of at least (?P<minimum>\d+)",
        gettext_noop("%(option)s %(value)s must be a whole number of at least %(minimum)s"),
    ),
    (r"there are no eligible customers", gettext_noop("there are no eligible customers")),
    (
        r"customer (?P<value>.+) is listed more than once",
        gettext_noop("customer %(value)s is listed more than once"),
    ),
    (
        r"the cost per delivery must be positive, not (?P<value>.+)",
        gettext_noop("the cost per delivery must be positive, not %(value)s"),
    ),
    (
        r"the budget must not be negative, not (?P<value>.+)",
        gettext_noop("the budget must not be negative, not %(value)s"),
    ),
    (
        r"the budget (?P<budget>.+) cannot buy one delivery at a cost of (?P<cost>.+) each",
        gettext_noop("the budget %(budget)s cannot buy one delivery at a cost of %(cost)s each"),
    ),
    (
        r"the start date (?P<start>.+) is after the end date (?P<end>.+)",
        gettext_noop("the start date %(start)s is after the end date %(end)s"),
    ),
    (
        r"the planning period is longer than 20 years",
        gettext_noop("the planning period is longer than 20 years"),
    ),
    (r"the delivery history has no rows", gettext_noop("the delivery history has no rows")),
    (
        r"the date of row (?P<row>\d+) (?P<value>.+) is not a date(?:; write dates as YYYY-MM-DD)?",
        gettext_noop("row %(row)s: %(value)s is not a date; write dates as YYYY-MM-DD"),
    ),
    (
        r"the date (?P<value>.+) is not a date",
        gettext_noop("%(value)s is not a date; write dates as YYYY-MM-DD"),
    ),
    (
        r"cv_threshold (?P<value>.+) must be a number from 0 to 10",
        gettext_noop("cv_threshold %(value)s must be a number from 0 to 10"),
    ),
    (
        r"same_date_window_days (?P<value>.+) must be a whole number from 0 to 182",
        gettext_noop("same_date_window_days %(value)s must be a whole number from 0 to 182"),
    ),
    # expectations
    (
        r"there are no perceptions to estimate the prior from",
        gettext_noop("there are no perceptions to estimate the prior from"),
    ),
    (
        r"no observations of customer (?P<customer>.+) × service (?P<service>.+)",
        gettext_noop("no observations of customer %(customer)s × service %(service)s"),
    ),
    (
        r"(?P<value>.+): time values must be numbers \(wave 1, 2, …\) or dates \(YYYY-MM-DD\)",
        gettext_noop("%(value)s: time values must be numbers (wave 1, 2, …) or dates (YYYY-MM-DD)"),
    ),
    (
        r"parameter (?P<name>\w+) = (?P<value>.+) is not a number",
        gettext_noop("parameter %(name)s = %(value)s is not a number"),
    ),
    (
        r"parameter (?P<name>\w+) = (?P<value>.+) is not finite",
        gettext_noop("parameter %(name)s = %(value)s is not finite"),
    ),
    (
        r"parameter (?P<name>\w+) must lie in \[0, 1\]",
        gettext_noop("parameter %(name)s must lie in [0, 1]"),
    ),
    (
        r"parameter (?P<name>\w+) must not be negative",
        gettext_noop("parameter %(name)s must not be negative"),
    ),
    (
        r"parameter (?P<name>\w+) must be positive",
        gettext_noop("parameter %(name)s must be positive"),
    ),
    # Kano, IPA, SERVQUAL
    (r"no rows of counts", gettext_noop("no rows of counts")),
    (r"attribute (?P<name>.+) has no answers", gettext_noop("attribute %(name)s has no answers")),
    (
        r"attribute (?P<name>.+) is listed twice \(rows (?P<first>\d+) and (?P<second>\d+)\)",
        gettext_noop("attribute %(name)s is listed twice (rows %(first)s and %(second)s)"),
    ),
    (
        r"missing column (?P<column>'.*?') \(need (?P<columns>.+)\)",
        gettext_noop("missing column %(column)s (need %(columns)s)"),
    ),
    (
        r"no attribute columns(?: in (?P<table>.+?))?: a wide Kano table needs pairs of columns "
        r"(?P<functional>NAME\S*) and (?P<dysfunctional>NAME\S*)",
        gettext_noop(
            "no attribute columns: a wide Kano table needs pairs of columns %(functional)s and "
            "%(dysfunctional)s"
        ),
    ),
    (
        r"no attribute columns(?: in (?P<table>.+?))?: a wide IPA table needs (?P<columns>NAME\S*) columns",
        gettext_noop("no attribute columns: a wide IPA table needs %(columns)s columns"),
    ),
    (
        r"derived importance needs the overall rating column",
        gettext_noop("derived importance needs the overall rating column"),
    ),
    (
        r"no stated importance: give an importance column",
        gettext_noop("no stated importance: give an importance column"),
    ),
    (
        r"no importance-points column for dimension (?P<dimension>.+)",
        gettext_noop("no importance-points column for dimension %(dimension)s"),
    ),
    (
        r"no item columns(?: in (?P<table>.+?))?: a wide SERVQUAL table needs (?P<e>ITEM\S*) and "
        r"(?P<p>ITEM\S*) columns for the items (?P<items>.+)",
        gettext_noop(
            "no item columns: a wide SERVQUAL table needs %(e)s and %(p)s columns for the items %(items)s"
        ),
    ),
    # engines and the satisfaction index
    (
        r"unknown engine (?P<value>.+): choose one of (?P<choices>.+)",
        gettext_noop("unknown engine %(value)s: choose one of %(choices)s"),
    ),
    (
        r"no such file or directory: (?P<path>.+)",
        gettext_noop("no such file or directory: %(path)s"),
    ),
    (
        r"no Parquet part files in the directory (?P<path>.+)",
        gettext_noop("no Parquet part files in the directory %(path)s"),
    ),
    (
        r"the spark engine needs pyspark: pip install 'qiwang\[spark\]' \(and Java 17\)",
        gettext_noop("the spark engine needs pyspark: pip install 'qiwang[spark]' (and Java 17)"),
    ),
    (
        r"cannot start Spark with master (?P<master>.+?) \(is Java 17 installed\?\): (?P<error>.+)",
        gettext_noop(
            "cannot start Spark with master %(master)s (is Java 17 installed?): %(error)s"
        ),
    ),
    (
        r"Spark cannot read (?P<location>.+?): (?P<error>.+)",
        gettext_noop("Spark cannot read %(location)s: %(error)s"),
    ),
    (
        r"cannot connect to the database (?P<url>\S+): (?P<error>.+)",
        gettext_noop("cannot connect to the database %(url)s: %(error)s"),
    ),
    (
        r"no table (?P<table>.+?) in (?P<url>\S+): (?P<error>.+)",
        gettext_noop("no table %(table)s in %(url)s: %(error)s"),
    ),
    (
        r"the postgres engine needs a database URL \(postgres://…\) and a table name",
        gettext_noop("the postgres engine needs a database URL (postgres://…) and a table name"),
    ),
    (
        r"a PostgreSQL source needs a table name",
        gettext_noop("a PostgreSQL source needs a table name"),
    ),
    (
        r"not a table name: (?P<value>.+) \(use TABLE or SCHEMA\.TABLE\)",
        gettext_noop("not a table name: %(value)s (use TABLE or SCHEMA.TABLE)"),
    ),
    (
        r"(?P<engine>\w+) could not run the stage-1 query on (?P<name>.+?): (?P<error>.+)",
        gettext_noop("%(engine)s could not run the stage-1 query on %(name)s: %(error)s"),
    ),
    (
        r"DuckDB reads Parquet and CSV files, not (?P<suffix>.+?): (?P<path>.+)",
        gettext_noop("DuckDB reads Parquet and CSV files, not %(suffix)s: %(path)s"),
    ),
    (
        r"need at least 2 rows, got (?P<count>.+)",
        gettext_noop("need at least 2 rows, got %(count)s"),
    ),
    (
        r"the indicator is constant \(every value is (?P<value>.+)\); remove it from the model",
        gettext_noop(
            "the indicator is constant (every value is %(value)s); remove it from the model"
        ),
    ),
    (
        r"scale must be \[min, max\] with min < max, got (?P<value>.+)",
        gettext_noop("scale must be [min, max] with min < max, got %(value)s"),
    ),
    (
        r"scale maximum must exceed its minimum",
        gettext_noop("scale maximum must exceed its minimum"),
    ),
    (
        r"resamples must be at least 2, got (?P<value>.+)",
        gettext_noop("resamples must be at least 2, got %(value)s"),
    ),
    (
        r"level must be between 0 and 1, got (?P<value>.+)",
        gettext_noop("level must be between 0 and 1, got %(value)s"),
    ),
    (
        r"fewer than 2 bootstrap replicates converged; the model is unstable on this data",
        gettext_noop(
            "fewer than 2 bootstrap replicates converged; the model is unstable on this data"
        ),
    ),
    (r"(?P<count>\d+) rows have no row key", gettext_noop("%(count)s rows have no row key")),
    (
        r"the row key must be an integer or text column, not (?P<type>.+) \(its text form differs "
        r"between engines\)",
        gettext_noop(
            "the row key must be an integer or text column, not %(type)s (its text form differs "
            "between engines)"
        ),
    ),
    (r"no indicator columns given", gettext_noop("no indicator columns given")),
    (
        r"the importance points of respondent (?P<who>.+) differ between their rows \((?P<low>.+) "
        r"and (?P<high>.+)\); on an engine each respondent's points must be the same on every row",
        gettext_noop(
            "the importance points of respondent %(who)s differ between their rows (%(low)s and "
            "%(high)s); on an engine each respondent's points must be the same on every row"
        ),
    ),
)
_COMMON: tuple[tuple[str, str], ...] = (
    (r"no such file: (?P<path>.+)", gettext_noop("no such file: %(path)s")),
    (r"the file is empty: (?P<name>.+)", gettext_noop("the file is empty: %(name)s")),
    (
        r"(?P<path>.+) is a directory, not a file",
        gettext_noop("%(path)s is a directory, not a file"),
    ),
    (
        r"cannot read (?P<name>.+?): not an Excel workbook \(\.xlsx\)",
        gettext_noop("cannot read %(name)s: not an Excel workbook (.xlsx)"),
    ),
    (
        r"cannot read (?P<name>.+?): use a CSV, XLSX or Parquet file \(suffix (?P<suffixes>.+)\)",
        gettext_noop("cannot read %(name)s: use a CSV, XLSX or Parquet file (suffix %(suffixes)s)"),
    ),
    (
        r"cannot read (?P<name>.+?): neither UTF-8 nor GB18030 text",
        gettext_noop("cannot read %(name)s: neither UTF-8 nor GB18030 text"),
    ),
    (r"cannot read (?P<name>.+?): (?P<error>.+)", gettext_noop("cannot read %(name)s: %(error)s")),
    (r"(?P<name>.+) has no data rows", gettext_noop("%(name)s has no data rows")),
    (
        r"missing column (?P<column>'.*?'); the columns are (?P<columns>.*)",
        gettext_noop("missing column %(column)s; the columns are %(columns)s"),
    ),
    (r"missing column (?P<column>.+)", gettext_noop("missing column %(column)s")),
    (r"unknown column (?P<column>.+)", gettext_noop("unknown column %(column)s")),
    (r"there are no data rows", gettext_noop("there are no data rows")),
    (r"there are no answers", gettext_noop("there are no answers")),
    (r"no rows left to analyse", gettext_noop("no rows left to analyse")),
    (r"missing value", gettext_noop("missing value")),
    (r"an empty cell", gettext_noop("an empty cell")),
    (r"the column has no observed values", gettext_noop("the column has no observed values")),
    (r"no row has a value in every column", gettext_noop("no row has a value in every column")),
    (r"column not found in the data", gettext_noop("column not found in the data")),
    (
        r"no row has both an expectation and a perception",
        gettext_noop("no row has both an expectation and a perception"),
    ),
    (
        r"(?P<value>.+) is not a date; write dates as YYYY-MM-DD",
        gettext_noop("%(value)s is not a date; write dates as YYYY-MM-DD"),
    ),
    (
        r"(?P<value>.+) is not a level of the (?P<low>\d+)–(?P<high>\d+) scale",
        gettext_noop("%(value)s is not a level of the %(low)s–%(high)s scale"),
    ),
    (
        r"(?P<value>.+) is not an answer on the (?P<scale>.+?) scale \((?P<labels>codes .+)\)",
        gettext_noop("%(value)s is not an answer on the %(scale)s scale (%(labels)s)"),
    ),
    (
        r"(?P<value>.+) is not an item of the instrument \((?P<items>.+)\)",
        gettext_noop("%(value)s is not an item of the instrument (%(items)s)"),
    ),
    (
        r"(?P<value>.+) is not a count \(a whole number ≥ 0\)",
        gettext_noop("%(value)s is not a count (a whole number ≥ 0)"),
    ),
    (
        r"(?P<column>.+) is both target and predictor",
        gettext_noop("%(column)s is both target and predictor"),
    ),
    (r"a predictor is listed twice", gettext_noop("a predictor is listed twice")),
    (
        r"(?P<n>\d+) complete rows are too few for (?P<k>\d+) predictors "
        r"\(need at least (?P<need>\d+)\)",
        gettext_noop(
            "%(n)s complete rows are too few for %(k)s predictors (need at least %(need)s)"
        ),
    ),
    (r"(?P<value>.+) is not a number", gettext_noop("%(value)s is not a number")),
)
#: Reasons that wrap another reason, translated in turn.
_WRAPPERS: tuple[tuple[str, str], ...] = (
    (r"(?P<reason>.+) \(respondent (?P<who>.+)\)", gettext_noop("%(reason)s (respondent %(who)s)")),
)
_PATTERNS = _SPECIFIC + _COMMON + _WRAPPERS
_COMPILED = tuple((re.compile(pattern, re.S), msgid) for pattern, msgid in _PATTERNS)


def reason(text: str) -> str:
    """``text`` (an English reason of the analysis) in the command line's language.

    >>> import os; os.environ["QIWANG_LANGUAGE"] = "en"
    >>> reason("missing column 'overall'; the columns are a, b")
    "missing column 'overall'; the columns are a, b"
    """
    for pattern, msgid in _COMPILED:
        match = pattern.fullmatch(text)
        if match:
            values = match.groupdict()
            if "reason" in values:  # a wrapper: its inner reason is translated too
                values["reason"] = reason(values["reason"])
            return _(msgid) % values
    return text


def input_error(error: Any) -> str:
    """The message of an :class:`~qiwang.analysis.AnalysisInputError` (or any error) translated:
    the reason, and the row / column prefix the analysis adds."""
    text = getattr(error, "reason", None)
    if not isinstance(text, str):
        return reason(str(error))
    row, column = getattr(error, "row", None), getattr(error, "column", None)
    values = {"reason": reason(text), "row": row, "column": repr(column)}
    if row is not None and column is not None:
        return _("row %(row)s, column %(column)s: %(reason)s") % values
    if row is not None:
        return _("row %(row)s: %(reason)s") % values
    if column is not None:
        return _("column %(column)s: %(reason)s") % values
    return values["reason"]

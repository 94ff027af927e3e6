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

__all__ = ["input_error"]

# (English reason as the analysis writes it, with named groups) -> msgid with the same names;
# the first pattern that matches the whole reason wins, so the specific ones come first.
_SPECIFIC: tuple[tuple[str, str], ...] = (
    # the rarer reasons a command can meet (options, file contents, engines); issue 17
    (r"not a number", "not a number"),
    (r"not numeric \((?:d?type) (?P<type>.+)\)", "not numeric (type %(type)s)"),
    (r"infinite value", "infinite value"),
    (
        r"no rows left to analyse after listwise deletion",
        "no rows left to analyse after listwise deletion",
    ),
    (r"the column is constant \(its variance is 0\)", "the column is constant (its variance is 0)"),
    (
        r"the column is constant; a constant cannot explain or be explained",
        "the column is constant; a constant cannot explain or be explained",
    ),
    (
        r"key-driver analysis needs at least one predictor",
        "key-driver analysis needs at least one predictor",
    ),
    (
        r"the predictors (?P<names>.+) are collinear \(one is a linear combination of the others\); drop one",
        "the predictors %(names)s are collinear (one is a linear combination of the others); drop one",
    ),
    (
        r"Shapley values of (?P<p>\d+) predictors need 2\^(?P=p) regressions; use at most "
        r"(?P<most>\d+) predictors or the relative-weights method",
        "Shapley values of %(p)s predictors need 2^%(p)s regressions; use at most %(most)s "
        "predictors or the relative-weights method",
    ),
    # promise
    (
        r"unknown comparison (?P<value>.+): use one of (?P<choices>.+)",
        "unknown comparison %(value)s: use one of %(choices)s",
    ),
    (
        r"the threshold (?P<value>.+) is not a finite number",
        "the threshold %(value)s is not a finite number",
    ),
    (
        r"the target (?P<value>.+) is not text such as '<=24'",
        "the target %(value)s is not text such as '<=24'",
    ),
    (
        r"cannot read the target (?P<value>.+): write a comparison \(<=, <, >=, >, ≤, ≥\) followed by "
        r"a number and an optional unit, e\.g\. '<=24' or '>=18 °C'",
        "cannot read the target %(value)s: write a comparison (<=, <, >=, >, ≤, ≥) followed by a "
        "number and an optional unit, e.g. '<=24' or '>=18 °C'",
    ),
    (
        r"the target (?P<value>.+) has no finite threshold",
        "the target %(value)s has no finite threshold",
    ),
    (
        r"the confidence (?P<value>.+) must lie strictly between 0 and 1",
        "the confidence %(value)s must lie strictly between 0 and 1",
    ),
    (
        r"the allowed breach rate (?P<value>.+) must lie strictly between 0 and 1",
        "the allowed breach rate %(value)s must lie strictly between 0 and 1",
    ),
    (
        r"the values must be finite numbers \(found an infinity\)",
        "the values must be finite numbers (found an infinity)",
    ),
    (
        r"there are no values to judge the target against",
        "there are no values to judge the target against",
    ),
    # surprise plans and habituation
    (r"the budget (?P<value>.+) is not an amount", "the budget %(value)s is not an amount"),
    (r"the cost (?P<value>.+) is not an amount", "the cost %(value)s is not an amount"),
    (
        r"the budget (?P<value>.+) is not a finite amount",
        "the budget %(value)s is not a finite amount",
    ),
    (r"the cost (?P<value>.+) is not a finite amount", "the cost %(value)s is not a finite amount"),
    (
        r"(?P<option>[a-z_]+) (?P<value>.+) must be a whole number of at least (?P<minimum>\d+)",
        "%(option)s %(value)s must be a whole number of at least %(minimum)s",
    ),
    (r"there are no eligible customers", "there are no eligible customers"),
    (
        r"customer (?P<value>.+) is listed more than once",
        "customer %(value)s is listed more than once",
    ),
    (
        r"the cost per delivery must be positive, not (?P<value>.+)",
        "the cost per delivery must be positive, not %(value)s",
    ),
    (
        r"the budget must not be negative, not (?P<value>.+)",
        "the budget must not be negative, not %(value)s",
    ),
    (
        r"the budget (?P<budget>.+) cannot buy one delivery at a cost of (?P<cost>.+) each",
        "the budget %(budget)s cannot buy one delivery at a cost of %(cost)s each",
    ),
    (
        r"the start date (?P<start>.+) is after the end date (?P<end>.+)",
        "the start date %(start)s is after the end date %(end)s",
    ),
    (r"the planning period is longer than 20 years", "the planning period is longer than 20 years"),
    (r"the delivery history has no rows", "the delivery history has no rows"),
    (
        r"the date of row (?P<row>\d+) (?P<value>.+) is not a date(?:; write dates as YYYY-MM-DD)?",
        "row %(row)s: %(value)s is not a date; write dates as YYYY-MM-DD",
    ),
    (r"the date (?P<value>.+) is not a date", "%(value)s is not a date; write dates as YYYY-MM-DD"),
    (
        r"cv_threshold (?P<value>.+) must be a number from 0 to 10",
        "cv_threshold %(value)s must be a number from 0 to 10",
    ),
    (
        r"same_date_window_days (?P<value>.+) must be a whole number from 0 to 182",
        "same_date_window_days %(value)s must be a whole number from 0 to 182",
    ),
    # expectations
    (
        r"there are no perceptions to estimate the prior from",
        "there are no perceptions to estimate the prior from",
    ),
    (
        r"no observations of customer (?P<customer>.+) × service (?P<service>.+)",
        "no observations of customer %(customer)s × service %(service)s",
    ),
    (
        r"(?P<value>.+): time values must be numbers \(wave 1, 2, …\) or dates \(YYYY-MM-DD\)",
        "%(value)s: time values must be numbers (wave 1, 2, …) or dates (YYYY-MM-DD)",
    ),
    (
        r"parameter (?P<name>\w+) = (?P<value>.+) is not a number",
        "parameter %(name)s = %(value)s is not a number",
    ),
    (
        r"parameter (?P<name>\w+) = (?P<value>.+) is not finite",
        "parameter %(name)s = %(value)s is not finite",
    ),
    (r"parameter (?P<name>\w+) must lie in \[0, 1\]", "parameter %(name)s must lie in [0, 1]"),
    (r"parameter (?P<name>\w+) must not be negative", "parameter %(name)s must not be negative"),
    (r"parameter (?P<name>\w+) must be positive", "parameter %(name)s must be positive"),
    # Kano, IPA, SERVQUAL
    (r"no rows of counts", "no rows of counts"),
    (r"attribute (?P<name>.+) has no answers", "attribute %(name)s has no answers"),
    (
        r"attribute (?P<name>.+) is listed twice \(rows (?P<first>\d+) and (?P<second>\d+)\)",
        "attribute %(name)s is listed twice (rows %(first)s and %(second)s)",
    ),
    (
        r"missing column (?P<column>'.*?') \(need (?P<columns>.+)\)",
        "missing column %(column)s (need %(columns)s)",
    ),
    (
        r"no attribute columns(?: in (?P<table>.+?))?: a wide Kano table needs pairs of columns "
        r"(?P<functional>NAME\S*) and (?P<dysfunctional>NAME\S*)",
        "no attribute columns: a wide Kano table needs pairs of columns %(functional)s and "
        "%(dysfunctional)s",
    ),
    (
        r"no attribute columns(?: in (?P<table>.+?))?: a wide IPA table needs (?P<columns>NAME\S*) columns",
        "no attribute columns: a wide IPA table needs %(columns)s columns",
    ),
    (
        r"derived importance needs the overall rating column",
        "derived importance needs the overall rating column",
    ),
    (
        r"no stated importance: give an importance column",
        "no stated importance: give an importance column",
    ),
    (
        r"no importance-points column for dimension (?P<dimension>.+)",
        "no importance-points column for dimension %(dimension)s",
    ),
    (
        r"no item columns(?: in (?P<table>.+?))?: a wide SERVQUAL table needs (?P<e>ITEM\S*) and "
        r"(?P<p>ITEM\S*) columns for the items (?P<items>.+)",
        "no item columns: a wide SERVQUAL table needs %(e)s and %(p)s columns for the items %(items)s",
    ),
    # engines and the satisfaction index
    (
        r"unknown engine (?P<value>.+): choose one of (?P<choices>.+)",
        "unknown engine %(value)s: choose one of %(choices)s",
    ),
    (r"no such file or directory: (?P<path>.+)", "no such file or directory: %(path)s"),
    (
        r"no Parquet part files in the directory (?P<path>.+)",
        "no Parquet part files in the directory %(path)s",
    ),
    (
        r"the spark engine needs pyspark: pip install 'qiwang\[spark\]' \(and Java 17\)",
        "the spark engine needs pyspark: pip install 'qiwang[spark]' (and Java 17)",
    ),
    (
        r"cannot start Spark with master (?P<master>.+?) \(is Java 17 installed\?\): (?P<error>.+)",
        "cannot start Spark with master %(master)s (is Java 17 installed?): %(error)s",
    ),
    (
        r"Spark cannot read (?P<location>.+?): (?P<error>.+)",
        "Spark cannot read %(location)s: %(error)s",
    ),
    (
        r"cannot connect to the database (?P<url>\S+): (?P<error>.+)",
        "cannot connect to the database %(url)s: %(error)s",
    ),
    (
        r"no table (?P<table>.+?) in (?P<url>\S+): (?P<error>.+)",
        "no table %(table)s in %(url)s: %(error)s",
    ),
    (
        r"the postgres engine needs a database URL \(postgres://…\) and a table name",
        "the postgres engine needs a database URL (postgres://…) and a table name",
    ),
    (r"a PostgreSQL source needs a table name", "a PostgreSQL source needs a table name"),
    (
        r"not a table name: (?P<value>.+) \(use TABLE or SCHEMA\.TABLE\)",
        "not a table name: %(value)s (use TABLE or SCHEMA.TABLE)",
    ),
    (
        r"(?P<engine>\w+) could not run the stage-1 query on (?P<name>.+?): (?P<error>.+)",
        "%(engine)s could not run the stage-1 query on %(name)s: %(error)s",
    ),
    (
        r"DuckDB reads Parquet and CSV files, not (?P<suffix>.+?): (?P<path>.+)",
        "DuckDB reads Parquet and CSV files, not %(suffix)s: %(path)s",
    ),
    (r"need at least 2 rows, got (?P<count>.+)", "need at least 2 rows, got %(count)s"),
    (
        r"the indicator is constant \(every value is (?P<value>.+)\); remove it from the model",
        "the indicator is constant (every value is %(value)s); remove it from the model",
    ),
    (
        r"scale must be \[min, max\] with min < max, got (?P<value>.+)",
        "scale must be [min, max] with min < max, got %(value)s",
    ),
    (r"scale maximum must exceed its minimum", "scale maximum must exceed its minimum"),
    (
        r"resamples must be at least 2, got (?P<value>.+)",
        "resamples must be at least 2, got %(value)s",
    ),
    (
        r"level must be between 0 and 1, got (?P<value>.+)",
        "level must be between 0 and 1, got %(value)s",
    ),
    (
        r"fewer than 2 bootstrap replicates converged; the model is unstable on this data",
        "fewer than 2 bootstrap replicates converged; the model is unstable on this data",
    ),
    (r"(?P<count>\d+) rows have no row key", "%(count)s rows have no row key"),
    (
        r"the row key must be an integer or text column, not (?P<type>.+) \(its text form differs "
        r"between engines\)",
        "the row key must be an integer or text column, not %(type)s (its text form differs "
        "between engines)",
    ),
    (r"no indicator columns given", "no indicator columns given"),
    (
        r"the importance points of respondent (?P<who>.+) differ between their rows \((?P<low>.+) "
        r"and (?P<high>.+)\); on an engine each respondent's points must be the same on every row",
        "the importance points of respondent %(who)s differ between their rows (%(low)s and "
        "%(high)s); on an engine each respondent's points must be the same on every row",
    ),
)
_COMMON: tuple[tuple[str, str], ...] = (
    (r"no such file: (?P<path>.+)", "no such file: %(path)s"),
    (r"the file is empty: (?P<name>.+)", "the file is empty: %(name)s"),
    (
        r"cannot read (?P<name>.+?): use a CSV, XLSX or Parquet file \(suffix (?P<suffixes>.+)\)",
        "cannot read %(name)s: use a CSV, XLSX or Parquet file (suffix %(suffixes)s)",
    ),
    (
        r"cannot read (?P<name>.+?): neither UTF-8 nor GB18030 text",
        "cannot read %(name)s: neither UTF-8 nor GB18030 text",
    ),
    (r"cannot read (?P<name>.+?): (?P<error>.+)", "cannot read %(name)s: %(error)s"),
    (r"(?P<name>.+) has no data rows", "%(name)s has no data rows"),
    (
        r"missing column (?P<column>'.*?'); the columns are (?P<columns>.*)",
        "missing column %(column)s; the columns are %(columns)s",
    ),
    (r"missing column (?P<column>.+)", "missing column %(column)s"),
    (r"unknown column (?P<column>.+)", "unknown column %(column)s"),
    (r"there are no data rows", "there are no data rows"),
    (r"there are no answers", "there are no answers"),
    (r"no rows left to analyse", "no rows left to analyse"),
    (r"missing value", "missing value"),
    (r"an empty cell", "an empty cell"),
    (r"the column has no observed values", "the column has no observed values"),
    (r"no row has a value in every column", "no row has a value in every column"),
    (r"column not found in the data", "column not found in the data"),
    (
        r"no row has both an expectation and a perception",
        "no row has both an expectation and a perception",
    ),
    (
        r"(?P<value>.+) is not a date; write dates as YYYY-MM-DD",
        "%(value)s is not a date; write dates as YYYY-MM-DD",
    ),
    (
        r"(?P<value>.+) is not a level of the (?P<low>\d+)–(?P<high>\d+) scale",
        "%(value)s is not a level of the %(low)s–%(high)s scale",
    ),
    (
        r"(?P<value>.+) is not an answer on the (?P<scale>.+?) scale \((?P<labels>codes .+)\)",
        "%(value)s is not an answer on the %(scale)s scale (%(labels)s)",
    ),
    (
        r"(?P<value>.+) is not an item of the instrument \((?P<items>.+)\)",
        "%(value)s is not an item of the instrument (%(items)s)",
    ),
    (
        r"(?P<value>.+) is not a count \(a whole number ≥ 0\)",
        "%(value)s is not a count (a whole number ≥ 0)",
    ),
    (r"(?P<column>.+) is both target and predictor", "%(column)s is both target and predictor"),
    (r"a predictor is listed twice", "a predictor is listed twice"),
    (
        r"(?P<n>\d+) complete rows are too few for (?P<k>\d+) predictors "
        r"\(need at least (?P<need>\d+)\)",
        "%(n)s complete rows are too few for %(k)s predictors (need at least %(need)s)",
    ),
    (r"(?P<value>.+) is not a number", "%(value)s is not a number"),
)
#: Reasons that wrap another reason, translated in turn.
_WRAPPERS: tuple[tuple[str, str], ...] = (
    (r"(?P<reason>.+) \(respondent (?P<who>.+)\)", "%(reason)s (respondent %(who)s)"),
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

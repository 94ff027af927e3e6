"""The one exception that the analysis package raises for bad input."""

from __future__ import annotations

__all__ = ["AnalysisInputError"]


class AnalysisInputError(ValueError):
    """Input data that an analysis cannot use.

    A subclass of :class:`ValueError`, so callers that only care about "bad value" can catch
    that. The message always names the offending column and, where one is to blame, the row.

    Parameters
    ----------
    message : str
        What is wrong, in words a survey analyst understands.
    column : str, optional
        The column (or item, or attribute) at fault.
    row : int, optional
        1-based number of the data row at fault, counting the first row after the header as 1.

    Examples
    --------
    >>> error = AnalysisInputError("unknown answer 'maybe'", column="functional", row=3)
    >>> str(error)
    "row 3, column 'functional': unknown answer 'maybe'"
    """

    def __init__(self, message: str, *, column: str | None = None, row: int | None = None) -> None:
        self.reason = message
        self.column = column
        self.row = row
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)

"""``qiwang analyze …``: the analysis methods on files (CSV, XLSX, Parquet).

Each method's commands live in their own module and register themselves on ``analyze_app``.
"""

import typer

from qiwang.cli._group import QiwangGroup
from qiwang.cli._i18n import gettext as _

analyze_app = typer.Typer(
    cls=QiwangGroup,
    help=_("Analyse survey data from CSV, XLSX or Parquet files."),
    no_args_is_help=True,
)

# Command modules register on analyze_app when imported (order sets the order in --help).
from qiwang.cli.analyze import survey, satisfaction, csi, promise  # noqa: E402,F401,I001
from qiwang.cli.analyze import surprise, expectations, text, reply  # noqa: E402,F401,I001

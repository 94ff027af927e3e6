"""The ``qiwang`` command line.

``qiwang demo`` / ``serve`` / ``worker`` / ``manage`` run the web application; ``qiwang analyze …``
runs the analysis methods on files. The CLI calls services and :mod:`qiwang.analysis`, never views.
"""

from __future__ import annotations

import sys

import typer

from qiwang.cli._group import QiwangGroup
from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.backup import register_backup_commands
from qiwang.cli.calendar import calendar_app
from qiwang.cli.customers import customers_app
from qiwang.cli.exports import export_app
from qiwang.cli.jobs import jobs_app
from qiwang.cli.privacy import personal_data as _personal_data  # noqa: F401 (registers commands)
from qiwang.cli.server import register_server_commands
from qiwang.cli.sla import sla_app
from qiwang.cli.surveys import surveys_app

app = typer.Typer(
    cls=QiwangGroup,
    name="qiwang",
    help=_(
        "Qiwang (期望): customer expectation and satisfaction management. Messages and help "
        "follow QIWANG_LANGUAGE, else LC_ALL / LC_MESSAGES / LANG (zh-hans or en). Exit codes: "
        "0 success, 1 the work failed or rows were rejected, 2 misuse."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _each_invocation() -> None:
    # Errors are plain text unless the command asks for JSON (its --json calls use_json).
    use_json(False)


app.add_typer(analyze_app, name="analyze")
app.add_typer(customers_app, name="customers")
app.add_typer(export_app, name="export")
app.add_typer(surveys_app, name="surveys")
app.add_typer(jobs_app, name="jobs")
app.add_typer(sla_app, name="sla")
app.add_typer(calendar_app, name="calendar")
register_server_commands(app)
register_backup_commands(app)


def main() -> None:
    """Entry point of the ``qiwang`` console script."""
    from qiwang.envlang import translate_libraries

    translate_libraries()  # Click's and Typer's own texts in the command line's language
    app(prog_name="qiwang")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``qiwang customers personal-data`` and ``qiwang customers erase``: personal-data requests
(PIPL) from the command line, run by an operator (audited with no user)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli.customers import customers_app
from qiwang.cli.server import check_database, console, err_console, setup_django


def _customer(code: str):  # type: ignore[no-untyped-def]
    from django.utils.translation import gettext as _

    from qiwang.customers.models import Customer

    customer = Customer.objects.filter(code=code).first()
    if customer is None:
        err_console.print(_("CUSTOMER: no customer has the number %s.") % code, style="red")
        raise typer.Exit(code=2)
    return customer


@customers_app.command("personal-data")
def personal_data(
    code: Annotated[str, typer.Argument(metavar="CUSTOMER", help="The customer number.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (default: print JSON)."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="json or xlsx (xlsx needs --output).")
    ] = "json",
) -> None:
    """A customer's copy of everything Qiwang holds about them (JSON or XLSX, labels in both
    languages). Audited."""
    setup_django()
    check_database()
    from django.utils.translation import gettext as _

    from qiwang.customers.privacy import personal_data_copy, write_copy_xlsx

    if fmt not in {"json", "xlsx"}:
        err_console.print(_("--format: %s is not json or xlsx.") % fmt, style="red")
        raise typer.Exit(code=2)
    if fmt == "xlsx" and output is None:
        err_console.print(_("--format xlsx needs --output FILE."), style="red")
        raise typer.Exit(code=2)
    copy = personal_data_copy(None, _customer(code))
    data = (
        write_copy_xlsx(copy)
        if fmt == "xlsx"
        else json.dumps(copy, ensure_ascii=False, indent=2).encode()
    )
    if output is None:
        typer.echo(data.decode())
        return
    try:
        output.write_bytes(data)
    except OSError as error:
        err_console.print(
            _("Cannot write %(file)s: %(error)s") % {"file": output, "error": error}, style="red"
        )
        raise typer.Exit(code=2) from None
    console.print(_("Wrote %(file)s.") % {"file": output})


@customers_app.command("erase")
def erase(
    code: Annotated[str, typer.Argument(metavar="CUSTOMER", help="The customer number.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print what changed as JSON.")] = False,
) -> None:
    """Anonymise a customer everywhere (personal fields, free texts, SMS outbox, waiting imports,
    audit texts); statistics are kept. Audited. Needs --yes."""
    setup_django()
    check_database()
    from django.utils.translation import gettext as _

    from qiwang.customers.privacy import erase_personal_data

    customer = _customer(code)
    if not yes:
        err_console.print(
            _("Erasing cannot be undone; repeat with --yes to erase customer %s.") % code,
            style="red",
        )
        raise typer.Exit(code=2)
    erasure = erase_personal_data(None, customer, confirm=code)
    if as_json:
        typer.echo(
            json.dumps({"customer": code, "total": erasure.total, "changed": erasure.changed})
        )
        return
    console.print(
        _("Customer %(code)s erased: %(count)d items anonymised; statistics kept.")
        % {"code": code, "count": erasure.total}
    )

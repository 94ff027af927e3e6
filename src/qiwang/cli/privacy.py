"""``qiwang customers personal-data`` and ``qiwang customers erase``: personal-data requests
(PIPL) from the command line, run by an operator (audited with no user)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import MISUSE, emit_json, fail, use_json, write_output
from qiwang.cli.customers import JSON_HELP, customers_app
from qiwang.cli.server import check_database, console, setup_django


def _customer(code: str):  # type: ignore[no-untyped-def]
    from django.utils.translation import gettext as _

    from qiwang.customers.models import Customer

    customer = Customer.objects.filter(code=code).first()
    if customer is None:
        raise fail(_("CUSTOMER: no customer has the number %s.") % code, MISUSE)
    return customer


CUSTOMER_HELP = _("The customer number.")


@customers_app.command(
    "personal-data",
    help=_(
        "A customer's copy of everything Qiwang holds about them (JSON or XLSX, labels in both "
        "languages). Audited."
    ),
)
def personal_data(
    code: Annotated[str, typer.Argument(metavar="CUSTOMER", help=CUSTOMER_HELP)],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=_("Write to this file (default: print JSON).")),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help=_("json or xlsx (xlsx needs --output)."))
    ] = "json",
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
    from django.utils.translation import gettext as _

    from qiwang.customers.privacy import personal_data_copy, write_copy_xlsx

    if fmt not in {"json", "xlsx"}:
        raise fail(_("--format: %s is not json or xlsx.") % fmt, MISUSE)
    if fmt == "xlsx" and output is None:
        raise fail(_("--format xlsx needs --output FILE."), MISUSE)
    copy = personal_data_copy(None, _customer(code))
    data = (
        write_copy_xlsx(copy)
        if fmt == "xlsx"
        else json.dumps(copy, ensure_ascii=False, indent=2).encode()
    )
    if output is None:
        typer.echo(data.decode())
        return
    write_output(output, data)
    if as_json:
        emit_json({"customer": code, "format": fmt, "output": str(output), "bytes": len(data)})
        return
    console.print(_("Wrote %(file)s.") % {"file": output})


@customers_app.command(
    "erase",
    help=_(
        "Anonymise a customer everywhere (personal fields, free texts, SMS outbox, waiting "
        "imports, audit texts); statistics are kept. Audited. Needs --yes."
    ),
)
def erase(
    code: Annotated[str, typer.Argument(metavar="CUSTOMER", help=CUSTOMER_HELP)],
    yes: Annotated[bool, typer.Option("--yes", help=_("Confirm: this cannot be undone."))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=_("Print what changed as JSON."))] = False,
) -> None:
    use_json(as_json)
    setup_django()
    check_database(migrated=True)
    from django.utils.translation import gettext as _

    from qiwang.customers.privacy import erase_personal_data

    customer = _customer(code)
    if not yes:
        raise fail(
            _("Erasing cannot be undone; repeat with --yes to erase customer %s.") % code, MISUSE
        )
    erasure = erase_personal_data(None, customer, confirm=code)
    if as_json:
        emit_json({"customer": code, "total": erasure.total, "changed": erasure.changed})
        return
    console.print(
        _("Customer %(code)s erased: %(count)d items anonymised; statistics kept.")
        % {"code": code, "count": erasure.total}
    )

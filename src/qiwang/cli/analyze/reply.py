"""``qiwang analyze reply-check``: coach complaint replies on the command line.

Prints a JSON list with one object per reply, in order: ``{"reply", "flags": [{"rule", "start",
"end", "text", "suggestion", "why"}]}`` (``start`` / ``end`` are character offsets in the reply).
Replies come from the arguments or from ``--file`` (one reply per line; blank lines are skipped).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qiwang.cli._i18n import gettext as _
from qiwang.cli._output import use_json
from qiwang.cli.analyze import analyze_app
from qiwang.cli.analyze._common import console, fail, guard, print_json


@analyze_app.command(
    "reply-check",
    help=_(
        "Flag phrases a complaint reply should avoid (你应该, 你别激动, 但是 …) with suggestions."
    ),
)
def reply_check(
    texts: Annotated[
        list[str] | None,
        typer.Argument(help=_("One or more replies to check."), show_default=False),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help=_("UTF-8 text file, one reply per line."), dir_okay=False),
    ] = None,
    language: Annotated[
        str, typer.Option("--language", help=_("Language of suggestions and reasons: zh or en."))
    ] = "zh",
    as_json: Annotated[
        bool, typer.Option("--json", help=_("Print JSON instead of a table."))
    ] = False,
) -> None:
    """Flag phrases a complaint reply should avoid (你应该, 你别激动, 但是 …) with suggestions."""
    use_json(as_json)
    from qiwang.analysis.reply import check_replies

    replies = list(texts or [])
    if file is not None:
        try:
            content = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise fail(_("--file: %(file)s does not exist") % {"file": file}) from None
        except UnicodeDecodeError:
            raise fail(_("--file: %(file)s is not UTF-8 text") % {"file": file}) from None
        except OSError as error:
            raise fail(
                _("--file: %(file)s cannot be read (%(reason)s)")
                % {"file": file, "reason": error.strerror}
            ) from None
        replies += [line for line in content.splitlines() if line.strip()]
    if not replies:
        raise fail(_("give a reply to check, or --file with one reply per line"))
    if language not in {"zh", "en"}:
        raise fail(
            _("--language: %(language)s is neither zh nor en") % {"language": repr(language)}
        )
    with guard():
        checks = check_replies(replies, language=language)
    if as_json:
        print_json([check.to_dict() for check in checks])
        return
    out = console()
    for number, check in enumerate(checks, start=1):
        out.print(f"[bold]{number}.[/] {check.reply}", highlight=False)
        if check.is_clean:
            out.print("   ✓", highlight=False)
        for flag in check.flags:
            out.print(
                f"   [{flag.start}:{flag.end}] “{flag.text}” ({flag.rule}) → {flag.suggestion} — "
                f"{flag.why}",
                highlight=False,
            )

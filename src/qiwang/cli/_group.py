"""The command groups of ``qiwang``: Typer's group without Typer's own "did you mean …" after a
mistyped sub-command. Click (8.2 and later) already adds that hint, translated with its other
texts (ADR 0232); Typer appended a second one, in English."""

from __future__ import annotations

import click
from typer.core import TyperGroup


class QiwangGroup(TyperGroup):
    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        return click.Group.resolve_command(self, ctx, args)

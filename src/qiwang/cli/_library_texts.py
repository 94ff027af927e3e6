"""Texts of Click and Typer that the command line shows (usage, help panels, usage errors),
listed for `make messages`: both libraries translate them with the standard library's gettext, which
:func:`qiwang.envlang.translate_libraries` points at Qiwang's catalogues. Translations: the
``# click-typer`` block of both catalogues."""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


LIBRARY_TEXTS = (
    gettext_noop("Aborted!"),
    gettext_noop("Aborted."),
    gettext_noop("Options"),
    gettext_noop("Commands"),
    gettext_noop("Arguments"),
    gettext_noop("Positional arguments"),
    ngettext(
        "Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})", 1
    ),
    gettext_noop("Missing command."),
    gettext_noop("env var: {var}"),
    gettext_noop("default: {default}"),
    gettext_noop("(dynamic)"),
    gettext_noop("Error: {message}"),
    gettext_noop("Try '{command} {option}' for help."),
    gettext_noop("Invalid value: {message}"),
    gettext_noop("Invalid value for {param_hint}: {message}"),
    gettext_noop("Missing argument"),
    gettext_noop("Missing option"),
    gettext_noop("Missing parameter"),
    gettext_noop("Missing {param_type}"),
    gettext_noop("Missing parameter: {param_name}"),
    gettext_noop("No such option {name!r}."),
    gettext_noop("No such command {name!r}."),
    gettext_noop("unknown error"),
    gettext_noop("Could not open file {filename!r}: {message}"),
    gettext_noop("Usage:"),
    gettext_noop("Do you want to continue?"),
    gettext_noop("Confirm the action without prompting."),
    gettext_noop("%(prog)s, version %(version)s"),
    gettext_noop("Show the version and exit."),
    gettext_noop("Show this message and exit."),
    gettext_noop("Option {name!r} does not take a value."),
    ngettext(
        "Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.", 1
    ),
    gettext_noop("{value!r} is not a valid {number_type}."),
    gettext_noop("{value} is not in the range {range}."),
    gettext_noop("{value!r} is not a valid boolean. Recognized values: {states}"),
    gettext_noop("{value!r} is not a valid UUID."),
    gettext_noop("{name} {filename!r} does not exist."),
    gettext_noop("{name} {filename!r} is a file."),
    gettext_noop("{name} {filename!r} is a directory."),
    gettext_noop("{name} {filename!r} is not readable."),
    gettext_noop("{name} {filename!r} is not writable."),
    gettext_noop("required"),
    gettext_noop("(deprecated) "),
    gettext_noop("deprecated"),
    gettext_noop("[default: {}]"),
    gettext_noop("[env var: {}]"),
    gettext_noop("[required]"),
    gettext_noop("Error"),
    gettext_noop("Try [blue]'{command_path} {help_option}'[/] for help."),
    gettext_noop("Repeat for confirmation"),
    gettext_noop("Error: The two entered values do not match."),
    gettext_noop("Error: invalid input"),
    gettext_noop("file"),
    gettext_noop("directory"),
    gettext_noop("path"),
    ngettext("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)", 1),
    ngettext("{value!r} is not {choice}.", "{value!r} is not one of {choices}.", 1),
    gettext_noop("Choose from:\n\t{choices}"),
    gettext_noop("Argument {name!r} takes {nargs} values."),
    gettext_noop("Takes {nargs} values but 1 was given."),
    gettext_noop("{len_type} values are required, but {len_value} was given."),
    gettext_noop("Value must be an iterable."),
    gettext_noop("{value!r} does not match the format {format}."),
    gettext_noop("{name} {filename!r} is not executable."),
    gettext_noop("Press any key to continue..."),
    # Typer's completion options (translated by qiwang.envlang._translate_completion_options)
    gettext_noop("Install completion for the current shell."),
    gettext_noop(
        "Show completion for the current shell, to copy it or customize the installation."
    ),
    gettext_noop("Install completion for the specified shell."),
    gettext_noop(
        "Show completion for the specified shell, to copy it or customize the installation."
    ),
)

"""Customer import (CSV / XLSX, dry-run preview, all-or-nothing apply) and export.

The file format is a fixed set of column keys (``IMPORT_COLUMNS``), the same in every language,
so that a file exported in English imports in Chinese and back; the header row may also use the
column labels of either language (``客户编号`` or ``Customer number`` for ``code``). Rules,
encodings and limits: docs/customers-import-report.md; the decision: docs/adr/0006.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiwang import exports
from qiwang.accounts.choices import Role
from qiwang.accounts.models import AuditEvent, Branch, User
from qiwang.accounts.permissions import Action, has_permission
from qiwang.customers.choices import CustomerKind, Language, Tier
from qiwang.customers.models import Customer
from qiwang.customers.phones import try_normalise_phone
from qiwang.customers.presentation import MASK
from qiwang.customers.services import reading
from qiwang.errors import ConflictError, ServiceError

__all__ = [
    "IMPORT_COLUMNS",
    "ImportPreview",
    "ImportResult",
    "RowIssue",
    "RowPlan",
    "apply_import",
    "build_template",
    "fingerprint",
    "preview_import",
    "read_table",
]

#: Column keys of an import file, in template order.
IMPORT_COLUMNS = (
    "code",
    "name",
    "kind",
    "tier",
    "branch",
    "account_manager",
    "phone",
    "email",
    "address",
    "wechat",
    "wechat_openid",
    "notes",
    "language",
)
REQUIRED_TO_CREATE = ("code", "name", "kind", "branch")
PERSONAL_COLUMNS = ("phone", "email", "address", "wechat", "wechat_openid")
#: Exported in addition to the import columns (read-only figures; ignored on import).
EXTRA_EXPORT_COLUMNS = ("orders_count", "revenue", "last_activity_at", "created_at")
EXPORT_COLUMNS = IMPORT_COLUMNS + EXTRA_EXPORT_COLUMNS

COLUMN_LABELS = {
    "code": gettext_lazy("Customer number"),
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "tier": gettext_lazy("Tier"),
    "branch": gettext_lazy("Branch code"),
    "account_manager": gettext_lazy("Account manager (user name)"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("E-mail"),
    "address": gettext_lazy("Address"),
    "wechat": gettext_lazy("WeChat"),
    "wechat_openid": gettext_lazy("WeChat openid"),
    "notes": gettext_lazy("Notes"),
    "language": gettext_lazy("Language of messages"),
    "orders_count": gettext_lazy("Orders"),
    "revenue": gettext_lazy("Revenue"),
    "last_activity_at": gettext_lazy("Last activity"),
    "created_at": gettext_lazy("Created"),
}
MAX_LENGTHS = {
    "code": 30,
    "name": 120,
    "phone": 30,
    "address": 200,
    "wechat": 60,
    "wechat_openid": 64,
    "email": 254,
}
MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
_CHUNK = 900  # ids per IN (…) query: below SQLite's variable limit on every version

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
REJECT = "reject"


@dataclass(frozen=True)
class RowIssue:
    """Why a row (or the file) is refused: spreadsheet row number, column, value, reason."""

    row: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.row} {self.field} {self.value!r}: {self.reason}"


@dataclass(frozen=True)
class RowPlan:
    """What applying the file does with one row."""

    row: int
    code: str
    action: str  # CREATE / UPDATE / UNCHANGED / REJECT
    values: dict[str, Any] = field(default_factory=dict)  # cleaned values to write
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # shown: old → new
    issues: tuple[RowIssue, ...] = ()


@dataclass(frozen=True)
class ImportPreview:
    """The dry run: one plan per data row, plus problems with the file itself."""

    fingerprint: str
    file_format: str
    encoding: str
    rows: tuple[RowPlan, ...]
    file_issues: tuple[RowIssue, ...] = ()

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def rejected(self) -> int:
        return self.count(REJECT)

    @property
    def issues(self) -> list[RowIssue]:
        return [*self.file_issues, *(issue for row in self.rows for issue in row.issues)]

    @property
    def can_apply(self) -> bool:
        return not self.file_issues and not self.rejected and bool(self.created + self.updated)

    @property
    def plan_digest(self) -> str:
        """Changes when what applying would write changes (file or database moved on)."""
        plan = [
            [row.row, row.code, row.action, sorted(row.changes.items())]
            for row in self.rows
            if row.action in (CREATE, UPDATE)
        ]
        return hashlib.sha256(json.dumps(plan, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    fingerprint: str


def fingerprint(content: bytes) -> str:
    """SHA-256 of the file: a preview applies only to the very file it was made from."""
    return hashlib.sha256(content).hexdigest()


# --- reading files ---------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13812345678 as a number
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


# The formula guard is shared by every export (qiwang.exports); these names stay importable here.
guard_formula = exports.guard_formula
unguard_formula = exports.unguard_formula
FORMULA_STARTS = exports.FORMULA_STARTS


def read_table(
    content: bytes, filename: str, *, encoding: str | None = None
) -> tuple[str, str, list[list[str]]]:
    """``(format, encoding, rows)`` of a CSV or XLSX file; rows[0] is the header.

    ``encoding`` overrides the detected encoding of a CSV (:func:`reading.decode_csv`)."""
    if not content:
        raise ServiceError(_("The file is empty."), field="file")
    if len(content) > MAX_BYTES:
        raise ServiceError(
            _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // 1024 // 1024},
            field="file",
        )
    name = filename.lower()
    if name.endswith(".xlsx") or content.startswith(b"PK\x03\x04"):
        from openpyxl import load_workbook

        reading.check_xlsx_archive(content, filename)
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise ServiceError(
                _("%s is not a readable Excel workbook (.xlsx).") % filename, field="file"
            ) from None
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # pad rows to their own last cell, not a declared A1:XFD…
            rows = list(
                reading.bounded_rows(
                    sheet.iter_rows(values_only=True),
                    max_rows=MAX_ROWS,
                    cell=lambda value: unguard_formula(_cell_text(value)),
                )
            )
        finally:
            workbook.close()
        return "xlsx", "", rows
    if name.endswith(".xls"):
        raise ServiceError(
            _("Old Excel files (.xls) cannot be read: save as .xlsx or CSV."), field="file"
        )
    text, encoding = reading.decode_csv(content, encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        rows = list(
            reading.bounded_rows(
                csv.reader(io.StringIO(text), delimiter=delimiter),
                max_rows=MAX_ROWS,
                cell=lambda value: unguard_formula(value.strip()),
            )
        )
    except csv.Error as error:
        raise ServiceError(_("The CSV file cannot be read: %s.") % error, field="file") from None
    return "csv", encoding, rows


def _header_aliases() -> dict[str, str]:
    """Every accepted header spelling → column key (keys, and labels in both languages)."""
    aliases = {key: key for key in EXPORT_COLUMNS}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for key, label in COLUMN_LABELS.items():
                aliases[str(label).strip().lower()] = key
    return aliases


#: How people write a language in a spreadsheet, beyond its code and its labels.
LANGUAGE_SPELLINGS = {
    "中文": Language.ZH_HANS,
    "简体中文": Language.ZH_HANS,
    "汉语": Language.ZH_HANS,
    "chinese": Language.ZH_HANS,
    "zh": Language.ZH_HANS,
    "zh-cn": Language.ZH_HANS,
    "zh_hans": Language.ZH_HANS,
    "英文": Language.EN,
    "英语": Language.EN,
    "english": Language.EN,
}


def _choice_lookup(
    choices: type[CustomerKind] | type[Tier] | type[Language],
) -> dict[str, str]:
    lookup = {value.lower(): value for value in choices.values}
    if choices is Language:
        lookup.update({key: value.value for key, value in LANGUAGE_SPELLINGS.items()})
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for value, label in choices.choices:
                lookup[str(label).strip().lower()] = value
    return lookup


# --- validation ------------------------------------------------------------------------------


def _in_chunks(values: Iterable[str]) -> Iterator[list[str]]:
    batch = list(values)
    for start in range(0, len(batch), _CHUNK):
        yield batch[start : start + _CHUNK]


def _parse_header(header: list[str]) -> tuple[list[str | None], list[RowIssue]]:
    aliases = _header_aliases()
    keys: list[str | None] = []
    issues: list[RowIssue] = []
    seen: set[str] = set()
    for cell in header:
        text = cell.strip().lstrip("\ufeff")
        if not text:
            keys.append(None)
            continue
        key = aliases.get(text.lower())
        if key is None:
            issues.append(
                RowIssue(1, _("header"), text, _("Unknown column; use the template's columns."))
            )
        elif key in seen:
            issues.append(RowIssue(1, _("header"), text, _("The column appears twice.")))
        else:
            seen.add(key)
        keys.append(key if key in IMPORT_COLUMNS else None)  # read-only export columns: ignored
    if "code" not in seen:
        issues.append(RowIssue(1, _("header"), "code", _("The customer number column is missing.")))
    return keys, issues


class _Validator:
    """Checks rows against the database, loading what it needs in a few set-based queries."""

    def __init__(self, actor: User | None, records: list[tuple[int, dict[str, str]]]) -> None:
        self.actor = actor
        self.visible = None if actor is None else actor.visible_branch_ids()
        self.kinds = _choice_lookup(CustomerKind)
        self.tiers = _choice_lookup(Tier)
        self.languages = _choice_lookup(Language)
        codes = {values.get("code", "") for _row, values in records} - {""}
        branch_codes = {values.get("branch", "") for _row, values in records} - {""}
        usernames = {values.get("account_manager", "") for _row, values in records} - {""}
        self.existing: dict[str, Customer] = {}
        for chunk in _in_chunks(codes):
            for customer in Customer.objects.filter(code__in=chunk).select_related(
                "branch", "account_manager"
            ):
                self.existing[customer.code] = customer
        editable = Customer.objects.all() if actor is None else Customer.objects.for_user(actor)
        self.editable_ids: set[int] = set()
        ids = [customer.pk for customer in self.existing.values()]
        for start in range(0, len(ids), _CHUNK):
            self.editable_ids |= set(
                editable.filter(pk__in=ids[start : start + _CHUNK]).values_list("pk", flat=True)
            )
        self.branches = {
            branch.code: branch for branch in Branch.objects.filter(code__in=branch_codes)
        }
        self.managers = {
            user.username: user
            for user in User.objects.filter(username__in=usernames).prefetch_related("branches")
        }
        self.may_change = actor is None or has_permission(actor, Action.CHANGE_CUSTOMERS)
        self.owns_only_own = (
            actor is not None and not actor.is_administrator and actor.role == Role.ACCOUNT_MANAGER
        )

    def _sees(self, branch_id: int) -> bool:
        return self.visible is None or branch_id in self.visible

    def check(self, row: int, raw: dict[str, str], first_row_of: dict[str, int]) -> RowPlan:
        issues: list[RowIssue] = []

        def refuse(name: str, reason: str) -> None:
            issues.append(RowIssue(row, name, raw.get(name, ""), reason))

        code = raw.get("code", "")
        existing = self.existing.get(code)
        if not code:
            refuse("code", _("The customer number is required."))
        elif code in first_row_of and first_row_of[code] != row:
            refuse("code", _("The same customer number is on row %d.") % first_row_of[code])
        elif existing is not None and existing.pk not in self.editable_ids:
            refuse("code", _("This customer number belongs to a customer you may not change."))
        if not self.may_change:
            refuse("code", _("Your role may not change customers."))
        values: dict[str, Any] = {}
        for name, limit in MAX_LENGTHS.items():
            if len(raw.get(name, "")) > limit:
                refuse(name, _("Longer than %d characters.") % limit)
        if existing is None:
            for name in REQUIRED_TO_CREATE:
                if name != "code" and not raw.get(name):
                    refuse(name, _("Required for a new customer."))
        for name in ("code", "name", "address", "wechat", "notes"):
            if raw.get(name):
                values[name] = raw[name]
        for name, lookup, label in (
            ("kind", self.kinds, _("not a customer kind")),
            ("tier", self.tiers, _("not a tier")),
            ("language", self.languages, _("not a language customers are written to in")),
        ):
            if raw.get(name):
                choice = lookup.get(raw[name].lower())
                if choice is None:
                    allowed = ", ".join(
                        ["zh-hans (中文)", "en (English)"]
                        if name == "language"
                        else sorted(set(lookup.values()))
                    )
                    refuse(
                        name,
                        _("%(label)s; use one of: %(allowed)s.")
                        % {"label": label, "allowed": allowed},
                    )
                else:
                    values[name] = choice
        if existing is None and "tier" not in values:
            values["tier"] = Tier.GENERAL.value
        branch = existing.branch if existing is not None else None
        if raw.get("branch"):
            found = self.branches.get(raw["branch"])
            if found is None:
                refuse("branch", _("Unknown branch code."))
            elif not self._sees(found.pk):
                refuse("branch", _("This branch is not one of your branches."))
            else:
                branch = found
                values["branch"] = found
        if raw.get("phone") and MASK not in raw["phone"]:
            phone = try_normalise_phone(raw["phone"])
            if phone is None:
                refuse("phone", _("Not a valid phone number (see the template's instructions)."))
            values["phone"] = phone
        if raw.get("email"):
            try:
                validate_email(raw["email"])
            except ValidationError:
                refuse("email", _("Not an e-mail address."))
            values["email"] = raw["email"]
        if raw.get("wechat_openid") and MASK not in raw["wechat_openid"]:
            from qiwang.customers.channels.wechat import OPENID_PATTERN

            if not OPENID_PATTERN.match(raw["wechat_openid"]):
                refuse(
                    "wechat_openid",
                    _(
                        "Not a WeChat openid (28 letters, digits, - and _ from the Official Account)."
                    ),
                )
            values["wechat_openid"] = raw["wechat_openid"]
        for name in PERSONAL_COLUMNS:
            if MASK in raw.get(name, ""):
                refuse(name, _("A masked value from an export cannot be imported."))
        self._check_manager(raw, branch, values, refuse)
        if issues:
            return RowPlan(row=row, code=code, action=REJECT, issues=tuple(issues))
        if existing is None:
            shown = {name: ("", _shown(value)) for name, value in values.items()}
            return RowPlan(row=row, code=code, action=CREATE, values=values, changes=shown)
        changes = {
            name: (_shown(getattr(existing, name)), _shown(value))
            for name, value in values.items()
            if getattr(existing, name) != value
        }
        values = {name: values[name] for name in changes}
        return RowPlan(
            row=row,
            code=code,
            action=UPDATE if changes else UNCHANGED,
            values=values,
            changes=changes,
        )

    def _check_manager(
        self,
        raw: dict[str, str],
        branch: Branch | None,
        values: dict[str, Any],
        refuse: Callable[[str, str], None],
    ) -> None:
        username = raw.get("account_manager", "")
        if self.owns_only_own:
            # An account manager sees only the customers they own (ADR 0005): they own what they add.
            if username and username != self.actor.username:  # type: ignore[union-attr]
                refuse("account_manager", _("Account managers import only their own customers."))
            values["account_manager"] = self.actor
            return
        if not username:
            return
        manager = self.managers.get(username)
        if manager is None or not manager.is_active or manager.role != Role.ACCOUNT_MANAGER:
            refuse("account_manager", _("No active account manager has this user name."))
            return
        if branch is not None and not manager.can_see_branch(branch.pk):
            refuse(
                "account_manager", _("This account manager does not work in the customer's branch.")
            )
            return
        values["account_manager"] = manager


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Branch):
        return value.code
    if isinstance(value, User):
        return value.username
    return str(value)


def preview_import(
    *,
    actor: User | None,
    content: bytes,
    filename: str,
    encoding: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportPreview:
    """The dry run: what applying ``content`` would do, row by row. Writes nothing.

    ``actor`` None is the command line without ``--user``: every branch, no owner rule.
    """
    file_format, encoding, table = read_table(content, filename, encoding=encoding)
    digest = fingerprint(content)
    if not table or not any(table[0]):
        raise ServiceError(_("The file has no header row."), field="file")
    keys, file_issues = _parse_header(table[0])
    records: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        values = {key: cells[i].strip() for i, key in enumerate(keys) if key and i < len(cells)}
        records.append((number, values))
    if len(records) > MAX_ROWS:
        raise ServiceError(
            _("The file has %(count)d rows; import at most %(max)d at a time.")
            % {"count": len(records), "max": MAX_ROWS},
            field="file",
        )
    if file_issues:
        return ImportPreview(digest, file_format, encoding, (), tuple(file_issues))
    validator = _Validator(actor, records)
    first_row_of: dict[str, int] = {}
    for number, values in records:
        first_row_of.setdefault(values.get("code", ""), number)
    plans = []
    for index, (number, values) in enumerate(records, start=1):
        plans.append(validator.check(number, values, first_row_of))
        if progress is not None and (index % 500 == 0 or index == len(records)):
            progress(index, len(records))
    return ImportPreview(digest, file_format, encoding, tuple(plans))


def _audit_changes(plan: RowPlan, filename: str, digest: str) -> dict[str, Any]:
    changes: dict[str, Any] = {"file": filename[:100], "fingerprint": digest[:16]}
    for name, (old, new) in plan.changes.items():
        # The audit log never copies personal data.
        changes[name] = ["…", "…"] if name in PERSONAL_COLUMNS else [old, new]
    return changes


def apply_import(
    *,
    actor: User | None,
    content: bytes,
    filename: str,
    expected_fingerprint: str,
    expected_plan: str | None = None,
    encoding: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Apply a previewed file: every row or none, in one transaction, each change audited.

    Refused (nothing written) when the file is not the previewed one, when the database moved on
    so that the plan differs from the preview, or when any row is rejected.
    """
    digest = fingerprint(content)
    if digest != expected_fingerprint:
        raise ConflictError(
            _("The file differs from the one previewed; preview it again before applying."),
            field="file",
        )
    with transaction.atomic():
        preview = preview_import(actor=actor, content=content, filename=filename, encoding=encoding)
        if preview.file_issues or preview.rejected:
            first = preview.issues[:20]
            raise ServiceError(
                {
                    "file": [
                        _("%(count)d rows are rejected; nothing was imported.")
                        % {"count": preview.rejected or len(preview.file_issues)}
                    ],
                    "rows": [str(issue) for issue in first],
                }
            )
        if expected_plan is not None and preview.plan_digest != expected_plan:
            raise ConflictError(
                _("Customers changed since the preview; preview the file again before applying."),
                field="file",
            )
        now = timezone.now()
        to_create = [plan for plan in preview.rows if plan.action == CREATE]
        to_update = [plan for plan in preview.rows if plan.action == UPDATE]
        created = [Customer(**plan.values) for plan in to_create]
        for customer in created:
            customer.refresh_search_key()  # bulk_create does not call save()
        Customer.objects.bulk_create(created, batch_size=1000)
        by_code: dict[str, Customer] = {}
        for chunk in _in_chunks(
            plan.code for plan in preview.rows if plan.action in (CREATE, UPDATE)
        ):
            by_code.update({c.code: c for c in Customer.objects.filter(code__in=chunk)})
        changed_fields: set[str] = {"updated_at", "search_key"}
        updated: list[Customer] = []
        for plan in to_update:
            customer = by_code[plan.code]
            for name, value in plan.values.items():
                setattr(customer, name, value)
                changed_fields.add(name)
            customer.updated_at = now
            customer.refresh_search_key()
            updated.append(customer)
        Customer.objects.bulk_update(updated, sorted(changed_fields), batch_size=1000)
        events = []
        for done, plan in enumerate([*to_create, *to_update], start=1):
            customer = by_code[plan.code]
            events.append(
                AuditEvent(
                    actor=actor,
                    action="customer_imported" if plan.action == CREATE else "customer_updated",
                    object_type=Customer._meta.label_lower,
                    object_id=str(customer.pk),
                    object_repr=str(customer)[:200],
                    branch_id=customer.branch_id,
                    changes=_audit_changes(plan, filename, digest),
                )
            )
            if progress is not None and (
                done % 500 == 0 or done == len(to_create) + len(to_update)
            ):
                progress(done, len(to_create) + len(to_update))
        AuditEvent.objects.bulk_create(events, batch_size=1000)
    return ImportResult(len(to_create), len(to_update), preview.unchanged, digest)


# --- template and export ---------------------------------------------------------------------


def _choice_help(choices: type[CustomerKind] | type[Tier] | type[Language]) -> str:
    return ", ".join(f"{value} ({label})" for value, label in choices.choices)


def _template_help() -> list[tuple[str, str, str, str]]:
    required = _("required for a new customer")
    return [
        (
            "code",
            str(COLUMN_LABELS["code"]),
            _("required; matches an existing customer to update it"),
            "C000123",
        ),
        ("name", str(COLUMN_LABELS["name"]), required, "王建国"),
        (
            "kind",
            str(COLUMN_LABELS["kind"]),
            f"{required}: {_choice_help(CustomerKind)}",
            "household",
        ),
        ("tier", str(COLUMN_LABELS["tier"]), _choice_help(Tier), "general"),
        (
            "branch",
            str(COLUMN_LABELS["branch"]),
            f"{required}; {_('one of your branches')}",
            "cuihu",
        ),
        (
            "account_manager",
            str(COLUMN_LABELS["account_manager"]),
            _("optional; account managers always import their own customers"),
            "",
        ),
        (
            "phone",
            str(COLUMN_LABELS["phone"]),
            _("a mobile, a landline with its area code, or +country code; stored as +86…"),
            "13812345678",
        ),
        ("email", str(COLUMN_LABELS["email"]), "", "owner@example.cn"),
        ("address", str(COLUMN_LABELS["address"]), "", "3栋2单元1502室"),
        ("wechat", str(COLUMN_LABELS["wechat"]), "", ""),
        (
            "wechat_openid",
            str(COLUMN_LABELS["wechat_openid"]),
            _("optional: the openid at your WeChat Official Account (not the WeChat handle)"),
            "",
        ),
        ("notes", str(COLUMN_LABELS["notes"]), "", ""),
        (
            "language",
            str(COLUMN_LABELS["language"]),
            _("optional: zh-hans (中文, the default) or en (English); the language of greetings"),
            "zh-hans",
        ),
    ]


def build_template(file_format: str) -> bytes:
    """An empty import file: the header row (column keys) and, in XLSX, an instructions sheet."""
    if file_format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(IMPORT_COLUMNS)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "customers"
    sheet.append(list(IMPORT_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.column_dimensions["G"].number_format = "@"
    guide = workbook.create_sheet(_("Instructions")[:31])
    guide.append([_("Column"), _("Meaning"), _("Rules"), _("Example")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for key, label, rule, example in _template_help():
        guide.append([key, label, rule, example])
    guide.append([])
    guide.append([_("Blank cells leave an existing customer's value unchanged.")])
    for letter, width in zip("ABCD", (18, 28, 70, 20), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

"""What the customers app holds about a customer, for the copy and the erasure (privacy.py).

Erasure keeps the row (tier, branch, value figures, dates, counts) and blanks the personal
fields and free texts; the name becomes the redaction mark. Files in the data directory that
carry the customer (the SMS outbox, uploads waiting between an import's preview and its apply)
are rewritten or removed, and the audit log's texts are redacted.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from qiwang.accounts.models import AuditEvent
from qiwang.customers.models import (
    Contact,
    ContactTask,
    Customer,
    Interaction,
    LifecycleChange,
    MonthlySales,
    Occasion,
    OutboundMessage,
    Referral,
    TierChange,
)
from qiwang.customers.privacy import ERASED, Identifiers, Section, Source, model_section, register
from qiwang.customers.search import search_key
from qiwang.project import config

__all__ = ["register_sources"]

_MAX_UPLOAD_SCAN = 50 * 1024 * 1024  # uploads are capped far below this at intake


def _collect(customer: Customer) -> Iterable[Section]:
    yield model_section(
        "customer",
        Customer.objects.filter(pk=customer.pk),
        exclude=("id",),
        title=_("customer"),
    )
    yield model_section("contacts", Contact.objects.filter(customer=customer))
    yield model_section("interactions", Interaction.objects.filter(customer=customer))
    yield model_section("contact_tasks", ContactTask.objects.filter(customer=customer))
    yield model_section("messages", OutboundMessage.objects.filter(customer=customer))
    yield model_section(
        "referrals",
        Referral.objects.filter(Q(referrer=customer) | Q(referred=customer)),
    )
    yield model_section("tier_changes", TierChange.objects.filter(customer=customer))
    yield model_section("lifecycle_changes", LifecycleChange.objects.filter(customer=customer))
    yield model_section("monthly_sales", MonthlySales.objects.filter(customer=customer))
    yield model_section("occasions", Occasion.objects.filter(customer=customer))
    yield model_section(
        "audit_events",
        AuditEvent.objects.filter(object_type="customers.customer", object_id=str(customer.pk)),
        title=_("audit events"),
    )


def _erase(customer: Customer, ids: Identifiers) -> dict[str, int]:
    changed = {
        "customer": Customer.objects.filter(pk=customer.pk).update(
            name=ERASED,
            phone="",
            search_key=search_key(name=ERASED, code=customer.code, phone=""),
            email="",
            address="",
            wechat="",
            wechat_openid="",
            birthday=None,
            founded_on=None,
            notes="",
        ),
        "contacts": Contact.objects.filter(customer=customer).update(
            name=ERASED, title="", phone="", wechat="", email=""
        ),
        "interactions": Interaction.objects.filter(customer=customer).update(
            notes="", next_step=""
        ),
        "contact_tasks": ContactTask.objects.filter(customer=customer).update(message="", note=""),
        "messages": OutboundMessage.objects.filter(customer=customer).update(
            recipient=ERASED, subject="", body="", error=""
        ),
        "referrals": Referral.objects.filter(Q(referrer=customer) | Q(referred=customer)).update(
            note="", follow_up_note=""
        ),
        "occasions": Occasion.objects.filter(customer=customer).update(name=ERASED),
        "audit_events": _redact_audit_events(ids),
        "sms_outbox_lines": _redact_sms_outbox(ids),
        "import_uploads": _remove_uploads(ids),
    }
    return changed


def _redact(text: str, values: Iterable[str]) -> str:
    for value in values:
        text = text.replace(value, ERASED)
    return text


def _redact_audit_events(ids: Identifiers) -> int:
    """Redact the identifiers in the texts of the branch's audit events that mention them."""
    if not ids.values:
        return 0
    mentions = Q()
    for value in ids.values:
        mentions |= Q(object_repr__contains=value) | Q(changes_text__contains=value)
    events = (
        AuditEvent.objects.annotate(changes_text=Cast("changes", TextField()))
        .filter(Q(branch_id=ids.branch_id) | Q(branch__isnull=True))
        .filter(mentions)
    )
    count = 0
    for event in events.only("pk", "object_repr", "changes"):
        changes = json.loads(_redact(json.dumps(event.changes, ensure_ascii=False), ids.values))
        AuditEvent.objects.filter(pk=event.pk).update(
            object_repr=_redact(event.object_repr, ids.values), changes=changes
        )
        count += 1
    return count


def _redact_sms_outbox(ids: Identifiers) -> int:
    """Rewrite the file SMS backend's outbox lines sent to or naming the customer."""
    directory = Path(settings.QIWANG_SMS_DIR)
    if not ids.values or not directory.is_dir():
        return 0
    count = 0
    for path in sorted(directory.glob("outbox-*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        kept = []
        for line in lines:
            if any(value in line for value in ids.values):
                try:
                    record = json.loads(line)
                except ValueError:
                    record = {}
                record.update({"to": ERASED, "text": ERASED})
                line = json.dumps(record, ensure_ascii=False)
                count += 1
            kept.append(line)
        if count:
            temporary = path.with_suffix(".tmp")
            temporary.write_text("\n".join(kept) + "\n", encoding="utf-8")
            temporary.replace(path)
    return count


def _upload_text(path: Path) -> str:
    """The text of a waiting upload: the CSV bytes, or an XLSX workbook's XML parts."""
    data = path.read_bytes()[:_MAX_UPLOAD_SCAN]
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(path) as book:
                return "".join(
                    book.read(name)[:_MAX_UPLOAD_SCAN].decode("utf-8", "replace")
                    for name in book.namelist()
                    if name.endswith(".xml")
                )
        except zipfile.BadZipFile:
            return ""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def _remove_uploads(ids: Identifiers) -> int:
    """Delete uploads waiting between an import's preview and its apply that hold the customer
    (the importer is asked to upload again)."""
    directory = config.data_dir() / "imports"
    if not ids.values or not directory.is_dir():
        return 0
    count = 0
    for path in directory.glob("*.upload"):
        text = _upload_text(path)
        if any(value in text for value in ids.values):
            path.unlink(missing_ok=True)
            count += 1
    return count


def register_sources() -> None:
    register(Source("customers", _collect, _erase))

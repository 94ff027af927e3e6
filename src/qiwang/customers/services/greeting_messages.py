"""Greeting messages (docs/customers.md): the text of a greeting task rendered from the branch's
message templates in the customer's language, previews, and sending it by SMS, e-mail or WeChat
(recording the message, an interaction and the task done). Task generation is in
:mod:`qiwang.customers.services.greetings`, which re-exports these names.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qiwang.accounts.models import Branch, User
from qiwang.accounts.permissions import Action, require
from qiwang.accounts.services import record_event
from qiwang.customers.choices import (
    Channel,
    Language,
    MessageStatus,
    OccasionKind,
    TaskKind,
    TaskStatus,
)
from qiwang.customers.delivery import is_retryable, take_slot
from qiwang.customers.messaging import (
    MessagingError,
    send_email,
    send_sms,
    send_wechat_template,
)
from qiwang.customers.models import (
    BranchIndustry,
    ContactTask,
    Customer,
    Interaction,
    MessageTemplate,
    OutboundMessage,
)
from qiwang.customers.texts import occasion_name
from qiwang.errors import ServiceError


@dataclass(frozen=True)
class RenderedGreeting:
    channel: str
    subject: str
    body: str

    @property
    def length(self) -> int:
        return len(self.body)

    @property
    def segments(self) -> int:
        return sms_segments(self.body)

    @property
    def digest(self) -> str:
        """What the sender saw (a preview's fingerprint): a send whose text has changed since
        (a template edited in between) is refused instead of sending something unseen."""
        return hashlib.sha256(f"{self.subject}\n{self.body}".encode()).hexdigest()[:16]


#: Characters of the GSM 03.38 default alphabet: an SMS made only of these fits 160 a segment.
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def sms_segments(text: str) -> int:
    """How many SMS a text is sent as: 160 / 153 characters a segment in the GSM alphabet,
    70 / 67 otherwise (UCS-2, every Chinese text). 3GPP TS 23.038 and 23.040."""
    if not text:
        return 0
    single, multi = (160, 153) if set(text) <= _GSM7 else (70, 67)
    length = len(text)
    return 1 if length <= single else -(-length // multi)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


TemplateKey = tuple[str, str, str, str]


def templates_by_key() -> dict[TemplateKey, MessageTemplate]:
    """Every message template by (industry, tier, channel, occasion kind): one query a page."""
    return {
        (template.industry, template.tier, template.channel, template.occasion_kind): template
        for template in MessageTemplate.objects.all()
    }


def organisation_name(branch: Branch) -> str:
    """The company the customer deals with: the nearest branch (itself or above) that chose its
    own industry profile — a business of its own, such as a heating utility inside a property
    group — else the root of the branch tree (the setting ``QIWANG_COMPANY_NAME`` wins)."""
    if settings.QIWANG_COMPANY_NAME:
        return str(settings.QIWANG_COMPANY_NAME)
    parents = dict(Branch.objects.values_list("pk", "parent_id"))
    own_profile = set(BranchIndustry.objects.values_list("branch_id", flat=True))
    current: int = branch.pk
    seen = {current}
    while (
        current not in own_profile
        and parents.get(current) is not None
        and parents[current] not in seen
    ):
        current = parents[current]
        seen.add(current)
    if current == branch.pk:
        return branch.name
    return Branch.objects.filter(pk=current).values_list("name", flat=True).first() or branch.name


def render_greeting(
    task: ContactTask,
    channel: str | None = None,
    *,
    templates: dict[TemplateKey, MessageTemplate] | None = None,
    industry: str | None = None,
    company: str | None = None,
) -> RenderedGreeting:
    """The task's greeting on ``channel`` (default: the task's) from the template of the
    customer's profile, tier, the channel and the occasion. The one function behind both the
    preview and the message sent."""
    from qiwang.customers.services.profiles import industry_of_branch

    channel = channel or task.channel or Channel.SMS
    kind = task.greeting_kind or OccasionKind.PUBLIC_HOLIDAY
    if templates is None:
        templates = templates_by_key()
    if industry is None:
        industry = industry_of_branch(task.customer.branch_id)
    template = templates.get((industry, task.customer.tier, channel, kind))
    if template is None and channel == Channel.WECHAT:  # a template message carries the SMS text
        template = templates.get((industry, task.customer.tier, Channel.SMS, kind))
    if template is None:
        return RenderedGreeting(channel=channel, subject="", body=task.message or task.note)
    manager = task.assignee or task.customer.account_manager
    # The customer's language (the phone script is read by the account manager: the page's).
    if channel == Channel.PHONE:
        language = get_language() or Language.ZH_HANS
    else:
        language = task.customer.language or Language.ZH_HANS
    subject, body = template.text_for("en" if language.startswith("en") else language)
    with translation.override(language):
        occasion = (
            occasion_name(task.occasion.name) if task.occasion_id else occasion_name(task.note)
        )
    values = _Blank(
        customer=task.customer.name,
        occasion=occasion,
        manager=manager.display_name or manager.get_full_name() or manager.username
        if manager
        else "",
        company=company or organisation_name(task.customer.branch),
    )
    return RenderedGreeting(
        channel=channel,
        # an SMS has no subject: the customer receives the body only
        subject=subject.format_map(values).strip() if channel == Channel.EMAIL else "",
        body=body.format_map(values).strip(),
    )


def greeting_previews(
    task: ContactTask,
    *,
    templates: dict[TemplateKey, MessageTemplate] | None = None,
    industry: str | None = None,
    company: str | None = None,
) -> list[RenderedGreeting]:
    """The messages the customer would receive, one per channel they can be reached on
    (SMS with a phone, e-mail with an address, WeChat with an openid while the Official Account
    has a greeting template), exactly as :func:`send_greeting` sends them."""
    previews = []
    for channel, reachable in (
        (Channel.SMS, task.customer.phone),
        (Channel.EMAIL, task.customer.email),
        (
            Channel.WECHAT,
            task.customer.wechat_openid and "greeting" in settings.QIWANG_WECHAT_TEMPLATES,
        ),
    ):
        if reachable:
            previews.append(
                render_greeting(
                    task, channel, templates=templates, industry=industry, company=company
                )
            )
    return previews


@transaction.atomic
def send_greeting(
    *, actor: User, task: ContactTask, channel: str, seen: str | None = None
) -> OutboundMessage:
    """Send the greeting of ``task`` by SMS or e-mail, record the message and an interaction,
    and complete the task. ``seen`` is the preview's digest: if the text changed since, nothing
    is sent. A failed send raises a ServiceError and writes nothing."""
    customer = task.customer
    require(actor, Action.LOG_INTERACTIONS, customer)
    if not Customer.objects.for_user(actor).filter(pk=customer.pk).exists():
        raise ServiceError(_("This is not one of your customers."), field="task")
    if task.kind != TaskKind.GREETING or task.status != TaskStatus.OPEN:
        raise ServiceError(_("This task is not an open greeting."), field="task")
    if channel not in (Channel.SMS, Channel.EMAIL, Channel.WECHAT):
        raise ServiceError(_("Greetings are sent by SMS, e-mail or WeChat."), field="channel")
    recipient = {
        Channel.SMS: customer.phone,
        Channel.EMAIL: customer.email,
        Channel.WECHAT: customer.wechat_openid,
    }[Channel(channel)]
    if not recipient:
        raise ServiceError(
            {
                Channel.SMS: _(
                    "The customer has no mobile number on file: phone them or add the number first."
                ),
                Channel.EMAIL: _(
                    "The customer has no e-mail address on file: send an SMS or phone instead."
                ),
                Channel.WECHAT: _(
                    "The customer has no WeChat openid on file: they must follow the "
                    "Official Account first."
                ),
            }[Channel(channel)],
            field="channel",
        )
    greeting = render_greeting(task, channel)
    if seen and seen != greeting.digest:
        raise ServiceError(
            _("The text changed since you looked at it (a template was edited). Read it again."),
            field="channel",
        )
    # The same limits as the worker's sending (customers.delivery): a greeting right after a
    # survey invitation to the same number would otherwise hit the provider's own limit.
    slot = take_slot(channel, recipient)
    if not slot.allowed:
        raise ServiceError(
            _(
                "Too many messages on this channel just now (its rate limit); "
                "try again in %(seconds)s seconds."
            )
            % {"seconds": slot.wait},
            field="channel",
        )
    now = timezone.now()
    try:
        if channel == Channel.SMS:
            sent = send_sms(
                recipient,
                greeting.body,
                purpose="greeting",
                params={"name": customer.name, "company": organisation_name(customer.branch)},
            )
        elif channel == Channel.WECHAT:
            sent = send_wechat_template(
                recipient,
                purpose="greeting",
                params={
                    "text": greeting.body,
                    "name": customer.name,
                    "company": organisation_name(customer.branch),
                },
            )
        else:
            sent = send_email(recipient, greeting.subject, greeting.body)
    except MessagingError as error:  # nothing is written: the task stays open
        text = str(error)
        if is_retryable(error):  # the same classification as the worker's (customers.delivery)
            text = _("%(error)s This is temporary: try again in a few minutes.") % {"error": text}
        raise ServiceError(text, field="channel") from error
    message = OutboundMessage.objects.create(
        customer=customer,
        task=task,
        channel=channel,
        recipient=recipient,
        subject=greeting.subject,
        body=greeting.body,
        status=MessageStatus.SENT,
        sent_by=actor,
        sent_at=now,
        # Its SMS delivery receipt finds the row by this id (surveys.receipts).
        provider_message_id=sent.provider_id[:100],
    )
    Interaction.objects.create(
        customer=customer,
        branch_id=customer.branch_id,
        author=actor,
        task=task,
        channel=channel,
        occurred_at=now,
        notes=greeting.body,
    )
    ContactTask.objects.filter(pk=task.pk).update(status=TaskStatus.DONE, done_at=now)
    Customer.objects.filter(pk=customer.pk).update(last_activity_at=now)
    record_event(
        actor=actor,
        action="greeting_sent",
        obj=customer,
        changes={"task": task.pk, "channel": channel, "message": message.pk},
    )
    return message

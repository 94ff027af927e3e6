"""The events of the surveys app, hooked in by :class:`qiwang.webhooks.apps.WebhooksConfig`
through ``surveys.loop.COMPLETION_HOOKS`` and ``FOLLOW_UP_HOOKS`` (surveys never imports this
app). Payloads carry no personal data: the customer's code, never a name, phone or address."""

from __future__ import annotations

from typing import Any

from qiwang.accounts.models import Branch
from qiwang.customers.models import ContactTask, Customer
from qiwang.surveys.models import Answer, Question, Response, Wave
from qiwang.webhooks.choices import Event
from qiwang.webhooks.services import emit


def response_key(response_id: int) -> str:
    """The ``Delivery.object_key`` of both survey events: the response they are about."""
    return f"response:{response_id}"


def _branch(branch_id: int) -> dict[str, Any]:
    code = Branch.objects.filter(pk=branch_id).values_list("code", flat=True).first()
    return {"id": branch_id, "code": code}


def _customer_code(customer_id: int | None) -> str | None:
    if customer_id is None:
        return None
    return Customer.objects.filter(pk=customer_id).values_list("code", flat=True).first()


def response_payload(
    response: Response, wave: Wave, answers: list[tuple[Question, Answer]]
) -> dict[str, Any]:
    """``survey.response.completed``: the wave, the response, branch, tier, customer code and
    the answers by attribute key."""
    return response_payload_with(
        response,
        wave,
        answers,
        branch_code=_branch(response.branch_id)["code"],
        customer_code=_customer_code(response.customer_id),
    )


def response_payload_with(
    response: Response,
    wave: Wave,
    answers: list[tuple[Question, Answer]],
    *,
    branch_code: str | None,
    customer_code: str | None,
) -> dict[str, Any]:
    """:func:`response_payload` with the codes given (the one-statement path fills them, and
    the response's id, in SQL: ``webhooks/statement.py``)."""
    return {
        "wave": {"id": wave.pk, "name": wave.name},
        "response": {
            "id": response.pk,
            "source": response.source,
            "submitted_at": response.submitted_at.isoformat() if response.submitted_at else None,
        },
        "branch": {"id": response.branch_id, "code": branch_code},
        "tier": response.tier,
        "customer_code": customer_code,
        "answers": {
            question.attribute: {
                "kind": question.kind,
                "value": answer.value,
                "second": answer.second,
                "importance": answer.importance,
                "text": answer.text,
            }
            for question, answer in answers
        },
    }


def survey_response_completed(
    response: Response, wave: Wave, answers: list[tuple[Question, Answer]]
) -> None:
    emit(
        Event.SURVEY_RESPONSE_COMPLETED,
        response.branch_id,
        lambda: response_payload(response, wave, answers),
        object_key=response_key(response.pk),
    )


def follow_up_payload(response: Response, customer: Customer, reason: str) -> dict[str, Any]:
    """``survey.follow_up.created``: the response, the customer code, why, and the task."""
    task = (
        ContactTask.objects.filter(customer=customer, key=f"survey-response:{response.pk}")
        .order_by("-pk")
        .values("pk", "due_date", "assignee_id")
        .first()
    )
    wave = Wave.objects.filter(pk=response.wave_id).values("pk", "name").first() or {}
    return {
        "wave": {"id": wave.get("pk"), "name": wave.get("name")},
        "response": {"id": response.pk},
        "branch": _branch(customer.branch_id),
        "tier": customer.tier,
        "customer_code": customer.code,
        "reason": reason,
        "task": (
            {
                "id": task["pk"],
                "due_date": task["due_date"].isoformat() if task["due_date"] else None,
                "assignee_id": task["assignee_id"],
            }
            if task
            else None
        ),
    }


def survey_follow_up_created(response: Response, customer: Customer, reason: str) -> None:
    emit(
        Event.SURVEY_FOLLOW_UP_CREATED,
        customer.branch_id,
        lambda: follow_up_payload(response, customer, reason),
        object_key=response_key(response.pk),
    )

"""The handling of a complaint as data: declarative transition tables and the advice per step.

Two workflows. A **complaint** follows the six steps of service recovery: listen (let the customer
vent) → apologise and show concern → gather information (the whole story, open questions,
confirm the understanding) → propose a solution (within the agent's authority, with the value
that compensates) → if not accepted, ask what the customer wants and escalate to someone with the
authority → follow up (did it work, is anything else wrong; if not, back to a better solution).
A **return or cancellation** asks why, tries to reverse the decision, accepts gracefully if the
customer insists, finds the real reason, looks for another way to close and leaves a reason for
the next deal.

``TRANSITIONS[workflow][step]`` lists the steps a complaint may move to from ``step``;
``NEXT[workflow][step]`` is the one a step may be *skipped* to (with a reason).
:func:`qiwang.complaints.services.workflow.move_complaint` is the one function that moves a
complaint along these tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from qiwang.complaints.choices import Step, Workflow

S = Step

TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Workflow.COMPLAINT: {
        S.LISTEN: (S.APOLOGISE,),
        S.APOLOGISE: (S.GATHER,),
        S.GATHER: (S.PROPOSE,),
        S.PROPOSE: (S.FOLLOW_UP, S.ESCALATE),  # accepted → follow up; not accepted → escalate
        S.ESCALATE: (S.FOLLOW_UP, S.PROPOSE),
        S.FOLLOW_UP: (S.CLOSED, S.PROPOSE),  # solved → close; not solved → a better solution
        S.CLOSED: (),
    },
    Workflow.RETURN: {
        S.ASK_WHY: (S.TRY_REVERSE,),
        S.TRY_REVERSE: (S.CLOSED, S.ACCEPT),  # reversed → close (kept); insists → accept
        S.ACCEPT: (S.REAL_REASON,),
        S.REAL_REASON: (S.OTHER_WAY,),
        S.OTHER_WAY: (S.CLOSED, S.NEXT_DEAL),  # another way found → close; else next deal
        S.NEXT_DEAL: (S.CLOSED,),
        S.CLOSED: (),
    },
}

#: The step each step leads to in the ordinary course: the only step it may be skipped to.
NEXT: dict[str, dict[str, str]] = {
    Workflow.COMPLAINT: {
        S.LISTEN: S.APOLOGISE,
        S.APOLOGISE: S.GATHER,
        S.GATHER: S.PROPOSE,
        S.PROPOSE: S.FOLLOW_UP,
        S.ESCALATE: S.FOLLOW_UP,
        S.FOLLOW_UP: S.CLOSED,
    },
    Workflow.RETURN: {
        S.ASK_WHY: S.TRY_REVERSE,
        S.TRY_REVERSE: S.ACCEPT,
        S.ACCEPT: S.REAL_REASON,
        S.REAL_REASON: S.OTHER_WAY,
        S.OTHER_WAY: S.NEXT_DEAL,
        S.NEXT_DEAL: S.CLOSED,
    },
}

FIRST_STEP = {Workflow.COMPLAINT: S.LISTEN, Workflow.RETURN: S.ASK_WHY}

#: Moving back to an earlier step: a better solution after a failed follow-up or escalation.
BACKWARD = {(S.FOLLOW_UP, S.PROPOSE), (S.ESCALATE, S.PROPOSE)}

#: An incident is handled once: resolving it resolves each open report of the complaint workflow,
#: which moves (one row each, code ``incident.resolved``) to this step, where the agent follows up
#: with the reporter as for any complaint.
INCIDENT_RESOLVED_STEP = {Workflow.COMPLAINT: S.FOLLOW_UP}

#: The order of the steps of each workflow, for the step guide.
ORDER = {
    Workflow.COMPLAINT: (S.LISTEN, S.APOLOGISE, S.GATHER, S.PROPOSE, S.ESCALATE, S.FOLLOW_UP),
    Workflow.RETURN: (S.ASK_WHY, S.TRY_REVERSE, S.ACCEPT, S.REAL_REASON, S.OTHER_WAY, S.NEXT_DEAL),
}


@dataclass(frozen=True)
class StepGuide:
    """What the complaint page tells the agent at a step."""

    advice: tuple[str | Promise, ...]
    avoid: tuple[str | Promise, ...] = ()


GUIDE: dict[str, StepGuide] = {
    S.LISTEN: StepGuide(
        advice=(
            _("Let the customer vent: listen to the end, do not interrupt or argue."),
            _("Make sure you have understood the problem: listen carefully and patiently."),
            _("Interrupting and arguing only keep the customer focused on the complaint."),
        ),
        avoid=(_("Interrupting"), _("Arguing about who is right")),
    ),
    S.APOLOGISE: StepGuide(
        advice=(
            _("Say sorry, fully, and let the customer know you have understood the problem."),
            _(
                "Show you are on their side: you see how serious it is, you take it seriously, "
                "you will face it together."
            ),
        ),
        avoid=(_("“You should …”, “You are wrong …”"), _("“But …”: say “at the same time …”")),
    ),
    S.GATHER: StepGuide(
        advice=(
            _("Ask for the whole story, with open questions."),
            _("Collect enough to solve it: when, where, who, what was promised."),
            _("Confirm that your understanding matches the customer's."),
        ),
    ),
    S.PROPOSE: StepGuide(
        advice=(
            _("Propose a solution both sides can accept, within your authority."),
            _("Tell the customer the value that makes up for the failure, and keep options open."),
            _("To keep a dissatisfied customer, add value beyond the promise that was broken."),
        ),
    ),
    S.ESCALATE: StepGuide(
        advice=(
            _("Ask the customer: “What would you like us to do?”"),
            _("Explain that you want them to be satisfied."),
            _("If you have the authority, solve it at once; if not, quickly find someone who has."),
        ),
        avoid=(_("Using your limited authority as an excuse to refuse"),),
    ),
    S.FOLLOW_UP: StepGuide(
        advice=(
            _("Ask whether the solution worked and whether anything else is wrong."),
            _("If it did not work, look for a better solution."),
            _(
                "Close gracefully: confirm the complaint, ask whether the solution satisfies, "
                "assure them of the same sincerity next time."
            ),
        ),
    ),
    S.ASK_WHY: StepGuide(advice=(_("Ask why the customer wants to return or cancel."),)),
    S.TRY_REVERSE: StepGuide(advice=(_("Try to change the customer's mind, without pressure."),)),
    S.ACCEPT: StepGuide(advice=(_("If the customer insists, accept gracefully."),)),
    S.REAL_REASON: StepGuide(
        advice=(_("Find, tactfully, the real reason for leaving, and code it."),)
    ),
    S.OTHER_WAY: StepGuide(advice=(_("Look for another way to close the deal."),)),
    S.NEXT_DEAL: StepGuide(advice=(_("Leave a reason for the next deal."),)),
    S.CLOSED: StepGuide(advice=()),
}


def allowed_moves(workflow: str, step: str) -> tuple[str, ...]:
    return TRANSITIONS[workflow].get(step, ())


def skip_target(workflow: str, step: str) -> str | None:
    return NEXT[workflow].get(step)

from django.urls import path

from qiwang.complaints.views import detail, management, public, queue

app_name = "complaints"

urlpatterns = [
    path("", queue.queue, name="queue"),
    path("new/", queue.new_complaint, name="new"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/move/", detail.move, name="move"),
    path("<int:pk>/reply/", detail.reply, name="reply"),
    path("<int:pk>/coach/", detail.coach, name="coach"),
    path("<int:pk>/note/", detail.note, name="note"),
    path("<int:pk>/pause/", detail.pause, name="pause"),
    path("<int:pk>/resume/", detail.resume, name="resume"),
    path("<int:pk>/severity/", detail.severity, name="severity"),
    path("<int:pk>/outcome/", detail.outcome, name="outcome"),
    path("<int:pk>/score/", detail.score, name="score"),
    path("<int:pk>/compensate/", detail.compensate, name="compensate"),
    path("<int:pk>/photos/<int:attachment_id>/", detail.attachment, name="attachment"),
    path("compensations/<int:pk>/decide/", detail.decide, name="decide"),
    path("incidents/", management.incidents, name="incidents"),
    path("incidents/<int:pk>/", management.incident, name="incident"),
    path("approvals/", management.approvals, name="approvals"),
    path("ledger/", management.ledger, name="ledger"),
    path("ledger.csv", management.ledger_csv, name="ledger_csv"),
    path("reports/", management.reports, name="reports"),
    path("public-links/", public.public_links, name="public_links"),
    path("public-links/<int:branch_id>/qr.svg", public.public_qr, name="public_qr"),
]

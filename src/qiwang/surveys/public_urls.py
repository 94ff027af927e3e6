"""Public survey links (no account): /s/<token>/ and the anonymous /s/o/<wave>/<token>/."""

from django.urls import path

from qiwang.surveys import public

app_name = "survey_public"

urlpatterns = [
    path("o/<int:wave_id>/<str:token>/", public.open_link, name="open"),
    path("o/<int:wave_id>/<str:token>/done/", public.open_link_done, name="open_done"),
    path("<str:token>/", public.answer, name="answer"),
    path("<str:token>/wechat/", public.answer_wechat, name="wechat"),
    path("<str:token>/done/", public.answer_done, name="done"),
    path("<str:token>/opt-out/", public.answer_opt_out, name="opt_out"),
]

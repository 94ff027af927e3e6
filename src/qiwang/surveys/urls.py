from django.urls import path

from qiwang.surveys import (
    views,
    views_import,
    views_library,
    views_logic,
    views_preview,
    views_text,
)

app_name = "surveys"

urlpatterns = [
    path("", views.wave_list, name="list"),
    path("instruments/new/", views.instrument_new, name="instrument_new"),
    path("instruments/<int:instrument_id>/", views.instrument_detail, name="instrument"),
    path(
        "instruments/<int:instrument_id>/preview/",
        views_preview.instrument_preview,
        name="instrument_preview",
    ),
    path(
        "instruments/<int:instrument_id>/questions/add/",
        views.instrument_question_add,
        name="question_add",
    ),
    path(
        "instruments/<int:instrument_id>/questions/copy/",
        views.instrument_question_copy,
        name="question_copy",
    ),
    path(
        "instruments/<int:instrument_id>/questions/<slug:attribute>/move/",
        views.instrument_question_move,
        name="question_move",
    ),
    path(
        "instruments/<int:instrument_id>/questions/<slug:attribute>/remove/",
        views.instrument_question_remove,
        name="question_remove",
    ),
    path(
        "instruments/<int:instrument_id>/questions/<slug:attribute>/condition/",
        views_logic.question_condition,
        name="question_condition",
    ),
    path(
        "instruments/<int:instrument_id>/condition-values/",
        views_logic.condition_values,
        name="condition_values",
    ),
    path(
        "instruments/<int:instrument_id>/questions/<slug:attribute>/library/",
        views_library.library_save,
        name="library_save",
    ),
    path("library/", views_library.library_page, name="library"),
    path("library/<int:entry_id>/remove/", views_library.library_remove, name="library_remove"),
    path("waves/new/", views.wave_new, name="wave_new"),
    path("waves/<int:wave_id>/", views.wave_detail, name="wave"),
    path("waves/<int:wave_id>/sample/", views.wave_sample, name="wave_sample"),
    path("waves/<int:wave_id>/invitees/", views.wave_invitees, name="invitees"),
    path("waves/<int:wave_id>/send/", views.wave_send, name="wave_send"),
    path("waves/<int:wave_id>/close/", views.wave_close, name="wave_close"),
    path("waves/<int:wave_id>/remind/", views.wave_remind, name="wave_remind"),
    path("waves/<int:wave_id>/qr.svg", views.wave_qr, name="wave_qr"),
    path("waves/<int:wave_id>/results/", views.wave_results_page, name="results"),
    path("waves/<int:wave_id>/export/", views.wave_export, name="export"),
    path("waves/<int:wave_id>/trend/", views.wave_trend, name="trend"),
    path("waves/<int:wave_id>/import/", views_import.wave_import, name="import"),
    path("waves/<int:wave_id>/text/", views_text.wave_text_answers, name="text_answers"),
    path(
        "waves/<int:wave_id>/text/<int:answer_id>/correct/",
        views_text.text_label_correct,
        name="text_label_correct",
    ),
]

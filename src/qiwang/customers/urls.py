from django.urls import path

from qiwang.customers import (
    views,
    views_allocation,
    views_day,
    views_greetings,
    views_privacy,
    views_profiles,
    views_relationship,
    views_tiers,
    views_worklist,
)

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path(
        "<int:customer_id>/personal-data.<str:fmt>",
        views_privacy.personal_data_download,
        name="personal_data",
    ),
    path(
        "<int:customer_id>/personal-data/erase/",
        views_privacy.personal_data_erase,
        name="personal_data_erase",
    ),
    path("my-day/", views_day.my_day, name="my_day"),
    path("calendar/", views_day.task_calendar, name="calendar"),
    path("tasks/<int:task_id>/send/", views_day.send_greeting_view, name="send_greeting"),
    path("occasions/", views_greetings.occasion_list, name="occasions"),
    path("<int:customer_id>/contacts/", views_relationship.contact_add, name="contact_add"),
    path("<int:customer_id>/referrals/", views_relationship.referral_add, name="referral_add"),
    path(
        "referrals/<int:referral_id>/done/", views_relationship.referral_done, name="referral_done"
    ),
    path(
        "<int:customer_id>/interactions/new/",
        views_day.log_interaction_view,
        name="log_interaction",
    ),
    path("allocations/", views_allocation.allocation_list, name="allocations"),
    path("plans/", views_tiers.plan_list, name="plans"),
    path("plans/<int:plan_id>/", views_tiers.plan_edit, name="plan_edit"),
    path("topics/new/", views_profiles.topic_edit, name="topic_add"),
    path("topics/<int:topic_id>/", views_profiles.topic_edit, name="topic_edit"),
    path("plans/industry/", views_profiles.branch_industry, name="branch_industry"),
    path("tiers/", views_tiers.tier_suggestions, name="tiers"),
    path("tiers/decide/", views_worklist.decide_tiers_bulk, name="decide_tiers"),
    path("tasks/", views_worklist.task_list, name="tasks"),
    path("tasks/reassign/", views_worklist.reassign_tasks_view, name="reassign_tasks"),
    path("pick/customers/", views_worklist.customer_picker, name="customer_picker"),
    path("tiers/run/", views_tiers.run_tier_rule, name="run_tier_rule"),
    path("tiers/<int:change_id>/decide/", views_tiers.decide_tier, name="decide_tier"),
    path(
        "allocations/<int:allocation_id>/",
        views_allocation.allocation_detail,
        name="allocation_detail",
    ),
]

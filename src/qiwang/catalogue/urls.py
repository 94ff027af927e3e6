from django.urls import path

from qiwang.catalogue import views, views_plans

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue, name="list"),
    path("<int:service_id>/", views.service_detail, name="service"),
    path("<int:service_id>/promise/", views.promise_calculator, name="promise"),
    path("<int:service_id>/commitments/", views.commitment_add, name="commitment_add"),
    path("<int:service_id>/deliveries/", views.delivery_add, name="delivery_add"),
    path("<int:service_id>/publications/", views.publication_add, name="publication_add"),
    path("publications/", views_plans.publications, name="publications"),
    path("surprises/", views_plans.surprises, name="surprises"),
    path("surprises/new/", views_plans.plan_add, name="plan_add"),
    path("surprises/<int:plan_id>/", views_plans.plan_detail, name="plan"),
    path("surprises/<int:plan_id>/status/", views_plans.plan_status, name="plan_status"),
    path("surprises/<int:plan_id>/deliver/", views_plans.plan_deliver, name="plan_deliver"),
]

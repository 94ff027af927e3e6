from django.urls import path

from qiwang.operations import views

app_name = "operations"

urlpatterns = [
    path("jobs/", views.jobs, name="jobs"),
]

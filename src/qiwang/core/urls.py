from django.urls import path

from qiwang.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("insights/", views.insights, name="insights"),
]

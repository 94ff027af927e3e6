from django.urls import path

from qiwang.complaints.views import public

app_name = "complaints_public"

urlpatterns = [
    path("f/<str:token>/", public.follow_up_answer, name="follow_up"),
    path("<str:token>/", public.public_form, name="form"),
]

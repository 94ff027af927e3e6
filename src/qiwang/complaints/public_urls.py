from django.urls import path

from qiwang.complaints.views import public

app_name = "complaints_public"

urlpatterns = [path("<str:token>/", public.public_form, name="form")]

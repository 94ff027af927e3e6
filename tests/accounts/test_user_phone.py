"""Users' phone numbers are stored in E.164 like customers' (issue 17 item 4): the admin's add
and change forms normalise and refuse, and the data migration rewrites the old rows."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.admin.sites import site
from django.test import RequestFactory

from qiwang.accounts.admin import UserAdmin
from qiwang.accounts.models import User

migration = importlib.import_module("qiwang.accounts.migrations.0007_normalise_user_phones")


@pytest.fixture
def superuser(org):
    return User.objects.create_superuser(username="root", password="x-Long-Passw0rd!")


def _form(user, admin_user, data):
    request = RequestFactory().post("/admin/accounts/user/")
    request.user = admin_user
    model_admin = UserAdmin(User, site)
    form_class = model_admin.get_form(request, user, change=user is not None)
    fields = list(form_class.base_fields)
    initial = {}
    if user is not None:
        probe = form_class(instance=user)
        initial = {
            name: probe.initial.get(name)
            for name in fields
            if probe.initial.get(name) is not None and name != "password"
        }
        initial["branches"] = [b.pk for b in user.branches.all()]
        initial["groups"] = []
        initial["user_permissions"] = []
        for name in ("last_login", "date_joined"):
            initial.pop(name, None)
        initial["date_joined_0"] = user.date_joined.strftime("%Y-%m-%d")
        initial["date_joined_1"] = user.date_joined.strftime("%H:%M:%S")
    return form_class({**initial, **data}, instance=user)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("138 0000 1111", "+8613800001111"), ("+852 9123 4567", "+85291234567"), ("", "")],
)
def test_the_admin_change_form_stores_e164(org, superuser, typed, stored):
    user = org.users["agent"]
    form = _form(user, superuser, {"phone": typed})

    assert form.is_valid(), form.errors
    form.save()

    user.refresh_from_db()
    assert user.phone == stored


def test_the_admin_change_form_refuses_what_is_not_a_number(org, superuser):
    user = org.users["agent"]
    User.objects.filter(pk=user.pk).update(phone="+8613800001111")
    user.refresh_from_db()

    form = _form(user, superuser, {"phone": "call reception"})

    assert not form.is_valid()
    assert set(form.errors) == {"phone"}
    assert "call reception" in form.errors["phone"][0]
    user.refresh_from_db()
    assert user.phone == "+8613800001111"


def test_the_admin_change_form_shows_the_stored_number_as_people_read_it(org, superuser):
    user = org.users["agent"]
    User.objects.filter(pk=user.pk).update(phone="+8613800001111")
    user.refresh_from_db()

    form = _form(user, superuser, {})

    assert form.initial["phone"] == "138 0000 1111"


def test_the_admin_add_form_normalises_and_refuses(org, superuser):
    admin_user = superuser
    base = {
        "username": "new_agent",
        "password1": "a-long-enough-Passw0rd!",
        "password2": "a-long-enough-Passw0rd!",
        "usable_password": "true",
        "role": "agent",
        "branches": [org.own.pk],
    }

    bad = _form(None, admin_user, {**base, "phone": "12"})
    good = _form(None, admin_user, {**base, "phone": "0571 8888 6666"})

    assert not bad.is_valid() and "phone" in bad.errors
    assert good.is_valid(), good.errors
    assert good.save().phone == "+8657188886666"


def test_the_migration_normalises_parseable_phones_and_prints_the_rest(org, capsys):
    fine = org.users["agent"]
    broken = org.users["analyst"]
    User.objects.filter(pk=fine.pk).update(phone="138-0000-1111")
    User.objects.filter(pk=broken.pk).update(phone="ext. 12")
    User.objects.filter(pk=org.users["quality_manager"].pk).update(phone="+8613900002222")

    migration.normalise_user_phones(global_apps, None)

    phones = dict(User.objects.values_list("pk", "phone"))
    assert phones[fine.pk] == "+8613800001111"
    assert phones[broken.pk] == "ext. 12"
    assert phones[org.users["quality_manager"].pk] == "+8613900002222"
    out = capsys.readouterr().out
    assert "1 rewritten" in out and "1 not parseable" in out
    assert f"user {broken.pk} (analyst_a): 'ext. 12'" in out

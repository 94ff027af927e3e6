"""Migration 0012 on rows stored before E.164: normalised, search keys filled, bad ones kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("customers", "0011_customer_search_key")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrations_restored")
def test_old_rows_are_normalised_and_unreadable_numbers_reported_and_kept(capsys, caplog):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    branch = old.get_model("accounts", "Branch").objects.create(
        code="m", name="翠湖花园", kind="community"
    )
    customer_model = old.get_model("customers", "Customer")
    for code, name, phone in [
        ("M1", "王建国", "138 0000 1111"),
        ("M2", "李娜", "+8613912345678"),
        ("M3", "张三", "call me maybe"),
        ("M4", "赵四", ""),
    ]:
        customer_model.objects.create(
            code=code, name=name, kind="household", branch=branch, phone=phone
        )
    old.get_model("customers", "Contact").objects.create(
        customer=customer_model.objects.get(code="M1"), name="王经理", phone="0571-88886666"
    )

    executor = MigrationExecutor(connection)
    # every app's latest migration: the models the assertions read have every later column
    executor.migrate(executor.loader.graph.leaf_nodes())

    from qiwang.customers.models import Contact, Customer

    rows = {c.code: (c.phone, c.search_key) for c in Customer.objects.filter(branch__code="m")}
    assert rows["M1"] == ("+8613800001111", "王建国 wangjianguo wjg m1 13800001111 8613800001111")
    assert rows["M2"][0] == "+8613912345678"
    assert rows["M3"] == ("call me maybe", "张三 zhangsan zs m3")  # left unchanged, still findable
    assert rows["M4"] == ("", "赵四 zhaosi zs m4")
    assert Contact.objects.get(name="王经理").phone == "+8657188886666"
    customer_id = Customer.objects.get(code="M3").pk
    assert f"customer {customer_id}: phone" in capsys.readouterr().out
    assert "call me maybe" not in caplog.text  # the report never copies the number

"""Customer search: the caller-ID lookup by any form of a number, number, name and pinyin."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import make_customer

from qiwang.accounts.services import create_api_token
from qiwang.customers.models import Customer
from qiwang.customers.search import search_query
from qiwang.customers.services import update_customer


@pytest.fixture
def book(org):
    manager = org.users["account_manager"]
    return {
        "wang": make_customer(
            org.own, "C0001", name="王建国", phone="+8613800001111", account_manager=manager
        ),
        "li": make_customer(
            org.own, "C0002", name="李娜", phone="+8613912345678", account_manager=manager
        ),
        "shop": make_customer(
            org.own, "C0003", name="翠湖便利店", phone="+8657188886666", account_manager=manager
        ),
        "elsewhere": make_customer(org.other, "D0001", name="王建国", phone="+8613800001111"),
    }


def _codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("138 0000 1111", ["C0001", "D0001"]),
        ("+86 138-0000-1111", ["C0001", "D0001"]),
        ("008613800001111", ["C0001", "D0001"]),
        ("13800001111", ["C0001", "D0001"]),
        ("1111", ["C0001", "D0001"]),  # the last digits
        ("0571 8888 6666", ["C0003"]),  # a landline as dialled at home
        ("王建国", ["C0001", "D0001"]),
        ("wjg", ["C0001", "D0001"]),
        ("WJG", ["C0001", "D0001"]),
        ("wangjianguo", ["C0001", "D0001"]),
        ("wang jian", ["C0001", "D0001"]),
        ("c0002", ["C0002"]),
        ("chbld", ["C0003"]),
        ("李", ["C0002"]),
        ("nobody", []),
    ],
)
def test_search_finds_by_phone_in_any_form_number_name_and_pinyin(book, query, expected):
    from qiwang.customers.search import matches

    assert _codes(Customer.objects.filter(matches(query))) == expected


def test_the_key_follows_every_save(book):
    wang = book["wang"]
    wang.name = "王小明"
    wang.save(update_fields=["name"])

    assert _codes(Customer.objects.filter(search_key__contains="wxm")) == ["C0001"]


def test_the_key_follows_a_service_update(org, book):
    update_customer(
        actor=org.users["administrator"], customer=book["li"], data={"phone": "137 0000 2222"}
    )

    assert _codes(Customer.objects.filter(search_key__contains="13700002222")) == ["C0002"]


def test_phone_like_queries_become_digits_and_words_lower_case():
    assert search_query(" +86 (138) 0000-1111 ") == ["8613800001111"]
    assert search_query("Wang  JIAN") == ["wang", "jian"]
    assert search_query("12") == ["12"]  # too short for a number: a word (codes hold digits)
    assert search_query("") == []


def test_list_page_searches_within_the_users_branches(org, book):
    client = Client()
    client.force_login(org.users["account_manager"])

    page = client.get(reverse("customers:list"), {"q": "138 0000 1111"}).content.decode()

    assert "C0001" in page and "D0001" not in page and "C0002" not in page


def test_api_list_filter_q_by_initials_and_phone(org, book):
    token = create_api_token(user=org.users["administrator"], name="t").key
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    by_initials = Client().get("/api/customers", {"q": "wjg"}, **headers).json()
    by_phone = Client().get("/api/customers", {"q": "+8613912345678"}, **headers).json()

    assert sorted(row["code"] for row in by_initials["items"]) == ["C0001", "D0001"]
    assert [row["code"] for row in by_phone["items"]] == ["C0002"]


def test_search_page_queries_do_not_grow_with_rows(org, book):
    client = Client()
    client.force_login(org.users["administrator"])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("customers:list"), {"q": "wjg"})
    for index in range(20):
        make_customer(org.own, f"W{index:03d}", name="王建军")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("customers:list"), {"q": "wj"})

    assert len(many) == len(few)


def test_the_search_key_is_indexed_trigram_on_postgresql(book):
    from qiwang.customers.search import matches

    if connection.vendor != "postgresql":
        # SQLite has no trigram index: the migration adds a plain index on the column.
        with connection.cursor() as cursor:
            indexes = connection.introspection.get_constraints(cursor, Customer._meta.db_table)
        assert any(info["index"] and info["columns"] == ["search_key"] for info in indexes.values())
        return
    query = Customer.objects.filter(matches("wjg")).only("pk").order_by().query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'customers_customer_search_key'"
        )
        [(definition,)] = cursor.fetchall()
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: make the choice visible
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "gin_trgm_ops" in definition
    assert "customers_customer_search_key" in plan


def test_erasing_a_customer_erases_their_name_and_phone_from_the_search_key(org, book):
    from qiwang.customers.privacy import erase_personal_data

    wang = book["wang"]
    erase_personal_data(org.users["administrator"], wang, confirm=wang.code)

    wang.refresh_from_db()
    assert "wjg" not in wang.search_key and "13800001111" not in wang.search_key
    assert wang.search_key.endswith("c0001")  # still found by the customer number

"""Benchmark of customer search at scale (issue 17 item 4), on PostgreSQL.

N customers (default 1,000,000) are inserted with SQL into a database of its own, their search
keys built from a pool of names whose pinyin is computed once by :func:`search_key`. Then each
query of an agent — a full mobile typed with spaces, the last digits, a name, pinyin initials,
a customer number — is timed the way the list page runs it (``COUNT`` for the paginator, then
the first page of 25 ordered by customer number) two ways:

- **Qiwang**: ``CustomerFilter(q=…)`` — ``search_key LIKE '%…%'`` answered from the trigram
  GIN index of migration 0013;
- **baseline**: the filter before this change, ``name ILIKE '%…%' OR code ILIKE '%…%'`` (no
  index can serve it; it could not find a phone at all, so for the phone queries the baseline
  is ``phone LIKE '%digits%'``, equally unindexed).

Usage (the database is emptied and filled):

    createdb -h 127.0.0.1 -U postgres contacts
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/contacts \\
        .venv/bin/python benchmarks/bench_customer_search.py --customers 1000000

Prints one JSON summary; the figures in ``docs/benchmarks.md`` come from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国华明丽娜伟芳敏静强磊军洋勇艳杰娟涛超秀英霞平刚桂兰玉梅云飞鹏辉玲红宇婷晨浩然博文思雨欣怡子轩梓涵一诺"


def _setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (it is emptied).")
    os.environ.setdefault("QIWANG_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qiwang.project.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _names() -> list[tuple[str, str]]:
    """(name, the name's part of the search key) for every surname × one or two given names."""
    from qiwang.customers.search import search_key

    names = [s + g for s in SURNAMES for g in GIVEN]
    names += [s + g + h for s in SURNAMES[:40] for g in GIVEN[:20] for h in GIVEN[20:40]]
    return [(name, search_key(name=name, code="", phone="")) for name in names]


def _seed(customers: int) -> float:
    from django.db import connection

    from qiwang.accounts.models import Branch

    started = time.perf_counter()
    names = _names()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE customers_customer CASCADE")
        branch, _created = Branch.objects.get_or_create(
            code="bench", defaults={"name": "基准", "kind": "community"}
        )
        cursor.execute("DROP TABLE IF EXISTS bench_names")
        cursor.execute("CREATE TEMP TABLE bench_names (id int, name text, key text)")
        cursor.executemany(
            "INSERT INTO bench_names VALUES (%s, %s, %s)",
            [(index, name, key) for index, (name, key) in enumerate(names)],
        )
        # Mobiles 13x-19x with eight more digits; the key holds national and +86 digits.
        cursor.execute(
            """
            INSERT INTO customers_customer (code, name, kind, tier, branch_id, phone, email,
                address, wechat, orders_count, revenue, lifecycle, notes, created_at, updated_at,
                search_key)
            SELECT 'C' || lpad(i::text, 8, '0'), n.name, 'household', 'general', %s,
                   '+86' || m.mobile, '', '', '', 0, 0, 'new', '', now(), now(),
                   n.key || ' c' || lpad(i::text, 8, '0') || ' ' || m.mobile || ' 86' || m.mobile
            FROM generate_series(1, %s) AS i
            CROSS JOIN LATERAL (
                SELECT '1' || (3 + i %% 7)::text || lpad(((i::bigint * 7919) %% 1000000000)::text,
                       9, '0') AS mobile
            ) AS m
            JOIN bench_names AS n ON n.id = i %% %s
            """,
            [branch.pk, customers, len(names)],
        )
        cursor.execute("ANALYZE customers_customer")
    return time.perf_counter() - started


def _time(run, repeat: int) -> float:
    run()  # warm the cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    _setup()
    from django.db.models import Q

    from qiwang.customers.filters import CustomerFilter
    from qiwang.customers.models import Customer

    seed_seconds = _seed(options.customers)
    sample = Customer.objects.order_by("code")[options.customers // 2]
    national = sample.phone[3:]
    queries = {
        "mobile typed with spaces": f"{national[:3]} {national[3:7]} {national[7:]}",
        "mobile with +86": sample.phone,
        "last 6 digits": national[-6:],
        "name": sample.name,
        "pinyin initials": "".join(sample.search_key.split()[2])[:4],
        "customer number": sample.code,
    }

    def page(queryset):
        def run() -> None:
            queryset.count()
            list(queryset.order_by("code").values_list("pk", flat=True)[:25])

        return run

    results = []
    for label, text in queries.items():
        qiwang = Customer.objects.filter(CustomerFilter(q=text).get_filter_expression())
        digits = "".join(char for char in text if char.isdigit())
        if label.startswith(("mobile", "last")):
            baseline = Customer.objects.filter(phone__contains=digits)
        else:
            baseline = Customer.objects.filter(Q(name__icontains=text) | Q(code__icontains=text))
        new = _time(page(qiwang), options.repeat)
        old = _time(page(baseline), options.repeat)
        results.append(
            {
                "query": label,
                "text": text,
                "found": qiwang.count(),
                "baseline_found": baseline.count(),
                "qiwang_ms": round(new * 1000, 1),
                "baseline_ms": round(old * 1000, 1),
                "speed-up": round(old / new, 1),
            }
        )
    print(
        json.dumps(
            {
                "customers": options.customers,
                "seed_seconds": round(seed_seconds, 1),
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
                f"{platform.python_version()}",
                "results": results,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

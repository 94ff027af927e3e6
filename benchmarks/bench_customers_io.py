"""Customer export, import and monthly report at scale, against floors measured in the same process.

Builds an organisation of N customers (default 100,000) with a month of contact tasks and
interactions in a fresh database, then prints:

- CSV export (Qiwang: scoped queryset, personal-data masking per row, streamed chunks) against
  the floor: ``values_list(...).iterator()`` written by ``csv.writer`` with no masking;
- XLSX export (qiwang.xlsx: XlsxWriter in constant memory) for the same rows;
- the monthly report of a service-quality manager over every customer (GROUP BY queries);
- the import preview and apply of a file of M new customers (default 20,000).

Usage (SQLite in a temporary directory by default; set DATABASE_URL for PostgreSQL — the script
creates and drops its own tables there through the test runner's database creation)::

    .venv/bin/python benchmarks/bench_customers_io.py --customers 100000 --import-rows 20000
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import os
import sys
import tempfile
import time
import tracemalloc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=20_000)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="qiwang-bench-io-")
    os.environ.setdefault("QIWANG_DATA_DIR", data_dir)
    os.environ["QIWANG_ENV"] = "test"
    os.environ["DJANGO_SETTINGS_MODULE"] = "qiwang.project.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        run(args.customers, args.import_rows, connection.vendor)
    finally:
        teardown_databases(old_config, verbosity=0)


def build(customers: int):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from qiwang.accounts.models import Branch, User
    from qiwang.customers.models import ContactTask, Customer, Interaction

    company = Branch.objects.create(code="co", name="江城物业", kind="company")
    branch = Branch.objects.create(code="a", name="翠湖花园", kind="community", parent=company)
    quality = User.objects.create_user("quality", role="quality_manager")
    quality.branches.set([company])
    manager = User.objects.create_user("manager", role="account_manager")
    manager.branches.set([branch])
    admin = User.objects.create_user("admin", role="administrator")
    tiers = ["vip", "important", "high_quality", "general", "general", "general"]
    now = timezone.now()
    batch = []
    for index in range(customers):
        batch.append(
            Customer(
                code=f"C{index:07d}",
                name=f"客户{index}",
                kind="household",
                tier=tiers[index % len(tiers)],
                branch=branch,
                account_manager=manager,
                phone=f"138{index:08d}",
                email=f"c{index}@example.cn",
                address=f"{index % 40}栋{index % 6}单元",
                revenue=index % 1000,
                orders_count=index % 13,
            )
        )
        if len(batch) == 5000:
            Customer.objects.bulk_create(batch)
            batch = []
    Customer.objects.bulk_create(batch)
    first = timezone.localdate().replace(day=1)
    ids = list(Customer.objects.values_list("pk", flat=True))
    tasks, interactions = [], []
    for number, customer_id in enumerate(ids):
        day = first + datetime.timedelta(days=number % 20)
        tasks.append(
            ContactTask(
                customer_id=customer_id,
                branch=branch,
                assignee=manager,
                due_date=day,
                status="done" if number % 5 else "open",
            )
        )
        if number % 5:
            interactions.append(
                Interaction(
                    customer_id=customer_id,
                    branch=branch,
                    author=manager,
                    channel="phone",
                    occurred_at=now.replace(day=1) + datetime.timedelta(hours=number % 400),
                    is_anomaly=number % 37 == 0,
                )
            )
    ContactTask.objects.bulk_create(tasks, batch_size=5000)
    Interaction.objects.bulk_create(interactions, batch_size=5000)
    return admin, quality, manager


def timed(function):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def run(customers: int, import_rows: int, vendor: str) -> None:
    from django.utils import timezone

    from qiwang.customers.models import Customer
    from qiwang.customers.services.export import export_csv_chunks, export_xlsx
    from qiwang.customers.services.io import (
        apply_import,
        preview_import,
    )
    from qiwang.customers.services.report import monthly_report

    build_seconds, (admin, quality, manager) = timed(lambda: build(customers))
    print(f"database: {vendor}; {customers:,} customers built in {build_seconds:.1f} s")

    def floor() -> int:
        out = io.StringIO()
        writer = csv.writer(out)
        rows = Customer.objects.order_by("code").values_list(
            "code",
            "name",
            "kind",
            "tier",
            "branch__code",
            "account_manager__username",
            "phone",
            "email",
            "address",
            "wechat",
            "notes",
            "orders_count",
            "revenue",
            "last_activity_at",
            "created_at",
        )
        for row in rows.iterator(chunk_size=2000):
            writer.writerow(row)
        return len(out.getvalue())

    def qiwang_csv(user):  # type: ignore[no-untyped-def]
        return lambda: sum(
            len(chunk) for chunk in export_csv_chunks(user, Customer.objects.for_user(user))
        )

    floor_s, _ = timed(floor)
    masked_s, _ = timed(qiwang_csv(quality))
    clear_s, _ = timed(qiwang_csv(manager))
    with tempfile.TemporaryFile() as target:
        xlsx_s, _ = timed(lambda: export_xlsx(quality, Customer.objects.for_user(quality), target))
    tracemalloc.start()
    for _chunk in export_csv_chunks(quality, Customer.objects.for_user(quality)):
        pass
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report_s, report = timed(
        lambda: monthly_report(user=quality, month=timezone.localdate().replace(day=1))
    )

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["code", "name", "kind", "tier", "branch", "phone"])
    for index in range(import_rows):
        writer.writerow(
            [f"N{index:07d}", f"新客户{index}", "household", "general", "a", f"139{index:08d}"]
        )
    content = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    preview_s, preview = timed(
        lambda: preview_import(actor=manager, content=content, filename="n.csv")
    )
    apply_s, result = timed(
        lambda: apply_import(
            actor=manager,
            content=content,
            filename="n.csv",
            expected_fingerprint=preview.fingerprint,
            expected_plan=preview.plan_digest,
        )
    )
    assert result.created == import_rows

    print()
    print("| step | rows | seconds | rows / s | vs floor |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| CSV floor: values_list + csv.writer, no masking | {customers:,} | {floor_s:.2f} | {customers / floor_s:,.0f} | 1.00 |"
    )
    print(
        f"| CSV export, quality manager (masked) | {customers:,} | {masked_s:.2f} | {customers / masked_s:,.0f} | {masked_s / floor_s:.2f} |"
    )
    print(
        f"| CSV export, account manager (in clear) | {customers:,} | {clear_s:.2f} | {customers / clear_s:,.0f} | {clear_s / floor_s:.2f} |"
    )
    print(
        f"| XLSX export, quality manager (XlsxWriter, constant memory) | {customers:,} | {xlsx_s:.2f} | {customers / xlsx_s:,.0f} | {xlsx_s / floor_s:.2f} |"
    )
    print(
        f"| monthly report, {report.planned:,} tasks, {report.interactions:,} interactions | {customers:,} | {report_s:.2f} | | |"
    )
    print(
        f"| import preview (dry run) | {import_rows:,} | {preview_s:.2f} | {import_rows / preview_s:,.0f} | |"
    )
    print(
        f"| import apply (one transaction, audited) | {import_rows:,} | {apply_s:.2f} | {import_rows / apply_s:,.0f} | |"
    )
    print()
    print(
        f"peak Python memory while streaming the CSV export of {customers:,}: {peak / 1024 / 1024:.1f} MB"
    )


if __name__ == "__main__":
    sys.exit(main())

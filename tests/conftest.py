"""Shared fixtures: a small organisation with one user per role in each of two branches.

In CI (``CI`` set) a skipped test fails the run: browser and PostgreSQL tests must really run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
PASSWORD = "correct-horse-battery"


@dataclass
class Org:
    company: object
    own: object  # branch "A": the users' branch
    other: object  # branch "B": someone else's
    users: dict[str, object] = field(default_factory=dict)
    other_users: dict[str, object] = field(default_factory=dict)


def make_user(username, role, branches=(), **extra):
    from qiwang.accounts.models import User

    user = User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)
    user.branches.set(branches)
    return user


def make_customer(branch, code, **extra):
    from qiwang.customers.models import Customer

    defaults = {
        "name": f"客户{code}",
        "kind": "household",
        "tier": "general",
        "phone": "+8613812345678",  # stored in E.164
        "address": "翠湖花园 3栋2单元1502室",
        "email": "owner@example.cn",
    }
    defaults.update(extra)
    return Customer.objects.create(branch=branch, code=code, **defaults)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory):
    """On SQLite, test against a file in WAL mode with the busy timeout, as the product runs, not
    Django's shared-cache in-memory database, whose table locks fail at once instead of waiting
    (the concurrent live-server tests answered 500 on "database table is locked")."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("sqlite") / "test.sqlite3"
        )


@pytest.fixture
def org(db):
    from qiwang.accounts.choices import Role
    from qiwang.accounts.models import Branch

    company = Branch.objects.create(code="co", name="江城物业", kind="company")
    own = Branch.objects.create(code="a", name="翠湖花园", kind="community", parent=company)
    other = Branch.objects.create(code="b", name="锦绣华庭", kind="community", parent=company)
    result = Org(company=company, own=own, other=other)
    for role in Role:
        if role == Role.ADMINISTRATOR:
            result.users[role.value] = make_user(
                "admin", role, (), is_staff=True, is_superuser=False
            )
            continue
        result.users[role.value] = make_user(f"{role.value}_a", role, [own])
        result.other_users[role.value] = make_user(f"{role.value}_b", role, [other])
    return result


@pytest.fixture
def company_quality(org):
    """A service-quality manager scoped to the whole company: may change company-wide settings
    (maintenance plans, contact topics, the holiday table), unlike ``quality_manager_a``."""
    from qiwang.accounts.choices import Role

    return make_user("quality_manager_co", Role.QUALITY_MANAGER, [org.company])


@pytest.fixture
def customers(org):
    """One customer in each branch: ``own`` and ``other``."""
    return {
        "own": make_customer(org.own, "A0001", account_manager=org.users["account_manager"]),
        "other": make_customer(org.other, "B0001"),
    }


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres_only`` need PostgreSQL as the default database (several
    connections at once, row locks): on the SQLite pass they are deselected, not skipped, and the
    PostgreSQL pass of ``make test`` (scripts/test.sh) runs them."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    chosen = [item for item in items if item.get_closest_marker("postgres_only") is None]
    if len(chosen) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in chosen])
        items[:] = chosen


def pytest_sessionfinish(session, exitstatus):
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(
            f"CI: {skipped} test(s) were skipped; in CI every test must run (browser, PostgreSQL).",
            red=True,
        )
        session.exitstatus = 1


@pytest.fixture
def migrations_restored():
    """For a test that migrates the test database backwards: afterwards every app is at its
    latest migration again. Without it the database stayed part-migrated for the tests after
    (a worker waiting for no pending migration waited for ever on the PostgreSQL pass)."""
    yield
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

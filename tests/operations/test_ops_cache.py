"""QIWANG_CACHE_URL (issue 16 item 4): Django's cache shared by every process — the database by
default, with its table created by the migrations, Redis when given (the local Redis server on
127.0.0.1:6379, database 15, as every machine of this project has)."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from qiwang.project import config

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        (None, "django.core.cache.backends.db.DatabaseCache"),
        ("", "django.core.cache.backends.db.DatabaseCache"),
        ("db://", "django.core.cache.backends.db.DatabaseCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
        (REDIS_URL, "django.core.cache.backends.redis.RedisCache"),
        ("rediss://cache.example.cn:6380/2", "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_the_cache_url_names_the_backend(url, backend):
    assert config.cache(url)["BACKEND"] == backend


def test_the_default_cache_is_a_table_the_migrations_created(db):
    assert config.CACHE_TABLE in connection.introspection.table_names()
    cache = caches["default"]
    key = f"test:{uuid.uuid4().hex}"
    cache.set(key, "共享", 30)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {config.CACHE_TABLE}")  # noqa: S608 (a constant)
        (rows,) = cursor.fetchone()

    assert rows >= 1  # stored in the database, where every process reads it
    assert cache.get(key) == "共享"


def test_a_second_process_reads_what_this_one_wrote_to_redis():
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(REDIS_URL, {})
    key = f"qiwang-test:{uuid.uuid4().hex}"
    cache.set(key, "shared", 30)
    code = (
        "from django.conf import settings; settings.configure(); "
        "from django.core.cache.backends.redis import RedisCache; "
        f"print(RedisCache({REDIS_URL!r}, {{}}).get({key!r}))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    cache.delete(key)

    assert other.stdout.strip() == "shared"


def test_ready_names_the_redis_cache_and_fails_when_it_is_unreachable(db, settings):
    settings.CACHES = {"default": config.cache(REDIS_URL)}
    ok = Client(HTTP_HOST="10.0.0.1").get("/health/ready").json()["checks"]["cache"]
    assert ok["ok"] is True and ok["backend"] == "RedisCache", ok

    # a port nothing listens on: the check fails and names it, the answer is still JSON
    settings.CACHES = {"default": config.cache("redis://127.0.0.1:9/0")}
    response = Client(HTTP_HOST="10.0.0.1").get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False

"""QIWANG_MFA_REQUIRED_ROLES: typed through config, administrators by default in production only."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from qiwang.project import config

ROLES = ("administrator", "quality_manager", "account_manager", "agent", "analyst")
PRINT = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps(s.QIWANG_MFA_REQUIRED_ROLES))"
)


def _roles(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("QIWANG_")}
    environment.pop("DATABASE_URL", None)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "qiwang.project.settings",
            "QIWANG_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 40,
            **env,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PRINT], capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_requires_it_of_administrators_and_the_demo_of_no_one(tmp_path):
    assert _roles(tmp_path, QIWANG_ENV="production") == ["administrator"]
    assert _roles(tmp_path, QIWANG_ENV="demo") == []
    assert _roles(tmp_path, QIWANG_ENV="production", QIWANG_MFA_REQUIRED_ROLES="") == []
    assert _roles(
        tmp_path, QIWANG_ENV="development", QIWANG_MFA_REQUIRED_ROLES="Administrator, agent,agent"
    ) == ["administrator", "agent"]


def test_an_unknown_role_names_the_variable(monkeypatch):
    monkeypatch.setenv("QIWANG_MFA_REQUIRED_ROLES", "administrator,boss")

    with pytest.raises(ImproperlyConfigured, match="QIWANG_MFA_REQUIRED_ROLES.*boss"):
        config.env_subset("QIWANG_MFA_REQUIRED_ROLES", [], ROLES)

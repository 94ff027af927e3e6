"""Packaging for operators, checked without a Docker engine: the compose file parses and runs the
README's commands, the image installs the runtime lock only and runs as a non-root user, the
service files restart what stops, and the two locks agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV_TOOLS = {"pytest", "playwright", "mypy", "ruff", "hypothesis", "pytest-django", "httpx"}


def _dockerfile() -> list[str]:
    return (ROOT / "Dockerfile").read_text().splitlines()


def _instruction(name: str) -> list[str]:
    return [line[len(name) + 1 :] for line in _dockerfile() if line.startswith(name + " ")]


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_the_image_entry_point_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    entry = json.loads(_instruction("ENTRYPOINT")[-1])
    command = json.loads(_instruction("CMD")[-1])
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())

    assert entry[-1] == "qiwang" and command == ["serve"]
    for service, expected in (("web", "serve"), ("worker", "worker")):
        assert compose["services"][service]["command"] == [expected]
        assert f"qiwang {expected}" in readme
    assert "USER qiwang" in _dockerfile()
    assert any("fonts-wqy-microhei" in line for line in _dockerfile())


def test_the_image_installs_the_runtime_lock_only():
    text = (ROOT / "Dockerfile").read_text()

    assert "-r requirements.lock" in text
    assert "requirements-dev.lock" not in text
    assert "COPY requirements.lock" in text


def test_the_compose_file_wires_web_worker_postgresql_and_an_optional_nginx():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]

    assert set(services) == {"web", "worker", "db", "nginx"}
    assert services["nginx"]["profiles"] == ["tls"]
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert "@db:5432/qiwang" in env["DATABASE_URL"]
        assert services[name]["restart"] == "unless-stopped"
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        assert "qiwang-data:/var/lib/qiwang" in services[name]["volumes"]
    assert "/health/ready" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["db"]["image"].startswith("postgres:")
    nginx = (ROOT / "deploy/nginx/qiwang.conf").read_text()
    assert "proxy_pass http://web:8000" in nginx
    assert "X-Forwarded-For $remote_addr" in nginx and "X-Forwarded-Proto $scheme" in nginx
    assert "ssl_certificate" in nginx


def test_the_port_that_trusts_a_proxy_is_not_published_to_the_world():
    """web trusts one proxy hop by default, so its own port is bound to the host's loopback: a
    client reaching it directly could otherwise choose its address by sending X-Forwarded-For
    (its rate-limit bucket; the metrics allow-list). Publishing it needs QIWANG_PUBLISH."""
    web = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]["web"]
    assert web["environment"]["QIWANG_TRUSTED_PROXIES"] == "${QIWANG_TRUSTED_PROXIES:-1}"
    [port] = web["ports"]
    assert port.startswith("${QIWANG_PUBLISH:-127.0.0.1}:")
    deploy = (ROOT / "docs/deploy.md").read_text()
    assert "QIWANG_PUBLISH=0.0.0.0" in deploy and "QIWANG_TRUSTED_PROXIES=0" in deploy


def test_the_service_files_supervise_web_and_worker():
    for unit, command in (("qiwang-web", "qiwang serve"), ("qiwang-worker", "qiwang worker")):
        text = (ROOT / f"deploy/systemd/{unit}.service").read_text()
        assert f"/bin/{command}" in text
        assert "Restart=always" in text
        assert "User=qiwang" in text


def test_the_runtime_lock_holds_no_development_tools_and_agrees_with_the_dev_lock():
    runtime, development = _pins("requirements.lock"), _pins("requirements-dev.lock")

    assert DEV_TOOLS.isdisjoint(runtime)
    assert set(development) >= DEV_TOOLS
    assert {name: development.get(name) for name in runtime} == runtime
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^serve: install-runtime$", makefile, re.M)
    assert re.search(r"^demo: install$", makefile, re.M) and re.search(
        r"^test: install$", makefile, re.M
    )

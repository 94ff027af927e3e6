# Qiwang runtime image: the runtime lock only (no test tools), non-root, Chinese fonts for PDFs.
#   docker build -t qiwang .
#   docker compose up -d          (compose.yaml: web, worker, PostgreSQL, optional nginx)
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements.lock pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/qiwang \
 && /opt/qiwang/bin/pip install --quiet uv \
 && /opt/qiwang/bin/uv pip install --quiet --python /opt/qiwang/bin/python -r requirements.lock \
 && /opt/qiwang/bin/uv pip install --quiet --python /opt/qiwang/bin/python --no-deps . \
 && /opt/qiwang/bin/qiwang compilemessages > /dev/null \
 && /opt/qiwang/bin/pip uninstall --quiet --yes uv pip

FROM python:3.11-slim-bookworm
# fonts-wqy-microhei: Chinese glyphs in generated PDFs and charts; postgresql-client: pg_dump for
# `qiwang backup`; tini: signals reach the server and the worker.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends fonts-wqy-microhei postgresql-client tini \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/qiwang --create-home qiwang
COPY --from=build /opt/qiwang /opt/qiwang
ENV PATH=/opt/qiwang/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    QIWANG_ENV=production \
    QIWANG_DATA_DIR=/var/lib/qiwang \
    QIWANG_HOST=0.0.0.0 \
    QIWANG_PORT=8000
USER qiwang
WORKDIR /var/lib/qiwang
VOLUME ["/var/lib/qiwang"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4).status == 200 else 1)"]
# The same commands as the README: `qiwang serve` (the web server) and `qiwang worker`.
ENTRYPOINT ["tini", "--", "qiwang"]
CMD ["serve"]

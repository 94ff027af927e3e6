"""The import reader's encodings: a second opinion (charset-normalizer) catches Big5 that our own
check misses, the preview names the encoding, and a person may choose it on every interface."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from typer.testing import CliRunner

from qiwang.accounts.services import create_api_token
from qiwang.customers.models import Customer
from qiwang.customers.services.io import apply_import, preview_import, read_table
from qiwang.customers.services.reading import encoding_name, foreign_encoding
from qiwang.errors import ServiceError

#: A Big5 file too short for our own check: GBK reads the name as 朝, a private-use character and ゅ.
SHORT_BIG5 = "code,name,kind,branch\nN1,陳大文,household,a\n".encode("big5")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    """Uploads waiting between preview and apply go to a throw-away data directory."""
    monkeypatch.setenv("QIWANG_DATA_DIR", str(tmp_path))
    return tmp_path


def test_short_big5_is_caught_by_the_second_opinion_not_read_as_gbk():
    assert "陳大文" not in SHORT_BIG5.decode("gb18030")  # GBK reads it without error, garbled
    assert foreign_encoding(SHORT_BIG5, SHORT_BIG5.decode("gb18030")) is None  # the old gap

    with pytest.raises(ServiceError) as caught:
        read_table(SHORT_BIG5, "customers.csv")

    assert "seems to be Big5 text" in caught.value.text
    assert "choose the encoding Big5" in caught.value.text


def test_short_gbk_is_still_read_as_gbk():
    content = "code,name,kind,branch\nN1,王建国,household,a\n".encode("gbk")

    _format, encoding, rows = read_table(content, "customers.csv")

    assert (encoding, rows[1][1]) == ("GBK", "王建国")


def test_a_chosen_encoding_reads_the_file_in_it_and_the_preview_says_so(org):
    admin = org.users["administrator"]

    preview = preview_import(actor=admin, content=SHORT_BIG5, filename="x.csv", encoding="big5")
    apply_import(
        actor=admin,
        content=SHORT_BIG5,
        filename="x.csv",
        expected_fingerprint=preview.fingerprint,
        expected_plan=preview.plan_digest,
        encoding="Big5",
    )

    assert preview.encoding == "Big5"
    assert Customer.objects.get(code="N1").name == "陳大文"


def test_a_wrong_choice_or_an_unknown_encoding_is_refused_with_a_message():
    gbk = "code,name\nN1,王建国\n".encode("gbk")

    with pytest.raises(ServiceError, match="not UTF-8 text \\(byte 14"):
        read_table(gbk, "x.csv", encoding="utf-8")
    with pytest.raises(ServiceError) as caught:
        encoding_name("latin-9")

    assert list(caught.value.errors) == ["encoding"]
    assert encoding_name("gb18030") == encoding_name("GBK") == "GBK"
    assert encoding_name("") is None


def test_the_page_shows_the_detected_encoding_and_applies_with_the_chosen_one(org, data_dir):
    client = Client()
    client.force_login(org.users["administrator"])
    upload = io.BytesIO(SHORT_BIG5)
    upload.name = "客户.csv"
    refused = client.post(reverse("customers_io:import"), {"file": upload})
    upload = io.BytesIO(SHORT_BIG5)
    upload.name = "客户.csv"

    preview = client.post(reverse("customers_io:import"), {"file": upload, "encoding": "Big5"})
    plan = preview.context["preview"]
    applied = client.post(
        reverse("customers_io:import_apply"),
        {
            "token": preview.context["token"],
            "fingerprint": plan.fingerprint,
            "plan": plan.plan_digest,
            "encoding": "Big5",
        },
    )

    assert refused.status_code == 400 and "Big5" in refused.content.decode()
    assert "陳大文" in preview.content.decode()
    assert 'data-testid="import-encoding"' in preview.content.decode()
    assert applied.status_code == 302
    assert Customer.objects.get(code="N1").name == "陳大文"


def test_the_api_and_the_command_take_the_encoding(org, tmp_path):
    from qiwang.cli import app

    token = create_api_token(user=org.users["administrator"], name="t").key
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    upload = io.BytesIO(SHORT_BIG5)
    upload.name = "customers.csv"
    answered = api.post(
        "/api/customers-io/import/preview", {"file": upload, "encoding": "Big5"}
    ).json()
    path = tmp_path / "customers.csv"
    path.write_bytes(SHORT_BIG5)

    refused = CliRunner().invoke(app, ["customers", "import", str(path), "--dry-run"])
    read = CliRunner().invoke(
        app, ["customers", "import", str(path), "--dry-run", "--encoding", "big5"]
    )

    assert answered["encoding"] == "Big5"
    # the file is refused: the work failed (exit 1; 2 is for misuse, issue 17 item 3)
    assert refused.exit_code == 1 and "Big5" in refused.output
    assert read.exit_code == 0, read.output
    assert "陳大文" in read.output

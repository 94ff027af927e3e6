"""``qiwang analyze sentiment | themes | emotion`` on real files: the JSON contracts, encodings,
formats and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

COMMENTS = [
    "保安很负责，晚上巡逻很认真",
    "暖气一直不热，打电话也没人管！！",
    None,
    "電梯又壞了",
    "The staff were rude",
]


@pytest.fixture
def comments_csv(tmp_path):
    path = tmp_path / "comments.csv"
    pd.DataFrame({"id": range(1, 6), "意见": COMMENTS}).to_csv(path, index=False)
    return path


def test_sentiment_json_has_one_row_per_input_row_in_order(run_cli, comments_csv):
    code, out, err = run_cli(
        "analyze", "sentiment", comments_csv, "--text-column", "意见", "--json"
    )
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"rows", "summary"}
    rows = payload["rows"]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["label"] for r in rows] == ["positive", "negative", "neutral", "negative", "negative"]
    for row in rows:
        assert {"label", "score", "aspects"} <= set(row)
        assert 0.0 <= row["score"] <= 1.0
    assert rows[2]["is_empty"] is True
    assert {a["name"] for a in rows[0]["aspects"]} == {"assurance"}
    summary = payload["summary"]
    assert summary["rows"] == 5 and summary["analysed"] == 4 and summary["empty"] == 1
    assert summary["labels"] == {"negative": 3, "neutral": 0, "positive": 1}
    assert summary["dimensions"]["assurance"]["mentions"] == 2


def test_services_given_on_the_command_line_become_aspects(run_cli, comments_csv):
    code, out, err = run_cli(
        "analyze", "sentiment", comments_csv, "-t", "意见", "--service", "供暖=暖气,供热", "--json"
    )
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert ("供暖", "negative") in {(a["name"], a["label"]) for a in rows[1]["aspects"]}
    assert json.loads(out)["summary"]["services"]["供暖"]["negative_share"] == 1.0


def test_a_gbk_csv_and_an_xlsx_give_the_same_rows_as_utf8(run_cli, comments_csv, tmp_path):
    frame = pd.read_csv(comments_csv)
    gbk = tmp_path / "gbk.csv"
    frame.fillna("").assign(
        意见=lambda f: f["意见"].str.replace("電梯又壞了", "电梯又坏了")
    ).to_csv(gbk, index=False, encoding="gbk")
    xlsx = tmp_path / "comments.xlsx"
    frame.to_excel(xlsx, index=False)
    parquet = tmp_path / "comments.parquet"
    frame.to_parquet(parquet)
    labels = []
    for path in (comments_csv, gbk, xlsx, parquet):
        code, out, err = run_cli("analyze", "sentiment", path, "-t", "意见", "--json")
        assert code == 0, (path, err)
        labels.append([r["label"] for r in json.loads(out)["rows"]])
    assert labels[0] == labels[1] == labels[2] == labels[3]


def test_table_output_names_the_labels(run_cli, comments_csv):
    code, out, _err = run_cli("analyze", "sentiment", comments_csv, "-t", "意见")
    assert code == 0
    assert "negative" in out and "positive" in out
    assert "1 empty" in out


def test_themes_json(run_cli, tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame({"c": ["电梯经常坏", "电梯又坏了", "电梯太慢", "保洁很干净"]}).to_csv(
        path, index=False
    )
    code, out, err = run_cli("analyze", "themes", path, "--text-column", "c", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["comments"] == 4
    assert payload["themes"][0]["phrase"] == "电梯"
    assert payload["themes"][0]["comments"] == 3
    assert len(payload["themes"][0]["examples"]) == 3


def test_emotion_json_with_a_contacts_column(run_cli, tmp_path):
    path = tmp_path / "complaints.csv"
    pd.DataFrame({"内容": ["暖气不热", "暖气不热"], "次数": [0, 3]}).to_csv(path, index=False)
    code, out, err = run_cli(
        "analyze", "emotion", path, "--text-column", "内容", "--contacts-column", "次数", "--json"
    )
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert rows[0]["level"] == "calm" and rows[1]["level"] == "upset"
    assert "repeated_contact" in rows[1]["signals"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-column", "nope"], "missing column 'nope'"),
        (["--text-column", "意见", "--service", "=x"], "--service"),
    ],
)
def test_bad_options_exit_2_with_a_message(run_cli, comments_csv, args, message):
    code, out, err = run_cli("analyze", "sentiment", comments_csv, *args)
    assert code == 2
    assert out == ""
    assert message in err


def test_missing_and_unreadable_files_exit_2(run_cli, tmp_path):
    code, _out, err = run_cli("analyze", "themes", tmp_path / "none.csv", "-t", "c")
    assert code == 2 and "no such file" in err
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, _out, err = run_cli("analyze", "sentiment", empty, "-t", "c")
    assert code == 2 and "empty" in err


def test_a_bad_contact_count_names_row_and_column(run_cli, tmp_path):
    path = tmp_path / "complaints.csv"
    pd.DataFrame({"内容": ["暖气不热", "暖气不热"], "次数": [0, -2]}).to_csv(path, index=False)
    code, _out, err = run_cli("analyze", "emotion", path, "-t", "内容", "--contacts-column", "次数")
    assert code == 2
    assert "row 2" in err and "次数" in err

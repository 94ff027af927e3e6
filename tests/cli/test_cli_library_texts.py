"""Click's and Typer's own texts (help panels, the help hint, the error panel) follow the command
line's language, as Qiwang's own texts do (qiwang.envlang.translate_libraries).

Run as the installed command is, in a child process: the translation is set up by the entry point
only, so the test process's own Click stays English. Typer 0.26 and later carry their own copy
of Click without its gettext calls (ADR 0232): the usage line and error sentences tests below fail
on them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _qiwang(*args: str, lang: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(LANG=lang, QIWANG_LANGUAGE="", COLUMNS="100")
    done = subprocess.run(
        [sys.executable, "-m", "qiwang", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    return done.stdout + done.stderr


@pytest.mark.parametrize(
    ("lang", "panels", "absent"),
    [
        ("zh_CN.UTF-8", ("─ 选项 ─", "─ 命令 ─"), ("─ Options ─", "─ Commands ─")),
        ("C.UTF-8", ("─ 选项 ─", "─ 命令 ─"), ("─ Options ─",)),  # the product's default: zh-hans
        ("en_US.UTF-8", ("─ Options ─", "─ Commands ─"), ("─ 选项 ─",)),
    ],
)
def test_help_panels_follow_the_locale(lang, panels, absent):
    shown = _qiwang("customers", "--help", lang=lang)

    assert all(panel in shown for panel in panels), shown
    assert not any(panel in shown for panel in absent), shown


def test_a_usage_error_has_the_hint_and_the_panel_in_chinese():
    shown = _qiwang("analyze", "promise", lang="zh_CN.UTF-8")

    assert "运行 'qiwang analyze promise --help' 查看帮助。" in shown
    assert "─ 错误 ─" in shown
    english = _qiwang("analyze", "promise", lang="en_US.UTF-8")
    assert "Try 'qiwang analyze promise --help' for help." in english
    assert "─ Error ─" in english


def test_the_usage_line_the_help_option_and_the_error_sentences_are_chinese():
    shown = _qiwang("customers", "--help", lang="zh_CN.UTF-8")
    assert "用法： qiwang customers" in shown, shown
    assert "显示此帮助并退出。" in shown, shown
    assert "Usage:" not in shown and "Show this message" not in shown, shown

    missing = _qiwang("customers", "erase", lang="zh_CN.UTF-8")
    assert "缺少参数 'CUSTOMER'" in missing, missing
    unknown = _qiwang("sla", "due", "--hour", "2", lang="zh_CN.UTF-8")
    assert "没有选项 '--hour'" in unknown and "您是否想用 '--hours'？" in unknown, unknown
    command = _qiwang("customers", "imprt", lang="zh_CN.UTF-8")
    assert "没有命令 'imprt'。 您是否想用 'import'？" in command, command
    assert "Did you mean" not in command and command.count("您是否想用") == 1, command
    choice = _qiwang("analyze", "kano", "--engine", "foo", "x.csv", lang="zh_CN.UTF-8")
    assert "--engine" in choice and "Usage" not in choice, choice


def test_the_english_usage_line_and_error_sentences_are_clicks_own():
    shown = _qiwang("customers", "erase", lang="en_US.UTF-8")
    assert "Usage: qiwang customers erase" in shown, shown
    assert "Missing argument 'CUSTOMER'" in shown, shown


def test_the_completion_options_help_follows_the_locale():
    """Typer's --install-completion / --show-completion help was English on the Chinese help."""
    chinese = _qiwang("--help", lang="zh_CN.UTF-8")
    english = _qiwang("--help", lang="en_US.UTF-8")

    assert "为当前 shell 安装命令补全。" in chinese, chinese
    assert "Install completion" not in chinese and "Show completion" not in chinese, chinese
    assert "Install completion for the current shell." in english, english


_EVERY_HELP = """
import json, re
import typer.main
from qiwang.cli import app

cjk = re.compile(r"[\\u4e00-\\u9fff]")
untranslated = []

def walk(command, path):
    texts = [("help", command.help or "")]
    texts += [(p.name, p.help) for p in command.params if getattr(p, "help", None)]
    for name, text in texts:
        # Typer's completion options are translated when printed (translate_libraries)
        if text and not cjk.search(text) and name not in ("install_completion", "show_completion"):
            untranslated.append(f"{' '.join(path)} [{name}]: {text[:70]}")
    for sub_name, sub in getattr(command, "commands", {}).items():
        walk(sub, [*path, sub_name])

walk(typer.main.get_command(app), ["qiwang"])
print(json.dumps(untranslated, ensure_ascii=False))
"""


def test_every_commands_and_options_help_is_chinese_by_default():
    """Walks the whole command tree: a help text written without the CLI's gettext (as
    ``surveys import`` had) shows up here by name."""
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LANG")}
    env.update(QIWANG_LANGUAGE="zh-hans")
    done = subprocess.run(
        [sys.executable, "-c", _EVERY_HELP],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout) == []

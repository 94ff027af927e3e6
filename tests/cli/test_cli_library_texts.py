"""Click's and Typer's own texts (help panels, the help hint, the error panel) follow the command
line's language, as Qiwang's own texts do (qiwang.envlang.translate_libraries).

Run as the installed command is, in a child process: the translation is set up by the entry point
only, so the test process's own Click stays English. Typer 0.29 writes some texts without
gettext (the usage prefix, the --help option's text, the usage errors' sentences); those stay
English and are not asserted here.
"""

from __future__ import annotations

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

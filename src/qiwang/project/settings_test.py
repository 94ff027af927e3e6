"""Settings for the test suite: the normal settings in ``test`` mode."""

import os

os.environ["QIWANG_ENV"] = "test"

from qiwang.project.settings import *  # noqa: E402,F403

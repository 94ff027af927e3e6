"""The CSI modules: runnable docstring examples, no Django, public names."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

MODULES = [
    "qiwang.analysis.csi",
    "qiwang.analysis._csi_models",
    "qiwang.analysis._csi_fit",
    "qiwang.analysis._moments",
    "qiwang.analysis._pls",
    "qiwang.analysis._pls_bootstrap",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_csi_imports_without_django():
    code = (
        "import sys\n"
        "from qiwang.analysis import csi\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names():
    from qiwang.analysis import csi

    for name in csi.__all__:
        assert hasattr(csi, name), name
    assert issubclass(csi.ModelError, csi.AnalysisInputError)
    assert issubclass(csi.ConvergenceError, ValueError)

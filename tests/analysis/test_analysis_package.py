"""The analysis package as a whole: runnable docstring examples, no Django, public names."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

MODULES = [
    "qiwang.analysis",
    "qiwang.analysis._errors",
    "qiwang.analysis._scales",
    "qiwang.analysis._kano",
    "qiwang.analysis._kano_waves",
    "qiwang.analysis._gaps",
    "qiwang.analysis._servqual",
    "qiwang.analysis._satisfaction",
    "qiwang.analysis._ipa",
    "qiwang.analysis._drivers",
    "qiwang.analysis.kano",
    "qiwang.analysis.servqual",
    "qiwang.analysis.satisfaction",
    "qiwang.analysis.ipa",
    "qiwang.analysis.drivers",
    "qiwang.analysis._text_normalize",
    "qiwang.analysis._text_lexicon",
    "qiwang.analysis._text_model",
    "qiwang.analysis._text_evaluation",
    "qiwang.analysis._text_themes",
    "qiwang.analysis._text_emotion",
    "qiwang.analysis._text_analyzer",
    "qiwang.analysis.text",
    "qiwang.analysis._io",
    "qiwang.analysis._promise",
    "qiwang.analysis.promise",
    "qiwang.analysis._habituation",
    "qiwang.analysis._surprise",
    "qiwang.analysis.surprise",
    "qiwang.analysis._expectation_model",
    "qiwang.analysis._expectations",
    "qiwang.analysis.expectations",
]
PUBLIC = [
    "kano",
    "servqual",
    "satisfaction",
    "ipa",
    "drivers",
    "promise",
    "surprise",
    "expectations",
    "text",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_methods_import_without_django():
    code = (
        "import sys\n"
        f"from qiwang.analysis import {', '.join(PUBLIC)}\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), "
        "'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", PUBLIC)
def test_public_modules_export_what_they_list(name):
    module = importlib.import_module(f"qiwang.analysis.{name}")
    assert module.__all__
    for attribute in module.__all__:
        assert hasattr(module, attribute), attribute

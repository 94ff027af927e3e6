"""Survey analyses on the command line: kano, servqual, ipa, drivers, one module per command
(:mod:`.kano`, :mod:`.drivers`, :mod:`.servqual`, :mod:`.ipa`; shared parts in
:mod:`._survey_common`). Importing this module registers the four commands; the names below are
kept for code that imported them from here.
"""

from qiwang.cli.analyze import kano, drivers, servqual, ipa  # noqa: F401,I001 (registers, in --help order)
from qiwang.cli.analyze._survey_common import (  # noqa: F401
    _duckdb_input,
    _duckdb_numeric_columns,
    _duckdb_segments,
    _fail,
    _guard,
)

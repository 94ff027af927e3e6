"""Customer satisfaction index models (ACSI, ECSI, custom) by PLS path modelling.

Stage 1 reduces the data to moments where it lives (pandas chunks, DuckDB SQL aggregates over
Parquet/CSV); stage 2 runs Lohmöller's PLS algorithm on the moment matrix and derives everything
else from it: outer weights, loadings, cross-loadings, paths, R², effects, reliability, HTMT,
GoF and the ACSI 0–100 index with importance–performance map inputs. :func:`bootstrap` repeats
stage 2 on Poisson-weighted moment matrices that all come from one pass over the data. The
algorithm and each formula, with sources, are in ``docs/analysis/csi.md``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from qiwang.analysis import csi
>>> rng = np.random.default_rng(0)
>>> image = rng.normal(size=300)
>>> loyalty = 0.6 * image + 0.8 * rng.normal(size=300)
>>> frame = pd.DataFrame({f"i{j}": image + rng.normal(size=300) for j in range(3)}
...                      | {f"l{j}": loyalty + rng.normal(size=300) for j in range(3)})
>>> model = csi.ModelSpec.from_mapping({"blocks": {"Image": ["i0", "i1", "i2"],
...                                                "Loyalty": ["l0", "l1", "l2"]},
...                                     "paths": [["Image", "Loyalty"]]})
>>> result = csi.fit(frame, model)
>>> bool(0.3 < result.path_coefficients.loc["Image", "Loyalty"] < 0.6)
True
>>> boot = csi.bootstrap(frame, model, resamples=200, seed=1)
>>> list(boot.paths.columns)
['from', 'to', 'original', 'mean', 'std_error', 'ci_low', 'ci_high']
"""

from __future__ import annotations

from qiwang.analysis._csi_fit import (
    BootstrapResult,
    ConvergenceError,
    PlsResult,
    fit,
    load_model,
)
from qiwang.analysis._csi_models import PRESETS, ModelError, ModelSpec, preset
from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._moments import (
    MissingValuesError,
    Moments,
    moments_from_array,
    moments_from_duckdb,
    moments_from_frame,
)
from qiwang.analysis._pls import SingularMatrixError
from qiwang.analysis._pls_bootstrap import bootstrap, replicate_indices

__all__ = [
    "PRESETS",
    "AnalysisInputError",
    "BootstrapResult",
    "ConvergenceError",
    "MissingValuesError",
    "ModelError",
    "ModelSpec",
    "Moments",
    "PlsResult",
    "SingularMatrixError",
    "bootstrap",
    "fit",
    "load_model",
    "moments_from_array",
    "moments_from_duckdb",
    "moments_from_frame",
    "preset",
    "replicate_indices",
]

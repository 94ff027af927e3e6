"""Key-driver analysis: which attributes drive overall satisfaction, as shares of R².

Stage 1, :func:`cross_products` (pandas) or :func:`cross_products_duckdb` (Parquet / CSV / any
DuckDB relation), reduces the data to count, means and centred cross-products; stage 2 decomposes
the R² of the linear model ``target ~ predictors`` by Shapley value regression (LMG,
:func:`shapley`) or Johnson's relative weights (:func:`relative_weights`). :func:`analyze` does
both stages for a DataFrame.

Examples
--------
>>> import pandas as pd
>>> from qiwang.analysis import drivers
>>> frame = pd.DataFrame({"overall": [3, 4, 5, 4, 2, 5, 3], "speed": [2, 4, 5, 3, 1, 5, 3],
...                       "price": [4, 3, 5, 5, 2, 4, 2]})
>>> result = drivers.analyze(frame, target="overall", method="relative-weights")
>>> [driver.name for driver in result.drivers]
['speed', 'price']
"""

from qiwang.analysis._cross_products import CrossProducts, cross_products, cross_products_duckdb
from qiwang.analysis._drivers import (
    MAX_SHAPLEY_PREDICTORS,
    METHODS,
    Driver,
    DriverResult,
    analyze,
    relative_weights,
    shapley,
    subset_r2,
)

__all__ = [
    "MAX_SHAPLEY_PREDICTORS",
    "METHODS",
    "CrossProducts",
    "Driver",
    "DriverResult",
    "analyze",
    "cross_products",
    "cross_products_duckdb",
    "relative_weights",
    "shapley",
    "subset_r2",
]

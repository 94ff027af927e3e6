"""Path-model specifications: custom models from YAML/JSON and the ACSI and ECSI presets.

A model names its latent variables (LVs) with their indicator columns (``blocks``), the
measurement mode of each block (``A`` reflective, ``B`` formative), the inner model (``paths``,
``from → to``), the inner weighting scheme and, optionally, the rating scale of the items
(``scale: [1, 10]``, used by the 0–100 index) and the target LV of the importance–performance map.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qiwang.analysis._errors import AnalysisInputError
from qiwang.analysis._pls import CompiledModel, ModeName, SchemeName

SCHEMES: tuple[SchemeName, ...] = ("centroid", "factorial", "path")
MODES: tuple[ModeName, ...] = ("A", "B")


class ModelError(AnalysisInputError):
    """A model specification that cannot be estimated (not identified or malformed)."""


@dataclass(frozen=True)
class ModelSpec:
    """A PLS path model.

    Parameters
    ----------
    blocks : mapping of str to sequence of str
        Latent variable → indicator columns, in the order the LVs are reported.
    paths : sequence of (str, str)
        Inner model as ``(from, to)`` pairs; it must be acyclic (recursive).
    modes : mapping of str to {"A", "B"}, optional
        Measurement mode per LV; default ``"A"`` (reflective).
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme; default ``"path"``.
    scale : (float, float), optional
        Minimum and maximum of the rating scale of all items, for the 0–100 index.
    target : str, optional
        The LV whose drivers the importance–performance map shows; default: the last LV that
        is a target of some path and has no successors, else the last endogenous LV.
    name : str
        A label for reports.
    anchors : mapping of str to str, optional
        Orientation anchors: latent variable → one of its indicators. An anchored LV is oriented
        so that it correlates positively with its anchor; the others follow R plspm's rule
        (most of the block's indicators correlate positively with the LV). See
        ``docs/analysis/csi.md`` ("Orientation").
    """

    blocks: Mapping[str, tuple[str, ...]]
    paths: tuple[tuple[str, str], ...]
    modes: Mapping[str, ModeName]
    scheme: SchemeName = "path"
    scale: tuple[float, float] | None = None
    target: str | None = None
    name: str = "custom"
    anchors: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def latent_variables(self) -> tuple[str, ...]:
        return tuple(self.blocks)

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(c for block in self.blocks.values() for c in block)

    @property
    def target_variable(self) -> str:
        """The IPMA target: ``target`` or the last endogenous LV without successors."""
        if self.target is not None:
            return self.target
        sources = {f for f, _ in self.paths}
        targets = [lv for lv in self.blocks if any(t == lv for _, t in self.paths)]
        sinks = [lv for lv in targets if lv not in sources]
        return (sinks or targets)[-1]

    def replace(self, **changes: Any) -> ModelSpec:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def compile(self) -> CompiledModel:
        """Index form for the numeric routines."""
        lvs = self.latent_variables
        block_of = np.array([i for i, lv in enumerate(lvs) for _ in self.blocks[lv]], dtype=np.intp)
        path = np.zeros((len(lvs), len(lvs)), dtype=bool)
        for source, target in self.paths:
            path[lvs.index(target), lvs.index(source)] = True
        return CompiledModel(
            latent_names=lvs,
            indicator_names=self.indicators,
            block_of=block_of,
            modes=tuple(self.modes.get(lv, "A") for lv in lvs),
            path=path,
            anchors=tuple(
                self.indicators.index(self.anchors[lv]) if lv in self.anchors else -1 for lv in lvs
            ),
        )

    def check_columns(self, columns: Sequence[str]) -> None:
        """Raise :class:`ModelError` naming the first indicator missing from ``columns``."""
        available = set(columns)
        for lv, block in self.blocks.items():
            for c in block:
                if c not in available:
                    raise ModelError(
                        f"indicator of {lv!r} not found in the data (columns: "
                        f"{_short_list(columns)})",
                        column=c,
                    )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "blocks": {lv: list(b) for lv, b in self.blocks.items()},
            "modes": dict(self.modes),
            "paths": [list(p) for p in self.paths],
            "scheme": self.scheme,
        }
        if self.scale is not None:
            out["scale"] = list(self.scale)
        if self.target is not None:
            out["target"] = self.target
        if self.anchors:
            out["anchors"] = dict(self.anchors)
        return out

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any], *, name: str = "custom") -> ModelSpec:
        """Build a model from the YAML/JSON structure documented in ``docs/analysis/csi.md``.

        Examples
        --------
        >>> model = ModelSpec.from_mapping({
        ...     "blocks": {"Image": ["IMAG1", "IMAG2"], "Expectation": ["CUEX1", "CUEX2"]},
        ...     "paths": [["Image", "Expectation"]],
        ... })
        >>> model.scheme, model.modes["Image"]
        ('path', 'A')
        """
        if not isinstance(spec, Mapping):
            raise ModelError("a model file must contain a mapping with 'blocks' and 'paths'")
        unknown = set(spec) - {
            "blocks",
            "modes",
            "paths",
            "scheme",
            "scale",
            "target",
            "name",
            "anchors",
        }
        if unknown:
            raise ModelError(f"unknown key {sorted(unknown)[0]!r} in the model")
        raw_blocks = spec.get("blocks")
        if not isinstance(raw_blocks, Mapping) or not raw_blocks:
            raise ModelError("'blocks' must map each latent variable to its indicator columns")
        blocks: dict[str, tuple[str, ...]] = {}
        for lv, cols in raw_blocks.items():
            if cols is None:
                cols = []
            if isinstance(cols, str):
                cols = [cols]
            if not isinstance(cols, Sequence) or not all(isinstance(c, str) for c in cols):
                raise ModelError(f"the indicators of {str(lv)!r} must be a list of column names")
            blocks[str(lv)] = tuple(cols)
        raw_modes = spec.get("modes") or {}
        if not isinstance(raw_modes, Mapping):
            raise ModelError("'modes' must map latent variables to A or B")
        modes: dict[str, ModeName] = {}
        for lv, mode in raw_modes.items():
            m = str(mode).upper()
            if m not in MODES:
                raise ModelError(f"mode of {str(lv)!r} must be A or B, not {mode!r}")
            modes[str(lv)] = m
        raw_paths = spec.get("paths") or []
        if not isinstance(raw_paths, Sequence) or isinstance(raw_paths, str):
            raise ModelError("'paths' must be a list of [from, to] pairs")
        paths: list[tuple[str, str]] = []
        for item in raw_paths:
            if isinstance(item, Mapping) and {"from", "to"} <= set(item):
                pair = (item["from"], item["to"])
            elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
                pair = (item[0], item[1])
            else:
                raise ModelError(f"a path must be a [from, to] pair, not {item!r}")
            paths.append((str(pair[0]), str(pair[1])))
        scheme = str(spec.get("scheme", "path")).lower()
        if scheme not in SCHEMES:
            raise ModelError(f"scheme must be one of {', '.join(SCHEMES)}, not {scheme!r}")
        scale = spec.get("scale")
        parsed_scale: tuple[float, float] | None = None
        if scale is not None:
            if isinstance(scale, Mapping):
                scale = [scale.get("min"), scale.get("max")]
            if not isinstance(scale, Sequence) or len(scale) != 2:
                raise ModelError("'scale' must be [min, max]")
            try:
                parsed_scale = (float(scale[0]), float(scale[1]))
            except (TypeError, ValueError) as error:
                raise ModelError("'scale' must be two numbers [min, max]") from error
        target = spec.get("target")
        raw_anchors = spec.get("anchors") or {}
        if not isinstance(raw_anchors, Mapping) or not all(
            isinstance(v, str) for v in raw_anchors.values()
        ):
            raise ModelError("'anchors' must map latent variables to one of their indicators")
        return cls(
            blocks=blocks,
            paths=tuple(paths),
            modes={lv: modes.get(lv, "A") for lv in blocks} | modes,
            scheme=scheme,
            scale=parsed_scale,
            target=None if target is None else str(target),
            name=str(spec.get("name", name)),
            anchors={str(lv): str(c) for lv, c in raw_anchors.items()},
        )

    @classmethod
    def from_file(cls, path: str | Path) -> ModelSpec:
        """Read a model from a ``.yaml``/``.yml`` or ``.json`` file."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as error:
            raise ModelError(f"cannot read the model file {p}: {error.strerror}") from error
        try:
            if p.suffix.lower() == ".json":
                spec = json.loads(text)
            else:
                import yaml

                spec = yaml.safe_load(text)
        except (ValueError, ImportError) as error:
            raise ModelError(f"cannot parse the model file {p}: {error}") from error
        except Exception as error:  # yaml.YAMLError and friends
            raise ModelError(f"cannot parse the model file {p}: {error}") from error
        return cls.from_mapping(spec, name=p.stem)


def _short_list(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")


def _validate(model: ModelSpec) -> None:
    lvs = list(model.blocks)
    if len(lvs) < 2:
        raise ModelError("a path model needs at least two latent variables")
    seen: dict[str, str] = {}
    for lv, block in model.blocks.items():
        if not block:
            raise ModelError(f"latent variable {lv!r} has no indicators")
        for c in block:
            if c in seen:
                raise ModelError(
                    f"indicator is used by both {seen[c]!r} and {lv!r}; each indicator "
                    "belongs to one block",
                    column=c,
                )
            seen[c] = lv
    for lv, mode in model.modes.items():
        if lv not in model.blocks:
            raise ModelError(f"mode given for unknown latent variable {lv!r}")
        if mode not in MODES:
            raise ModelError(f"mode of {lv!r} must be A or B, not {mode!r}")
    for lv, anchor in model.anchors.items():
        if lv not in model.blocks:
            raise ModelError(f"anchor given for unknown latent variable {lv!r}")
        if anchor not in model.blocks[lv]:
            raise ModelError(
                f"the anchor of {lv!r} must be one of its indicators "
                f"({', '.join(model.blocks[lv])})",
                column=anchor,
            )
    if model.scheme not in SCHEMES:
        raise ModelError(f"scheme must be one of {', '.join(SCHEMES)}, not {model.scheme!r}")
    if not model.paths:
        raise ModelError("the model has no paths")
    for source, target in model.paths:
        for lv in (source, target):
            if lv not in model.blocks:
                raise ModelError(f"path {source} -> {target}: {lv!r} has no block of indicators")
        if source == target:
            raise ModelError(f"path {source} -> {target} points to itself")
    if len(set(model.paths)) != len(model.paths):
        raise ModelError("a path is listed twice")
    cycle = _find_cycle(lvs, model.paths)
    if cycle:
        raise ModelError(
            "the inner model has a cycle (" + " -> ".join(cycle) + "); PLS path models must "
            "be recursive"
        )
    connected = {lv for pair in model.paths for lv in pair}
    isolated = [lv for lv in lvs if lv not in connected]
    if isolated:
        raise ModelError(f"latent variable {isolated[0]!r} is not connected to any path")
    if model.scale is not None:
        low, high = model.scale
        if not (np.isfinite(low) and np.isfinite(high) and high > low):
            raise ModelError(f"scale must be [min, max] with min < max, got [{low}, {high}]")
    if model.target is not None and model.target not in model.blocks:
        raise ModelError(f"target {model.target!r} is not a latent variable of the model")


def _find_cycle(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[str]:
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    for source, target in edges:
        successors[source].append(target)
    state: dict[str, int] = dict.fromkeys(nodes, 0)  # 0 new, 1 on stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in successors[node]:
            if state[nxt] == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if state[nxt] == 0:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for n in nodes:
        if state[n] == 0:
            found = visit(n)
            if found:
                return found
    return []


# --------------------------------------------------------------------------------------------
# Presets

_ECSI_PREFIXES = {
    "Image": "IMAG",
    "Expectation": "CUEX",
    "Quality": "PERQ",
    "Value": "PERV",
    "Satisfaction": "CUSA",
    "Complaints": "CUSCO",
    "Loyalty": "CUSL",
}

_ECSI_PATHS = (
    ("Image", "Expectation"),
    ("Image", "Satisfaction"),
    ("Image", "Loyalty"),
    ("Expectation", "Quality"),
    ("Expectation", "Value"),
    ("Expectation", "Satisfaction"),
    ("Quality", "Value"),
    ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"),
    ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
)

_ACSI_PATHS = (
    ("Expectation", "Quality"),
    ("Expectation", "Value"),
    ("Expectation", "Satisfaction"),
    ("Quality", "Value"),
    ("Quality", "Satisfaction"),
    ("Value", "Satisfaction"),
    ("Satisfaction", "Complaints"),
    ("Satisfaction", "Loyalty"),
    ("Complaints", "Loyalty"),
)

PRESETS: dict[str, dict[str, Any]] = {
    # Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), fig. 5 / table 1; the `mobi` items.
    "ecsi": {
        "prefixes": _ECSI_PREFIXES,
        "paths": _ECSI_PATHS,
        "scale": (1.0, 10.0),
        "target": "Satisfaction",
    },
    # Fornell, Johnson, Anderson, Cha & Bryant (1996), fig. 1: ECSI without Image.
    "acsi": {
        "prefixes": {k: v for k, v in _ECSI_PREFIXES.items() if k != "Image"},
        "paths": _ACSI_PATHS,
        "scale": (1.0, 10.0),
        "target": "Satisfaction",
    },
}


def preset(name: str, columns: Sequence[str], *, scheme: SchemeName = "path") -> ModelSpec:
    """The ACSI or ECSI model with its blocks resolved against the data's ``columns``.

    Indicators are found by the ECSI item prefixes (``IMAG``, ``CUEX``, ``PERQ``, ``PERV``,
    ``CUSA``, ``CUSCO``, ``CUSL``) followed by an optional number, case-insensitively.
    """
    key = name.lower()
    if key not in PRESETS:
        raise ModelError(f"unknown model preset {name!r}; choose one of {', '.join(PRESETS)}")
    spec = PRESETS[key]
    blocks: dict[str, tuple[str, ...]] = {}
    for lv, prefix in spec["prefixes"].items():
        pattern = re.compile(rf"^{prefix}\d*$", re.IGNORECASE)
        found = tuple(c for c in columns if pattern.match(c))
        if not found:
            raise ModelError(
                f"preset {key}: no indicator columns for {lv!r} (expected {prefix}1, "
                f"{prefix}2, …; columns: {_short_list(list(columns))})"
            )
        blocks[lv] = found
    return ModelSpec(
        blocks=blocks,
        paths=spec["paths"],
        modes=dict.fromkeys(blocks, "A"),
        scheme=scheme,
        scale=spec["scale"],
        target=spec["target"],
        name=key,
    )

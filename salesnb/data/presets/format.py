"""The preset file format: one YAML per CRM (``salesnb/data/presets/<name>.yaml``).

A preset describes the *shapes* of file a CRM exports (a deals export, a stage-history
export, a users export, …). Each shape has a *signature* — headers that, all present, say
"this file is that shape" — and, per canonical column, the documented header candidates
(first present wins). :mod:`salesnb.data.presets.resolve` turns a preset and a folder of
files into concrete ``data.tables`` entries.

>>> preset = load_preset("maven_crm")
>>> preset.shape("sales_pipeline").columns["deal_id"]
('opportunity_id',)
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from salesnb import schema
from salesnb.errors import ParamsError
from salesnb.params import PRESET_DIR, Condition, Melt, StatusRule, TableName, _as_text, installed_presets

__all__ = ["PRESET_DIR", "LookupSpec", "Preset", "Shape", "installed_presets", "load_preset"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _candidates(value: Any) -> Any:
    """``Amount`` or ``[Amount, Deal Amount]`` as a tuple of header texts."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    return tuple(str(_as_text(item)) for item in items)


class LookupSpec(_Model):
    """Columns joined from another shape's file (e.g. the account's industry from Account.csv)."""

    shape: str = Field(description="The shape whose file is joined.")
    key: tuple[str, ...] = Field(description="Header candidates of the key column in that file.")
    on: str = Field(description="Canonical column of this table holding the key.")
    columns: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Canonical column -> header candidates in that file."
    )
    default: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        if True in raw and "on" not in raw:  # YAML 1.1 reads an unquoted `on:` key as true
            raw = {("on" if k is True else k): v for k, v in raw.items()}
        raw = {**raw, "key": _candidates(raw.get("key"))}
        if isinstance(raw.get("columns"), dict):
            raw["columns"] = {k: _candidates(v) for k, v in raw["columns"].items()}
        if isinstance(raw.get("default"), dict):
            raw["default"] = {k: _as_text(v) for k, v in raw["default"].items()}
        return raw


class Shape(_Model):
    """One kind of file a CRM exports, and how it maps onto a canonical table."""

    shape: str = Field(description="Name, unique within the preset.")
    table: TableName | None = Field(None, description="Canonical table it feeds; none for a lookup-only file.")
    signature: tuple[str, ...] = Field(
        default=(), description="Headers that, all present (ignoring case, spaces, punctuation), identify the file."
    )
    file: str | None = Field(
        None,
        description="The file name the export usually has (a glob such as deals.* is allowed); used when no "
        "file's headers match the signature. A shape with a file and no signature or columns is passed to the "
        "loader as it is (the generic preset).",
    )
    from_shape: str | None = Field(None, description="Read the same file as this shape (e.g. to melt it).")
    part: bool = Field(False, description="One of several files unioned into the table (data.tables.<t>.parts).")
    columns: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Canonical column -> documented header candidates, first present wins."
    )
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)
    status_from: tuple[tuple[StatusRule, ...], ...] = Field(
        default=(), description="Alternatives, tried in order: the first whose columns are all present is used."
    )
    lookups: tuple[LookupSpec, ...] = ()
    melt: Melt | None = None
    where: tuple[Condition, ...] = ()
    sheet: str | int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    date_format: str | None = None
    decimal: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        raw = dict(raw)
        if "signature" in raw:
            raw["signature"] = _candidates(raw["signature"])
        if isinstance(raw.get("columns"), dict):
            raw["columns"] = {k: _candidates(v) for k, v in raw["columns"].items()}
        if isinstance(raw.get("constants"), dict):
            raw["constants"] = {k: _as_text(v) for k, v in raw["constants"].items()}
        if isinstance(raw.get("values"), dict):
            raw["values"] = {
                k: {str(_as_text(a)): str(_as_text(b)) for a, b in (m or {}).items()} for k, m in raw["values"].items()
            }
        alternatives = raw.get("status_from")
        if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
            raw["status_from"] = [alternatives]  # a single list of rules is one alternative
        return raw

    @field_validator("shape")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a shape needs a name")
        return value

    @property
    def passthrough(self) -> bool:
        """Handed to the loader as it is: a file name pattern, nothing to match (the generic preset)."""
        return not self.signature and not self.columns and not self.from_shape and self.file is not None

    def source_keys(self) -> dict[str, Any]:
        """The keys this shape sets that a ``TableSource`` takes as they are."""
        out: dict[str, Any] = {}
        for key in ("encoding", "delimiter", "header_row", "date_format", "decimal", "sheet"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.values:
            out["values"] = {k: dict(v) for k, v in self.values.items()}
        if self.constants:
            out["constants"] = dict(self.constants)
        if self.where:
            out["where"] = [c.model_dump(exclude_none=True) for c in self.where]
        if self.melt is not None:
            out["melt"] = self.melt.model_dump()
        return out


class Preset(_Model):
    """A CRM's export shapes. ``docs`` cites the vendor documentation the header names come from."""

    name: str
    title: str
    docs: tuple[str, ...] = ()
    status: str = Field("", description="How won/lost is decided, in words (README table).")
    download: str = Field(
        "",
        description="For a public data set: where to get it, in words; said when the data folder has no such files.",
    )
    shapes: tuple[Shape, ...] = Field(min_length=1)
    source: str = Field("", exclude=True, description="The YAML file read.")

    @model_validator(mode="after")
    def _consistent(self) -> Preset:
        names = [s.shape for s in self.shapes]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"shape names must be unique; {doubled} appear more than once")
        by_name = {s.shape: s for s in self.shapes}
        for shape in self.shapes:
            where = f"shape '{shape.shape}'"
            if shape.from_shape is not None:
                origin = by_name.get(shape.from_shape)
                if origin is None or origin.from_shape is not None:
                    raise ValueError(f"{where}: from_shape '{shape.from_shape}' is not a shape with its own file")
                if shape.signature or shape.file:
                    raise ValueError(f"{where}: a from_shape shape reads its origin's file; drop signature/file")
            elif not shape.signature and shape.file is None:
                raise ValueError(f"{where} has neither a signature nor a file name, so no file can be found for it")
            if shape.table is None:
                if shape.columns or shape.status_from or shape.melt or shape.part:
                    raise ValueError(f"{where} feeds no table (no 'table'), so it can only be joined as a lookup")
                continue
            spec = schema.TABLES[shape.table]
            named = [*shape.columns, *shape.constants, *shape.values]
            named += [c for lookup in shape.lookups for c in [lookup.on, *lookup.columns]]
            unknown = sorted({c for c in named if c not in spec.columns})
            if unknown:
                raise ValueError(f"{where} names {unknown}, which are not columns of the canonical {shape.table} table")
            if shape.status_from and shape.table != "deals":
                raise ValueError(f"{where}: status_from applies to the deals table only")
            for lookup in shape.lookups:
                if lookup.shape not in by_name or lookup.shape == shape.shape:
                    raise ValueError(f"{where}: lookup shape '{lookup.shape}' is not another shape of this preset")
        return self

    def shape(self, name: str) -> Shape:
        for shape in self.shapes:
            if shape.shape == name:
                return shape
        raise KeyError(f"preset {self.name} has no shape {name!r}")

    @property
    def tables(self) -> list[str]:
        """The canonical tables the preset can feed, in the order its shapes name them."""
        return list(dict.fromkeys(s.table for s in self.shapes if s.table is not None))

    @property
    def detectable(self) -> bool:
        """Whether files can be recognised by their headers (every preset but generic)."""
        return any(s.signature for s in self.shapes)


def preset_path(preset: str | Path, *, relative_to: Path | None = None) -> Path:
    """The YAML file of an installed preset name, or of a preset file given by path.

    A name is one of :func:`installed_presets`; a path ends in ``.yaml``/``.yml`` and, when
    relative, is taken from ``relative_to`` (the params file's folder).
    """
    text = str(preset)
    if text.endswith((".yaml", ".yml")) or isinstance(preset, Path):
        path = Path(text).expanduser()
        if not path.is_absolute() and relative_to is not None:
            path = relative_to / path
        if not path.is_file():
            raise ParamsError(f"{path}: preset file not found.")
        return path.resolve()
    if text not in installed_presets():
        raise ParamsError(f"no preset named {text!r}; the installed presets are {', '.join(installed_presets())}.")
    return PRESET_DIR / f"{text}.yaml"


def load_preset(preset: str | Path, *, relative_to: Path | None = None) -> Preset:
    """Read and validate a preset (an installed name or a YAML path); a ParamsError names the problem."""
    path = preset_path(preset, relative_to=relative_to)
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _load(path: str, _mtime: int, _size: int) -> Preset:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ParamsError(f"{path}: not a readable preset YAML file ({exc}).") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: a preset is a mapping with name, title and shapes.")
    try:
        return Preset.model_validate({**raw, "source": path})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
        )
        raise ParamsError(f"{path}: invalid preset: {problems}.") from None

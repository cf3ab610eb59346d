"""Rebuild models from JSON a store wrote itself, without validating it again.

Validation belongs at the boundary: a firm is validated when it enters Meute, and a store that
reads back what it dumped itself only has to convert JSON values to their Python types (enums,
dates, nested models). :func:`trusted_builder` derives that conversion from a model's type
hints, so it follows the model as it changes; :func:`schema_stamp` names the models' shape and
the version that wrote them, so that data from any other version goes through validation again.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import types
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, TypeAdapter

from meute.graph.model import Fact, Firm, Provenance

__all__ = ["firm_json", "schema_stamp", "trusted_builder"]

M = TypeVar("M", bound=BaseModel)
Convert = Callable[[Any], Any]


def schema_stamp(version: str, *models: type[BaseModel]) -> str:
    """A short name for these models' JSON schemas as written by ``version`` of Meute."""
    schemas = json.dumps([model.model_json_schema() for model in models], sort_keys=True)
    digest = hashlib.sha256(schemas.encode("utf-8")).hexdigest()[:16]
    return f"{version}+{digest}"


def trusted_builder(model: type[M]) -> Callable[[dict[str, Any]], M]:
    """A function building ``model`` from the JSON data its ``model_dump`` gave, unvalidated.

    Fields missing from the data take their defaults; keys that are not fields (computed
    fields such as ``is_sme``) are ignored. Raises ``TypeError`` for a type it cannot convert.
    """
    build: Callable[[dict[str, Any]], M] = _builder(model)
    return build


@functools.cache
def _builder(model: type[M]) -> Callable[[dict[str, Any]], M]:
    if model.__private_attributes__:
        raise TypeError(f"{model.__name__} has private attributes: not supported")
    fields = [
        (name, _converter(info.annotation), info.default_factory, info.default)
        for name, info in model.model_fields.items()
    ]
    setattr_ = object.__setattr__

    def build(data: dict[str, Any]) -> M:
        values: dict[str, Any] = {}
        for name, convert, factory, default in fields:
            if name in data:
                value = data[name]
                values[name] = value if convert is None or value is None else convert(value)
            else:
                values[name] = default if factory is None else factory()  # type: ignore[call-arg]
        instance = model.__new__(model)
        setattr_(instance, "__dict__", values)
        setattr_(instance, "__pydantic_fields_set__", data.keys() & values.keys())
        setattr_(instance, "__pydantic_extra__", None)
        setattr_(instance, "__pydantic_private__", None)
        return instance

    return build


def _converter(annotation: Any) -> Convert | None:
    """How to turn a JSON value into a value of ``annotation`` (None: it already is one)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _converter(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(kept) != 1:
            raise TypeError(f"no trusted conversion for the union {annotation}")
        inner = _converter(kept[0])
        if inner is None:
            return None
        return lambda value: None if value is None else inner(value)
    if origin is list:
        (item_type,) = get_args(annotation)
        item = _converter(item_type)
        if item is None:
            return None
        convert_item: Convert = item
        return lambda value: [convert_item(x) for x in value]
    if origin is dict:
        key_type, value_type = get_args(annotation)
        key, item = _converter(key_type), _converter(value_type)
        if key is None and item is None:
            return None
        key_of, item_of = key or _same, item or _same
        return lambda value: {key_of(k): item_of(v) for k, v in value.items()}
    if origin is Literal or annotation in (str, int, bool, float, Any):
        return None
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return _shared(annotation) if _is_value(annotation) else trusted_builder(annotation)
        if issubclass(annotation, Enum):
            return annotation._value2member_map_.__getitem__
        if annotation is dt.datetime:
            return dt.datetime.fromisoformat
        if annotation is dt.date:
            return dt.date.fromisoformat
    raise TypeError(f"no trusted conversion for {annotation}")


def _same(value: Any) -> Any:
    return value


SHARED_MAX = 10_000
"""How many distinct instances of one value model :func:`_shared` keeps."""


def _is_value(model: type[BaseModel]) -> bool:
    """Whether every field of ``model`` holds an immutable scalar (text, number, enum, date)."""
    scalars = (str, int, float, bool, dt.date, dt.datetime, Enum, type(None))
    for info in model.model_fields.values():
        annotation = info.annotation
        if get_origin(annotation) in (Union, types.UnionType):
            kinds = get_args(annotation)
        else:
            kinds = (annotation,)
        if not all(isinstance(kind, type) and issubclass(kind, scalars) for kind in kinds):
            return False
    return True


def _shared(model: type[M]) -> Callable[[dict[str, Any]], M]:
    """Like :func:`trusted_builder`, but equal data gives the same instance (up to
    :data:`SHARED_MAX` of them): a firm's dozen provenances are mostly the same few values.
    Models read from a store are never mutated in place, so sharing them is safe.
    """
    build = trusted_builder(model)
    known: dict[tuple[tuple[str, Any], ...], M] = {}

    def shared(data: dict[str, Any]) -> M:
        key = tuple(data.items())
        found = known.get(key)
        if found is None:
            found = build(data)
            if len(known) < SHARED_MAX:
                known[key] = found
        return found

    return shared


EXCLUDE_PROVENANCE = {"provenance"}
PROVENANCES = TypeAdapter(dict[Fact, Provenance])
_provenance_json: dict[tuple[tuple[Any, ...], ...], str] = {}


def firm_json(firm: Firm) -> str:
    """The firm's JSON: what ``firm.model_dump_json()`` holds, with the provenance last.

    Serialising the dozen provenances of a firm was most of the cost of writing it, and firms
    share a few of them: each different set is serialised once (up to 10,000 of them).
    """
    key = tuple((fact, p.source, p.date, p.author) for fact, p in firm.provenance.items())
    provenance = _provenance_json.get(key)
    if provenance is None:
        provenance = PROVENANCES.dump_json(firm.provenance).decode("utf-8")
        if len(_provenance_json) < 10_000:
            _provenance_json[key] = provenance
    head = firm.model_dump_json(exclude=EXCLUDE_PROVENANCE)
    return f'{head[:-1]},"provenance":{provenance}}}'

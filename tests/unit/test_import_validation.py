"""Validating an import file: a text no store can write back is refused naming the field,
whether the file's escapes let validation skip the per-string check or not.
"""

from __future__ import annotations

import json
import typing
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from meute.api.service import ImportDocument, parse_json_file
from meute.graph.errors import InvalidInput
from meute.graph.model import Firm, _Model, check_text, json_texts_storable
from meute.graph.synth import generate
from tests.unit.factories import make_firm, valid_siren

BAD_TEXT = ["A\ud800B", "A\udfffB", "A\x00B", "\x00", "\udbff"]
GOOD_TEXT = ["Bâtir l'Ouest", "emoji 😀 pair", "back\\u0000slash", "tab\tnew\nline", ""]


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_a_json_text_said_storable_holds_only_storable_strings(text: str) -> None:
    for raw in (json.dumps({text: [text]}), json.dumps({"k": text}, ensure_ascii=False)):
        if not _decodable(raw):
            continue  # a text read from a UTF-8 file holds no surrogate
        if json_texts_storable(raw):
            for value in (*json.loads(raw), text):
                check_text(value)


def _decodable(raw: str) -> bool:
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize("text", BAD_TEXT)
def test_an_escape_spelling_an_unstorable_character_is_seen(text: str) -> None:
    assert not json_texts_storable(json.dumps({"name": text}))


def test_plain_texts_are_storable_and_doubtful_escapes_are_checked_string_by_string() -> None:
    plain = [text for text in GOOD_TEXT if "\\" not in text]
    assert json_texts_storable(json.dumps(plain, ensure_ascii=False))
    assert not json_texts_storable(json.dumps(plain))  # the emoji as a surrogate pair
    assert not json_texts_storable(json.dumps(GOOD_TEXT, ensure_ascii=False))  # "\\u0000"


def _file(tmp_path: Path, firms: list[dict[str, object]]) -> Path:
    path = tmp_path / "firms.json"
    path.write_text(json.dumps({"firms": firms}), encoding="utf-8")
    return path


@pytest.mark.parametrize("text", BAD_TEXT)
@pytest.mark.parametrize("field", ["name", "description", "contact_email"])
def test_an_import_file_with_unstorable_text_names_the_field(
    tmp_path: Path, text: str, field: str
) -> None:
    good = make_firm(valid_siren(1)).model_dump(mode="json")
    bad = make_firm(valid_siren(2)).model_dump(mode="json") | {field: f"x{text}@y"}
    with pytest.raises(InvalidInput) as caught:
        parse_json_file(_file(tmp_path, [good, bad]), ImportDocument)
    assert [p.field for p in caught.value.problems] == [f"firms[1].{field}"]


def test_an_import_file_of_storable_text_is_read_as_before(tmp_path: Path) -> None:
    firms = [
        make_firm(valid_siren(i), name=text or "vide", description=text).model_dump(mode="json")
        for i, text in enumerate(GOOD_TEXT)
    ]
    document = parse_json_file(_file(tmp_path, firms), ImportDocument)
    assert [f.model_dump(mode="json") for f in document.firms] == firms


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_the_bytes_of_a_json_text_are_judged_as_the_text(text: str) -> None:
    for raw in (json.dumps({text: [text]}), json.dumps({"k": text}, ensure_ascii=False)):
        assert json_texts_storable(raw.encode("utf-8", "surrogatepass")) == json_texts_storable(raw)


def test_a_file_validated_from_its_bytes_equals_the_python_validation(tmp_path: Path) -> None:
    firms, collaborations = generate(300, seed=3)
    path = tmp_path / "document.json"
    path.write_text(
        ImportDocument(firms=firms, collaborations=collaborations).model_dump_json(by_alias=True),
        encoding="utf-8",
    )
    assert json_texts_storable(path.read_bytes())  # the bytes are validated directly
    document = parse_json_file(path, ImportDocument)
    expected = ImportDocument.model_validate(json.loads(path.read_text(encoding="utf-8")))
    assert document == expected
    pairs = list(zip(document.firms, expected.firms, strict=True))
    assert all(a.model_fields_set == b.model_fields_set for a, b in pairs)
    assert document.model_dump_json() == expected.model_dump_json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"siren": "123456789"}, "firms[1].siren"),
        ({"turnover_eur": float("nan")}, "firms[1].turnover_eur"),
        ({"region": "Atlantide"}, "firms[1].region"),
    ],
)
def test_a_storable_file_with_a_bad_value_names_the_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    good = make_firm(valid_siren(1)).model_dump(mode="json")
    bad = make_firm(valid_siren(2)).model_dump(mode="json") | change
    path = _file(tmp_path, [good, bad])
    assert json_texts_storable(path.read_bytes())
    with pytest.raises(InvalidInput) as caught:
        parse_json_file(path, ImportDocument)
    assert [p.field for p in caught.value.problems] == [field]


@pytest.mark.parametrize(
    ("raw", "message"),
    [(b'{"firms": [}', "not JSON"), (b'{"firms": ["\xff"]}', "cannot read")],
)
def test_a_file_that_is_not_json_or_not_utf8_says_so(
    tmp_path: Path, raw: bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    with pytest.raises(InvalidInput, match=message):
        parse_json_file(path, ImportDocument)


def _models(base: type[_Model]) -> list[type[_Model]]:
    return [base] + [model for sub in base.__subclasses__() for model in _models(sub)]


def _holds_text(annotation: Any) -> bool:
    """Whether a value of this type may hold a free string (an enum's members are fixed)."""
    if isinstance(annotation, type) and issubclass(annotation, str):
        return not issubclass(annotation, Enum)
    return any(_holds_text(arg) for arg in typing.get_args(annotation))


@pytest.mark.parametrize("model", _models(_Model), ids=lambda model: model.__name__)
def test_every_field_that_can_hold_text_is_checked(model: type[_Model]) -> None:
    checked = model.__pydantic_decorators__.field_validators["_valid_texts"].info.fields
    texts = {name for name, field in model.model_fields.items() if _holds_text(field.annotation)}
    assert "*" in checked or texts <= set(checked), texts - set(checked)


@pytest.mark.parametrize("text", BAD_TEXT)
@pytest.mark.parametrize(
    "place",
    [
        lambda t: {"name": t},
        lambda t: {"description": t},
        lambda t: {"certifications": ["ISO 9001", t]},
        lambda t: {"languages": [t]},
        lambda t: {"contact_email": f"x{t}@y"},
        lambda t: {"contact_phone": t},
        lambda t: {"capabilities": [{"cpv": "45000000-7"}, {"cpv": t}]},
        lambda t: {"provenance": {"name": {"source": "declared", "author": t}}},
    ],
)
def test_each_text_field_of_a_firm_refuses_unstorable_text(text: str, place: Any) -> None:
    change = place(text)
    with pytest.raises(ValidationError) as caught:
        Firm.model_validate(make_firm().model_dump(mode="json") | change)
    assert {error["loc"][0] for error in caught.value.errors()} == set(change)

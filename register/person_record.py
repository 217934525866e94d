"""The `<person>` element of a FOUND answer as JSON, and back (the stand-in writes answers with it).

Mapping, element by element (local names; namespaces and attributes are dropped):

- an element without child elements becomes its text, `""` when empty (mixed text beside child
  elements is dropped);
- an element with child elements becomes a dict, the same rules applied to its children;
- a name that occurs more than once in one parent becomes a list of the values, in document order;
- `person/documents` is always a list, one dict per child (`<document>`), even for none or one.

So unknown extra elements are kept: `<citizenship>УКРАЇНА</citizenship>` becomes
`"citizenship": "УКРАЇНА"` and `<address><city>КИЇВ</city></address>` becomes
`"address": {"city": "КИЇВ"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

DOCUMENTS = "documents"


def person_from_xml(person: etree._Element) -> dict[str, Any]:
    """The JSON record of a `<person>` element."""
    record = _fields_from_xml(person)
    documents = [
        _fields_from_xml(document)
        for holder in person
        if _local_name(holder) == DOCUMENTS
        for document in _child_elements(holder)
    ]
    if DOCUMENTS in record:
        record[DOCUMENTS] = documents
    return record


def _fields_from_xml(element: etree._Element) -> dict[str, Any]:
    values: dict[str, list[Any]] = {}
    for child in _child_elements(element):
        values.setdefault(_local_name(child), []).append(_value_from_xml(child))
    return {name: found[0] if len(found) == 1 else found for name, found in values.items()}


def _value_from_xml(element: etree._Element) -> str | dict[str, Any]:
    if any(True for _ in _child_elements(element)):
        return _fields_from_xml(element)
    return element.text or ""


def _child_elements(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def append_person(parent: etree._Element, person: Mapping[str, Any]) -> etree._Element:
    """Append `<person>` holding `person`, the inverse of person_from_xml (a one-item list other than
    `documents` comes back as a single value, and empty dicts as empty strings)."""
    element = etree.SubElement(parent, "person")
    for name, value in person.items():
        if name == DOCUMENTS:
            holder = etree.SubElement(element, DOCUMENTS)
            for document in value:
                _append_fields(etree.SubElement(holder, "document"), document)
        else:
            _append_named(element, name, value)
    return element


def _append_fields(element: etree._Element, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        _append_named(element, name, value)


def _append_named(parent: etree._Element, name: str, value: Any) -> None:
    for item in value if isinstance(value, list) else [value]:
        if item is None:
            continue
        child = etree.SubElement(parent, name)
        if isinstance(item, Mapping):
            _append_fields(child, item)
        else:
            child.text = str(item)

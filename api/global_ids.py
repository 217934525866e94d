"""Relay global ids: base64 of `TypeName:key`, as Relay clients and the eHealth admin panel expect.

`node(id)` answers null for a well-formed id of a type this service does not hold (it may belong to
another eHealth service) and UNPROCESSABLE_ENTITY for an id that is not a global id at all.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass


class MalformedGlobalId(ValueError):
    pass


@dataclass(frozen=True)
class GlobalId:
    type_name: str
    key: str


def encode_global_id(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode("ascii")


def decode_global_id(value: str) -> GlobalId:
    try:
        text = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error):
        raise MalformedGlobalId("not a global id") from None
    type_name, separator, key = text.partition(":")
    if not separator or not type_name or not key:
        raise MalformedGlobalId("not a global id")
    return GlobalId(type_name, key)

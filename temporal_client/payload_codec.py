"""Encrypts every payload the service writes to Temporal (AES-256-GCM), so the UNZR and the person
record never rest in Temporal's history or visibility store in the clear.

Each encrypted payload names its key id in its metadata: keys rotate by adding a new key in front
(it encrypts from then on) and keeping the old ones until no open history needs them.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
_NONCE_BYTES = 12


class PayloadKeyError(ValueError):
    """The key list is malformed, or a payload names a key we do not hold."""


def parse_payload_keys(text: str) -> tuple[str, dict[str, bytes]]:
    """`id:base64key[,id:base64key…]` (first encrypts) → (active key id, keys by id)."""
    keys: dict[str, bytes] = {}
    active = ""
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise PayloadKeyError("each key must be written id:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise PayloadKeyError(f"key {key_id!r} is not valid base64") from None
        if len(key) != 32:
            raise PayloadKeyError(f"key {key_id!r} must be 32 bytes (AES-256), got {len(key)}")
        if key_id in keys:
            raise PayloadKeyError(f"key id {key_id!r} is listed twice")
        keys[key_id] = key
        active = active or key_id
    if not keys:
        raise PayloadKeyError("at least one key is needed")
    return active, keys


class EncryptionCodec(PayloadCodec):
    def __init__(self, active_key_id: str, keys: Mapping[str, bytes]) -> None:
        if active_key_id not in keys:
            raise PayloadKeyError("the active key id is not among the keys")
        self._active_key_id = active_key_id
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._active_key_id]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(_NONCE_BYTES)
            key_id = self._active_key_id.encode()
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id},
                    # The key id is bound in as associated data: a payload cannot be passed off as
                    # encrypted under another key.
                    data=nonce + cipher.encrypt(nonce, payload.SerializeToString(), key_id),
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)
                continue
            key_id = payload.metadata.get(KEY_ID_METADATA, b"")
            cipher = self._ciphers.get(key_id.decode(errors="replace"))
            if cipher is None:
                raise PayloadKeyError(f"no key with id {key_id.decode(errors='replace')!r} to decrypt with")
            nonce, sealed = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
            try:
                plain = cipher.decrypt(nonce, sealed, key_id)
            except InvalidTag:
                raise PayloadKeyError("a payload failed authentication: wrong key or tampered data") from None
            decoded.append(Payload.FromString(plain))
        return decoded

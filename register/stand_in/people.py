"""The stand-in's people: those listed in a JSON file (people.json by default), and a generated person
for every other UNZR the behaviour table answers with a person."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from register.stand_in.behaviour import Answer, behaviour_for
from register.stand_in.generated_people import generated_person
from unzr.validation import InvalidUnzr

REQUIRED_FIELDS = ("unzr", "last_name", "first_name", "gender", "date_birth")
# Answers that carry the person record of the UNZR asked for.
_ANSWERS_WITH_PERSON = frozenset({Answer.FOUND, Answer.FLAKY, Answer.FOUND_WITH_EXTRAS})


class PeopleFileError(ValueError):
    """The people file is not what README.md describes; the message names the entry."""


@dataclass(frozen=True, slots=True)
class PeopleBook:
    listed: Mapping[str, Mapping[str, Any]]

    @classmethod
    def load(cls, path: Path | None = None) -> PeopleBook:
        """Read and check `path`, or the packaged people.json."""
        if path is None:
            text = resources.files("register.stand_in").joinpath("people.json").read_text("utf-8")
        else:
            text = path.read_text("utf-8")
        return cls(listed=_check(json.loads(text)))

    def person(self, unzr: str) -> dict[str, Any]:
        """The record of `unzr`: listed, or generated. A fresh copy, so callers may change it."""
        listed = self.listed.get(unzr)
        return copy.deepcopy(dict(listed)) if listed is not None else generated_person(unzr)


def _check(document: object) -> dict[str, Mapping[str, Any]]:
    if not isinstance(document, dict) or not isinstance(document.get("people"), list):
        raise PeopleFileError('the people file must be an object with a "people" list')
    listed: dict[str, Mapping[str, Any]] = {}
    for index, person in enumerate(document["people"]):
        where = f"people[{index}]"
        if not isinstance(person, dict):
            raise PeopleFileError(f"{where} must be an object")
        missing = [name for name in REQUIRED_FIELDS if not isinstance(person.get(name), str)]
        if missing:
            raise PeopleFileError(f"{where} lacks {', '.join(missing)}")
        if not isinstance(person.get("documents", []), list):
            raise PeopleFileError(f"{where}: documents must be a list")
        unzr = person["unzr"]
        try:
            answer = behaviour_for(unzr).answer
        except InvalidUnzr as invalid:
            raise PeopleFileError(f"{where}: {invalid}") from None
        if answer not in _ANSWERS_WITH_PERSON:
            raise PeopleFileError(f"{where}: the behaviour table answers {unzr} with {answer}, not a person")
        if unzr in listed:
            raise PeopleFileError(f"{where}: {unzr} is listed twice")
        listed[unzr] = person
    return listed

"""Deterministic made-up people for UNZRs that people.json does not list.

The same UNZR always yields the same person, on any machine and any day (no clock, a seed derived from
the UNZR). Names are common Ukrainian name parts drawn at random: no real person's record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from typing import Any

# No clock: a person generated today and next year must be the same.
REFERENCE_DATE = dt.date(2025, 1, 1)
_ID_CARDS_SINCE = dt.date(2016, 1, 11)

SURNAMES = (
    "ШЕВЧЕНКО", "КОВАЛЕНКО", "БОНДАРЕНКО", "ТКАЧЕНКО", "КРАВЧЕНКО", "ОЛІЙНИК", "ШЕВЧУК", "ПОЛІЩУК",
    "ЛИСЕНКО", "МЕЛЬНИК", "САВЧЕНКО", "РУДЕНКО", "МОРОЗ", "ПАВЛЕНКО", "ГОНЧАРУК", "ЛЕВЧЕНКО",
    "КАРПЕНКО", "ЗІНЧЕНКО", "ЯРЕМЧУК", "ДЕМ'ЯНЕНКО", "ГРИЦЕНКО-ВОВК", "ҐАВРИЛЮК", "ЄВТУШЕНКО", "ЇЖАЧЕНКО",
)  # fmt: skip
FEMALE_NAMES = (
    "ОЛЕНА", "НАТАЛІЯ", "ОКСАНА", "ІРИНА", "ТЕТЯНА", "МАРІЯ", "ЮЛІЯ", "СОФІЯ",
    "ГАННА", "ДАР'Я", "ЄВГЕНІЯ", "ЗОРЯНА", "ЛЕСЯ", "ОЛЕСЯ", "ХРИСТИНА", "ЯРИНА",
)  # fmt: skip
MALE_NAMES = (
    "ОЛЕКСАНДР", "АНДРІЙ", "ДМИТРО", "СЕРГІЙ", "ІВАН", "МИКОЛА", "ТАРАС", "ВОЛОДИМИР",
    "ЮРІЙ", "БОГДАН", "ОСТАП", "В'ЯЧЕСЛАВ", "ЄВГЕН", "ПЕТРО", "ВАСИЛЬ", "ГРИГОРІЙ",
)  # fmt: skip
# (son's, daughter's) patronymic
PATRONYMICS = (
    ("ОЛЕКСАНДРОВИЧ", "ОЛЕКСАНДРІВНА"), ("ВОЛОДИМИРОВИЧ", "ВОЛОДИМИРІВНА"), ("ІВАНОВИЧ", "ІВАНІВНА"),
    ("ПЕТРОВИЧ", "ПЕТРІВНА"), ("МИКОЛАЙОВИЧ", "МИКОЛАЇВНА"), ("ВАСИЛЬОВИЧ", "ВАСИЛІВНА"),
    ("В'ЯЧЕСЛАВОВИЧ", "В'ЯЧЕСЛАВІВНА"), ("ЮРІЙОВИЧ", "ЮРІЇВНА"), ("АНДРІЙОВИЧ", "АНДРІЇВНА"),
    ("СЕРГІЙОВИЧ", "СЕРГІЇВНА"), ("ТАРАСОВИЧ", "ТАРАСІВНА"), ("ГРИГОРОВИЧ", "ГРИГОРІВНА"),
)  # fmt: skip
BIRTH_PLACES = (
    "М. КИЇВ УКРАЇНА",
    "М. ЛЬВІВ ЛЬВІВСЬКА ОБЛАСТЬ УКРАЇНА",
    "М. ХАРКІВ ХАРКІВСЬКА ОБЛАСТЬ УКРАЇНА",
    "М. ОДЕСА ОДЕСЬКА ОБЛАСТЬ УКРАЇНА",
    "М. ДНІПРО ДНІПРОПЕТРОВСЬКА ОБЛАСТЬ УКРАЇНА",
    "М. ПОЛТАВА ПОЛТАВСЬКА ОБЛАСТЬ УКРАЇНА",
    "С. ПЕТРИКІВКА ДНІПРОПЕТРОВСЬКА ОБЛАСТЬ УКРАЇНА",
    "М. КАМ'ЯНЕЦЬ-ПОДІЛЬСЬКИЙ ХМЕЛЬНИЦЬКА ОБЛАСТЬ УКРАЇНА",
    "М. ІВАНО-ФРАНКІВСЬК ІВАНО-ФРАНКІВСЬКА ОБЛАСТЬ УКРАЇНА",
    "М. УЖГОРОД ЗАКАРПАТСЬКА ОБЛАСТЬ УКРАЇНА",
)
CITIES = ("М. КИЇВ", "М. ЛЬВІВ", "М. ХАРКІВ", "М. ОДЕСА", "М. ДНІПРО", "М. ВІННИЦЯ", "М. ЧЕРНІГІВ")
STREETS = ("ВУЛ. САДОВА", "ВУЛ. ШЕВЧЕНКА", "ПРОСП. НЕЗАЛЕЖНОСТІ", "ВУЛ. ЛЕСІ УКРАЇНКИ", "БУЛЬВ. І. ФРАНКА")
BOOKLET_SERIES = ("СН", "КВ", "МЕ", "ЕК", "ВА", "НР")
_RNOKPP_WEIGHTS = (-1, 5, 7, 9, 4, 6, 10, 5, 7)
_RNOKPP_EPOCH = dt.date(1899, 12, 31)


def generated_person(unzr: str) -> dict[str, Any]:
    """A made-up person record for a valid UNZR, shaped as the contract's `person`."""
    rng = random.Random(int.from_bytes(hashlib.sha256(f"stand-in:{unzr}".encode()).digest()[:8], "big"))
    birth = dt.date(int(unzr[0:4]), int(unzr[4:6]), int(unzr[6:8]))
    gender = rng.choice("FM")
    son, daughter = rng.choice(PATRONYMICS)
    person: dict[str, Any] = {"unzr": unzr}
    number = rnokpp(birth, gender, rng.randrange(1000)) if rng.random() >= 0.05 else None
    if number is not None:
        person["rnokpp"] = number
    person["last_name"] = rng.choice(SURNAMES)
    person["first_name"] = rng.choice(FEMALE_NAMES if gender == "F" else MALE_NAMES)
    if rng.random() >= 0.03:
        person["middle_name"] = daughter if gender == "F" else son
    person["gender"] = gender
    person["date_birth"] = birth.isoformat()
    person["birth_place"] = rng.choice(BIRTH_PLACES)
    person["registration"] = (
        f"УКРАЇНА {rng.choice(CITIES)} {rng.choice(STREETS)} "
        f"БУД. {rng.randint(1, 120)} КВ. {rng.randint(1, 300)}"
    )
    person["documents"] = _documents(birth, rng)
    return person


def _documents(birth: dt.date, rng: random.Random) -> list[dict[str, str]]:
    adult = _add_years(birth, 14)
    if adult > REFERENCE_DATE:
        return []
    documents = []
    if adult < _ID_CARDS_SINCE and rng.random() < 0.6:
        issued = adult + dt.timedelta(days=rng.randrange(365))
        documents.append(
            {
                "type": "P",
                "number": f"{rng.choice(BOOKLET_SERIES)}{rng.randrange(10**6):06d}",
                "date_issue": issued.isoformat(),
                "dep_issue": f"{rng.randrange(10**4):04d}",
            }
        )
    if not documents or rng.random() < 0.5:
        start = max(adult, _ID_CARDS_SINCE)
        span = max((REFERENCE_DATE - start).days, 1)
        issued = start + dt.timedelta(days=rng.randrange(span))
        documents.append(
            {
                "type": "ID",
                "number": f"{rng.randrange(10**9):09d}",
                "date_issue": issued.isoformat(),
                "date_expiry": _add_years(issued, 10).isoformat(),
                "dep_issue": f"{rng.randrange(10**4):04d}",
            }
        )
    return documents


def rnokpp(birth: dt.date, gender: str, serial: int) -> str | None:
    """A taxpayer number of the Ukrainian shape (days since 1899-12-31, serial, even ninth digit for
    women, control digit), or None for a birth date it cannot encode."""
    days = (birth - _RNOKPP_EPOCH).days
    if not 0 < days < 100_000:
        return None
    ninth = (serial % 5) * 2 + (1 if gender == "M" else 0)
    digits = f"{days:05d}{serial // 5 % 1000:03d}{ninth}"
    check = sum(int(digit) * weight for digit, weight in zip(digits, _RNOKPP_WEIGHTS, strict=True)) % 11 % 10
    return f"{digits}{check}"


def _add_years(day: dt.date, years: int) -> dt.date:
    year = min(day.year + years, dt.MAXYEAR)
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)

"""Deterministic Chinese pseudonyms, resident IDs and mobiles for the demo borrowers.

The same source row always gets the same person (each draw is seeded from the row's key), so tests
can name exact values and a reload builds the same portfolio. IDs have the real shape and check
character (GB 11643-1999) but are invented: region from the demo branch, birth date from the age in
the source where it has one. Uniqueness within a run is kept by ``PseudonymBook``.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from loanlit.law.identifiers import ric_check_digit, uscc_check_character

DATA_DIR: Final = Path(__file__).resolve().parent
Sex = Literal["male", "female"]


@cache
def names_data() -> dict[str, Any]:
    return json.loads((DATA_DIR / "names.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def seeded(*key: object) -> random.Random:
    """A random stream fixed by ``key`` (sha256, not ``hash()``, which changes per process)."""
    digest = hashlib.sha256("\x1f".join(str(k) for k in key).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class Person:
    name: str
    sex: Sex
    birth_date: date
    id_number: str
    mobile: str


def resident_id(region: str, birth: date, sequence: int, sex: Sex) -> str:
    """18-character resident ID: region, birth date, 3-digit order number (odd 001–997 for men, even
    002–998 for women; ``sequence`` picks one of the 499 of each sex) and the check character."""
    number = sequence % 499 * 2 + (1 if sex == "male" else 2)
    body = f"{region}{birth:%Y%m%d}{number:03d}"
    return body + ric_check_digit(body)


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


class PseudonymBook:
    """Hands out people for source rows, never the same ID or mobile twice in one book."""

    def __init__(self, *, seed: object = "loanlit-demo") -> None:
        self.seed = seed
        self._ids: set[str] = set()
        self._mobiles: set[str] = set()

    def person(
        self,
        key: object,
        *,
        region: str,
        sex: Sex | None = None,
        age: int | None = None,
        age_on: date = date(2025, 1, 1),
    ) -> Person:
        data = names_data()
        rng = seeded(self.seed, key)
        drawn: Sex = "male" if rng.random() < 0.5 else "female"
        sex = sex or drawn
        given_pool = data["given_male"] if sex == "male" else data["given_female"]
        given = "".join(rng.choice(given_pool) for _ in range(rng.choice((1, 2, 2))))
        name = rng.choice(data["surnames"]) + given
        if age is not None:
            # Only the year follows from an age; the day is drawn, and falls before ``age_on``.
            birth = date(age_on.year - age - 1, 1, 1) + timedelta(days=rng.randrange(365))
        else:
            birth = date(1962, 1, 1) + timedelta(days=rng.randrange(33 * 365))
        sequence = rng.randrange(500)
        id_number = resident_id(region, birth, sequence, sex)
        while id_number in self._ids:
            sequence += 1
            id_number = resident_id(region, birth, sequence, sex)
        self._ids.add(id_number)
        mobile = rng.choice(data["mobile_prefixes"]) + f"{rng.randrange(10**8):08d}"
        while mobile in self._mobiles:
            mobile = mobile[:3] + f"{(int(mobile[3:]) + 1) % 10**8:08d}"
        self._mobiles.add(mobile)
        return Person(name=name, sex=sex, birth_date=birth, id_number=id_number, mobile=mobile)

    def staff_name(self, key: object) -> str:
        """A name for a judge or clerk (no ID needed)."""
        data = names_data()
        rng = seeded(self.seed, "staff", key)
        pool = data["given_male"] + data["given_female"]
        return rng.choice(data["surnames"]) + "".join(rng.choice(pool) for _ in range(2))

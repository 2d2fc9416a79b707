"""Builds resources/given_names.json, the first names a multiple choice never offers as a distractor,
from Faker's person providers (the `faker` wheel, MIT; its licence ships beside the extract as
resources/given_names_license.txt). Run by hand when the lists change:

    pip download --no-deps faker==40.63.0 -d /tmp/faker
    python packaging/extract_given_names.py /tmp/faker/faker-40.63.0-py3-none-any.whl

Only the languages whose part-of-speech data is a lookup table get a list: their tables, and the
noun-or-adjective fallback for words they do not place, take "michel" or "pedro" for nouns. HanTa
(German, English, Dutch) tags names as names itself, and a list there would only take good
distractors away ("will", "may" and "love" are English first names). The app ships the extract, not
the wheel: Faker is a 2 MB package of which the app would use a few lists.
"""

from __future__ import annotations

import importlib
import json
import sys
import zipfile
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
# each language's Faker locales, the countries whose names a learner's sentences would hold
LOCALES = {
    "fr": ("fr_FR", "fr_BE", "fr_CA", "fr_CH", "fr_QC"),
    "es": ("es", "es_ES", "es_AR", "es_CL", "es_CO", "es_MX"),
    "it": ("it_IT",),
    "pt": ("pt_PT", "pt_BR"),
}
FIELDS = ("first_names", "first_names_male", "first_names_female")


def names(locale: str) -> set[str]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    found: set[str] = set()
    for field in FIELDS:
        listed = provider.__dict__.get(field)
        if isinstance(listed, (list, tuple, dict)):  # a dict maps names to weights
            found.update(n.strip().casefold() for n in listed if n.strip() and " " not in n.strip())
    return found


def main() -> None:
    wheel_path = sys.argv[1]
    sys.path.insert(0, wheel_path)  # a pure-Python wheel imports from its zip
    by_language = {lang: sorted(set().union(*(names(loc) for loc in locales)))
                   for lang, locales in LOCALES.items()}
    out = RESOURCES / "given_names.json"
    doc = {"source": Path(wheel_path).name, "licence": "MIT, see given_names_license.txt", "names": by_language}
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=0) + "\n", "utf-8")
    with zipfile.ZipFile(wheel_path) as wheel:
        licence = next(n for n in wheel.namelist() if n.endswith("licenses/LICENSE.txt"))
        (RESOURCES / "given_names_license.txt").write_bytes(wheel.read(licence))
    print(f"{out.name}: {out.stat().st_size // 1024} KB, " +
          ", ".join(f"{lang} {len(v)}" for lang, v in by_language.items()))


if __name__ == "__main__":
    main()

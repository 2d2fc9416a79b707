"""Builds resources/pos/{fr,es,it}.json.gz, the part-of-speech lexicons of the multiple-choice check,
from spaCy's lookup tables (the `spacy-lookups-data` wheel, MIT; Italian from morph-it, whose licence
ships beside it as resources/pos/it_license.txt). Run by hand when the tables change:

    pip download --no-deps spacy-lookups-data==1.0.5 -d /tmp/sld
    python packaging/extract_pos_lexicons.py /tmp/sld/spacy_lookups_data-1.0.5-py2.py3-none-any.whl

The wheel is ~100 MB for a few hundred KB the app uses, so the app ships the extract, not the wheel.
Each lexicon is {"forms": {TAG: [word forms]}, "lemmas": {TAG: [lemmas]}, "rules": {TAG: [[suffix,
replacement], ...]}}: a form has a tag when it is listed, is a lemma of that tag, or a rule turns it
into one (spaCy's rule lemmatizer, run backwards as a membership test).
"""

from __future__ import annotations

import gzip
import json
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resources" / "pos"
# spaCy's table keys -> the app's coarse tags (assistant/learning/parts_of_speech.py)
TAGS = {"noun": "NOUN", "propn": "PROPN", "verb": "VERB", "aux": "AUX", "adj": "ADJ", "adv": "ADV", "adp": "ADP",
        "det": "DET", "pron": "PRON", "cconj": "CONJ", "sconj": "CONJ", "num": "NUM", "part": "PART"}
# Spanish rule groups -> tags; the vowel-alternation and accent groups are steps inside other rules
ES_RULES = {"verb_": "VERB", "noun_plur": "NOUN", "adj_": "ADJ", "adverbs": "ADV", "det": "DET", "pron": "PRON",
            "det_and_pron_fixed": "DET", "det_and_pron_general": "DET", "num": "NUM"}


def _table(wheel: zipfile.ZipFile, name: str) -> dict:
    return json.loads(gzip.decompress(wheel.read(f"spacy_lookups_data/data/{name}.json.gz")))


def _add(into: dict[str, set], tag: str, words) -> None:
    into.setdefault(tag, set()).update(w for w in words if w and not any(c.isdigit() for c in w))


def french(wheel: zipfile.ZipFile) -> dict:
    forms: dict[str, set] = {}
    lemmas: dict[str, set] = {}
    for pos, words in _table(wheel, "fr_lemma_exc").items():
        _add(forms, TAGS[pos], words)
        _add(lemmas, TAGS[pos], (lemma for found in words.values() for lemma in found))
    for pos, words in _table(wheel, "fr_lemma_index").items():
        _add(lemmas, TAGS[pos], words)
    rules = {TAGS[pos]: pairs for pos, pairs in _table(wheel, "fr_lemma_rules").items()}
    return {"forms": forms, "lemmas": lemmas, "rules": rules}


def spanish(wheel: zipfile.ZipFile) -> dict:
    forms: dict[str, set] = {}
    lemmas: dict[str, set] = {}
    for pos, words in _table(wheel, "es_lemma_exc").items():
        _add(forms, TAGS[pos], words)
    for pos, words in _table(wheel, "es_lemma_index").items():
        _add(lemmas, TAGS[pos], words)
    rules: dict[str, list] = {}
    for group, pairs in _table(wheel, "es_lemma_rules").items():
        tag = next((t for prefix, t in ES_RULES.items() if group.startswith(prefix)), None)
        if tag:
            rules.setdefault(tag, []).extend(p for p in pairs if p not in rules.get(tag, []))
    # a closed-class rule such as ["las", "el"] is a whole form: list it, the lemma is a lemma of the class
    for tag in ("DET", "PRON", "ADV"):
        for form, lemma in rules.get(tag, []):
            _add(forms, tag, [form])
            _add(lemmas, tag, [lemma])
    return {"forms": forms, "lemmas": lemmas, "rules": rules}


def italian(wheel: zipfile.ZipFile) -> dict:
    forms: dict[str, set] = {}
    lemmas: dict[str, set] = {}
    for name in wheel.namelist():
        stem = Path(name).name.removesuffix(".json.gz")
        if stem.startswith("it_lemma_lookup_"):
            pos = stem.removeprefix("it_lemma_lookup_")
            if pos in TAGS:
                table = _table(wheel, stem)
                _add(forms, TAGS[pos], table)
                _add(lemmas, TAGS[pos], table.values())
    return {"forms": forms, "lemmas": lemmas, "rules": {}}


def write(lang: str, lexicon: dict) -> Path:
    data = {part: {tag: sorted(v) if isinstance(v, set) else v for tag, v in sorted(table.items())}
            for part, table in lexicon.items()}
    path = OUT / f"{lang}.json.gz"
    # mtime=0: the same tables give the same bytes, so git sees no change on a rerun
    path.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(), mtime=0))
    return path


def main() -> None:
    wheel = zipfile.ZipFile(sys.argv[1])
    OUT.mkdir(parents=True, exist_ok=True)
    for lang, build in (("fr", french), ("es", spanish), ("it", italian)):
        path = write(lang, build(wheel))
        print(f"{path.name}: {path.stat().st_size // 1024} KB")
    (OUT / "it_license.txt").write_bytes(wheel.read("spacy_lookups_data/data/it_license.txt"))


if __name__ == "__main__":
    main()

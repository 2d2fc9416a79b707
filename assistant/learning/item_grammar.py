"""The shape a model must write an item in: the type's JSON schema (resources/exercises.json) as a
llama.cpp grammar, with the target-language sentence held to one sentence and a card's example held
to one that uses the card's word.
"""

from __future__ import annotations

import json
import re
from functools import cache

from assistant.learning.exercises import spec


def json_schema(kind: str, fixed: tuple[tuple[str, str], ...] = ()) -> dict:
    """The JSON shape the model writes for the type; ``fixed`` fields have the one value given (a vocabulary
    card's word)."""
    props, required = {}, []
    pinned = dict(fixed)
    t = spec()["types"][kind]
    for name, limit in (t.get("model_fields") or t["fields"]).items():
        if name in pinned:
            props[name] = {"type": "string", "enum": [pinned[name]]}
        elif isinstance(limit, list):
            length, count = limit
            props[name] = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": length},
                           "minItems": count, "maxItems": count}
        else:
            props[name] = {"type": "string", "minLength": 1, "maxLength": limit}
        required.append(name)
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


CHAR_RULE = r'char ::= [^"\\\x00-\x1F\x7F] | "\\\""'  # any character but a quote, backslash or control; or \"


@cache
def grammar(kind: str, fixed: tuple[tuple[str, str], ...] = ()) -> str:
    from llama_cpp.llama_grammar import json_schema_to_gbnf  # pure Python: JSON schema -> GBNF

    gbnf = json_schema_to_gbnf(json.dumps(json_schema(kind, fixed)))
    # llama-cpp-python's string character is [^"\\]: it lets the model write a raw newline or tab,
    # which no JSON parser accepts, and two newlines meet the prompt's stop string mid-object. These
    # were the commonest failure ("cut off"). A field is one line of text: no control characters and
    # no escapes but a quote.
    gbnf = re.sub(r"^char ::= .*$", lambda _: CHAR_RULE, gbnf, flags=re.MULTILINE)
    # The model's sentence is one sentence: a full stop, "!" or "?" may only end it (or stand between digits:
    # "200.000"; allowed before any digit, it let Gemma go on "Schule.1."). A second sentence was the commonest
    # reason a try failed (19 of 63 failed items' last tries in stop 34's benchmark); now the model must
    # close the field where its first sentence ends, and must end it so: a field it could close without one
    # held fragments ("Wir leben in einem", "Se me han cortado los trenes de la ciudad").
    for name in ONE_SENTENCE_FIELDS:
        gbnf = re.sub(rf'^({name} ::= .*)"\\"" space$',
                      lambda m: m.group(1).replace("char", "schar") + 'send "\\"" space', gbnf, flags=re.MULTILINE)
    if "schar" in gbnf:
        gbnf += "\n" + SENTENCE_CHAR_RULES
    pinned = dict(fixed)
    if kind == "vocab" and pinned.get("word"):
        gbnf = _example_with(gbnf, pinned["word"], spec()["types"][kind]["fields"]["example"])
    return gbnf


def _example_with(gbnf: str, word: str, limit: int) -> str:
    """The card's example must hold its word as a word (as written, or with an ending of up to WORD_ENDING
    letters, as _check_card allows: "Vorteile", "grande"; its first letter in either case): a card's
    commonest failure was an example about something else (the last try of 8 of the 16 cards that failed in
    stop 38's first benchmark run). Held as any substring, Gemma glued it into words that are none
    ("Oereisender"). The field keeps its length bound, shared either side of the word and its marks (a
    grammar unit is a character, or a decimal "2.5": the bound is in those units)."""
    side = max(0, (limit - len(word) - WORD_ENDING - 3) // 2)  # 3: the marks before and after it, the end
    first, rest = word[:1], json.dumps(word[1:], ensure_ascii=False)[1:-1]  # GBNF literals escape as JSON's do
    opening = f"[{first.lower()}{first.upper()}]" if first.lower() != first.upper() else json.dumps(first)
    rule = (f'example ::= "\\"" (schar{{0,{side}}} wbefore)? {opening} "{rest}" wend{{0,{WORD_ENDING}}} '
            f'(wafter schar{{0,{side}}})? send "\\"" space')
    gbnf = re.sub(r"^example ::= .*$", lambda _: rule, gbnf, flags=re.MULTILINE)
    return gbnf + "\n" + WORD_BOUNDS


WORD_ENDING = 2  # letters an example may add to a card's word ("Vorteil" → "Vorteile", "grand" → "grandes")
WORD_BOUNDS = ("wbefore ::= [ '’(«„“\\-]\n"  # what may stand before the word, or nothing at the start
               "wend ::= [a-zäöüßàáâãçéèêëíìîïñóòôõœúùûü]\n"  # a letter of its ending
               "wafter ::= [ ,;:'’)»”“\\-]")  # what may follow it, or the sentence's end


ONE_SENTENCE_FIELDS = ("sentence", "example")  # the target-language sentence a model writes for an item
SENTENCE_ENDS = (".", "!", "?", "。", "！", "？")  # the ideographic ones end Chinese and Japanese sentences
SENTENCE_CHAR_RULES = (r'schar ::= [^"\\\x00-\x1F\x7F' + "".join(SENTENCE_ENDS) + r'] | "\\\"" | [0-9] "." [0-9]'
                       + "\nsend ::= [" + "".join(SENTENCE_ENDS) + "]")

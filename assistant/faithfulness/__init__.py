"""Checks that what a model wrote rests on the writer's text, shared by every task that writes prose.

- ``words``: the language data the checks read (content lemmas, names, numbers, negations).
- ``leaks``: is an output (or one of its sentences) a prompt's worked example rather than an answer?
- ``grounding``: is each sentence of a summary supported by its source, and does a rewrite keep the
  names, numbers and negations of the original? Which source sentences does a line rest on?
- ``extractive``: the source's most central sentences (TextRank), for when generation fails the checks.
"""

"""Grammar and spelling in layers: rules (Harper, English), dictionaries (every app language with
one) and the model as judge between their candidates, then the model's own proposals where the
rules found nothing. See checker.py for how they are combined."""

"""Writing tasks built on the engine: each one turns text into prompts and results into something the UI shows."""

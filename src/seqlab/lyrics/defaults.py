"""The seed's settings, importable without torch (the CLI shows them in --help)."""

SEED_PROMPT = "When the sun rises and stars begin to fade"
DEFAULT_OUTPUT_DIR = "gpt2-lyrics"

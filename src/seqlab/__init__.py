"""seqlab: neural sequence generation — Hindi transliteration and lyrics generation."""

__version__ = "0.1.0"

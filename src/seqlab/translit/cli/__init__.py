"""`seqlab translit …`: the commands, and standard input transliterated as it arrives (stream.py)."""

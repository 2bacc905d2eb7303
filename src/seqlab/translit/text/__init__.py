"""Running text: what is a word and what passes through (tokens.py), sentences as candidate lattices."""

"""What is known about whole words: the word prior, lexicon memory, the user dictionary, the bigram model, and
the one reader of their word-count files (counts)."""

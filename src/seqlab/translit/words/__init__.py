"""What is known about whole words: the word prior, lexicon memory, the user dictionary, the bigram model."""

"""The corpora on disk (Dakshina, Aksharantar): where they are (paths), the checked download (download),
parsing (corpus); character vocabularies and batches (vocab)."""

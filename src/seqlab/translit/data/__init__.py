"""The corpora on disk (Dakshina, Aksharantar): finding, downloading, parsing; character vocabularies and batches."""

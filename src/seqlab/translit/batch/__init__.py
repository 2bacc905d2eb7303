"""`seqlab translit batch`: whole corpora (files, .gz files, folders) transliterated on a Dask cluster.

The work is cut into shards of whole lines (shards.py), decoded on workers that load the model once
(cluster.py), written atomically and recorded in a manifest (manifest.py), so that a run killed half-way
resumes with only the missing shards. `run.transliterate_files` is the Python API, `options.BatchOptions`
every option. Only options.py is free of dask and torch: the CLI imports the rest inside the command.
"""

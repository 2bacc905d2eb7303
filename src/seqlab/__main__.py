"""`python -m seqlab …` does what the `seqlab` command does."""
import sys

from seqlab.cli import main

sys.exit(main())

"""`python -m openai_files` and the `openai-files` console script."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())

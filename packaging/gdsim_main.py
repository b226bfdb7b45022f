"""The frozen app's entry point: the same as the ``gdsim`` command."""

import sys

from gdsim.cli import main

if __name__ == "__main__":
    sys.exit(main())

import sys

from gdsim.cli import main

sys.exit(main())

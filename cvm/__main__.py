"""``python -m cvm <command>``: the same as the ``cvm`` command."""

import sys

from cvm.cli import main

sys.exit(main())

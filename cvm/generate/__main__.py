"""``python -m cvm.generate ...``: the same as ``cvm generate ...``."""

import sys

from cvm.generate import main

sys.exit(main(prog="python -m cvm.generate"))

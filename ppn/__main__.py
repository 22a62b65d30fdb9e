"""``python -m ppn``: see ``ppn.cli``."""

import sys

from .cli import main

sys.exit(main())

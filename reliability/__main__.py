"""``python -m reliability``: the command-line interface."""

import sys

from reliability.cli import main

sys.exit(main())

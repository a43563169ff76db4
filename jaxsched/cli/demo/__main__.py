"""``python -m jaxsched.cli.demo``: the same as ``jaxsched demo``."""

import sys

from jaxsched.cli.demo.cli import main

sys.exit(main())

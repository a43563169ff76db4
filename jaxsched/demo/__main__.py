"""``python -m jaxsched.demo``: the same as ``jaxsched demo``."""

import sys

from jaxsched.demo.cli import main

sys.exit(main())

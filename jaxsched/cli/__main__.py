"""``python -m jaxsched.cli``: the ``jaxsched`` command."""

import sys

from jaxsched.cli.app import main

sys.exit(main())

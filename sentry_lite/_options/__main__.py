"""``python -m sentry_lite._options [--check]``: rewrite (or check) the option docs."""

import sys

from sentry_lite._options._docs import main

sys.exit(main(sys.argv[1:]))

"""`python -m central` runs the reference central API (same as `cockpit-central`)."""

import sys

from central.cli import main

sys.exit(main())

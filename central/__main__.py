"""`python -m central` runs the reference central API (same as `cockpit-central`)."""

import sys

from central.server import main

sys.exit(main())

"""`python -m cockpit`"""

import sys

from cockpit.app import main

sys.exit(main())

"""`python -m dashboard`: the board-dashboard command line."""

import sys

from dashboard.cli.main import main

sys.exit(main())

"""`python -m console` is the `incident-console` command."""

import sys

from console.cli import main

sys.exit(main())

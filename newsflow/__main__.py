"""`python -m newsflow`: same as the `newsflow` command."""

import sys

from newsflow.cli import main

sys.exit(main())

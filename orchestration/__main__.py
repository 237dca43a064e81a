"""`python -m orchestration` — see `orchestration.cli`."""

import sys

from .cli import main

sys.exit(main())

"""Allows ``python -m dlcourse``."""
from dlcourse.cli import main

raise SystemExit(main())

import sys

from ras.cli import main

sys.exit(main())

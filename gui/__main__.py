"""``python -m gui``: the same as ``ras gui``."""

import sys

from ras.cli import main

if __name__ == "__main__":  # the session's child process imports this module again (spawn)
    sys.exit(main(["gui", *sys.argv[1:]]))

import sys

from colliderax.cli.app import main

sys.exit(main())

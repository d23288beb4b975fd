import sys

from index.cli.main import main

sys.exit(main())

import sys

from persondata.cli import main

sys.exit(main())

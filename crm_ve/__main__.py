import sys

from crm_ve.cli import main

sys.exit(main())

import sys

from gui_app.launcher import main

sys.exit(main())

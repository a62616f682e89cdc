"""Read the Docs configuration of zoogen's own site: the bundled zoo, with the package's settings.

Read the Docs runs ``sphinx-build`` on this folder for the English project and its Chinese translation.
"""

import os

from zoogen.site.standalone.conf import *  # noqa: F403

zoogen_zoo = os.environ.get("ZOOGEN_ZOO", "zoo_meta")

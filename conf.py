"""Read the Docs configuration of zoogen's own site: the bundled zoo, with the package's settings.

Read the Docs runs ``sphinx-build`` on this folder for the English project and its Chinese translation.
"""

from zoogen.site.standalone.conf import *  # noqa: F403

zoogen_zoo = "zoo_meta"  # $ZOOGEN_ZOO wins (zoogen.site.context)

"""Link health: every URL a zoo publishes, checked over HTTP, with a report kept across runs.

``collect`` finds the URLs (and where each is used), ``check`` asks the hosts, ``cache`` keeps recent
answers, ``report`` writes and reads the JSON report.
"""

from zoogen.links.check import CheckSettings, LinkChecker, LinkResult
from zoogen.links.collect import LinkTarget, collect_links

__all__ = ["CheckSettings", "LinkChecker", "LinkResult", "LinkTarget", "collect_links"]

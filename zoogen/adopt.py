"""``zoogen init``: what a repository with a ``model-index.yml`` needs for its zoo site, never overwriting.

Writes a ``zoo.yml`` beside the model index, a Sphinx folder (``docs/zoo`` by default) whose ``conf.py`` uses
the ``zoogen.sphinx`` extension, the Read the Docs configuration for the English project and its Chinese
translation project, and the zoo's gettext catalogs.

Read the Docs reads a project's configuration from the repository's root (``.readthedocs.yaml`` before
``.readthedocs.yml``) unless the project names another path. A repository that already has one anywhere (the
root, or under ``docs/`` as MMPose's ``docs/en/.readthedocs.yaml``) has docs projects of its own: the zoo's
configuration then goes beside its ``conf.py``, and the zoo's projects are told to read it there.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import yaml

from zoogen import __version__
from zoogen.errors import ZoogenError

INDEX_FILE = "model-index.yml"
ZOO_FILE = "zoo.yml"
READTHEDOCS_FILE = ".readthedocs.yaml"
READTHEDOCS_NAMES = (".readthedocs.yaml", ".readthedocs.yml")  # the spellings Read the Docs reads
DOCS_SEARCH_DEPTH = 4  # folders below docs/ searched for a Read the Docs configuration
DEFAULT_CONF_DIR = Path("docs/zoo")
CATALOG_LANGUAGE = "zh_CN"

_REMOTE = re.compile(r"^(?:https?://|ssh://)?(?:[^@/]+@)?(?P<host>[^:/]+)[:/](?P<path>.+?)(?:\.git)?/?$")


@dataclass
class InitReport:
    """What `init_repository` wrote and what it left as it was."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    readthedocs: Path | None = None
    notes: list[str] = field(default_factory=list)
    next_commands: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GitRemote:
    host: str
    path: str  # owner/name
    branch: str

    def blob_url(self, subfolder: str = "") -> str:
        """Base URL of files in the repository's default branch (``.../blob/<branch>/<subfolder>``)."""
        base = f"https://{self.host}/{self.path}/blob/{self.branch}/"
        return base + (f"{subfolder.strip('/')}/" if subfolder.strip("/") else "")


def init_repository(directory: Path, conf_dir: Path = DEFAULT_CONF_DIR, title: str | None = None,
                    catalogs: bool = True, requirement: str | None = None) -> InitReport:
    """Prepare ``directory`` (a repository holding a ``model-index.yml``) for ``zoogen build`` and Read the Docs.

    ``requirement``: how Read the Docs installs zoogen (a pip requirement: a version, a VCS URL or a path);
    by default the installed zoogen's own (`default_requirement`).
    """
    from zoogen.meta import load_zoo

    root = directory.resolve()
    index = root / INDEX_FILE
    if not index.is_file():
        raise ZoogenError(f"{root}: no {INDEX_FILE} here; run zoogen init in the folder that holds it")
    loaded = load_zoo(index)
    if loaded.errors:
        details = "\n".join(str(d) for d in loaded.errors[:20])
        raise ZoogenError(f"{index} has errors; fix them first (zoogen check):\n{details}")
    spec, requirement_note = (check_requirement(requirement), None) if requirement else default_requirement()
    conf_dir = conf_dir if conf_dir.is_absolute() else root / conf_dir
    repo_root = _git_toplevel(root) or root
    remote = _git_remote(repo_root)
    report = InitReport()

    locale_dir = conf_dir / "locales"
    zoo_title = title or f"{(remote.path.rsplit('/', 1)[-1] if remote else root.name)} Model Zoo"
    zoo_config = {"title": zoo_title, "locale_dir": os.path.relpath(locale_dir, root)}
    if remote:
        zoo_config["config_base_url"] = remote.blob_url(root.relative_to(repo_root).as_posix()
                                                        if root != repo_root else "")
    library = own_library(repo_root)
    if library:
        zoo_config["library"] = library
    _write(report, root / ZOO_FILE, "# zoogen: the zoo-level text of this model index (see zoogen's docs).\n"
           + yaml.safe_dump(zoo_config, allow_unicode=True, sort_keys=False))
    _write(report, conf_dir / "conf.py", _conf_py(root, conf_dir, zoo_title, len(loaded.warnings)))
    _write(report, conf_dir / "requirements.txt", f"{spec}\n")
    if requirement_note and conf_dir / "requirements.txt" in report.written:
        report.notes.append(requirement_note)
    _write(report, conf_dir / ".gitignore", _GITIGNORE)

    readthedocs, note = readthedocs_placement(repo_root, conf_dir)
    _write(report, readthedocs, _readthedocs_yaml(repo_root, conf_dir))
    report.readthedocs = readthedocs
    if note:
        report.notes.append(note)

    if catalogs and not (locale_dir / CATALOG_LANGUAGE).is_dir():
        from zoogen.site.i18n import update_catalogs

        with contextlib.redirect_stdout(io.StringIO()):  # sphinx-intl names every file it creates
            update_catalogs(root, locale_dir, CATALOG_LANGUAGE)
        report.written.append(locale_dir / CATALOG_LANGUAGE)
    elif catalogs:
        report.kept.append(locale_dir / CATALOG_LANGUAGE)

    relative_conf = os.path.relpath(conf_dir, repo_root)
    report.next_commands = [
        f"cd {repo_root}" if repo_root != Path.cwd().resolve() else "",
        "zoogen build --lang all          # the site in build/html/en and build/html/zh_CN",
        "zoogen i18n status               # what is left to translate",
        f"git add {ZOO_FILE} {relative_conf} {os.path.relpath(readthedocs, repo_root)}",
    ]
    report.next_commands = [c for c in report.next_commands if c]
    if loaded.warnings and conf_dir / "conf.py" in report.written:
        report.notes.append(f"the zoo has {len(loaded.warnings)} warning(s) (zoogen check lists them). Read the "
                            "Docs builds with fail_on_warning, so conf.py keeps them out of its log "
                            "(suppress_warnings); delete that line once they are fixed, and new ones fail the "
                            "build.")
    report.notes.append("On Read the Docs: import the repository as the English project, then create a second "
                        "project on it with language 'Simplified Chinese' and add it as a translation.")
    return report


def own_library(repo_root: Path) -> str | None:
    """The OpenMMLab library this repository is (its package folder, ``mmpretrain/__init__.py``, at the top), for
    zoo.yml's ``library`` (what `zoogen verify` evaluates with), or None."""
    from zoogen.meta.registry import load_registry

    return next((scope for scope in load_registry().libraries
                 if (repo_root / scope / "__init__.py").is_file()), None)


def readthedocs_configs(repo_root: Path) -> list[Path]:
    """Every Read the Docs configuration of the repository: at its root and anywhere under ``docs/``."""
    found = [repo_root / name for name in READTHEDOCS_NAMES if (repo_root / name).is_file()]
    docs = repo_root / "docs"
    for folder, subfolders, files in os.walk(docs) if docs.is_dir() else ():
        depth = len(Path(folder).relative_to(docs).parts)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith((".", "_")) and d != "node_modules"
                               and depth < DOCS_SEARCH_DEPTH)
        found += [Path(folder) / name for name in READTHEDOCS_NAMES if name in files]
    return found


def readthedocs_placement(repo_root: Path, conf_dir: Path) -> tuple[Path, str | None]:
    """Where the zoo's Read the Docs configuration goes, and what to tell the maintainer.

    At the root only where the repository has none: a root file would take over the docs project that reads
    the default path (and Read the Docs prefers ``.readthedocs.yaml`` to a ``.readthedocs.yml`` beside it).
    """
    ours = conf_dir / READTHEDOCS_FILE
    theirs = [path for path in readthedocs_configs(repo_root) if path != ours]
    if not theirs and not ours.exists():
        return repo_root / READTHEDOCS_FILE, None
    if not theirs:  # an earlier zoogen init put it beside conf.py
        return ours, None
    listed = ", ".join(str(path.relative_to(repo_root)) for path in theirs)
    relative = ours.relative_to(repo_root) if ours.is_relative_to(repo_root) else ours
    return ours, (f"this repository's docs already have a Read the Docs configuration ({listed}); it is left as "
                  f"it is, and no root {READTHEDOCS_FILE} is written (it would take over the project that reads "
                  f"the default path). The zoo's configuration is {relative}: in both zoo projects, set Admin > "
                  f"Settings > 'Build configuration file' (once 'Path for .readthedocs.yaml') to {relative}.")


_REQUIREMENT_FORMS = re.compile(r"^(zoogen\b.*|(git|hg|svn|bzr)\+\S+|https?://\S+|\.{0,2}/\S*|[\w.-]+\.(whl|tar\.gz|zip))$")


def check_requirement(spec: str) -> str:
    """A pip requirement for zoogen: ``zoogen==1.0``, ``zoogen @ git+https://...``, a VCS URL, a path or an
    archive; anything else (an option, several lines) is refused with one error."""
    spec = spec.strip()
    if "\n" in spec or spec.startswith("-") or not _REQUIREMENT_FORMS.match(spec):
        raise ZoogenError(f"--requirement {spec!r}: give one pip requirement for zoogen (zoogen==X.Y, "
                          "'zoogen @ git+https://host/owner/zoogen@tag', a VCS URL, a path or an archive)")
    return spec


def default_requirement() -> tuple[str, str | None]:
    """The installed zoogen as a requirement Read the Docs can install, and a note where it may not be.

    A VCS install gives its URL and commit; otherwise the release ``zoogen==<version>``, which installs once
    that version is on the package index (the release workflow publishes it from a tag).
    """
    try:
        distribution = metadata.distribution("zoogen")
        direct = json.loads(distribution.read_text("direct_url.json") or "null")
    except (metadata.PackageNotFoundError, ValueError):
        distribution, direct = None, None
    if direct and "vcs_info" in direct:
        vcs = direct["vcs_info"]
        return f"zoogen @ {vcs['vcs']}+{direct['url']}@{vcs['commit_id']}", None
    release = f"zoogen=={__version__}"
    home = _project_url(distribution) if distribution else None
    example = f"'zoogen @ git+{home}@v{__version__}'" if home else "'zoogen @ git+https://<host>/<owner>/zoogen@<tag>'"
    return release, (f"the zoo's requirements.txt asks for {release}, which Read the Docs installs from PyPI. "
                     f"Until that version is released there, replace that line by a VCS URL or a path, such as "
                     f"{example} (zoogen init --requirement SPEC writes it where there is no requirements.txt "
                     "yet).")


def _project_url(distribution: metadata.Distribution) -> str | None:
    for entry in distribution.metadata.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "source", "repository") and url.strip().startswith("https://"):
            return url.strip()
    return None


def _write(report: InitReport, path: Path, text: str) -> None:
    """Write ``path`` atomically, unless it exists (then it is kept as it is)."""
    if path.exists():
        report.kept.append(path)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                     prefix=f".{path.name}.") as temporary:
        temporary.write(text)
    os.replace(temporary.name, path)
    report.written.append(path)


def _conf_py(root: Path, conf_dir: Path, title: str, warnings: int = 0) -> str:
    zoo = os.path.relpath(root, conf_dir)
    quiet = (f"\n# The zoo had {warnings} warning(s) when zoogen init ran (zoogen check lists them); Read the Docs "
             "builds with\n# fail_on_warning. Delete this line once they are fixed: new ones then fail the build.\n"
             'suppress_warnings = ["zoogen.zoo"]\n') if warnings else ""
    return f'''"""Sphinx configuration of the {title} site, written by ``zoogen init``.

Read the Docs runs ``sphinx-build`` on this folder for the English project and its Chinese translation;
``zoogen build`` builds the same zoo locally. The ``zoogen_*`` settings are those of the zoogen.sphinx
extension (zoogen's docs/sphinx-extension.md).
"""

# The extensions (MyST, zoogen.sphinx), theme and language settings of a zoogen site.
from zoogen.site.standalone.conf import *  # noqa: F403

zoogen_zoo = {json.dumps(zoo)}  # the folder of model-index.yml, relative to this file
zoogen_results = {json.dumps(os.path.join(zoo, "results"))}  # verification records ($ZOOGEN_RESULTS wins)
# The languages published (the English project and its Simplified Chinese translation project): each page links
# to itself in the other. Without a translation project, keep only "en".
zoogen_languages = ["en", "zh_CN"]
{quiet}'''


def _readthedocs_yaml(repo_root: Path, conf_dir: Path) -> str:
    conf = os.path.relpath(conf_dir / "conf.py", repo_root)
    requirements = os.path.relpath(conf_dir / "requirements.txt", repo_root)
    return f"""# Read the Docs, written by zoogen init: the English project and its Chinese translation project
# (language zh_CN) both build from this file; each project's language comes from its own settings.
version: 2

build:
  os: ubuntu-24.04
  tools:
    python: "3.11"

sphinx:
  configuration: {conf}
  fail_on_warning: true

python:
  install:
    - requirements: {requirements}
"""


_GITIGNORE = """# Pages zoogen generates here at build time; only the configuration and the catalogs are kept.
/*
!/conf.py
!/requirements.txt
!/.gitignore
!/.readthedocs.yaml
!/locales/
*.mo
"""


def _git(repo: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _git_toplevel(directory: Path) -> Path | None:
    top = _git(directory, "rev-parse", "--show-toplevel")
    return Path(top).resolve() if top else None


def _git_remote(repo: Path) -> GitRemote | None:
    """The ``origin`` remote (or the only one) as host, owner/name and default branch."""
    url = _git(repo, "remote", "get-url", "origin")
    if url is None:
        remotes = (_git(repo, "remote") or "").split()
        url = _git(repo, "remote", "get-url", remotes[0]) if len(remotes) == 1 else None
    head = _git(repo, "symbolic-ref", "--short", "refs/remotes/origin/HEAD")
    branch = head.split("/", 1)[1] if head and "/" in head else (_git(repo, "branch", "--show-current") or "main")
    return parse_remote(url or "", branch)


def parse_remote(url: str, branch: str) -> GitRemote | None:
    """``git@host:owner/name.git``, ``https://host/owner/name`` or ``ssh://git@host/owner/name.git``."""
    match = _REMOTE.match(url.strip())
    return GitRemote(match["host"], match["path"], branch) if match else None

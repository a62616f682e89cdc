#!/usr/bin/env bash
# The browser tests' tools: Debian's Chromium and its WebDriver, a CJK font (Chinese pages and screenshots),
# Selenium, and the web-standards checkers (Java 17 for the Nu HTML Checker; npm's vnu-jar and axe-core in
# $ZOOGEN_NPM_DIR, default ~/.cache/zoogen/npm, where tests/browser/test_web_standards.py finds them).
# Idempotent: installs only what is missing.
#
#   bash tools/setup-browser.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

missing=()
for package in chromium chromium-driver fonts-noto-cjk openjdk-17-jre-headless nodejs npm; do
  [ "$package" = openjdk-17-jre-headless ] && command -v java >/dev/null && continue
  [ "$package" = nodejs ] && command -v node >/dev/null && continue
  [ "$package" = npm ] && command -v npm >/dev/null && continue
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
"$PY" -c "import selenium" 2>/dev/null || "$PY" -m pip install --disable-pip-version-check --progress-bar off "selenium>=4.20,<5"
chromium --version
chromedriver --version

NPM_DIR=${ZOOGEN_NPM_DIR:-$HOME/.cache/zoogen/npm}
if [ ! -f "$NPM_DIR/node_modules/vnu-jar/build/dist/vnu.jar" ] || [ ! -f "$NPM_DIR/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$NPM_DIR"
  # --ignore-scripts: vnu-jar's postinstall only downloads a Java runtime, which the system's Java replaces
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --ignore-scripts "vnu-jar@26" "axe-core@4"
fi
java -version 2>&1 | head -1
echo "vnu.jar and axe-core in $NPM_DIR"

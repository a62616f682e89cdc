#!/usr/bin/env bash
# The browser tests' tools: Debian's Chromium and its WebDriver, a CJK font (Chinese pages and screenshots),
# and Selenium. Idempotent: installs only what is missing.
#
#   bash tools/setup-browser.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

missing=()
for package in chromium chromium-driver fonts-noto-cjk; do
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

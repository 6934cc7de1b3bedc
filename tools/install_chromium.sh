#!/bin/sh
# Install Debian's chromium (the browser the report's test renders report.html in) when it is missing.
# Run as root or with sudo; `make chromium` runs this, and so does the test when chromium is absent.
set -e
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install_chromium.sh: not root and no sudo: install chromium yourself (apt-get install chromium)" >&2
        exit 1
    fi
    SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale or absent on a fresh machine: update once before giving up.
$SUDO apt-get install -y --no-install-recommends chromium || {
    $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends chromium
}

#!/usr/bin/env bash
# Install the platform with its test extras and run the whole test suite (every marker).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
. .venv/bin/activate
pip install --quiet --upgrade pip
pip install --quiet -e '.[test]'

# Browser tests drive Debian's Chromium through chromedriver; install them when missing.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        echo "chromium and chromium-driver are required for the browser tests (apt-get install chromium chromium-driver)" >&2
        exit 1
    fi
fi

ruff check .
python -m pytest "$@"

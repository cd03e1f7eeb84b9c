#!/usr/bin/env bash
# Installs playwright-core (the browser-driving library, without browsers of its own) into
# ./.deps/node_modules for tests/browser/*.mjs, which drive Debian's chromium (scripts/install-deps.sh).
# Idempotent and quiet: does nothing when it is there already.
#
#   scripts/install-playwright.sh && node tests/browser/dashboard.mjs http://127.0.0.1:8080/
set -euo pipefail
cd "$(dirname "$0")/.."
DEPS="$PWD/.deps"

[ -f "$DEPS/node_modules/playwright-core/package.json" ] && exit 0
command -v npm >/dev/null || { echo "install-playwright: npm is not installed (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$DEPS"
echo "install-playwright: installing playwright-core@1 into $DEPS" >&2
# PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: nothing is fetched but the npm package; the browser is Debian's.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
  npm install --prefix "$DEPS" --no-audit --no-fund --loglevel=error playwright-core@1 >&2

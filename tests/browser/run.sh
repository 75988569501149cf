#!/bin/sh
# ctest's `browser` test: attn's web pages in Debian's chromium (pages.test.mjs). Skips (exit 77)
# where chromium or node is not installed; scripts/dev installs both and runs `npm ci` here.
#   tests/browser/run.sh ATTN
here=$(dirname "$0")
if [ ! -x /usr/bin/chromium ]; then
  echo "SKIP: /usr/bin/chromium is not installed (Debian: apt-get install chromium)"
  exit 77
fi
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (Debian: apt-get install nodejs npm)"
  exit 77
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/html-validate" ]; then
  echo "tests/browser: run 'npm ci' in tests/browser first (scripts/dev deps does)" >&2
  exit 1
fi
exec node "$here/pages.test.mjs" "$1"

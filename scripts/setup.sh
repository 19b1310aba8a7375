#!/usr/bin/env bash
# npm run setup: installs the Node dependencies, then the system packages the app and its tests use
# (Debian's Chromium for PDFs and end-to-end tests, poppler-utils and qpdf to read PDFs back, fonts for Latin, Greek,
# Cyrillic and CJK text).
# Idempotent: when everything is present it only runs `npm ci` (skipped if node_modules matches the lockfile).
# `npm run setup -- --postgres` also installs Debian's PostgreSQL server (for DATABASE_URL on this machine, and for the
# tests, which start their own throw-away cluster); `.ci/run` always asks for it.
set -euo pipefail
# `--readers` installs the real readers the tests open exports with: LibreOffice (Word files), Python's icalendar
# (calendars) and xmllint (XML).
with_postgres=false
with_readers=false
for arg in "$@"; do
  case "$arg" in
    --postgres) with_postgres=true ;;
    --readers) with_readers=true ;;
    *) echo "setup: unknown option $arg (known: --postgres, --readers)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."

# npm ci is skipped when node_modules was installed from this very lockfile.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s <(node -e 'const l=require("./package-lock.json");delete l.name;console.log(JSON.stringify(l.packages[""]))') \
     <(node -e 'try{const l=require("./node_modules/.setup-stamp.json");console.log(JSON.stringify(l))}catch{console.log("none")}'); then
  npm ci --no-fund --no-audit --loglevel=error
  node -e 'const l=require("./package-lock.json");require("fs").writeFileSync("node_modules/.setup-stamp.json",JSON.stringify(l.packages[""]))'
fi

missing=()
chromium_bin="${PUPPETEER_EXECUTABLE_PATH:-}"
if [ -z "$chromium_bin" ] || [ ! -x "$chromium_bin" ]; then
  chromium_bin="$(command -v chromium || command -v chromium-browser || true)"
fi
[ -n "$chromium_bin" ] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
[ -d /usr/share/fonts/truetype/liberation ] || missing+=(fonts-liberation)
# Names on certificates may be in any script: a fallback font with Chinese, Japanese and Korean glyphs.
[ -d /usr/share/fonts/truetype/droid ] || missing+=(fonts-droid-fallback)
if $with_postgres && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
if $with_readers; then
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
  /usr/bin/python3 -c 'import icalendar' >/dev/null 2>&1 || missing+=(python3-icalendar)
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts a cluster of its own on installation; the tests start theirs, and DATABASE_URL names the operator's.
  else
    echo "setup: these system packages are missing: ${missing[*]}" >&2
    echo "setup: install them with:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

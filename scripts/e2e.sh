#!/usr/bin/env bash
# End-to-end tests of the moderators' dashboard in headless Chromium (Playwright's
# playwright-core driving the system's Chromium; no browser is downloaded by Playwright).
#
#   scripts/e2e.sh            build threadcare (debug), start `threadcare serve --demo`, run the tests
#   scripts/e2e.sh --release  the same with a release build
#   scripts/e2e.sh --mock     run the same tests against the Node mock in e2e/mock (no Rust build)
#
# Installs what it needs when missing: Chromium (apt-get, as root or through sudo) and the npm
# packages of e2e/ (`npm ci`). Screenshots go to e2e/screenshots/.
#
# Exit status: 0 passed; 1 a test failed; 2 the build or the server failed; 77 skipped because
# Chromium, Node.js (20 or newer) or the npm packages could not be installed here.
set -uo pipefail

SKIP=77
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/e2e"
CHROMIUM="${TC_CHROMIUM:-/usr/bin/chromium}"
MODE=demo
PROFILE=debug
for arg in "$@"; do
  case "$arg" in
    --mock) MODE=mock ;;
    --release) PROFILE=release ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "e2e: unknown option '$arg' (expected --mock, --release)" >&2; exit 2 ;;
  esac
done

say() { echo "e2e: $*" >&2; }
skip() { say "SKIPPED: $*"; exit "$SKIP"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 1
  fi
}

# --- Chromium ---------------------------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
  say "no Chromium at $CHROMIUM: installing it with apt-get"
  if ! command -v apt-get >/dev/null 2>&1; then
    skip "Chromium is missing and this machine has no apt-get to install it (set TC_CHROMIUM to a Chromium binary)"
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! { as_root apt-get install -y chromium >/dev/null 2>&1 \
         || { as_root apt-get update >/dev/null 2>&1 && as_root apt-get install -y chromium >/dev/null 2>&1; }; }; then
    skip "Chromium could not be installed (apt-get install -y chromium failed: not root, no network or no package)"
  fi
  [ -x "$CHROMIUM" ] || skip "apt-get ran but there is still no Chromium at $CHROMIUM"
fi
say "browser: $("$CHROMIUM" --version 2>/dev/null | head -1)"

# --- Node.js and the npm packages -------------------------------------------------------------
node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    && [ "$(node -p 'Number(process.versions.node.split(".")[0])' 2>/dev/null || echo 0)" -ge 20 ]
}
if ! node_ok; then
  say "Node.js 20 or newer is missing: trying apt-get install nodejs npm"
  as_root apt-get install -y nodejs npm >/dev/null 2>&1 || true
  node_ok || skip "Node.js 20 or newer with npm is needed (playwright-core requires it) and could not be installed"
fi
if [ ! -f "$E2E/node_modules/playwright-core/package.json" ] \
   || [ "$E2E/package-lock.json" -nt "$E2E/node_modules/.package-lock.json" ]; then
  say "installing the npm packages of e2e/ (npm ci)"
  (cd "$E2E" && npm ci --no-audit --no-fund --loglevel=error >&2) \
    || skip "npm ci failed in e2e/ (no access to the npm registry?)"
fi

# --- unit tests of the dashboard's helpers (no browser) ---------------------------------------
say "unit tests of the dashboard's helpers"
(cd "$E2E" && node --test unit/) || exit 1

# --- the server -------------------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/threadcare-e2e.XXXXXX")"
SERVER_PID=""
R_PID=""
stop() { # PID: Ctrl-C first (graceful shutdown), then kill
  if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
    kill -INT "$1" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
  fi
}
cleanup() {
  stop "$SERVER_PID"
  stop "$R_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
LOG="$WORK/server.log"

wait_for_url() {
  for _ in $(seq 1 600); do
    if grep -qE 'http://127\.0\.0\.1:[0-9]+/#token=' "$LOG" 2>/dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

RESEARCHER=""
if [ "$MODE" = mock ]; then
  node "$E2E/mock/server.js" >"$LOG" 2>&1 &
  SERVER_PID=$!
  export TC_MOCK=1
  wait_for_url || { say "the mock did not start:"; cat "$LOG" >&2; exit 2; }
  RESEARCHER="$(sed -n 's/^Researcher token: *\(\S*\).*/\1/p' "$LOG" | head -1)"
else
  say "building threadcare ($PROFILE)"
  BUILD=(cargo build -p threadcare)
  [ "$PROFILE" = release ] && BUILD+=(--release)
  (cd "$ROOT" && "${BUILD[@]}") || { say "the build failed"; exit 2; }
  BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE/threadcare"
  # the demo database lives in a temporary directory of the server's own
  (cd "$WORK" && exec "$BIN" serve --demo --listen 127.0.0.1:0) >"$LOG" 2>&1 &
  SERVER_PID=$!
  wait_for_url || { say "threadcare serve --demo did not print its URL:"; cat "$LOG" >&2; exit 2; }
  # A researcher token: printed by the demo if it makes one, else made with `threadcare token
  # create` on the demo's database when the demo says where that is, else a second server on a
  # database file of our own (`threadcare ingest examples`, `token create`, `serve --db`).
  RESEARCHER="$(grep -i 'researcher' "$LOG" | grep -oE 'tc_[A-Za-z0-9_-]+' | head -1 || true)"
  create_token() { # DB -> prints the researcher token, if the command made one
    local out
    out="$("$BIN" token create --role researcher --label e2e-researcher --db "$1" 2>&1)" \
      || out="$("$BIN" token create --role researcher --db "$1" 2>&1)" || true
    printf '%s\n' "$out" | grep -oE 'tc_[A-Za-z0-9_-]+' | head -1 || true
  }
  if [ -z "$RESEARCHER" ]; then
    DB="$(grep -ioE '(database|db)[^/]*(/[^ ]+)' "$LOG" | grep -oE '/[^ ]+' | head -1 || true)"
    if [ -n "$DB" ] && [ -e "$DB" ]; then
      RESEARCHER="$(create_token "$DB")"
    fi
  fi
  if [ -z "$RESEARCHER" ]; then
    R_DB="$WORK/researcher.db"
    if (cd "$WORK" && "$BIN" ingest "$ROOT/examples" --db "$R_DB" >"$WORK/ingest.log" 2>&1 || [ $? -eq 1 ]) \
       && [ -s "$R_DB" ]; then
      RESEARCHER="$(create_token "$R_DB")"
    fi
    if [ -n "$RESEARCHER" ]; then
      R_LOG="$WORK/researcher-server.log"
      (cd "$WORK" && exec "$BIN" serve --db "$R_DB" --listen 127.0.0.1:0) >"$R_LOG" 2>&1 &
      R_PID=$!
      for _ in $(seq 1 300); do
        grep -qE 'http://127\.0\.0\.1:[0-9]+/' "$R_LOG" 2>/dev/null && break
        kill -0 "$R_PID" 2>/dev/null || break
        sleep 0.1
      done
      R_URL="$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$R_LOG" | head -1 || true)"
      if [ -n "$R_URL" ]; then
        export TC_RESEARCHER_URL="$R_URL"
        say "the demo makes no researcher token: researcher tests run against a second server on an ingested copy of examples/"
      else
        RESEARCHER=""
      fi
    fi
    [ -n "$RESEARCHER" ] || say "no researcher token could be made (the demo prints none and ingest/token create did not work): the researcher tests will be skipped"
  fi
fi

# the moderator's link is on the "Dashboard:" line (the demo also prints a researcher's link)
URL_LINE="$( { grep -i '^Dashboard:' "$LOG"; cat "$LOG"; } | grep -oE 'http://127\.0\.0\.1:[0-9]+/#token=[^[:space:]]+' | head -1)"
export TC_URL="${URL_LINE%%/#token=*}"
export TC_TOKEN="${URL_LINE#*#token=}"
export TC_RESEARCHER_TOKEN="$RESEARCHER"
export TC_CHROMIUM="$CHROMIUM"
say "server at $TC_URL ($MODE); researcher token: $([ -n "$RESEARCHER" ] && echo yes || echo no)"

# --- the tests --------------------------------------------------------------------------------
rm -rf "$E2E/screenshots"
(cd "$E2E" && node --test --test-concurrency=1 tests/)
STATUS=$?
if [ "$STATUS" -ne 0 ]; then
  say "FAILED (server log follows)"
  sed -e 's/tc_[A-Za-z0-9_-]*/tc_…/g' "$LOG" | tail -40 >&2
  exit 1
fi
say "passed; screenshots in e2e/screenshots/: $(cd "$E2E/screenshots" 2>/dev/null && ls | tr '\n' ' ')"
exit 0

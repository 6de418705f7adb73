#!/usr/bin/env bash
# The engine benchmark, with construct-tracker as a baseline in the same run.
# Sets up (once) a virtualenv under target/ with only what Lexicon.extract needs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/construct-tracker-venv
if [ "${THREADCARE_BENCH_CT:-1}" != 0 ] && { [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import construct_tracker' 2>/dev/null; }; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --no-deps construct-tracker==1.0.16
  "$venv/bin/pip" install -q dill numpy pandas ipython tqdm spacy
fi
cargo bench -p threadcare-engine --bench engine

#!/usr/bin/env bash
# Load test of the HTTP API against 127.0.0.1 only, bounded in time: requests per second and
# p50/p99 latency for POST /api/v1/analyze (a 2 KB post) and for ingesting batches, with
# GET /healthz in the same run as the baseline.
#
#   scripts/load.sh [--seconds 3] [--clients 4] [--batch 20]
#
# Builds with the release profile (the first build takes a few minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench -p threadcare-server --bench load -- "$@"

#!/usr/bin/env bash
# Installs what is missing, builds in Release, and runs the main job: `vdpark demo` on the embedded
# store (generate an export, migrate it, verify it). Arguments go to `vdpark demo`.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh -DVDPARK_BUILD_TESTS=OFF -DVDPARK_BUILD_BENCH=OFF
exec build/vdpark demo "$@"

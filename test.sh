#!/usr/bin/env bash
# Installs what is missing, builds, starts what the tests need, and runs the whole suite with ctest.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh -DVDPARK_BUILD_TESTS=ON -DVDPARK_BUILD_BENCH=ON
cd build
ctest --output-on-failure -j2 --timeout 900 "$@"

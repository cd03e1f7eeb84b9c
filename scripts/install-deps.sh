#!/usr/bin/env bash
# Installs, from Debian's packages, whatever vdpark needs to build and test that is not there yet.
# Idempotent and quiet when everything is installed already. Needs root (or sudo) to install.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang-format ccache
  librocksdb-dev libboost1.81-dev libboost-json1.81-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libssl-dev libcurl4-openssl-dev
  zlib1g-dev  # the s3:// store's gzip-compressed objects (src/store/s3/gzip.h)
  python3
  postgresql-15 postgresql-15-postgis-3 libpq-dev
  libpaho-mqttpp-dev libpaho-mqtt-dev mosquitto mosquitto-clients
  prometheus-cpp-dev  # GET /metrics: the text exposition format (src/common/metric_families.h)
  libgoogle-perftools-dev  # tcmalloc: the allocator vdpark links (CMakeLists.txt says why)
  libmosquitto-dev  # bench/mqtt_publish_lines.cc: the ingest benchmark's publisher, as mosquitto_pub's
  chromium  # the dashboard's browser test (tests/browser), driven by playwright-core from npm
  openjdk-17-jre-headless  # DynamoDB Local, the tests' second DynamoDB (scripts/start-dynamodb-local.sh)
)
# dynalite (the tests' DynamoDB) runs on Node.js. Node may come from elsewhere (NodeSource's
# nodejs ships npm inside and conflicts with Debian's npm package), so the packages are asked
# for only when the commands are missing.
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# From npm, into ./.deps: playwright-core, which drives the chromium above in tests/browser.
"$(dirname "$0")/install-playwright.sh"

#!/usr/bin/env bash
# Quickstart for a fresh Debian 12 machine, run as root from the repository.
#
#   deploy/quickstart.sh start   install what is missing, build, start reliefd
#                                (data in ./data, 127.0.0.1:50051)
#   deploy/quickstart.sh test    install what is missing, build, run the whole
#                                suite through ctest, then again under
#                                AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake ninja-build pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libgtest-dev libgmock-dev libssl-dev
  libcli11-dev libspdlog-dev openssl
  python3 python3-grpcio python3-protobuf)  # clients/python and its tests
JOBS=$(nproc)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "== all build packages are installed"
  fi
}

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

case "${1:-}" in
  start)
    install_packages
    build build
    mkdir -p data
    if [ -f data/reliefd.pid ] && kill -0 "$(cat data/reliefd.pid)" 2>/dev/null; then
      echo "== reliefd is already running (pid $(cat data/reliefd.pid))"
    else
      nohup ./build/ledger/server/reliefd --data-dir ./data \
        --listen 127.0.0.1:50051 >data/reliefd.log 2>&1 &
      echo $! >data/reliefd.pid
      for _ in $(seq 1 100); do
        [ -s data/admin.token ] && grep -q listening data/reliefd.log && break
        sleep 0.1
      done
      cat data/reliefd.log
    fi
    cat <<TXT

reliefd is running on 127.0.0.1:50051 with its ledger in ./data
(log: data/reliefd.log, stop: kill \$(cat data/reliefd.pid)).
reliefctl uses the admin token in ./data/admin.token by default.

See it working in a minute (a made-up year of a city union: units,
receipts, festival relief, education aid, small loans; on a fresh ledger
only):

  ./build/clients/reliefctl/reliefctl demo

Or start by hand:

  ./build/clients/reliefctl/reliefctl status
  ./build/clients/reliefctl/reliefctl org add --code shandong --name-zh 山东省总工会 --name-en "Shandong Federation" --level province
  ./build/clients/reliefctl/reliefctl org add --code shandong.jining --parent shandong --name-zh 济宁市总工会 --level city
  ./build/clients/reliefctl/reliefctl org list
  ./build/clients/reliefctl/reliefctl events tail
  ./build/clients/reliefctl/reliefctl verify
  ./build/clients/reliefctl/reliefctl --help
TXT
    ;;
  test)
    install_packages
    echo "== build and test"
    build build
    (cd build && ctest -j "$JOBS" --output-on-failure --timeout 600)
    echo "== build and test with AddressSanitizer + UndefinedBehaviorSanitizer"
    build build-asan -DRELIEF_SANITIZE=ON
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
      LSAN_OPTIONS=suppressions="$PWD/../tests/lsan.supp" \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest -j "$JOBS" --output-on-failure --timeout 900)
    ;;
  *)
    echo "usage: $0 start|test" >&2
    exit 2
    ;;
esac

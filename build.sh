#!/usr/bin/env bash
# build.sh regenerates what is generated from source:
#   host/guest.wasm   the guest module, built from ./guest (GOOS=wasip1, c-shared, -trimpath)
#
#   ./build.sh          rebuild
#   ./build.sh check    rebuild into a temporary folder and fail if a committed
#                       generated file differs (the test command runs this)
set -euo pipefail
cd "$(dirname "$0")"

build_guest() {
	GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
		go build -buildmode=c-shared -trimpath -o "$1" ./guest
}

case "${1:-build}" in
build)
	build_guest host/guest.wasm
	echo "built host/guest.wasm ($(wc -c <host/guest.wasm) bytes)"
	;;
check)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	build_guest "$tmp/guest.wasm"
	if ! cmp -s "$tmp/guest.wasm" host/guest.wasm; then
		echo "build.sh check: host/guest.wasm is stale; run ./build.sh and commit it" >&2
		exit 1
	fi
	echo "build.sh check: generated files are current"
	;;
*)
	echo "usage: $0 [build|check]" >&2
	exit 2
	;;
esac

#!/usr/bin/env bash
# build.sh regenerates what is generated from source:
#   the canonical-ABI glue, from wit/ by internal/cmd/witgen (go generate):
#     guest/witabi_gen.go, internal/witabi/witabi_gen.go, internal/witypes/witypes_gen.go,
#     internal/pluginabi/pluginabi_gen.go, plugin/keyvalue/{keyvalue,types}_gen.go,
#     examples/node/generated/sandcache_abi.mjs
#   host/guest.wasm   the guest module, built from ./guest (GOOS=wasip1, c-shared, -trimpath)
#   tests/testdata/hostile/NAME.wasm
#                     the hostile-guest suite's attackers, built the same way
#                     from ./tests/hostile/NAME
#
#   ./build.sh          rebuild
#   ./build.sh check    rebuild into a temporary folder and fail if a committed
#                       generated file differs
#   ./build.sh test     everything CI runs: check, gofmt, go vet, go mod tidy -diff,
#                       staticcheck, the Go tests
#                       (race detector on the host-side packages), and the Node
#                       host's tests (installs its npm dependencies with npm ci)
set -euo pipefail
cd "$(dirname "$0")"

build_guest() {
	GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
		go build -buildmode=c-shared -trimpath -o "$1" ./guest
}

# build_hostile DIR builds every tests/hostile/NAME into DIR/NAME.wasm.
build_hostile() {
	mkdir -p "$1"
	for src in tests/hostile/*/; do
		name=$(basename "$src")
		GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
			go build -buildmode=c-shared -trimpath -o "$1/$name.wasm" "./$src"
	done
}

# build_plugins DIR builds every plugins/NAME (Go, GOOS=wasip1 command
# modules) into DIR/NAME.wasm.
build_plugins() {
	mkdir -p "$1"
	for src in plugins/*/; do
		name=$(basename "$src")
		[ -e "$src/main.go" ] || continue
		GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 GOFLAGS=-buildvcs=false \
			go build -trimpath -o "$1/$name.wasm" "./$src"
	done
	# The WAT plugins, assembled by wabt from npm (pinned in its package.json).
	(cd plugins/wat && npm ci --no-audit --no-fund --silent && node build.mjs "$1")
}

case "${1:-build}" in
build)
	go run ./internal/cmd/witgen
	build_guest host/guest.wasm
	echo "built host/guest.wasm ($(wc -c <host/guest.wasm) bytes)"
	build_hostile tests/testdata/hostile
	echo "built tests/testdata/hostile/*.wasm"
	build_plugins "$PWD/plugins/testdata"
	echo "built plugins/testdata/*.wasm"
	;;
check)
	go run ./internal/cmd/witgen -check
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	build_guest "$tmp/guest.wasm"
	if ! cmp -s "$tmp/guest.wasm" host/guest.wasm; then
		echo "build.sh check: host/guest.wasm is stale; run ./build.sh and commit it" >&2
		exit 1
	fi
	build_hostile "$tmp/hostile"
	for built in "$tmp"/hostile/*.wasm; do
		name=$(basename "$built")
		if ! cmp -s "$built" "tests/testdata/hostile/$name"; then
			echo "build.sh check: tests/testdata/hostile/$name is stale; run ./build.sh and commit it" >&2
			exit 1
		fi
	done
	for committed in tests/testdata/hostile/*.wasm; do
		if [ ! -e "$tmp/hostile/$(basename "$committed")" ]; then
			echo "build.sh check: $committed has no source under tests/hostile; remove it" >&2
			exit 1
		fi
	done
	build_plugins "$tmp/plugins"
	for built in "$tmp"/plugins/*.wasm; do
		if ! cmp -s "$built" "plugins/testdata/$(basename "$built")"; then
			echo "build.sh check: plugins/testdata/$(basename "$built") is stale; run ./build.sh and commit it" >&2
			exit 1
		fi
	done
	echo "build.sh check: generated files are current"
	;;
test)
	./build.sh check
	unformatted=$(gofmt -l . | grep -v '^examples/node/' || true)
	if [ -n "$unformatted" ]; then
		echo "gofmt: unformatted files:" >&2
		echo "$unformatted" >&2
		exit 1
	fi
	go vet ./...
	GOOS=wasip1 GOARCH=wasm go vet ./guest/... ./internal/guest/...
	go mod tidy -diff
	# staticcheck at a pinned version (the module proxy serves it), over the
	# host side and over the guest as it is built (wasip1).
	tools=$(mktemp -d)
	GOBIN="$tools" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	"$tools/staticcheck" ./...
	GOOS=wasip1 GOARCH=wasm "$tools/staticcheck" ./guest/... ./internal/guest/...
	rm -rf "$tools"
	go test -count=1 -timeout 20m ./...
	# The race detector on the packages whose goroutines meet (pool, SDK
	# counters, capabilities); the guest runs in wazero's machine code,
	# which the detector does not see anyway.
	go test -count=1 -race -short -timeout 20m ./sdk ./internal/host ./internal/witabi ./internal/sqlcap ./internal/filecap
	if command -v node >/dev/null && command -v npm >/dev/null; then
		(
			cd examples/node
			# node-gyp builds better-sqlite3 against the installed headers:
			# no download of prebuilt binaries or headers.
			if [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
			npm ci --no-audit --no-fund --loglevel=error
			node --test test/
		)
	else
		echo "build.sh test: node and npm are required for the cross-runtime tests" >&2
		exit 1
	fi
	;;
*)
	echo "usage: $0 [build|check|test]" >&2
	exit 2
	;;
esac

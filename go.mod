module github.com/sandcache/sandcache

go 1.26.8

require (
	github.com/ncruces/go-sqlite3 v0.37.0
	github.com/tetratelabs/wazero v1.12.0
	go.bytecodealliance.org v0.7.0
)

require (
	github.com/coreos/go-semver v0.3.1 // indirect
	github.com/ncruces/go-sqlite3-wasm/v6 v6.5.35401 // indirect
	github.com/ncruces/julianday v1.0.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

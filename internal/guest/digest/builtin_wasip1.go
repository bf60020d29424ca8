//go:build wasip1

package digest

// builtin is missing from the guest build: its main package sets the host's
// digest import before anything hashes, so calling this is a bug.
var builtin Func = func([]byte) [Size]byte {
	panic("digest: no SHA-256 set in this guest (package main sets the host's with digest.Set)")
}

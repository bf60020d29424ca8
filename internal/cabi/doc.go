// Package cabi holds the Go representation of WIT's generic types, shared
// by every package internal/cmd/witgen generates (the host's and the
// guest's, which alias them for their users). The runtimes the generated
// code calls are hostrt (the Go host under wazero) and guestrt (Go guests,
// GOOS=wasip1).
package cabi

// Option is a WIT option<T>: Value is meaningful only when Some.
type Option[T any] struct {
	Some  bool
	Value T
}

// Some returns an option holding v.
func Some[T any](v T) Option[T] { return Option[T]{Some: true, Value: v} }

// Tuple2 is a WIT tuple<A, B>.
type Tuple2[A, B any] struct {
	F0 A
	F1 B
}

// B2U is a bool as the ABI's 0 or 1.
func B2U(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// Pair lays out a (pointer, length) pair as it is in memory, so that a
// flat list argument lifts like one in a return area.
func Pair(p, n uint64) []byte {
	return []byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24), byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)}
}

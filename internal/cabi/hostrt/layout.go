package hostrt

import "github.com/sandcache/sandcache/internal/cabi"

// Option is a WIT option<T>: Value is meaningful only when Some.
type Option[T any] = cabi.Option[T]

// Field is one scalar of a type's memory layout, for tests and tools that
// check hand-written offsets against the WIT.
type Field struct {
	Path   string // e.g. "ok.value.some" or "err.code"
	Offset uint32
	Kind   string // bool, u8, u32, u64, s64, f64, string, list, tag, enum
}

// Layout is a type's canonical-ABI memory layout.
type Layout struct {
	Size, Align uint32
	Fields      []Field
}

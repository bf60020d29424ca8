package hostrt

import "github.com/sandcache/sandcache/internal/cabi"

// Option is a WIT option<T>: Value is meaningful only when Some.
type Option[T any] = cabi.Option[T]

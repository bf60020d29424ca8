// Package sdk is sandcache's public Go API: a persistent key → JSON cache
// with namespaces, TTL expiry and LRU eviction, whose logic runs as a
// sandboxed WebAssembly guest confined to one folder.
//
//	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir))
//	...
//	defer c.Close()
//	err = c.Put(ctx, "greeting", []byte(`"hello"`), sdk.TTL(time.Hour))
//	v, ok, err := c.Get(ctx, "greeting")
//
// Values are JSON text; integers and floats keep their form through a round
// trip. Every call that does I/O takes a context.Context; errors can be
// tested with errors.Is against ErrInvalidArgument, ErrNotPermitted, ErrIO,
// ErrCorrupt, ErrInternal, ErrGuestFault and ErrClosed.
package sdk

// Package testhooks holds the hooks this module's tests use to run the real
// host with something the public API does not offer: a substitute guest
// module (the hostile-guest suite's attackers). Being internal, it cannot be
// imported from outside the module, and the hooks travel in a
// context.Context given to host.Open, so nothing in the public API exposes
// them.
package testhooks

import "context"

type guestKey struct{}

// WithGuest returns a context that makes host.Open run wasm (a core module
// with the guest's ABI) instead of the embedded guest.
func WithGuest(ctx context.Context, wasm []byte) context.Context {
	return context.WithValue(ctx, guestKey{}, wasm)
}

// Guest returns the substitute guest module set by WithGuest, or nil.
func Guest(ctx context.Context) []byte {
	b, _ := ctx.Value(guestKey{}).([]byte)
	return b
}

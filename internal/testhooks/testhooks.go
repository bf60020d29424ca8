// Package testhooks holds the hooks this module's tests use to run the real
// host with something the public API does not offer: a substitute guest
// module (the hostile-guest suite's attackers), given in the
// context.Context of host.Open, and wrappers around the capabilities a
// Sandbox lends (fault injection), kept in a registry keyed by the
// Sandbox. Being internal, it cannot be imported from outside the module,
// so nothing in the public API exposes them.
package testhooks

import (
	"context"
	"sync"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

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

// Capabilities wrap the capabilities a Sandbox lends its guest instances:
// a wrapper can inject failures, garbage or panics into the sql and files
// capabilities, and count the instances made (each new instance calls the
// wrappers once).
type Capabilities struct {
	// SQL wraps a new instance's SQL session; nil leaves it alone.
	SQL func(capability.SQL) capability.SQL
	// Files wraps a new instance's file capability; nil leaves it alone.
	Files func(capability.Files) capability.Files
}

// capabilities maps a Sandbox to its hooks; a Sandbox without hooks pays
// one lookup per new instance and nothing per call.
var capabilities sync.Map // *host.Sandbox → *Capabilities

// SetCapabilities makes the instances sandbox (a *host.Sandbox) creates
// from now on use capabilities wrapped by h (instances already made keep
// theirs); zero hooks remove them.
func SetCapabilities(sandbox any, h Capabilities) {
	if h.SQL == nil && h.Files == nil {
		capabilities.Delete(sandbox)
		return
	}
	capabilities.Store(sandbox, &h)
}

// CapabilitiesOf returns the hooks set for sandbox, or nil.
func CapabilitiesOf(sandbox any) *Capabilities {
	v, ok := capabilities.Load(sandbox)
	if !ok {
		return nil
	}
	return v.(*Capabilities)
}

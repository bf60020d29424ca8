package host

import (
	"context"
	"sync"

	"github.com/sandcache/sandcache/guest/capability"
	"github.com/sandcache/sandcache/internal/sqlcap"
)

// CapabilityHooks wrap the capabilities a Sandbox lends its guest
// instances. They exist for tests: a wrapper can inject failures, garbage
// or panics into the sql and files capabilities, and count the instances
// made (each new instance calls the wrappers once). Do not use them in
// production code.
type CapabilityHooks struct {
	// SQL wraps a new instance's SQL session; nil leaves it alone.
	SQL func(capability.SQL) capability.SQL
	// Files wraps a new instance's file capability; nil leaves it alone.
	Files func(capability.Files) capability.Files
}

// SetCapabilityHooksForTesting makes the instances the Sandbox creates from
// now on use capabilities wrapped by h (instances already made keep
// theirs); zero hooks remove them. It is meant for tests only.
func (sb *Sandbox) SetCapabilityHooksForTesting(h CapabilityHooks) {
	if h.SQL == nil && h.Files == nil {
		testHooks.Delete(sb)
		return
	}
	testHooks.Store(sb, &h)
}

// testHooks maps a Sandbox to its hooks; a Sandbox without hooks pays one
// lookup per new instance and nothing per call.
var testHooks sync.Map // *Sandbox → *CapabilityHooks

// sqlSession is what an instance needs of its SQL capability: the WIT
// interface plus the host's controls of the session.
type sqlSession interface {
	capability.SQL
	SetContext(ctx context.Context)
	CloseAll() error
}

var _ sqlSession = (*sqlcap.Session)(nil)

// hookedSQL is a wrapped SQL capability over the session it wraps.
type hookedSQL struct {
	capability.SQL
	base *sqlcap.Session
}

func (h hookedSQL) SetContext(ctx context.Context) { h.base.SetContext(ctx) }
func (h hookedSQL) CloseAll() error                { return h.base.CloseAll() }

// applyTestHooks wraps a new instance's capabilities when tests asked for it.
func (sb *Sandbox) applyTestHooks(in *instance, base *sqlcap.Session) {
	v, ok := testHooks.Load(sb)
	if !ok {
		return
	}
	h := v.(*CapabilityHooks)
	if h.SQL != nil {
		in.sql = hookedSQL{SQL: h.SQL(base), base: base}
	}
	if h.Files != nil {
		in.files = h.Files(in.files)
	}
}

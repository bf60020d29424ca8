package host

import (
	"context"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/sqlcap"
	"github.com/sandcache/sandcache/internal/testhooks"
)

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

// applyTestHooks wraps a new instance's capabilities when tests asked for
// it (testhooks.SetCapabilities).
func (sb *Sandbox) applyTestHooks(in *instance, base *sqlcap.Session) {
	h := testhooks.CapabilitiesOf(sb)
	if h == nil {
		return
	}
	if h.SQL != nil {
		in.sql = hookedSQL{SQL: h.SQL(base), base: base}
	}
	if h.Files != nil {
		in.files = h.Files(in.files)
	}
}

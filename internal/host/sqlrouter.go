package host

import (
	"context"
	"errors"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/pgcap"
	"github.com/sandcache/sandcache/internal/sqlcap"
)

// sqlRouter is an instance's SQL capability when its Sandbox lends a
// database server: databases from Open (sqlite, mem) go to the sqlcap
// session, the one from OpenServer (postgres) to the pgcap session. The
// handle spaces stay separate: the router sets serverBit on the server's
// handles, databases and statements alike, and each session sees only
// its own handles.
type sqlRouter struct {
	*sqlcap.Session
	server *pgcap.Session
}

// serverBit marks a handle of the server session.
const serverBit = 1 << 31

var errHandlesExhausted = &capability.Error{Code: capability.IO, Message: "sql: too many handles"}

func newSQLRouter(local *sqlcap.Session, server *pgcap.Capability) *sqlRouter {
	return &sqlRouter{Session: local, server: pgcap.NewSession(server)}
}

func isServer[H ~uint32](h H) bool { return h&serverBit != 0 }
func inner[H ~uint32](h H) H       { return h &^ serverBit }

// routed returns h, a handle a session just made (or err), as the router
// hands it out: with mark (serverBit for the server session's handles, 0
// for the local one's) set. A handle that has serverBit already (the
// session's handle space reached it) is released and refused.
func routed[H ~uint32](h H, err error, mark H, release func(H)) (H, error) {
	if err != nil {
		return 0, err
	}
	if isServer(h) {
		release(h)
		return 0, errHandlesExhausted
	}
	return h | mark, nil
}

// Open opens a database of the local session.
func (r *sqlRouter) Open(name string, memory bool) (capability.DB, error) {
	db, err := r.Session.Open(name, memory)
	return routed(db, err, 0, r.Session.Close)
}

// OpenServer implements WIT `sql.open-server`: the server's database.
func (r *sqlRouter) OpenServer(name string) (capability.DB, error) {
	db, err := r.server.Open(name, false)
	return routed(db, err, serverBit, r.server.Close)
}

// Close closes a database of either session.
func (r *sqlRouter) Close(db capability.DB) {
	if isServer(db) {
		r.server.Close(inner(db))
		return
	}
	r.Session.Close(db)
}

// Exec runs statements on either session's database.
func (r *sqlRouter) Exec(db capability.DB, sql string) error {
	if isServer(db) {
		return r.server.Exec(inner(db), sql)
	}
	return r.Session.Exec(db, sql)
}

// Prepare prepares a statement on either session's database.
func (r *sqlRouter) Prepare(db capability.DB, sql string) (capability.Stmt, error) {
	if isServer(db) {
		st, err := r.server.Prepare(inner(db), sql)
		return routed(st, err, serverBit, r.server.Finalize)
	}
	st, err := r.Session.Prepare(db, sql)
	return routed(st, err, 0, r.Session.Finalize)
}

// sql returns the session a statement belongs to and its own handle.
func (r *sqlRouter) sql(st capability.Stmt) (capability.SQL, capability.Stmt) {
	if isServer(st) {
		return r.server, inner(st)
	}
	return r.Session, st
}

// BindNull binds NULL.
func (r *sqlRouter) BindNull(st capability.Stmt, i uint32) error {
	s, h := r.sql(st)
	return s.BindNull(h, i)
}

// BindInt binds an integer.
func (r *sqlRouter) BindInt(st capability.Stmt, i uint32, v int64) error {
	s, h := r.sql(st)
	return s.BindInt(h, i, v)
}

// BindFloat binds a float.
func (r *sqlRouter) BindFloat(st capability.Stmt, i uint32, v float64) error {
	s, h := r.sql(st)
	return s.BindFloat(h, i, v)
}

// BindText binds text.
func (r *sqlRouter) BindText(st capability.Stmt, i uint32, v string) error {
	s, h := r.sql(st)
	return s.BindText(h, i, v)
}

// BindBlob binds a blob.
func (r *sqlRouter) BindBlob(st capability.Stmt, i uint32, v []byte) error {
	s, h := r.sql(st)
	return s.BindBlob(h, i, v)
}

// Step advances a statement.
func (r *sqlRouter) Step(st capability.Stmt) (bool, error) {
	s, h := r.sql(st)
	return s.Step(h)
}

// ColumnCount returns the number of result columns.
func (r *sqlRouter) ColumnCount(st capability.Stmt) uint32 {
	s, h := r.sql(st)
	return s.ColumnCount(h)
}

// ColumnKind returns a column's storage class.
func (r *sqlRouter) ColumnKind(st capability.Stmt, i uint32) capability.Kind {
	s, h := r.sql(st)
	return s.ColumnKind(h, i)
}

// ColumnInt returns a column as an integer.
func (r *sqlRouter) ColumnInt(st capability.Stmt, i uint32) int64 {
	s, h := r.sql(st)
	return s.ColumnInt(h, i)
}

// ColumnFloat returns a column as a float.
func (r *sqlRouter) ColumnFloat(st capability.Stmt, i uint32) float64 {
	s, h := r.sql(st)
	return s.ColumnFloat(h, i)
}

// ColumnText returns a column as text.
func (r *sqlRouter) ColumnText(st capability.Stmt, i uint32) string {
	s, h := r.sql(st)
	return s.ColumnText(h, i)
}

// ColumnBlob returns a column as a blob.
func (r *sqlRouter) ColumnBlob(st capability.Stmt, i uint32) []byte {
	s, h := r.sql(st)
	return s.ColumnBlob(h, i)
}

// Changes returns the rows changed by db's last statement.
func (r *sqlRouter) Changes(db capability.DB) int64 {
	if isServer(db) {
		return r.server.Changes(inner(db))
	}
	return r.Session.Changes(db)
}

// Reset resets a statement.
func (r *sqlRouter) Reset(st capability.Stmt) error {
	s, h := r.sql(st)
	return s.Reset(h)
}

// Finalize releases a statement.
func (r *sqlRouter) Finalize(st capability.Stmt) {
	s, h := r.sql(st)
	s.Finalize(h)
}

// Run runs a batch on the session its statements belong to; a batch
// that mixes both runs statement by statement, every call waiting for
// locks.
func (r *sqlRouter) Run(calls []capability.Call) ([]capability.Value, int, error) {
	servers := 0
	for _, c := range calls {
		if isServer(c.Statement) {
			servers++
		}
	}
	switch servers {
	case 0:
		return r.Session.Run(calls)
	case len(calls):
		inners := make([]capability.Call, len(calls))
		for i, c := range calls {
			inners[i] = c
			inners[i].Statement = inner(c.Statement)
		}
		return r.server.Run(inners)
	}
	return capability.RunEach(r, calls, nil, capability.MaxRunBytes)
}

// SetContext sets both sessions' call context (the server session gives
// its connection back to the pool between calls).
func (r *sqlRouter) SetContext(ctx context.Context) {
	r.Session.SetContext(ctx)
	r.server.SetContext(ctx)
}

// CloseAll closes every handle of both sessions.
func (r *sqlRouter) CloseAll() error {
	return errors.Join(r.Session.CloseAll(), r.server.CloseAll())
}

// openServer implements WIT `sql.open-server` for an instance's SQL
// capability: NotPermitted unless the Sandbox lends a server.
func openServer(s capability.SQL, name string) (capability.DB, error) {
	if o, ok := s.(capability.ServerSQL); ok {
		return o.OpenServer(name)
	}
	return 0, &capability.Error{Code: capability.NotPermitted, Message: "sql: the host lends no database server (configure one with WithPostgres)"}
}

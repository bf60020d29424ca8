package pgcap

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Session implements capability.SQL for one guest instance over a
// Capability. It is not safe for concurrent use (an instance runs one call
// at a time); different Sessions may run concurrently.
//
// Handles are never 0 and not reused. Every method tolerates unknown or
// released handles: those that return an error fail with Internal, the
// others return zero values.
type Session struct {
	c      *Capability
	ctx    context.Context
	conn   *pgxpool.Conn // held during a call, from the first statement
	lostTx bool          // the connection broke inside a transaction
	dbs    map[capability.DB]*database
	stmts  map[capability.Stmt]*stmt
	next   uint32
}

var _ capability.SQL = (*Session)(nil)

// database is an open database handle: a label and its statements.
type database struct {
	label   string
	refs    int
	changes int64
	stmts   map[capability.Stmt]struct{}
}

// NewSession returns a Session on c.
func NewSession(c *Capability) *Session {
	return &Session{c: c, ctx: context.Background(), dbs: map[capability.DB]*database{}, stmts: map[capability.Stmt]*stmt{}}
}

// Dialect returns "postgres".
func (s *Session) Dialect() string { return "postgres" }

// SetContext marks a call boundary and makes ctx govern the statements
// that follow: their deadline is its deadline. The host calls it before
// each guest call and with context.Background() after it. The connection
// of the previous call goes back to the pool (closed instead when a
// transaction was left open, which rolls it back). A nil ctx means
// context.Background().
func (s *Session) SetContext(ctx context.Context) {
	if ctx == nil {
		ctx = context.Background()
	}
	s.release()
	s.lostTx = false
	s.ctx = ctx
}

// release returns the call's connection to the pool; pgxpool destroys a
// connection that is closed, busy or inside a transaction.
func (s *Session) release() {
	if s.conn != nil {
		s.conn.Release()
		s.conn = nil
	}
}

// acquire returns the call's connection, taking one from the pool (and
// connecting) under the Session's context.
func (s *Session) acquire() (*pgxpool.Conn, error) {
	if s.conn != nil {
		return s.conn, nil
	}
	pc, err := s.c.pool.Acquire(s.ctx)
	if err != nil {
		return nil, errOf(s.ctx, err)
	}
	if pc.Conn().PgConn().ParameterStatus("is_superuser") == "on" {
		pc.Release()
		return nil, capability.Errorf(capability.NotPermitted, "postgres: the role is a superuser; the cache needs a confined role (see the setup in pgcap's documentation)")
	}
	s.conn = pc
	return pc, nil
}

// handle returns a fresh handle.
func (s *Session) handle() uint32 {
	for {
		s.next++
		if s.next == 0 {
			continue
		}
		_, db := s.dbs[capability.DB(s.next)]
		_, st := s.stmts[capability.Stmt(s.next)]
		if !db && !st {
			return s.next
		}
	}
}

// Open returns a database handle. name is a label for messages; the schema
// is the one connections are pinned to. memory is refused: a server has
// no per-process in-memory database.
func (s *Session) Open(name string, memory bool) (capability.DB, error) {
	if memory {
		return 0, capability.Errorf(capability.InvalidArgument, "postgres: no in-memory database (the mem backend needs the sqlite capability)")
	}
	h := capability.DB(s.handle())
	s.dbs[h] = &database{label: name, refs: 1, stmts: map[capability.Stmt]struct{}{}}
	return h, nil
}

// Close releases db and finalizes its statements. Unknown handles are
// ignored.
func (s *Session) Close(db capability.DB) {
	d, ok := s.dbs[db]
	if !ok {
		return
	}
	for h := range d.stmts {
		delete(s.stmts, h)
	}
	delete(s.dbs, db)
	if len(s.dbs) == 0 {
		s.release()
	}
}

// CloseAll releases every handle and the connection. The Session may be
// used again afterwards (it starts empty).
func (s *Session) CloseAll() error {
	clear(s.stmts)
	clear(s.dbs)
	s.release()
	s.lostTx = false
	return nil
}

// Changes returns the rows changed by the last INSERT, UPDATE or DELETE
// run on db.
func (s *Session) Changes(db capability.DB) int64 {
	if d, ok := s.dbs[db]; ok {
		return d.changes
	}
	return 0
}

// Exec runs one statement without parameters; result rows are discarded.
func (s *Session) Exec(db capability.DB, sql string) error {
	d, ok := s.dbs[db]
	if !ok {
		return capability.Errorf(capability.Internal, "sql: unknown database handle %d", db)
	}
	sc, err := screen(sql)
	if err != nil {
		return err
	}
	st := &stmt{sql: sql, db: d, sc: sc, args: make([]any, sc.params)}
	return s.run(st)
}

// Run runs a batch of statements (WIT `sql.run`) one by one with the
// statement-level methods. Call.Wait is ignored: a PostgreSQL statement
// waits for row locks as the server decides (its lock_timeout).
func (s *Session) Run(calls []capability.Call) ([]capability.Value, int, error) {
	return capability.RunEach(s, calls, nil, capability.MaxRunBytes)
}

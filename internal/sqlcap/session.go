package sqlcap

import (
	"context"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// BusyTimeout is how long a connection waits for a lock held by another
// connection (another instance or process) before failing with "database
// is busy".
const BusyTimeout = 10 * time.Second

// memoryKey is the connection key of the in-memory database.
const memoryKey = "\x00memory"

// Session implements capability.SQL for one guest instance. It is not safe
// for concurrent use (an instance runs one call at a time); different
// Sessions may run concurrently, on the same databases too.
//
// Handles are small integers, never 0, and not reused while live. Every
// method tolerates unknown or released handles: those that return an error
// fail with Internal, the others return zero values.
type Session struct {
	g      *Grant
	ctx    context.Context
	conns  table[*conn]
	stmts  table[*stmt]
	byName map[string]capability.DB
	live   int                // connections open (conn.c != nil)
	tick   uint64             // use counter for least-recently-used eviction
	text   int                // bytes of statement text kept (stmt.sql)
	vals   []capability.Value // room for Run's values, reused

	permissive bool // tests of the SQL plumbing only: the authorizer allows all
}

var _ capability.SQL = (*Session)(nil)

// conn is an open database of a Session. Its SQLite connection c may be
// closed while the handle stays open (see Limits.Connections): it is then
// nil, and reopened on the next use.
type conn struct {
	c       *sqlite3.Conn
	key     string // byName key
	label   string // name for messages
	name    string // database name (files)
	memory  bool   // the grant's in-memory database
	refs    int
	stmts   map[capability.Stmt]*stmt
	lastUse uint64
	changes int64     // Changes() when c was closed
	denied  string    // why the authorizer last denied a statement
	busy    *busyWait // c's busy handler (busy.go)
	// checkpointed is c's TotalChanges at its last checkpoint (checkpoint.go).
	checkpointed int64
}

// stmt is a prepared statement of a Session. s is nil while its connection
// is closed; it is prepared again from sql on its next use.
type stmt struct {
	s     *sqlite3.Stmt
	sql   string
	db    *conn
	h     capability.Stmt
	ncols int  // columns of the current row; 0 when there is none
	bound bool // parameters bound since the last Reset
}

// NewSession returns a Session on the grant g.
func NewSession(g *Grant) *Session {
	return &Session{g: g, ctx: context.Background(), byName: map[string]capability.DB{}}
}

// Dialect returns "sqlite".
func (s *Session) Dialect() string { return "sqlite" }

// SetContext makes ctx interrupt SQLite work (queries, waits for locks) of
// this Session's current and future connections once it is done; such
// calls fail with IO "interrupted". The host sets it before each guest call
// and resets it to context.Background() afterwards. A nil ctx means
// context.Background().
func (s *Session) SetContext(ctx context.Context) {
	if ctx == nil {
		ctx = context.Background()
	}
	s.ctx = ctx
	s.conns.each(func(_ uint32, c *conn) {
		if c.c != nil {
			c.c.SetInterrupt(ctx)
		}
	})
}

// CloseAll finalizes every statement and closes every connection of the
// Session. The Session may be used again afterwards (it starts empty).
// (It is not named Close: that is capability.SQL's Close of one database.)
func (s *Session) CloseAll() error {
	var first error
	s.conns.each(func(h uint32, c *conn) {
		if err := s.closeConn(c); err != nil && first == nil {
			first = err
		}
		s.conns.remove(h)
	})
	clear(s.byName)
	s.live, s.text = 0, 0
	return first
}

// Changes returns the rows changed by the last finished statement on db.
func (s *Session) Changes(db capability.DB) int64 {
	c, ok := s.conns.get(uint32(db))
	if !ok {
		return 0
	}
	if c.c == nil {
		return c.changes
	}
	return c.c.Changes()
}

// Exec runs one or more statements with no parameters and no result rows.
func (s *Session) Exec(db capability.DB, sql string) (err error) {
	c, err := s.conn(db)
	if err != nil {
		return err
	}
	defer s.recoverOOM(c.label, &err)
	if err := s.ensureLive(c); err != nil {
		return err
	}
	c.denied = ""
	return s.connErr(c, c.c.Exec(sql))
}

// conn returns the connection of handle db.
func (s *Session) conn(db capability.DB) (*conn, error) {
	c, ok := s.conns.get(uint32(db))
	if !ok {
		return nil, capability.Errorf(capability.Internal, "sql: unknown database handle %d", db)
	}
	return c, nil
}

// recoverOOM turns go-sqlite3's out-of-memory panic (its wasm memory is
// capped) into an IO error; any other panic goes on.
func (s *Session) recoverOOM(label string, err *error) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok && e.Error() == "sqlite3: out of memory" {
			*err = capability.Errorf(capability.IO, "sql %s: out of memory", label)
			return
		}
		panic(r)
	}
}

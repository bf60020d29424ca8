package sqlcap

import (
	"reflect"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// runRig is a table t(k TEXT, v) with the rows (a, 1) (b, 2.5) (c, x'00ff')
// (d, NULL) on a permissive Session.
func runRig(t *testing.T) (*Session, capability.DB) {
	t.Helper()
	defer permissiveSessions()()
	s := newSession(t, newGrant(t))
	db := open(t, s, "run.sqlite")
	must(t, s.Exec(db, "CREATE TABLE t(k TEXT PRIMARY KEY, v); INSERT INTO t VALUES ('a', 1), ('b', 2.5), ('c', x'00ff'), ('d', NULL)"))
	return s, db
}

func TestRunReadsRowsUpToItsLimit(t *testing.T) {
	s, db := runRig(t)
	all := prepare(t, s, db, "SELECT k, v FROM t ORDER BY k")
	one := prepare(t, s, db, "SELECT v FROM t WHERE k = ?1")
	vals, ran, err := s.Run([]capability.Call{
		{Statement: all, Rows: 3, Wait: true},
		{Statement: one, Params: []capability.Value{capability.Text("d")}, Rows: 1, Wait: true},
		{Statement: one, Params: []capability.Value{capability.Text("zz")}, Rows: 1, Wait: true},
		{Statement: all, Rows: 0, Wait: true}, // stepped, nothing read
	})
	must(t, err)
	want := []capability.Value{
		capability.Text("a"), capability.Int(1),
		capability.Text("b"), {Kind: capability.KindFloat, Float: 2.5},
		capability.Text("c"), {Kind: capability.KindBlob, Blob: []byte{0, 0xff}},
		capability.Null(),
	}
	if ran != 4 || !reflect.DeepEqual(vals, want) {
		t.Fatalf("ran %d, values %+v; want 4, %+v", ran, vals, want)
	}
	// Every statement was reset: the table can be dropped (a statement
	// left open would keep it locked).
	must(t, s.Exec(db, "DROP TABLE t"))
}

func TestRunSkipsIfRowAfterNoRow(t *testing.T) {
	s, db := runRig(t)
	get := prepare(t, s, db, "SELECT v FROM t WHERE k = ?1")
	del := prepare(t, s, db, "DELETE FROM t WHERE k = ?1")
	for _, tc := range []struct {
		key  string
		left int64
	}{{"zz", 4}, {"a", 3}} {
		_, ran, err := s.Run([]capability.Call{
			{Statement: get, Params: []capability.Value{capability.Text(tc.key)}, Rows: 1, Wait: true},
			{Statement: del, Params: []capability.Value{capability.Text("b")}, IfRow: true, Wait: true},
		})
		must(t, err)
		if ran != 2 {
			t.Fatalf("%s: ran %d; want 2 (a skipped call counts)", tc.key, ran)
		}
		if n := queryText(t, s, db, "SELECT count(*) FROM t"); n != map[int64]string{4: "4", 3: "3"}[tc.left] {
			t.Fatalf("%s: %s rows left; want %d", tc.key, n, tc.left)
		}
	}
}

// TestRunNoWaitEndsBatch: a call that may not wait ends the batch at
// once, without error, when another connection holds the write lock; one
// that may wait fails only after BusyTimeout (not waited for here).
func TestRunNoWaitEndsBatch(t *testing.T) {
	s, db := runRig(t)
	defer permissiveSessions()()
	other := newSession(t, s.g)
	odb := open(t, other, "run.sqlite")
	must(t, other.Exec(odb, "BEGIN IMMEDIATE"))
	get := prepare(t, s, db, "SELECT v FROM t WHERE k = 'a'")
	del := prepare(t, s, db, "DELETE FROM t WHERE k = 'a'")
	vals, ran, err := s.Run([]capability.Call{
		{Statement: get, Rows: 1, Wait: true},
		{Statement: del, IfRow: true},
		{Statement: get, Rows: 1, Wait: true},
	})
	must(t, err)
	if ran != 1 || !reflect.DeepEqual(vals, []capability.Value{capability.Int(1)}) {
		t.Fatalf("ran %d, values %+v; want 1 call run and its row", ran, vals)
	}
	must(t, other.Exec(odb, "ROLLBACK"))
	// The connection waits again for its later statements.
	if c, _ := s.conns.get(uint32(db)); c.busy.noWait {
		t.Fatal("the busy handler still gives up at once after the batch")
	}
	_, ran, err = s.Run([]capability.Call{{Statement: del}})
	must(t, err)
	if ran != 1 {
		t.Fatalf("ran %d without contention; want 1", ran)
	}
}

func TestRunErrors(t *testing.T) {
	s, db := runRig(t)
	ins := prepare(t, s, db, "INSERT INTO t VALUES (?1, 0)")
	for _, tc := range []struct {
		name  string
		calls []capability.Call
		code  capability.Code
	}{
		{"unknown statement", []capability.Call{{Statement: 999, Wait: true}}, capability.Internal},
		{"bad storage class", []capability.Call{{Statement: ins, Params: []capability.Value{{Kind: 9}}, Wait: true}}, capability.InvalidArgument},
		{"constraint", []capability.Call{{Statement: ins, Params: []capability.Value{capability.Text("a")}, Wait: true}}, capability.IO},
	} {
		_, _, err := s.Run(tc.calls)
		if capability.CodeOf(err) != tc.code || err == nil {
			t.Errorf("%s: %v (%v); want %v", tc.name, err, capability.CodeOf(err), tc.code)
		}
	}
	// The failed statement was reset: it runs again.
	_, _, err := s.Run([]capability.Call{{Statement: ins, Params: []capability.Value{capability.Text("e")}, Wait: true}})
	must(t, err)
}

// TestRunEachCapsRowBytes: the rows one batch returns are capped, so a
// statement's rows cannot grow the host's memory without bound.
func TestRunEachCapsRowBytes(t *testing.T) {
	s, db := runRig(t)
	all := prepare(t, s, db, "SELECT k FROM t")
	calls := []capability.Call{{Statement: all, Rows: maxRowsTest, Wait: true}}
	if _, _, err := capability.RunEach(s, calls, nil, 4*65); err != nil {
		t.Fatalf("4 one-byte texts within 260 bytes: %v", err)
	}
	_, _, err := capability.RunEach(s, calls, nil, 4*65-1)
	if capability.CodeOf(err) != capability.IO {
		t.Fatalf("past the cap: %v; want an io error", err)
	}
	must(t, s.Exec(db, "DROP TABLE t")) // reset after the failure too
}

const maxRowsTest = 1<<32 - 1

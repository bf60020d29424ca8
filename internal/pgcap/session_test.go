package pgcap

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/tests/pgserver"
)

func TestDialectAndMemory(t *testing.T) {
	s := session(t)
	if d := s.Dialect(); d != "postgres" {
		t.Fatalf("Dialect() = %q", d)
	}
	_, err := s.Open("x", true)
	wantCode(t, "Open(memory)", err, capability.InvalidArgument)
}

func TestStatementsRoundTrip(t *testing.T) {
	s := session(t)
	db := open(t, s)
	must(t, s.Exec(db, "CREATE TABLE IF NOT EXISTS rt (k TEXT PRIMARY KEY, i BIGINT, f DOUBLE PRECISION, b BYTEA)"))
	must(t, s.Exec(db, "DELETE FROM rt"))
	ins, err := s.Prepare(db, "INSERT INTO rt (k, i, f, b) VALUES ($1, $2, $3, $4)")
	must(t, err)
	must(t, s.BindText(ins, 1, "a"))
	must(t, s.BindInt(ins, 2, math.MinInt64))
	must(t, s.BindFloat(ins, 3, 1.5))
	must(t, s.BindBlob(ins, 4, []byte{0, 1, 2}))
	if row, err := s.Step(ins); err != nil || row {
		t.Fatalf("insert Step = %v, %v", row, err)
	}
	if n := s.Changes(db); n != 1 {
		t.Fatalf("Changes = %d, want 1", n)
	}
	// Reset clears the bindings: unbound parameters are NULL.
	must(t, s.Reset(ins))
	must(t, s.BindText(ins, 1, "b"))
	if _, err := s.Step(ins); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "bind $5", s.BindInt(ins, 5, 1), capability.InvalidArgument)
	wantCode(t, "bind $0", s.BindInt(ins, 0, 1), capability.InvalidArgument)

	sel, err := s.Prepare(db, "SELECT k, i, f, b FROM rt ORDER BY k")
	must(t, err)
	if row, err := s.Step(sel); !row || err != nil {
		t.Fatalf("Step = %v, %v", row, err)
	}
	if s.ColumnCount(sel) != 4 || s.ColumnText(sel, 0) != "a" || s.ColumnInt(sel, 1) != math.MinInt64 ||
		s.ColumnFloat(sel, 2) != 1.5 || string(s.ColumnBlob(sel, 3)) != "\x00\x01\x02" {
		t.Fatalf("row a: %q %d %v %q", s.ColumnText(sel, 0), s.ColumnInt(sel, 1), s.ColumnFloat(sel, 2), s.ColumnBlob(sel, 3))
	}
	kinds := []capability.Kind{capability.KindText, capability.KindInteger, capability.KindFloat, capability.KindBlob}
	for i, k := range kinds {
		if got := s.ColumnKind(sel, uint32(i)); got != k {
			t.Fatalf("ColumnKind(%d) = %v, want %v", i, got, k)
		}
	}
	if row, err := s.Step(sel); !row || err != nil || s.ColumnKind(sel, 1) != capability.KindNull {
		t.Fatalf("row b: %v %v kind %v", row, err, s.ColumnKind(sel, 1))
	}
	if row, err := s.Step(sel); row || err != nil {
		t.Fatalf("after the last row: %v, %v", row, err)
	}
	if s.ColumnKind(sel, 0) != capability.KindNull || s.ColumnText(sel, 0) != "" {
		t.Fatal("a column without a current row is not NULL")
	}
	// DELETE ... RETURNING: rows and Changes.
	del, err := s.Prepare(db, "DELETE FROM rt RETURNING k")
	must(t, err)
	n := 0
	for {
		row, err := s.Step(del)
		must(t, err)
		if !row {
			break
		}
		n++
	}
	if n != 2 || s.Changes(db) != 2 {
		t.Fatalf("DELETE RETURNING: %d rows, Changes %d", n, s.Changes(db))
	}
}

// cellOf follows ColumnKind's rules for every type pgx decodes to.
func TestCellOf(t *testing.T) {
	var half pgtype.Numeric
	must(t, half.Scan("0.5"))
	type tag struct{ n int }
	for _, tc := range []struct {
		in   any
		want cell
	}{
		{nil, cell{kind: capability.KindNull}},
		{true, cell{kind: capability.KindInteger, i: 1}},
		{false, cell{kind: capability.KindInteger}},
		{int16(-2), cell{kind: capability.KindInteger, i: -2}},
		{int32(-3), cell{kind: capability.KindInteger, i: -3}},
		{int64(math.MinInt64), cell{kind: capability.KindInteger, i: math.MinInt64}},
		{uint32(math.MaxUint32), cell{kind: capability.KindInteger, i: math.MaxUint32}},
		{uint64(math.MaxInt64), cell{kind: capability.KindInteger, i: math.MaxInt64}},
		{uint64(math.MaxInt64 + 1), cell{kind: capability.KindText, s: "9223372036854775808"}},
		{float32(0.25), cell{kind: capability.KindFloat, f: 0.25}},
		{1.5, cell{kind: capability.KindFloat, f: 1.5}},
		{half, cell{kind: capability.KindFloat, f: 0.5}},
		{pgtype.Numeric{}, cell{kind: capability.KindNull}},
		{"x", cell{kind: capability.KindText, s: "x"}},
		{[]byte{0, 1}, cell{kind: capability.KindBlob, b: []byte{0, 1}}},
		{tag{7}, cell{kind: capability.KindText, s: "{7}"}},
	} {
		if got := cellOf(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("cellOf(%#v) = %+v; want %+v", tc.in, got, tc.want)
		}
	}
}

func TestUnknownHandles(t *testing.T) {
	s := session(t)
	db := open(t, s)
	st, err := s.Prepare(db, "SELECT 1")
	must(t, err)
	s.Finalize(st)
	_, err = s.Step(st)
	wantCode(t, "Step(finalized)", err, capability.Internal)
	wantCode(t, "Exec(unknown db)", s.Exec(db+1000, "SELECT 1"), capability.Internal)
	s.Close(db)
	_, err = s.Prepare(db, "SELECT 1")
	wantCode(t, "Prepare(closed db)", err, capability.Internal)
	s.Finalize(st)
	s.Close(db)
	if s.ColumnCount(st) != 0 || s.Changes(db) != 0 {
		t.Fatal("released handles report values")
	}
}

func TestServerErrorsCarrySQLSTATE(t *testing.T) {
	s := session(t)
	db := open(t, s)
	err := s.Exec(db, "SELECT * FROM no_such_table")
	wantCode(t, "undefined table", err, capability.IO)
	if got := err.Error(); got[:len("SQLSTATE 42P01:")] != "SQLSTATE 42P01:" {
		t.Fatalf("message %q does not start with its SQLSTATE", got)
	}
	wantCode(t, "division by zero", s.Exec(db, "SELECT 1/0"), capability.InvalidArgument)
	// The failed statement does not poison the connection.
	must(t, s.Exec(db, "SELECT 1"))
}

func TestTransactionLeftOpenIsRolledBackAtCallEnd(t *testing.T) {
	c := newCap(t, pgserver.DSN(), NewConfig())
	s := newSession(t, c)
	db := open(t, s)
	must(t, s.Exec(db, "CREATE TABLE IF NOT EXISTS leftopen (k TEXT PRIMARY KEY)"))
	must(t, s.Exec(db, "DELETE FROM leftopen"))
	s.SetContext(bg)
	must(t, s.Exec(db, "BEGIN"))
	must(t, s.Exec(db, "INSERT INTO leftopen VALUES ('x')"))
	s.SetContext(bg) // the call ends without COMMIT
	got, err := rows(t, s, db, "SELECT k FROM leftopen")
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("an uncommitted insert survived the call: %v", got)
	}
	// And it holds no lock: another session writes the same key at once.
	s2 := newSession(t, c)
	db2 := open(t, s2)
	must(t, s2.Exec(db2, "INSERT INTO leftopen VALUES ('x')"))
}

// Connect pins the schema and the server-side caps as startup parameters,
// which the guest cannot change (SET and set_config are refused).
func TestConnectPinsSettings(t *testing.T) {
	cfg := NewConfig().WithSchema(pgserver.Schema).WithStatementTimeout(42 * time.Second)
	s := newSession(t, newCap(t, pgserver.DSN(), cfg))
	db := open(t, s)
	got, err := rows(t, s, db, "SELECT current_setting('search_path'), current_setting('statement_timeout'), current_schema()")
	must(t, err)
	if want := []string{`"` + pgserver.Schema + `"`, "42s", pgserver.Schema}; len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("settings %v; want %v", got, want)
	}
}

// A result beyond the cap fails instead of filling the host's memory.
func TestResultSizeIsCapped(t *testing.T) {
	s := newSession(t, newCap(t, pgserver.DSN(), NewConfig().WithMaxResultBytes(1<<20)))
	db := open(t, s)
	_, err := rows(t, s, db, "SELECT repeat('x', 1000) FROM generate_series(1, 5000)")
	wantCode(t, "5 MB result with a 1 MiB cap", err, capability.IO)
	if _, err := rows(t, s, db, "SELECT repeat('x', 1000) FROM generate_series(1, 500)"); err != nil {
		t.Fatal(err)
	}
}

// A Session is what the host's instances need of an sql capability (the
// host's sqlSession): it can replace *sqlcap.Session as is.
var _ interface {
	capability.SQL
	SetContext(ctx context.Context)
	CloseAll() error
} = (*Session)(nil)

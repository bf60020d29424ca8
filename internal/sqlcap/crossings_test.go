package sqlcap

import (
	"testing"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
)

// counting counts the capability calls the cache engine makes: each is
// one crossing of the guest/host boundary in the sandbox.
type counting struct {
	*Session
	n int
}

func (c *counting) Open(name string, memory bool) (capability.DB, error) {
	c.n++
	return c.Session.Open(name, memory)
}
func (c *counting) Close(db capability.DB)                { c.n++; c.Session.Close(db) }
func (c *counting) Exec(db capability.DB, q string) error { c.n++; return c.Session.Exec(db, q) }
func (c *counting) Prepare(db capability.DB, q string) (capability.Stmt, error) {
	c.n++
	return c.Session.Prepare(db, q)
}
func (c *counting) BindNull(s capability.Stmt, i uint32) error {
	c.n++
	return c.Session.BindNull(s, i)
}
func (c *counting) BindInt(s capability.Stmt, i uint32, v int64) error {
	c.n++
	return c.Session.BindInt(s, i, v)
}
func (c *counting) BindFloat(s capability.Stmt, i uint32, v float64) error {
	c.n++
	return c.Session.BindFloat(s, i, v)
}
func (c *counting) BindText(s capability.Stmt, i uint32, v string) error {
	c.n++
	return c.Session.BindText(s, i, v)
}
func (c *counting) BindBlob(s capability.Stmt, i uint32, v []byte) error {
	c.n++
	return c.Session.BindBlob(s, i, v)
}
func (c *counting) Step(s capability.Stmt) (bool, error) { c.n++; return c.Session.Step(s) }
func (c *counting) ColumnCount(s capability.Stmt) uint32 { c.n++; return c.Session.ColumnCount(s) }
func (c *counting) ColumnKind(s capability.Stmt, i uint32) capability.Kind {
	c.n++
	return c.Session.ColumnKind(s, i)
}
func (c *counting) ColumnInt(s capability.Stmt, i uint32) int64 {
	c.n++
	return c.Session.ColumnInt(s, i)
}
func (c *counting) ColumnFloat(s capability.Stmt, i uint32) float64 {
	c.n++
	return c.Session.ColumnFloat(s, i)
}
func (c *counting) ColumnText(s capability.Stmt, i uint32) string {
	c.n++
	return c.Session.ColumnText(s, i)
}
func (c *counting) ColumnBlob(s capability.Stmt, i uint32) []byte {
	c.n++
	return c.Session.ColumnBlob(s, i)
}
func (c *counting) Changes(db capability.DB) int64 { c.n++; return c.Session.Changes(db) }
func (c *counting) Reset(s capability.Stmt) error  { c.n++; return c.Session.Reset(s) }
func (c *counting) Finalize(s capability.Stmt)     { c.n++; c.Session.Finalize(s) }
func (c *counting) Run(calls []capability.Call) ([]capability.Value, int, error) {
	c.n++
	return c.Session.Run(calls)
}

// TestCrossingsPerOperation pins how many capability calls a warm get-hit,
// get-miss and put make: with sql.run, one batch per read or write (plus
// one clock call per operation in the sandbox, not counted here), within
// the "Faster" issue's 3 per get-hit and 4 per put.
func TestCrossingsPerOperation(t *testing.T) {
	r := newStampRig(t)
	c := &counting{Session: newSession(t, r.g)}
	e := cache.New(c, nil, func() int64 { return r.now })
	t.Cleanup(e.Close)
	o := r.opts
	o.MaxEntries = 2
	for _, k := range []string{"a", "b", "c"} { // warm: statements prepared
		if _, err := e.Put(k, []byte(`1`), o); err != nil {
			t.Fatal(err)
		}
		r.hit(e, k)
	}
	measure := func(what string, max int, f func()) {
		t.Helper()
		c.n = 0
		f()
		t.Logf("%s: %d capability calls", what, c.n)
		if c.n > max {
			t.Errorf("%s made %d capability calls; at most %d expected", what, c.n, max)
		}
	}
	measure("get-hit", 2, func() { r.hit(e, "c") })
	measure("get-miss", 1, func() {
		if l, err := e.Get("nope", o); err != nil || l.Hit {
			t.Fatalf("%+v, %v", l, err)
		}
	})
	measure("put evicting one", 1, func() {
		out, err := e.Put("d", []byte(`2`), o)
		if err != nil || out.Evicted != 1 {
			t.Fatalf("%+v, %v", out, err)
		}
	})
	measure("put evicting none", 1, func() {
		o := o
		o.MaxEntries = 100
		if _, err := e.Put("e", []byte(`2`), o); err != nil {
			t.Fatal(err)
		}
	})
}

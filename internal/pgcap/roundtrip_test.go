package pgcap

import (
	"testing"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// counting counts the statements run (each Step here runs one: the
// engine's statements return at most one row on these paths).
type counting struct {
	*Session
	steps int
}

func (c *counting) Step(st capability.Stmt) (bool, error) {
	c.steps++
	return c.Session.Step(st)
}

// Run runs batches through the counting Step.
func (c *counting) Run(calls []capability.Call) ([]capability.Value, int, error) {
	return capability.RunEach(c, calls, nil, capability.MaxRunBytes)
}

// Round trips to the server per operation, the cost that dominates across
// machines: a hit 2, a miss 1, a put into a full namespace 5.
func TestRoundTripsPerOperation(t *testing.T) {
	c := &counting{Session: session(t)}
	clk := &clock{ms: 50_000}
	e2 := newEngine(c, clk)
	defer e2.Close()
	o := opts(freshNamespace(t), 60_000, 2)
	for _, k := range []string{"a", "b", "c"} { // schema, statements, namespace ready
		_, err := e2.Put(k, []byte(`1`), o)
		must(t, err)
	}
	for _, tc := range []struct {
		name string
		op   func() error
		want int
	}{
		{"get-hit", func() error { _, err := e2.Get("c", o); return err }, 2},
		{"get-miss", func() error { _, err := e2.Get("zz", o); return err }, 1},
		{"put-evicting", func() error { _, err := e2.Put("d", []byte(`2`), o); return err }, 5},
		{"put-replacing", func() error { _, err := e2.Put("d", []byte(`3`), o); return err }, 5},
		{"delete", func() error { _, err := e2.Delete("d", o); return err }, 5},
		{"stats", func() error { _, err := e2.Stats(o); return err }, 1},
	} {
		c.steps = 0
		must(t, tc.op())
		if c.steps != tc.want {
			t.Errorf("%s: %d statements; want %d", tc.name, c.steps, tc.want)
		}
	}
}

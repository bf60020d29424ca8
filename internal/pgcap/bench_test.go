package pgcap

import (
	"fmt"
	"testing"
)

// The guest's engine, natively over the postgres capability: the figures
// the sandboxed guest is compared with (sandcache bench).
func BenchmarkEngine(b *testing.B) {
	clk := &clock{ms: 1_000_000}
	e, _ := pgEngine(b, clk)
	o := opts(freshNamespace(b), 3_600_000, 1000)
	value := []byte(`{"text":"a cached answer","tokens":42}`)
	for i := range 1000 {
		_, err := e.Put(fmt.Sprintf("k%d", i), value, o)
		must(b, err)
	}
	b.Run("get-hit", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if l, err := e.Get(fmt.Sprintf("k%d", i%1000), o); err != nil || !l.Hit {
				b.Fatal(l, err)
			}
			i++
		}
	})
	b.Run("get-miss", func(b *testing.B) {
		for b.Loop() {
			if l, err := e.Get("absent", o); err != nil || l.Hit {
				b.Fatal(l, err)
			}
		}
	})
	b.Run("put-evicting", func(b *testing.B) {
		i := 0
		for b.Loop() {
			_, err := e.Put(fmt.Sprintf("n%d", i), value, o)
			must(b, err)
			i++
		}
	})
}

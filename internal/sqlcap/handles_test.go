package sqlcap

import "testing"

func TestTable(t *testing.T) {
	var tb table[string]
	a, _ := tb.add("a")
	b, _ := tb.add("b")
	if a == 0 || b == 0 || a == b {
		t.Fatalf("handles %d, %d", a, b)
	}
	if v, ok := tb.get(a); !ok || v != "a" {
		t.Fatalf("get a = %q, %v", v, ok)
	}
	if !tb.remove(a) || tb.remove(a) {
		t.Fatal("remove twice")
	}
	c, _ := tb.add("c") // reuses a's slot with a new generation
	if c == a {
		t.Fatal("released handle reused at once")
	}
	if _, ok := tb.get(a); ok {
		t.Fatal("stale handle resolves")
	}
	if v, ok := tb.get(c); !ok || v != "c" {
		t.Fatalf("get c = %q, %v", v, ok)
	}
	for _, h := range []uint32{0, 1 << 19, ^uint32(0)} {
		if _, ok := tb.get(h); ok || tb.remove(h) {
			t.Fatalf("handle %d resolves", h)
		}
	}
	n := 0
	tb.each(func(uint32, string) { n++ })
	if n != 2 || tb.live != 2 {
		t.Fatalf("each saw %d, live %d", n, tb.live)
	}
}

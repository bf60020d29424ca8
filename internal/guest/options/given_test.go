package options

import (
	"strings"
	"testing"
)

// TestGivenResolve: unset fields come from the dictionary, else the
// defaults; given fields override the dictionary; max entries is clamped.
func TestGivenResolve(t *testing.T) {
	cases := []struct {
		name string
		g    Given
		want Options
		err  string
	}{
		{"nothing given", Given{}, Default(), ""},
		{"dictionary", Given{Dict: []byte(`{"backend":"files","namespace":"a b","ttl":"2s","max_entries":7}`)},
			Options{Backend: FS, Namespace: "a_b", TTLMillis: 2000, MaxEntries: 7}, ""},
		{"fields over the dictionary", Given{
			Backend: Mem, HasBackend: true, Namespace: "n", Path: "p", TTLMillis: 0, HasTTL: true, MaxEntries: 1 << 40, HasMax: true,
			Dict: []byte(`{"backend":"fs","namespace":"d","path":"q","ttl":9,"max_entries":3}`)},
			Options{Backend: Mem, Namespace: "n", Path: "p", TTLMillis: 0, MaxEntries: MaxMaxEntries}, ""},
		{"negative max entries", Given{MaxEntries: -5, HasMax: true}, Options{Backend: SQLite, Namespace: DefaultNamespace, TTLMillis: 600_000, MaxEntries: 1}, ""},
		{"bad dictionary", Given{Namespace: "n", Dict: []byte(`{"ttl":true}`)}, Options{}, "cache option ttl must be seconds or a duration string; got bool"},
		{"unknown backend", Given{Backend: 9, HasBackend: true}, Options{}, "cache backend 9 is unknown"},
	}
	for _, c := range cases {
		got, err := c.g.Resolve()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

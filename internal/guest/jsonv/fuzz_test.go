package jsonv

import (
	"bytes"
	"testing"
)

// FuzzParse checks that Parse never panics and that canonical output is a
// fixed point: parse → compact → parse → compact gives the same bytes and
// an equal value, and the pretty form parses back to an equal value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`null`, `true`, `-0`, `1.0`, `1e21`, `18446744073709551615`, `-9223372036854775809`,
		`"a\u0001\ud83c\udf0d"`, `[1,[2,{}],{"b":1,"a":[]}]`, `{"a":1,"a":2}`, `[1,]`, `"\ud800"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		c1 := v.AppendCompact(nil)
		w, err := Parse(c1)
		if err != nil {
			t.Fatalf("compact form %q of %q does not parse: %v", c1, data, err)
		}
		if !Equal(v, w) {
			t.Fatalf("compact form %q of %q parses to another value", c1, data)
		}
		if c2 := w.AppendCompact(nil); !bytes.Equal(c1, c2) {
			t.Fatalf("compact not a fixed point: %q then %q", c1, c2)
		}
		p, err := Parse(v.AppendPretty(nil, 0))
		if err != nil || !Equal(v, p) {
			t.Fatalf("pretty form of %q does not parse back: %v", data, err)
		}
	})
}

package jsonv

import (
	"bytes"
	"strings"
	"testing"
)

// viaParse is Canonical's reference: the tree built and written back.
func viaParse(data []byte) ([]byte, error) {
	v, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return v.AppendCompact(nil), nil
}

// TestAppendCanonical checks texts the one-pass rewrite takes (whitespace
// dropped, members sorted, repeated keys dropped, strings and numbers
// rewritten) and those it leaves to Parse (invalid, or too deeply nested
// and unsorted).
func TestAppendCanonical(t *testing.T) {
	takes := map[string]string{
		`{"answer":"fox","tokens":[1,2,3],"score":0.75}`:  `{"answer":"fox","score":0.75,"tokens":[1,2,3]}`,
		" {\n  \"b\" : [ 1 , 2 ] ,\r\n\t\"a\" : { } \n} ": `{"a":{},"b":[1,2]}`,
		`{"b":{"d":1,"c":[{"f":0,"e":null}]},"a":"x"}`:    `{"a":"x","b":{"c":[{"e":null,"f":0}],"d":1}}`,
		`{"é":1,"z":2,"Z":3,"":4,"aa":5,"a":6,"a!":7}`:    `{"":4,"Z":3,"a":6,"a!":7,"aa":5,"z":2,"é":1}`,
		`[ "a\n" , -1.5 , true ]`:                         `["a\n",-1.5,true]`,
		` 1 `:                                             `1`,
		`[` + strings.Repeat(`{"b":1,"a":2},`, 40) + `0]`: `[` + strings.Repeat(`{"a":2,"b":1},`, 40) + `0]`,
		`{"a":1,"a":2}`:                                   `{"a":2}`,
		`{"b":1,"a":2,"b":3}`:                             `{"a":2,"b":3}`,
		`{"\u0061":1}`:                                    `{"a":1}`,
		`{"A":1,"\n":2,"\u0000":3,"\"":4}`:                `{"\u0000":3,"\n":2,"\"":4,"A":1}`,
		`{"\u001f":1,"\u0010":2,"\\":3}`:                  `{"\u0010":2,"\u001f":1,"\\":3}`,
		`"\/\ud83c\udf0d\u00e9\u0008"`:                    `"/🌍é\b"`,
		`[1.50,1e3,-0,-0.0,1E+2,12345678901234567890,-9223372036854775808,-9223372036854775809]`: `[1.5,1000.0,-0.0,-0.0,100.0,12345678901234567890,-9223372036854775808,-9.223372036854776e+18]`,
	}
	for in, want := range takes {
		got, ok := appendCanonical([]byte("prefix"), []byte(in))
		if !ok || string(got) != "prefix"+want {
			t.Errorf("appendCanonical(%q) = %q, %v; want %q", in, got, ok, want)
		}
		if got, err := Canonical([]byte(in)); err != nil || string(got) != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	leaves := []string{
		``, ` `, `1e400`, `"\ud800"`, `"\udc00"`, `"\ud800\u0041"`, `"\u00G0"`, `"\x"`, `"a`, "\"\x01\"",
		`01`, `-`, `1.`, `1e`, `.5`, `tru`, `nul`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{,}`, `[1 2]`, `1 2`, `"\xff"`, `{"a":1`, `[`,
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
		strings.Repeat(" ", 4096) + nestedUnsorted(MaxDepth-1), // rewritten once per level
	}
	for _, in := range leaves {
		if got, ok := appendCanonical(nil, []byte(in)); ok {
			t.Errorf("appendCanonical(%q) = %q, true; want it left to Parse", in, got)
		}
	}
}

// nestedUnsorted is depth objects nested in their last member, each with
// its members out of order: {"b":1,"a":{"b":1,"a":…}}.
func nestedUnsorted(depth int) string {
	return strings.Repeat(`{"b":1,"a":`, depth) + "0" + strings.Repeat("}", depth)
}

// TestCanonicalNestedUnsorted: the text appendCanonical leaves to Parse
// because of its nesting still gets its canonical form.
func TestCanonicalNestedUnsorted(t *testing.T) {
	in := strings.Repeat(" ", 4096) + nestedUnsorted(MaxDepth-1)
	want, err := viaParse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Canonical([]byte(in)); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Canonical = %.60q…, %v; want %.60q…", got, err, want)
	}
	if got, ok := appendCanonical(nil, []byte(nestedUnsorted(2))); !ok || string(got) != `{"a":{"a":0,"b":1},"b":1}` {
		t.Fatalf("two levels: %q, %v", got, ok)
	}
}

// FuzzCanonical checks Canonical and Normalize against
// Parse+AppendCompact: the same bytes, or an error where and only where
// Parse has one.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		` {"b" : [1, {"d":2,"c":3}], "a":null} `, `{"a":1,"a":2}`, `[1,[2,{}],{"b":1,"a":[]}]`,
		`{"z":"\u0001","y":-0.0,"x":1e+21}`, `[1,]`, `{"b":1,"a":2,"b":3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := viaParse(data)
		got, err := Canonical(data)
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("Canonical(%q) error %v, Parse's %v", data, err, werr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Canonical(%q) = %q, Parse+AppendCompact %q", data, got, want)
		}
		got, err = Normalize(data)
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("Normalize(%q) error %v, Parse's %v", data, err, werr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Normalize(%q) = %q, Parse+AppendCompact %q", data, got, want)
		}
	})
}

// FuzzAppendCanonical checks the one-pass rewrite and AppendCanonical
// against Parse+AppendCompact on any text: the rewrite, when it takes a
// text, gives Parse's bytes and takes no text Parse rejects;
// AppendCanonical gives the same bytes after dst, or Parse's error.
func FuzzAppendCanonical(f *testing.F) {
	for _, s := range []string{
		` {"b" : [1, {"d":2,"c":3}], "a":null} `, `{"a":1,"a":2}`, `{"\u0061":1,"a":2,"\n":3}`,
		`"\/\ud83c\udf0d\u00e9"`, `[1.50,1e3,-0,1E+2,12345678901234567890,-9223372036854775809]`,
		`"\ud800"`, `1e400`, `[1,]`, `{"b":1,"a":2,"b":3}`, `{"\"":1,"\\":2,"\u001f":3,"A":4}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := viaParse(data)
		if got, ok := appendCanonical([]byte("dst"), data); ok && (werr != nil || string(got) != "dst"+string(want)) {
			t.Fatalf("appendCanonical(%q) = %q; Parse+AppendCompact: %q, %v", data, got, want, werr)
		}
		got, err := AppendCanonical([]byte("dst"), data)
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("AppendCanonical(%q) error %v, Parse's %v", data, err, werr)
		}
		if err == nil && string(got) != "dst"+string(want) || err != nil && string(got) != "dst" {
			t.Fatalf("AppendCanonical(%q) = %q; want dst%q", data, got, want)
		}
	})
}

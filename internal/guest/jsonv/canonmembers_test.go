package jsonv

import (
	"testing"
)

func TestCanonicalMembers(t *testing.T) {
	obj := []byte(`{"":1,"\n":"}\"","a":[{"b":",]"},[]],"b":{},"c":-1.5,"d":null}`)
	want := [][2]string{{``, `1`}, {`\n`, `"}\""`}, {`a`, `[{"b":",]"},[]]`}, {`b`, `{}`}, {`c`, `-1.5`}, {`d`, `null`}}
	var got [][2]string
	for k, v := range CanonicalMembers(obj) {
		got = append(got, [2]string{string(k), string(v)})
	}
	if len(got) != len(want) {
		t.Fatalf("got %q; want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("member %d: %q; want %q", i, got[i], want[i])
		}
	}
	for _, s := range []string{``, `{}`, `[]`, `null`, `"{"`, `{"a`, `{"a"`, `{"a":`} {
		for k, v := range CanonicalMembers([]byte(s)) {
			if s == `{}` || s[0] != '{' {
				t.Errorf("CanonicalMembers(%q) yields %q: %q", s, k, v)
			}
		}
	}
}

// FuzzCanonicalMembers checks CanonicalMembers on the canonical form of
// any object against the members Parse gives it.
func FuzzCanonicalMembers(f *testing.F) {
	f.Add([]byte(`{"b":[1,{"x":"]"}],"a":{"c":"\"}"},"\n":null}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil || v.Kind() != KindObject {
			return
		}
		canon, err := Canonical(data)
		if err != nil {
			t.Fatal(err)
		}
		members := v.Members()
		i := 0
		for k, val := range CanonicalMembers(canon) {
			if i >= len(members) {
				t.Fatalf("%q: more than %d members", canon, len(members))
			}
			key := AppendString(nil, members[i].Key)
			if string(k) != string(key[1:len(key)-1]) || string(val) != string(members[i].Value.AppendCompact(nil)) {
				t.Fatalf("%q: member %d is %q: %q; want %s: %s", canon, i, k, val, key, members[i].Value.AppendCompact(nil))
			}
			i++
		}
		if i != len(members) {
			t.Fatalf("%q: %d members; want %d", canon, i, len(members))
		}
	})
}

package jsonv

import (
	"strings"
	"testing"
)

func TestParseMembers(t *testing.T) {
	ms, err := ParseMembers([]byte(` {"b":1,"a":{"y":1,"x":2},"b":2,"\u0062":3} `))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.Key+"="+string(m.Value.Compact()))
	}
	want := `b=1 a={"x":2,"y":1} b=2 b=3`
	if strings.Join(got, " ") != want {
		t.Errorf("members = %s, want %s", strings.Join(got, " "), want)
	}
	if ms, err := ParseMembers([]byte(`{}`)); err != nil || len(ms) != 0 {
		t.Errorf("empty object: %v %v", ms, err)
	}
	for in, msg := range map[string]string{
		``:        "EOF while parsing a value",
		`[]`:      "expected an object",
		`1`:       "expected an object",
		`{"a":1`:  "EOF while parsing an object",
		`{} x`:    "trailing characters",
		`{"a":x}`: "expected value",
	} {
		if _, err := ParseMembers([]byte(in)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseMembers(%q) error = %v, want %q", in, err, msg)
		}
	}
	deep := `{"a":` + strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1) + `}`
	if _, err := ParseMembers([]byte(deep)); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	deeper := `{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`
	if _, err := ParseMembers([]byte(deeper)); err == nil {
		t.Errorf("depth %d accepted", MaxDepth+1)
	}
}

package jsonv

import (
	"os"
	"strings"
	"testing"
)

// recordedValue is the value member, at level 1, of the record file the
// original's fs backend wrote in tests/testdata/fs-record-nested.json.
func recordedValue(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../../tests/testdata/fs-record-nested.json")
	if err != nil {
		t.Fatal(err)
	}
	_, v, ok := strings.Cut(string(b), "\n  \"value\": ")
	if v, _, ok2 := strings.Cut(v, ",\n  \"created_at_ms\""); ok && ok2 {
		return v
	}
	t.Fatal("fs-record-nested.json holds no value member")
	return ""
}

func TestAppendPretty(t *testing.T) {
	tests := []struct {
		name, in, want string
		level          int
	}{
		{"scalar", `1.0`, `1.0`, 0},
		{"string", `"a\u0001"`, `"a\u0001"`, 0},
		{"empty array", `[]`, `[]`, 0},
		{"empty object", `{}`, `{}`, 3},
		{"flat array", `[1,2]`, "[\n  1,\n  2\n]", 0},
		{"flat object", `{"b":1,"a":"x"}`, "{\n  \"a\": \"x\",\n  \"b\": 1\n}", 0},
		{"level one", `{"a":[1,2],"s":"é<>&"}`, "{\n    \"a\": [\n      1,\n      2\n    ],\n    \"s\": \"é<>&\"\n  }", 1},
		// The value member (level 1) of a record file the original wrote.
		{"nested", `{"e":[],"o":{},"n":[[],[{}],{"x":[1,{"y":null}]}],"f":-0.0,"s":"\u0001\"","b":true}`, recordedValue(t), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got := string(v.AppendPretty(nil, tt.level))
			if got != tt.want {
				t.Errorf("AppendPretty(%s, %d) =\n%s\nwant\n%s", tt.in, tt.level, got, tt.want)
			}
			back, err := Parse([]byte(got))
			if err != nil || !Equal(back, v) {
				t.Errorf("pretty form does not parse back to the value: %v", err)
			}
		})
	}
}

func TestAppendNewline(t *testing.T) {
	if got := string(AppendNewline([]byte("x"), 2)); got != "x\n    " {
		t.Errorf("AppendNewline = %q", got)
	}
}

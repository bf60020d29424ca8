package host

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// CanonicalJSON answers with the guest's canonical form, and refuses text
// that is not JSON, not UTF-8 (in a string, a surrogate, after the value)
// or over the value limit.
func TestCanonicalJSON(t *testing.T) {
	ctx := context.Background()
	sb, err := Open(ctx, t.TempDir(), NewConfig().WithPoolSize(1).WithMaxValueBytes(64))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	got, err := sb.CanonicalJSON(ctx, []byte(` {"b": 1.50, "a": [1e2, "\u00e9"]} `))
	if want := `{"a":[100.0,"é"],"b":1.5}`; err != nil || string(got) != want {
		t.Errorf("CanonicalJSON = %s, %v; want %s", got, err, want)
	}
	for _, bad := range []string{`{"a":}`, "\"\xff\"", "\"\xed\xa0\x80\"", "[1]\xff", `"` + strings.Repeat("a", 64) + `"`} {
		if got, err := sb.CanonicalJSON(ctx, []byte(bad)); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("CanonicalJSON(%q) = %s, %v; want ErrInvalidArgument", bad, got, err)
		}
	}
}

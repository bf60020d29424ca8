package llmkey

import (
	"crypto/sha256"
	"testing"
)

// SetSum256 swaps the hash KeyOf uses; nil restores crypto/sha256, and a
// correct replacement (the host's digest) derives the same key.
func TestSetSum256(t *testing.T) {
	t.Cleanup(func() { SetSum256(nil) })
	want, err := Key([]byte(`"hi"`), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	SetSum256(func(b []byte) [sha256.Size]byte { calls++; return sha256.Sum256(b) })
	if got, _ := Key([]byte(`"hi"`), nil, nil); got != want || calls != 1 {
		t.Fatalf("with a replacement SHA-256: %q after %d calls; want %q after 1", got, calls, want)
	}
	SetSum256(func([]byte) [sha256.Size]byte { return [sha256.Size]byte{} })
	if got, _ := Key([]byte(`"hi"`), nil, nil); got != "sha256:0000000000000000000000000000000000000000000000000000000000000000" {
		t.Fatalf("KeyOf did not use the replacement: %q", got)
	}
	SetSum256(nil)
	if got, _ := Key([]byte(`"hi"`), nil, nil); got != want {
		t.Fatalf("after SetSum256(nil): %q; want %q", got, want)
	}
}

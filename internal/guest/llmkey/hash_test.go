package llmkey

import (
	"crypto/sha256"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/digest"
)

// Keys hash through package digest: a correct replacement (the host's
// digest, in the guest) derives the same key, and it is the one called.
func TestKeyHashesThroughDigest(t *testing.T) {
	t.Cleanup(func() { digest.Set(nil) })
	want, err := Key([]byte(`"hi"`), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	digest.Set(func(b []byte) [digest.Size]byte { calls++; return sha256.Sum256(b) })
	if got, _ := Key([]byte(`"hi"`), nil, nil); got != want || calls != 1 {
		t.Fatalf("with a replacement SHA-256: %q after %d calls; want %q after 1", got, calls, want)
	}
	digest.Set(func([]byte) [digest.Size]byte { return [digest.Size]byte{} })
	if got, _ := Key([]byte(`"hi"`), nil, nil); got != "sha256:0000000000000000000000000000000000000000000000000000000000000000" {
		t.Fatalf("Key did not use the replacement: %q", got)
	}
}

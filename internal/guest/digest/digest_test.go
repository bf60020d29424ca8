package digest

import (
	"crypto/sha256"
	"testing"
)

// TestSet: Sum256 is crypto/sha256 natively, Set swaps it, nil restores it.
func TestSet(t *testing.T) {
	t.Cleanup(func() { Set(nil) })
	data := []byte("sandcache")
	if Sum256(data) != sha256.Sum256(data) {
		t.Fatal("the built-in Sum256 is not SHA-256")
	}
	Set(func([]byte) [Size]byte { return [Size]byte{1} })
	if Sum256(data) != [Size]byte{1} {
		t.Fatal("Sum256 did not call the function Set gave it")
	}
	Set(nil)
	if Sum256(data) != sha256.Sum256(data) {
		t.Fatal("Set(nil) did not restore SHA-256")
	}
}

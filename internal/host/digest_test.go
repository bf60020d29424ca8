package host

import (
	"context"
	"encoding/hex"
	"testing"
)

// The digest import computes SHA-256 (FIPS 180-2 test vectors) and returns
// a fresh slice each call.
func TestDigestSha256(t *testing.T) {
	for in, want := range map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	} {
		got := digestImpl{}.Sha256(context.Background(), []byte(in))
		if hex.EncodeToString(got) != want {
			t.Errorf("sha256(%q) = %x; want %s", in, got, want)
		}
	}
	a := digestImpl{}.Sha256(context.Background(), []byte("x"))
	b := digestImpl{}.Sha256(context.Background(), []byte("x"))
	a[0] ^= 0xff
	if a[0] == b[0] {
		t.Error("two calls share their result")
	}
}

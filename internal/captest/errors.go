package captest

import (
	"testing"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Must fails the test when err is not nil.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// WantCode fails the test unless err is a *capability.Error with code;
// what names the call.
func WantCode(t testing.TB, what string, err error, code capability.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error; want %v", what, code)
	}
	if _, ok := err.(*capability.Error); !ok || capability.CodeOf(err) != code {
		t.Fatalf("%s: %T %v (code %v); want code %v", what, err, err, capability.CodeOf(err), code)
	}
}

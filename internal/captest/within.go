package captest

import (
	"testing"
	"time"
)

// Within runs fn and fails the test when it has not returned after bound:
// what (the call) blocked. It is for calls that must never wait (for a lock,
// a FIFO, a busy database); bound is generous, a proof that fn ends rather
// than a measurement.
func Within(t testing.TB, what string, bound time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(bound):
		t.Fatalf("%s blocked: it had not returned after %v", what, bound)
	}
}

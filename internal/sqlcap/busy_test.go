package sqlcap

import (
	"context"
	"testing"
	"time"
)

func TestBackoffSchedule(t *testing.T) {
	for c := range busyYields {
		if d := backoff(c); d != 0 {
			t.Errorf("backoff(%d) = %v; the first %d retries only yield", c, d, busyYields)
		}
	}
	prevMax := time.Duration(0)
	for c := busyYields; c < busyYields+20; c++ {
		want := min(10*time.Microsecond<<(c-busyYields), busyMaxSleep)
		for range 50 {
			d := backoff(c)
			if d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v; want within [%v, %v]", c, d, want/2, want)
			}
		}
		if want < prevMax {
			t.Fatalf("backoff(%d) cap %v shrank from %v", c, want, prevMax)
		}
		prevMax = want
	}
	if prevMax != busyMaxSleep {
		t.Fatalf("backoff never reached its cap: %v", prevMax)
	}
}

func TestBusyWaitEndsAtTimeout(t *testing.T) {
	now := time.Unix(1000, 0)
	var slept []time.Duration
	b := &busyWait{now: func() time.Time { return now }, sleep: func(d time.Duration) { slept = append(slept, d); now = now.Add(d) }}
	ctx := context.Background()
	count := 0
	for ; count < 100000 && b.retry(ctx, count); count++ {
	}
	if count == 100000 {
		t.Fatal("the busy handler never gave up")
	}
	if waited := now.Sub(time.Unix(1000, 0)); waited < BusyTimeout || waited > BusyTimeout+busyMaxSleep {
		t.Fatalf("gave up after %v of (injected) waiting; want BusyTimeout %v", waited, BusyTimeout)
	}
	if len(slept) == 0 || slept[0] > 10*time.Microsecond {
		t.Fatalf("first sleeps %v; want short ones first", slept[:min(3, len(slept))])
	}
}

func TestBusyWaitStopsWithContext(t *testing.T) {
	b := newBusyWait()
	ctx, cancel := context.WithCancel(context.Background())
	if !b.retry(ctx, 0) {
		t.Fatal("first retry refused with a live context")
	}
	cancel()
	if b.retry(ctx, 1) {
		t.Fatal("retry after the context ended")
	}
}

// TestWriterWaitsForLock: a writer blocked by another connection's write
// transaction gets the lock once it is released (it waits instead of
// failing with "database is busy").
func TestWriterWaitsForLock(t *testing.T) {
	g := newGrant(t)
	a, b := newSession(t, g), newSession(t, g)
	dba, dbb := open(t, a, "cache.sqlite"), open(t, b, "cache.sqlite")
	beginA := prepare(t, a, dba, "BEGIN IMMEDIATE")
	commitA := prepare(t, a, dba, "COMMIT")
	beginB := prepare(t, b, dbb, "BEGIN IMMEDIATE")
	commitB := prepare(t, b, dbb, "COMMIT")
	if _, err := a.Step(beginA); err != nil {
		t.Fatal(err)
	}
	must(t, a.Reset(beginA))
	done := make(chan error, 1)
	go func() {
		_, err := b.Step(beginB)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the second writer did not wait for the lock: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	released := time.Now()
	if _, err := a.Step(commitA); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the second writer failed after the lock was released: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second writer still waits 5 s after the lock was released")
	}
	t.Logf("lock taken %v after release", time.Since(released))
	must(t, b.Reset(beginB))
	if _, err := b.Step(commitB); err != nil {
		t.Fatal(err)
	}
}

package tests

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/sdk"
)

// TestCloseWhileCalling closes a cache while many goroutines call it, on
// each backend: every call either succeeds or fails with ErrClosed, nothing
// panics, every call after Close fails with ErrClosed, and no goroutine or
// file descriptor is left.
func TestCloseWhileCalling(t *testing.T) {
	defer warmLeakCheck(t)()
	ctx := context.Background()
	rounds := scale(3, 1, 10)
	var calls, closedErrs atomic.Int64
	for _, b := range allBackends {
		for round := range rounds {
			c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			o := []sdk.Option{sdk.WithBackend(b), sdk.MaxEntries(8)}
			var wg sync.WaitGroup
			started := make(chan struct{})
			var once sync.Once
			for g := range 16 {
				wg.Go(func() {
					for i := 0; ; i++ {
						key := fmt.Sprint("k", (g*7+i)%20)
						var err error
						switch i % 5 {
						case 0, 1:
							err = c.Put(ctx, key, []byte(fmt.Sprint(i)), o...)
						case 2:
							_, _, err = c.Get(ctx, key, o...)
						case 3:
							_, err = c.Keys(ctx, "k", o...)
						case 4:
							_, err = c.ParseDuration(ctx, "1.5h")
						}
						calls.Add(1)
						once.Do(func() { close(started) })
						if err != nil {
							if !errors.Is(err, sdk.ErrClosed) {
								t.Errorf("%s round %d: a call during Close failed with %v (kind %v), not ErrClosed", b, round, err, kindOf(err))
							}
							closedErrs.Add(1)
							return
						}
					}
				})
			}
			<-started
			time.Sleep(time.Duration(5+round*20) * time.Millisecond)
			if err := c.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			wg.Wait()
			checkClosed(t, c, b)
			if err := c.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		}
	}
	t.Logf("%d calls, %d ended with ErrClosed", calls.Load(), closedErrs.Load())
}

// checkClosed checks that every method of a closed cache fails with
// ErrClosed.
func checkClosed(t *testing.T, c *sdk.Cache, b sdk.Backend) {
	t.Helper()
	ctx := context.Background()
	o := sdk.WithBackend(b)
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, sdk.ErrClosed) {
			t.Errorf("%s: %s after Close: %v, want ErrClosed", b, what, err)
		}
	}
	_, _, err := c.Get(ctx, "k", o)
	check("Get", err)
	check("Put", c.Put(ctx, "k", []byte("1"), o))
	_, err = c.Delete(ctx, "k", o)
	check("Delete", err)
	check("Clear", c.Clear(ctx, o))
	_, err = c.Purge(ctx, o)
	check("Purge", err)
	_, err = c.Stats(ctx, o)
	check("Stats", err)
	_, err = c.Keys(ctx, "", o)
	check("Keys", err)
	_, err = c.ParseOptions(ctx, []byte(`{}`))
	check("ParseOptions", err)
	_, err = c.ParseDuration(ctx, "1s")
	check("ParseDuration", err)
	_, err = c.LLMKey(ctx, sdk.LLMRequest{Prompt: "hi"})
	check("LLMKey", err)
}

// TestConcurrentClose calls Close from two goroutines while a call is in
// flight (held inside the files capability): neither Close may return
// before the call has finished, and the call must not fail because the
// cache's folder was released under it.
func TestConcurrentClose(t *testing.T) {
	defer warmLeakCheck(t)()
	ctx := context.Background()
	sb, o, entered, release, callDone := startBlockedGet(ctx, t)
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("no call entered the blocking capability")
	}
	var closing sync.WaitGroup
	closed := make(chan int, 2)
	for i := range 2 {
		closing.Go(func() {
			sb.Close()
			closed <- i
		})
	}
	select {
	case i := <-closed:
		t.Errorf("Close #%d returned while a call was still in flight", i)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-callDone; err != nil {
		t.Errorf("the call in flight during Close failed: %v", err)
	}
	closing.Wait()
	if _, err := sb.Get(ctx, "k", o); !errors.Is(err, host.ErrClosed) {
		t.Errorf("get after Close: %v", err)
	}
}

// startBlockedGet opens a Sandbox whose files capability blocks the first
// Read after the setup put, starts a get of that entry and returns: entered
// is closed once the get is held inside the capability, closing release lets
// it go on, and callDone receives the get's error (a wrong value is an
// error too).
func startBlockedGet(ctx context.Context, t *testing.T) (sb *host.Sandbox, o host.Options, entered, release chan struct{}, callDone chan error) {
	t.Helper()
	sb = openSandbox(t, t.TempDir(), host.NewConfig())
	o = host.Options{}
	o.Backend = host.FS
	entered, release = make(chan struct{}), make(chan struct{})
	var armed, blocked atomic.Bool
	hookFiles(t, sb, hookedFiles{beforeRead: func() {
		if armed.Load() && blocked.CompareAndSwap(false, true) {
			close(entered)
			<-release
		}
	}})
	if _, err := sb.Put(ctx, "k", []byte(`"v"`), o); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	callDone = make(chan error, 1)
	go func() {
		l, err := sb.Get(ctx, "k", o)
		if err == nil && (!l.Hit || string(l.Value) != `"v"`) {
			err = fmt.Errorf("get: hit=%v value=%s", l.Hit, l.Value)
		}
		callDone <- err
	}()
	return sb, o, entered, release, callDone
}

// TestCloseInterruptsAfterGrace holds a call inside the files capability
// past Close's grace period (500 ms): Close interrupts it, the call fails
// with ErrClosed as soon as it leaves the capability, and Close returns
// then, without waiting for a caller-side deadline (there is none).
func TestCloseInterruptsAfterGrace(t *testing.T) {
	defer warmLeakCheck(t)()
	ctx := context.Background()
	sb, _, entered, release, callDone := startBlockedGet(ctx, t)
	<-entered
	closed := make(chan struct{})
	start := time.Now()
	go func() {
		sb.Close()
		close(closed)
	}()
	// Release the capability only once the grace period is surely over
	// (Close cannot return before: the call still holds its instance).
	select {
	case <-closed:
		t.Fatal("Close returned while a call was still in flight")
	case <-time.After(time.Second):
	}
	close(release)
	if err := <-callDone; !errors.Is(err, host.ErrClosed) {
		t.Errorf("the call interrupted by Close: %v (kind %v), want ErrClosed", err, kindOf(err))
	}
	<-closed
	t.Logf("Close returned after %v", time.Since(start))
}

package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

// Namespaces the demo owns; it clears them first.
const (
	demoNS    = "demo"
	demoLRUNS = "demo.lru"
)

// tour prints the demo's steps with their timings.
type tour struct {
	a     *app
	c     *sdk.Cache
	opts  sdk.Options
	start time.Time
	err   error
}

// step times f and prints its description; after an error it does nothing.
func (t *tour) step(f func() (string, error)) {
	if t.err != nil {
		return
	}
	start := time.Now()
	text, err := f()
	d := time.Since(start)
	if err != nil {
		t.err = err
		return
	}
	fmt.Fprintf(t.a.stdout, "  %9.1f ms  %s\n", float64(d)/float64(time.Millisecond), text)
}

func (t *tour) section(title string) {
	if t.err == nil {
		fmt.Fprintf(t.a.stdout, "\n%s\n", title)
	}
}

// in returns the options of a call in namespace ns.
func (t *tour) in(ns string, more ...sdk.Option) []sdk.Option {
	return append([]sdk.Option{sdk.WithOptions(t.opts), sdk.InNamespace(ns)}, more...)
}

func (t *tour) get(ns, key string) (string, error) {
	v, hit, err := t.c.Get(t.a.ctx, key, t.in(ns)...)
	if err != nil {
		return "", err
	}
	if !hit {
		return fmt.Sprintf("get %q → miss", key), nil
	}
	return fmt.Sprintf("get %q → hit %s", key, v), nil
}

func (t *tour) put(ns, key, value string, more ...sdk.Option) (string, error) {
	return fmt.Sprintf("put %q = %s", key, value), t.c.Put(t.a.ctx, key, []byte(value), t.in(ns, more...)...)
}

// cmdDemo tours the real sandboxed cache on the selected store (by default
// the SQLite file in --dir), in namespaces of its own.
func cmdDemo(a *app, _ []string) error {
	t := &tour{a: a, start: time.Now()}
	// The demo moves its own clock forward to show expiry without sleeping.
	var skew atomic.Int64
	now, err := a.clock()
	if err != nil {
		return err
	}
	clock := func() time.Time { return now().Add(time.Duration(skew.Load())) }

	fmt.Fprintln(a.stdout, "sandcache demo: every call below runs in the WebAssembly guest, confined to one folder")
	t.step(func() (string, error) {
		c, o, err := a.openStoreWithClock(clock)
		t.c, t.opts = c, o
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("open %s (compiles the guest, or loads it from the compilation cache)", describeStore(c, o)), nil
	})
	if t.err != nil {
		return t.err
	}
	defer t.c.Close()
	for _, ns := range []string{demoNS, demoLRUNS} {
		t.step(func() (string, error) {
			text := fmt.Sprintf("clear namespace %q", ns)
			if ns == demoNS {
				text += " (the first call starts a guest instance)"
			}
			return text, t.c.Clear(a.ctx, t.in(ns)...)
		})
	}

	t.section("put and get")
	t.step(func() (string, error) {
		return t.put(demoNS, "greeting", `{"text":"hello from the sandbox","n":1,"x":1.0}`)
	})
	t.step(func() (string, error) { return t.get(demoNS, "greeting") })
	t.step(func() (string, error) { return t.get(demoNS, "nobody") })

	t.section("TTL expiry")
	t.step(func() (string, error) { return t.put(demoNS, "session", `"short-lived"`, sdk.TTL(time.Second)) })
	t.step(func() (string, error) { s, err := t.get(demoNS, "session"); return s + " (ttl 1 s)", err })
	t.step(func() (string, error) {
		skew.Add(int64(2 * time.Second))
		s, err := t.get(demoNS, "session")
		return s + " (2 s later: expired and removed)", err
	})

	t.section("LRU eviction, max entries 3")
	lru := sdk.MaxEntries(3)
	for _, k := range []string{"a", "b", "c"} {
		t.step(func() (string, error) { return t.put(demoLRUNS, k, strconv.Quote(k), lru) })
	}
	t.step(func() (string, error) { return t.get(demoLRUNS, "a") })
	t.step(func() (string, error) {
		s, err := t.put(demoLRUNS, "d", `"d"`, lru)
		return s + ` (evicts "b", the least recently used)`, err
	})
	t.step(func() (string, error) {
		keys, err := t.c.Keys(a.ctx, "", t.in(demoLRUNS)...)
		return "keys → " + strings.Join(keys, " "), err
	})

	t.section("a memoized slow function")
	square := func(n int) (string, error) {
		key := "square/" + strconv.Itoa(n)
		if v, hit, err := t.c.Get(a.ctx, key, t.in(demoNS)...); err != nil || hit {
			return fmt.Sprintf("square(%d) = %s (cache hit)", n, v), err
		}
		time.Sleep(200 * time.Millisecond) // the expensive work
		v := strconv.Itoa(n * n)
		return fmt.Sprintf("square(%d) = %s (computed: 200 ms of work, then stored)", n, v),
			t.c.Put(a.ctx, key, []byte(v), t.in(demoNS)...)
	}
	t.step(func() (string, error) { return square(12) })
	t.step(func() (string, error) { return square(12) })

	t.section("stats (this process's counters; entries read from the store)")
	for _, ns := range []string{demoNS, demoLRUNS} {
		t.step(func() (string, error) {
			s, err := t.c.Stats(a.ctx, t.in(ns)...)
			return fmt.Sprintf("%-9s entries %d, hits %d, misses %d, evictions %d, expirations %d, hit rate %.0f%%",
				ns, s.Entries, s.Hits, s.Misses, s.Evictions, s.Expirations, 100*s.HitRate()), err
		})
	}
	if t.err != nil {
		return t.err
	}
	fmt.Fprintf(a.stdout, "\ntotal %.1f ms\n", float64(time.Since(t.start))/float64(time.Millisecond))
	return nil
}

// describeStore names the store the options select inside c's folder.
func describeStore(c *sdk.Cache, o sdk.Options) string {
	p := o.Path
	switch o.Backend {
	case sdk.Mem:
		return "the in-memory store"
	case sdk.Postgres:
		return "the postgres store"
	case sdk.FS:
		if p == "" {
			p = "files"
		}
	default:
		if p == "" {
			p = "cache.sqlite"
		}
	}
	return fmt.Sprintf("the %s store %s", o.Backend, filepath.Join(c.Dir(), p))
}

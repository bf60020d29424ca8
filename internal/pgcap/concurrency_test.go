package pgcap

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/tests/pgserver"
)

// Four "machines" (separate pools, clocks skewed by seconds) × two
// sessions each put into one namespace with eviction. After quiescence
// the namespace holds exactly max entries; every put that fewer than max
// puts can have followed is there, every put that max puts surely
// followed is gone, and LRU stamps follow the order of commits.
func TestConcurrentPutsAcrossMachines(t *testing.T) {
	const machines, perMachine, puts, maxEntries = 4, 2, 40, 16
	ns := freshNamespace(t)
	var seq atomic.Int64 // a linearizable event order: start and ack of each put
	type event struct {
		key        string
		start, ack int64
	}
	events := make(chan event, machines*perMachine*puts)
	var wg sync.WaitGroup
	errs := make(chan error, machines*perMachine)
	for m := range machines {
		c := newCap(t, pgserver.DSN(), NewConfig())
		for g := range perMachine {
			s := newSession(t, c)
			skew := int64(m-2) * 1_977 // machines disagree by seconds
			e := cache.New(s, nil, func() int64 { return 1_000_000_000 + skew })
			t.Cleanup(e.Close)
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := opts(ns, 86_400_000, maxEntries)
				for i := range puts {
					key := fmt.Sprintf("m%d-g%d-%03d", m, g, i)
					var start, ack int64
					err := call(s, func() (err error) {
						start = seq.Add(1)
						_, err = e.Put(key, []byte(strconv.Itoa(i)), o)
						ack = seq.Add(1)
						return err
					})
					if err != nil {
						errs <- fmt.Errorf("put %s: %v", key, err)
						return
					}
					events <- event{key, start, ack}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	close(events)
	for err := range errs {
		t.Fatal(err)
	}
	var all []event
	for ev := range events {
		all = append(all, ev)
	}

	s := session(t)
	db := open(t, s)
	got, err := rows(t, s, db, "SELECT cache_key, last_accessed_ms FROM cache_entries WHERE namespace = $1", ns)
	must(t, err)
	stamp := map[string]int64{}
	for _, r := range got {
		stamp[r[0]], _ = strconv.ParseInt(r[1], 10, 64)
	}
	if len(stamp) != maxEntries {
		t.Fatalf("%d entries after quiescence; want %d", len(stamp), maxEntries)
	}
	meta, err := rows(t, s, db, "SELECT entries, newest, (SELECT max(last_accessed_ms) FROM cache_entries WHERE namespace = $1) FROM sandcache_namespaces WHERE namespace = $1", ns)
	must(t, err)
	if len(meta) != 1 || meta[0][0] != strconv.Itoa(maxEntries) || meta[0][1] != meta[0][2] {
		t.Fatalf("namespace row %v; want %d entries and newest = max(last_accessed_ms)", meta, maxEntries)
	}
	for _, p := range all {
		mayFollow, surelyFollow := 0, 0
		for _, q := range all {
			if q.key != p.key && q.ack > p.start {
				mayFollow++
			}
			if q.start > p.ack {
				surelyFollow++
				if sp, ok := stamp[p.key]; ok {
					if sq, ok := stamp[q.key]; ok && sq <= sp {
						t.Errorf("%s committed after %s but has stamp %d <= %d", q.key, p.key, sq, sp)
					}
				}
			}
		}
		_, present := stamp[p.key]
		if mayFollow < maxEntries && !present {
			t.Errorf("acknowledged put %s lost: at most %d puts followed it", p.key, mayFollow)
		}
		if surelyFollow >= maxEntries && present {
			t.Errorf("put %s survived %d later puts", p.key, surelyFollow)
		}
	}
}

// flaky fails chosen statements with a server error, as a busy server
// would, to drive the guest's retries.
type flaky struct {
	*Session
	sql   map[capability.Stmt]string
	match string // statements containing it fail
	state string // with this SQLSTATE
	left  int    // this many times
	seen  int
}

// Run runs batches through the flaky Step.
func (f *flaky) Run(calls []capability.Call) ([]capability.Value, int, error) {
	return capability.RunEach(f, calls, nil, capability.MaxRunBytes)
}

func (f *flaky) Prepare(db capability.DB, sql string) (capability.Stmt, error) {
	st, err := f.Session.Prepare(db, sql)
	f.sql[st] = sql
	return st, err
}

func (f *flaky) Step(st capability.Stmt) (bool, error) {
	if strings.Contains(f.sql[st], f.match) && f.left > 0 {
		f.left--
		f.seen++
		return false, capability.Errorf(capability.IO, "SQLSTATE %s: injected", f.state)
	}
	return f.Session.Step(st)
}

func TestSerializationFailuresAndDeadlocksAreRetried(t *testing.T) {
	for _, tc := range []struct{ match, state string }{
		{"INSERT INTO cache_entries", "40001"},
		{"COMMIT", "40P01"},
		{"WITH n AS (UPDATE sandcache_namespaces", "40001"}, // the touch of a hit
	} {
		f := &flaky{Session: session(t), sql: map[capability.Stmt]string{}, match: tc.match, state: tc.state}
		clk := &clock{ms: 10_000}
		e := cache.New(f, nil, clk.now)
		o := opts(freshNamespace(t), 60_000, 10)
		_, err := e.Put("warm", []byte(`0`), o) // schema and statements ready
		must(t, err)

		f.left = 3
		if strings.HasPrefix(tc.match, "WITH") {
			l, err := e.Get("warm", o)
			if err != nil || !l.Hit {
				t.Fatalf("%s: get = %+v, %v", tc.match, l, err)
			}
		} else {
			_, err = e.Put("k", []byte(`1`), o)
			must(t, err)
			if l, _ := e.Get("k", o); !l.Hit || string(l.Value) != "1" {
				t.Fatalf("%s: entry after retries: %+v", tc.match, l)
			}
		}
		if f.seen != 3 {
			t.Fatalf("%s: %d injected failures seen; want 3", tc.match, f.seen)
		}
		if st, _ := e.Stats(o); st.Entries != uint64(2-boolInt(strings.HasPrefix(tc.match, "WITH"))) {
			t.Fatalf("%s: stats %+v: the count is off after retries", tc.match, st)
		}

		// A failure that never clears ends with its error, not a hang.
		f.left = 1 << 30
		if strings.HasPrefix(tc.match, "WITH") {
			_, err = e.Get("warm", o)
		} else {
			_, err = e.Put("k2", []byte(`2`), o)
		}
		if capability.CodeOf(err) != capability.IO || !strings.Contains(err.Error(), "SQLSTATE "+tc.state) {
			t.Fatalf("%s: persistent failure: %v", tc.match, err)
		}
		f.left = 0
		e.Close()
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Mixed operations (puts, hits, deletes, clears, purges, TTLs) from eight
// sessions over three namespaces: no error (no deadlock), and after
// quiescence every namespace's count is exact, its newest stamp bounds
// its entries' and its size is within max entries.
func TestConcurrentMixedOperations(t *testing.T) {
	const sessions, ops, maxEntries = 8, 150, 6
	base := freshNamespace(t)
	namespaces := []string{base + "a", base + "b", base + "c"}
	c := newCap(t, pgserver.DSN(), NewConfig())
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	for g := range sessions {
		s := newSession(t, c)
		var now atomic.Int64
		now.Store(2_000_000 + int64(g)*13)
		e := cache.New(s, nil, now.Load)
		t.Cleanup(e.Close)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				o := opts(namespaces[(i+g)%3], uint64([]int{5, 40, 60_000}[(i*7+g)%3]), maxEntries)
				key := fmt.Sprintf("k%d", (i*31+g*17)%10)
				err := call(s, func() (err error) {
					switch (i*13 + g) % 23 {
					case 0:
						err = e.Clear(o)
					case 1:
						_, err = e.Purge(o)
					case 2, 3, 4:
						_, err = e.Delete(key, o)
					case 5, 6, 7, 8, 9, 10, 11:
						_, err = e.Get(key, o)
					default:
						_, err = e.Put(key, []byte(strconv.Itoa(i)), o)
					}
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("session %d op %d: %v", g, i, err)
					return
				}
				now.Add(int64(i % 3))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s := session(t)
	db := open(t, s)
	for _, ns := range namespaces {
		got, err := rows(t, s, db, "SELECT n.entries, coalesce(n.newest, -1), "+
			"(SELECT count(*) FROM cache_entries WHERE namespace = $1), "+
			"coalesce((SELECT max(last_accessed_ms) FROM cache_entries WHERE namespace = $1), -1) "+
			"FROM sandcache_namespaces n WHERE n.namespace = $1", ns)
		must(t, err)
		if len(got) != 1 {
			t.Fatalf("%s: namespace row %v", ns, got)
		}
		r := got[0]
		n, _ := strconv.Atoi(r[2])
		if r[0] != r[2] || n > maxEntries {
			t.Errorf("%s: count %s, rows %s (max %d)", ns, r[0], r[2], maxEntries)
		}
		// newest bounds the stamps (it is exact unless a hit raced with
		// the deletion of its entry: pgTouch).
		newest, _ := strconv.ParseInt(r[1], 10, 64)
		stamp, _ := strconv.ParseInt(r[3], 10, 64)
		if newest < stamp {
			t.Errorf("%s: newest %d below the max stamp %d", ns, newest, stamp)
		}
	}
}

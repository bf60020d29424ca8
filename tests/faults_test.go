package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/host"
	"github.com/sandcache/sandcache/internal/testhooks"
	"github.com/sandcache/sandcache/sdk"
)

// TestFaults injects faults into the capabilities the host lends the guest
// (through testhooks.SetCapabilities: a test double around
// the instance's sql and files), feeds oversized and hostile input, runs
// the guest out of memory and ends contexts during calls. Each fault must
// fail only that call, with an error of the expected kind; a guest fault
// replaces the instance; the next call succeeds; nothing stored is
// damaged; no goroutine or file descriptor is left behind.
func TestFaults(t *testing.T) {
	defer warmLeakCheck(t)()

	dir := t.TempDir()
	ctx := context.Background()
	sb := openSandbox(t, dir, host.NewConfig().WithPoolSize(1))
	defer sb.Close()
	inj := &injector{}
	testhooks.SetCapabilities(sb, testhooks.Capabilities{
		SQL:   func(s capability.SQL) capability.SQL { inj.newInstance(); return &faultySQL{SQL: s, f: inj} },
		Files: func(f capability.Files) capability.Files { return &faultyFiles{Files: f, f: inj} },
	})

	// What must survive every fault: a few entries per backend.
	kept := map[string]string{"keep1": `{"v":1}`, "keep2": `[1,2.0,"x"]`, "🔑": `"ü"`}
	opt := func(b host.Backend) host.Options {
		o := host.Options{}
		o.Backend = b
		o.TTLMillis = uint64(time.Hour / time.Millisecond)
		return o
	}
	for _, b := range []host.Backend{host.SQLite, host.FS, host.Mem} {
		for k, v := range kept {
			if _, err := sb.Put(ctx, k, []byte(v), opt(b)); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkKept := func(t *testing.T, b host.Backend, after string) {
		t.Helper()
		for k, v := range kept {
			l, err := sb.Get(ctx, k, opt(b))
			if err != nil || !l.Hit || !jsonEqual(l.Value, []byte(v)) {
				t.Errorf("%s: kept entry %q damaged after %s: hit=%v value=%s err=%v", b, k, after, l.Hit, l.Value, err)
				if _, err := sb.Put(ctx, k, []byte(v), opt(b)); err != nil { // for the next cases
					t.Fatal(err)
				}
			}
		}
	}

	// ops a fault can hit. "victim" is a key the op may change.
	ops := map[string]func(b host.Backend) error{
		"get": func(b host.Backend) error { _, err := sb.Get(ctx, "keep1", opt(b)); return err },
		"put": func(b host.Backend) error {
			_, err := sb.Put(ctx, "victim", []byte(`{"new":true}`), opt(b))
			return err
		},
		"put-evicting": func(b host.Backend) error {
			o := opt(b)
			o.Namespace = "small"
			o.MaxEntries = 2
			for i := range 3 {
				if _, err := sb.Put(ctx, fmt.Sprint("e", i), []byte(fmt.Sprint(i)), o); err != nil {
					return err
				}
			}
			return nil
		},
		"delete": func(b host.Backend) error { _, err := sb.Delete(ctx, "victim", opt(b)); return err },
		"keys":   func(b host.Backend) error { _, err := sb.Keys(ctx, "", opt(b)); return err },
		"stats":  func(b host.Backend) error { _, err := sb.Stats(ctx, opt(b)); return err },
		"purge":  func(b host.Backend) error { _, err := sb.Purge(ctx, opt(b)); return err },
		"clear": func(b host.Backend) error {
			o := opt(b)
			o.Namespace = "small"
			return sb.Clear(ctx, o)
		},
	}

	type fault struct {
		method string
		kind   string // error, garbage, panic, huge
		after  int    // calls of method let through first
	}
	var faults []fault
	for _, m := range []string{"Step", "Exec", "Prepare", "Open", "BindText", "BindInt", "Reset"} {
		for _, k := range []string{"error", "panic"} {
			for _, after := range []int{0, 1, 2, 3, 5} {
				faults = append(faults, fault{m, k, after})
			}
		}
	}
	for _, m := range []string{"Step", "ColumnText", "ColumnInt", "ColumnKind", "Prepare", "Open", "Changes", "ColumnCount"} {
		for _, after := range []int{0, 1, 2} {
			faults = append(faults, fault{m, "garbage", after})
		}
	}
	for _, m := range []string{"Read", "WriteAtomic", "Replace", "List", "Remove", "RemoveDir"} {
		for _, k := range []string{"error", "panic", "garbage"} {
			for _, after := range []int{0, 1, 2} {
				faults = append(faults, fault{m, k, after})
			}
		}
	}
	faults = append(faults, fault{"Read", "huge", 0}, fault{"List", "huge", 0})

	injected, replaced := 0, 0
	for _, b := range []host.Backend{host.SQLite, host.FS, host.Mem} {
		for _, fl := range faults {
			if filesMethods[fl.method] != (b == host.FS) {
				continue
			}
			for _, opName := range []string{"get", "put", "put-evicting", "delete", "keys", "stats", "purge", "clear"} {
				name := fmt.Sprintf("%s/%s/%s-%s-after%d", b, opName, fl.method, fl.kind, fl.after)
				inj.arm(fl.method, fl.kind, fl.after)
				before := inj.instanceCount()
				err := ops[opName](b)
				fired := inj.disarm()
				if !fired {
					continue // the op made fewer such calls
				}
				injected++
				if err != nil {
					var e *host.Error
					if !errors.As(err, &e) {
						t.Errorf("%s: error %v is not a *host.Error", name, err)
					}
					if !allowedFault(fl.kind, err) {
						t.Errorf("%s: error of kind %v: %v", name, kindOf(err), err)
					}
				} else if fl.kind == "error" || fl.kind == "panic" {
					// An injected error may be absorbed only where the
					// guest tolerates it (a failed ROLLBACK after a failed
					// statement, a best-effort cleanup).
					if fl.kind == "panic" {
						t.Errorf("%s: a panicking capability went unnoticed", name)
					}
				}
				// The next call succeeds, on a new instance after a fault.
				if err := ops[opName](b); err != nil {
					t.Errorf("%s: the call after the fault failed: %v", name, err)
				}
				if inj.instanceCount() != before {
					replaced++
					if !errors.Is(err, host.ErrGuestFault) {
						t.Errorf("%s: the instance was replaced after a non-fault error %v", name, err)
					}
				} else if errors.Is(err, host.ErrGuestFault) {
					t.Errorf("%s: guest fault, but the instance was not replaced", name)
				}
				checkKept(t, b, name)
			}
		}
		if b == host.SQLite {
			if res := integrityCheck(t, filepath.Join(dir, "cache.sqlite")); res != "ok" {
				t.Errorf("integrity_check after the faults: %s", res)
			}
		}
		if b == host.FS {
			records, _ := fsCheck(t, filepath.Join(dir, "files"))
			t.Logf("fs: %d records parse after the faults", len(records))
		}
	}
	t.Logf("%d capability faults injected (%d replaced the instance)", injected, replaced)
}

// filesMethods are the methods of capability.Files.
var filesMethods = map[string]bool{"Read": true, "WriteAtomic": true, "Replace": true, "List": true, "Remove": true, "RemoveDir": true}

// allowedFault reports whether err is an acceptable outcome of a fault of
// kind: a failing capability is an I/O error (or, for a handle the guest
// never got, an internal one); a panicking one a guest fault; garbage may
// be reported as corrupt, internal or I/O (or be absorbed).
func allowedFault(kind string, err error) bool {
	switch kind {
	case "error":
		return errors.Is(err, host.ErrIO) || errors.Is(err, host.ErrInternal)
	case "panic", "huge":
		return errors.Is(err, host.ErrGuestFault) || errors.Is(err, host.ErrIO)
	}
	return errors.Is(err, host.ErrIO) || errors.Is(err, host.ErrInternal) || errors.Is(err, host.ErrCorrupt) ||
		errors.Is(err, host.ErrInvalidArgument) || errors.Is(err, host.ErrNotPermitted)
}

func kindOf(err error) error {
	var e *host.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return nil
}

// injector is a one-shot fault: the call number after+1 of method fails
// the way kind says.
type injector struct {
	mu        sync.Mutex
	method    string
	kind      string
	after     int
	fired     bool
	instances int
}

func (f *injector) arm(method, kind string, after int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.method, f.kind, f.after, f.fired = method, kind, after, false
}

// disarm reports whether the fault fired.
func (f *injector) disarm() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.method = ""
	return f.fired
}

func (f *injector) newInstance() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.instances++
}

func (f *injector) instanceCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.instances
}

// hit returns the fault to inject into this call of method, if any; a
// "panic" fault panics.
func (f *injector) hit(method string) string {
	kind := func() string {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.method != method || f.fired {
			return ""
		}
		if f.after > 0 {
			f.after--
			return ""
		}
		f.fired = true
		return f.kind
	}()
	if kind == "panic" {
		panic("injected panic in " + method)
	}
	return kind
}

func injectedErr(method string) error {
	return capability.Errorf(capability.IO, "injected failure of %s", method)
}

// faultOr is a double's method that returns (T, error): the injected
// failure of method or its garbage result when the injector draws one for
// this call, else what real returns.
func faultOr[T any](f *injector, method string, garbage T, real func() (T, error)) (T, error) {
	switch f.hit(method) {
	case "error":
		var zero T
		return zero, injectedErr(method)
	case "garbage":
		return garbage, nil
	}
	return real()
}

// faultySQL is a capability.SQL double over the real session.
type faultySQL struct {
	capability.SQL
	f *injector
}

// Run runs the batch statement by statement through the double, so its
// faults reach the batches the guest sends.
func (s *faultySQL) Run(calls []capability.Call) ([]capability.Value, int, error) {
	return capability.RunEach(s, calls, nil, capability.MaxRunBytes)
}

func (s *faultySQL) Open(name string, memory bool) (capability.DB, error) {
	return faultOr(s.f, "Open", 4242, func() (capability.DB, error) { return s.SQL.Open(name, memory) })
}

func (s *faultySQL) Exec(db capability.DB, sql string) error {
	if s.f.hit("Exec") == "error" {
		return injectedErr("Exec")
	}
	return s.SQL.Exec(db, sql)
}

func (s *faultySQL) Prepare(db capability.DB, sql string) (capability.Stmt, error) {
	return faultOr(s.f, "Prepare", 0xdeadbeef, func() (capability.Stmt, error) { return s.SQL.Prepare(db, sql) })
}

func (s *faultySQL) BindText(st capability.Stmt, i uint32, v string) error {
	if s.f.hit("BindText") == "error" {
		return injectedErr("BindText")
	}
	return s.SQL.BindText(st, i, v)
}

func (s *faultySQL) BindInt(st capability.Stmt, i uint32, v int64) error {
	if s.f.hit("BindInt") == "error" {
		return injectedErr("BindInt")
	}
	return s.SQL.BindInt(st, i, v)
}

func (s *faultySQL) Step(st capability.Stmt) (bool, error) {
	return faultOr(s.f, "Step", true, func() (bool, error) { return s.SQL.Step(st) }) // claims a row that is not there
}

func (s *faultySQL) Reset(st capability.Stmt) error {
	if s.f.hit("Reset") == "error" {
		// SQLite's reset resets even when it reports an error (that of
		// the last step): so does the double.
		_ = s.SQL.Reset(st)
		return injectedErr("Reset")
	}
	return s.SQL.Reset(st)
}

func (s *faultySQL) ColumnText(st capability.Stmt, i uint32) string {
	if s.f.hit("ColumnText") == "garbage" {
		return "\x00{garbage \xff"
	}
	return s.SQL.ColumnText(st, i)
}

func (s *faultySQL) ColumnInt(st capability.Stmt, i uint32) int64 {
	if s.f.hit("ColumnInt") == "garbage" {
		return math.MinInt64
	}
	return s.SQL.ColumnInt(st, i)
}

func (s *faultySQL) ColumnKind(st capability.Stmt, i uint32) capability.Kind {
	if s.f.hit("ColumnKind") == "garbage" {
		return 77
	}
	return s.SQL.ColumnKind(st, i)
}

func (s *faultySQL) ColumnCount(st capability.Stmt) uint32 {
	if s.f.hit("ColumnCount") == "garbage" {
		return 1 << 30
	}
	return s.SQL.ColumnCount(st)
}

func (s *faultySQL) Changes(db capability.DB) int64 {
	if s.f.hit("Changes") == "garbage" {
		return -1 << 40
	}
	return s.SQL.Changes(db)
}

// faultyFiles is a capability.Files double over the real one.
type faultyFiles struct {
	capability.Files
	f *injector
}

func (s *faultyFiles) Read(path string) ([]byte, bool, error) {
	switch s.f.hit("Read") {
	case "error":
		return nil, false, injectedErr("Read")
	case "garbage":
		return []byte("{\"key\": 12, \"value\": \xff\xfe garbage"), true, nil
	case "huge":
		return bytes.Repeat([]byte("x"), 129<<20), true, nil
	}
	return s.Files.Read(path)
}

func (s *faultyFiles) WriteAtomic(path string, data []byte) error {
	switch s.f.hit("WriteAtomic") {
	case "error":
		return injectedErr("WriteAtomic")
	case "garbage": // claims success, writes nothing
		return nil
	}
	return s.Files.WriteAtomic(path, data)
}

func (s *faultyFiles) Remove(path string) (bool, error) {
	return faultOr(s.f, "Remove", true, func() (bool, error) { return s.Files.Remove(path) })
}

func (s *faultyFiles) Replace(path string, expected, data []byte) (bool, error) {
	return faultOr(s.f, "Replace", true, func() (bool, error) { return s.Files.Replace(path, expected, data) }) // claims a swap it did not make
}

func (s *faultyFiles) List(path string) ([]string, error) {
	switch s.f.hit("List") {
	case "error":
		return nil, injectedErr("List")
	case "garbage":
		return []string{"../../etc/passwd", "/etc/passwd", strings.Repeat("a", 64) + ".json", "x/../../y/", "..", "", "\x00"}, nil
	case "huge":
		names := make([]string, 20_000)
		for i := range names {
			names[i] = fmt.Sprintf("%064x.json", i)
		}
		return names, nil
	}
	return s.Files.List(path)
}

func (s *faultyFiles) RemoveDir(path string) (bool, error) {
	return faultOr(s.f, "RemoveDir", true, func() (bool, error) { return s.Files.RemoveDir(path) })
}

// TestLimits: values and keys beyond the configured limits fail with
// ErrInvalidArgument before reaching the guest; a guest that runs out of
// memory fails that call with ErrGuestFault and the next call succeeds.
func TestLimits(t *testing.T) {
	ctx := context.Background()
	t.Run("value-and-key-size", func(t *testing.T) {
		dir := t.TempDir()
		c := openCache(t, dir, sdk.NewConfig().WithMaxValueBytes(1000).WithMaxKeyBytes(100))
		for _, b := range allBackends {
			o := sdk.WithBackend(b)
			big := []byte(`"` + strings.Repeat("x", 1000) + `"`)
			if err := c.Put(ctx, "k", big, o); !errors.Is(err, sdk.ErrInvalidArgument) {
				t.Errorf("%s: put of a %d-byte value with a 1000-byte limit: %v", b, len(big), err)
			}
			if err := c.Put(ctx, strings.Repeat("k", 101), []byte("1"), o); !errors.Is(err, sdk.ErrInvalidArgument) {
				t.Errorf("%s: put of a 101-byte key with a 100-byte limit: %v", b, err)
			}
			if _, _, err := c.Get(ctx, strings.Repeat("k", 101), o); !errors.Is(err, sdk.ErrInvalidArgument) {
				t.Errorf("%s: get of a 101-byte key: %v", b, err)
			}
			ok := []byte(`"` + strings.Repeat("x", 998) + `"`)
			if err := c.Put(ctx, "k", ok, o); err != nil {
				t.Errorf("%s: put of a value at the limit: %v", b, err)
			}
			if v, hit, err := c.Get(ctx, "k", o); err != nil || !hit || !bytes.Equal(v, ok) {
				t.Errorf("%s: value at the limit reads back hit=%v err=%v", b, hit, err)
			}
		}
	})
	t.Run("out-of-memory", func(t *testing.T) {
		// 4 pages more than the guest needs to start: a big value cannot fit.
		const pages = 160 // 10 MiB
		dir := t.TempDir()
		c := openCache(t, dir, sdk.NewConfig().WithMemoryLimitPages(pages).WithPoolSize(1))
		for _, b := range allBackends {
			o := sdk.WithBackend(b)
			if err := c.Put(ctx, "small", []byte(`{"a":1}`), o); err != nil {
				t.Fatalf("%s: a small put with %d pages: %v", b, pages, err)
			}
			big := []byte(`["` + strings.Repeat("y", 12<<20) + `"]`)
			err := c.Put(ctx, "big", big, o)
			if !errors.Is(err, sdk.ErrGuestFault) {
				t.Errorf("%s: a %d MiB value in a %d MiB guest: %v", b, len(big)>>20, pages>>4, err)
			} else {
				t.Logf("%s: out of memory: %v", b, err)
			}
			if err := c.Put(ctx, "after", []byte(`2`), o); err != nil {
				t.Errorf("%s: the put after running out of memory: %v", b, err)
			}
			if v, hit, err := c.Get(ctx, "small", o); err != nil || !hit || string(v) != `{"a":1}` {
				t.Errorf("%s: small entry after the fault: %s %v %v", b, v, hit, err)
			}
			if _, hit, _ := c.Get(ctx, "big", o); hit {
				t.Errorf("%s: the failed big put was stored", b)
			}
		}
	})
}

// TestContextDeadline: a context already cancelled, and one that expires
// while the guest waits for the SQLite write lock another connection holds
// (BEGIN IMMEDIATE), each fail that call promptly with ErrGuestFault; the
// next call succeeds and the store is intact.
func TestContextDeadline(t *testing.T) {
	defer warmLeakCheck(t)()
	ctx := context.Background()
	dir := t.TempDir()
	c, err := sdk.Open(ctx, sdk.NewConfig().WithDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, b := range allBackends {
		if err := c.Put(ctx, "kept", []byte(`"v"`), sdk.WithBackend(b)); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("already-cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		for _, b := range allBackends {
			o := sdk.WithBackend(b)
			for i := range 20 { // the pool's select may pick either way: try often
				err := c.Put(cctx, "x", []byte("1"), o)
				if err == nil {
					t.Errorf("%s: put with a cancelled context succeeded (try %d)", b, i)
				} else if !errors.Is(err, sdk.ErrGuestFault) || !errors.Is(err, context.Canceled) {
					t.Errorf("%s: put with a cancelled context: %v (kind %v)", b, err, kindOf(err))
				}
				if _, _, err := c.Get(cctx, "kept", o); err == nil {
					t.Errorf("%s: get with a cancelled context succeeded", b)
				}
			}
			if v, hit, err := c.Get(ctx, "kept", o); err != nil || !hit || string(v) != `"v"` {
				t.Errorf("%s: after cancelled calls: %s %v %v", b, v, hit, err)
			}
		}
		// Calls that do no I/O too: always refused, not at random.
		for range 20 {
			if _, err := c.ParseDuration(cctx, "1h"); !errors.Is(err, sdk.ErrGuestFault) || !errors.Is(err, context.Canceled) {
				t.Fatalf("parse-duration with a cancelled context: %v", err)
			}
		}
	})

	t.Run("expires-while-waiting-for-the-lock", func(t *testing.T) {
		lock, err := sqlite3.Open(filepath.Join(dir, "cache.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Close()
		if err := lock.Exec("BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = c.Put(dctx, "blocked", []byte("1"))
		took := time.Since(start)
		if !errors.Is(err, sdk.ErrGuestFault) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("put while another connection holds the write lock, 300 ms deadline: %v (kind %v)", err, kindOf(err))
		}
		if took > 3*time.Second {
			t.Errorf("the call took %v to notice its 300 ms deadline (busy timeout not interrupted?)", took)
		}
		t.Logf("interrupted after %v: %v", took.Round(time.Millisecond), err)
		// While the lock is still held, reads that write nothing work
		// (WAL). (A hit writes its LRU stamp, so it waits for the lock.)
		if keys, err := c.Keys(ctx, ""); err != nil || !slices.Contains(keys, "kept") {
			t.Errorf("keys while the write lock is held: %q %v", keys, err)
		}
		if _, hit, err := c.Get(ctx, "missing"); err != nil || hit {
			t.Errorf("get of a missing key while the write lock is held: %v %v", hit, err)
		}
		if err := lock.Exec("ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		if err := c.Put(ctx, "after", []byte("2")); err != nil {
			t.Errorf("put after the lock was released: %v", err)
		}
		if _, hit, _ := c.Get(ctx, "blocked"); hit {
			t.Errorf("the interrupted put was stored")
		}
		if res := integrityCheck(t, filepath.Join(dir, "cache.sqlite")); res != "ok" {
			t.Errorf("integrity_check: %s", res)
		}
	})

	t.Run("expires-during-busy-fs", func(t *testing.T) {
		// Many calls with tiny deadlines: each either finishes or fails
		// with ErrGuestFault; nothing else.
		for i := range 200 {
			dctx, cancel := context.WithTimeout(ctx, time.Duration(i%7)*50*time.Microsecond)
			err := c.Put(dctx, fmt.Sprint("t", i%5), []byte(fmt.Sprint(i)), sdk.WithBackend(sdk.FS))
			cancel()
			if err != nil && !errors.Is(err, sdk.ErrGuestFault) {
				t.Errorf("put %d with a tiny deadline: %v", i, err)
			}
		}
		records, temps := fsCheck(t, filepath.Join(dir, "files"))
		t.Logf("fs after 200 calls with tiny deadlines: %d records parse, %d temp files", len(records), len(temps))
		if v, hit, err := c.Get(ctx, "kept", sdk.WithBackend(sdk.FS)); err != nil || !hit || string(v) != `"v"` {
			t.Errorf("fs kept entry: %s %v %v", v, hit, err)
		}
	})
}

// TestFSDeleteRacingHit: a delete on the fs backend whose compare-and-swap
// loses against another process's hit (which rewrites the record with a
// new last_accessed_ms between the delete's read and its removal) must
// still delete the entry and report that it existed. The other process is
// a second Sandbox on the same folder; the race is forced by a files
// double that runs the other process's get just before the delete's
// Replace.
func TestFSDeleteRacingHit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	o := host.Options{}
	o.Backend = host.FS
	other := openSandbox(t, dir, host.NewConfig().WithPoolSize(1))
	defer other.Close()
	sb := openSandbox(t, dir, host.NewConfig().WithPoolSize(1))
	defer sb.Close()
	var raced, hits int
	hookFiles(t, sb, hookedFiles{beforeRemove: func() {
		if raced < 2 { // twice: a retry may lose once more
			raced++
			if l, err := other.Get(ctx, "k", o); err != nil || !l.Hit {
				t.Errorf("the other process's get: %v %v", l.Hit, err)
			} else {
				hits++
			}
		}
	}})
	for i := range 3 {
		raced = 0
		if _, err := sb.Put(ctx, "k", []byte(fmt.Sprint(i)), o); err != nil {
			t.Fatal(err)
		}
		existed, err := sb.Delete(ctx, "k", o)
		if err != nil {
			t.Fatal(err)
		}
		if !existed {
			t.Errorf("try %d: delete racing with another process's hit reported that the entry did not exist", i)
		}
		if l, err := sb.Get(ctx, "k", o); err != nil || l.Hit {
			t.Errorf("try %d: after the delete the entry is still there: hit=%v value=%s err=%v", i, l.Hit, l.Value, err)
			sb.Delete(ctx, "k", o)
		}
	}
	t.Logf("%d hits of another process raced with deletes", hits)
}

// hookedFiles is a files capability that runs beforeRead before every Read
// and beforeRemove before every compare-and-swap removal (Replace with nil
// data), when set.
type hookedFiles struct {
	capability.Files
	beforeRead, beforeRemove func()
}

func (f *hookedFiles) Read(path string) ([]byte, bool, error) {
	if f.beforeRead != nil {
		f.beforeRead()
	}
	return f.Files.Read(path)
}

func (f *hookedFiles) Replace(path string, expected, data []byte) (bool, error) {
	if data == nil && f.beforeRemove != nil {
		f.beforeRemove()
	}
	return f.Files.Replace(path, expected, data)
}

// hookFiles puts the files capability of the instances sb makes inside a
// hookedFiles with h's hooks, until the test ends.
func hookFiles(t *testing.T, sb *host.Sandbox, h hookedFiles) {
	testhooks.SetCapabilities(sb, testhooks.Capabilities{Files: func(f capability.Files) capability.Files {
		hooked := h
		hooked.Files = f
		return &hooked
	}})
	t.Cleanup(func() { testhooks.SetCapabilities(sb, testhooks.Capabilities{}) })
}

// TestCorruptStore: a file at a store's path that is not an SQLite
// database fails calls on that store with ErrCorrupt, leaves the file
// alone, and affects no other store; a truncated database likewise.
func TestCorruptStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openCache(t, dir, sdk.NewConfig())
	garbage := bytes.Repeat([]byte("not a database "), 1000)
	if err := os.WriteFile(filepath.Join(dir, "bad.sqlite"), garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 { // the failure does not stick to the instance
		if err := c.Put(ctx, "k", []byte("1"), sdk.AtPath("bad.sqlite")); !errors.Is(err, sdk.ErrCorrupt) {
			t.Errorf("put into a file that is not a database: %v (kind %v)", err, kindOf(err))
		}
		if _, _, err := c.Get(ctx, "k", sdk.AtPath("bad.sqlite")); !errors.Is(err, sdk.ErrCorrupt) {
			t.Errorf("get from a file that is not a database: %v (kind %v)", err, kindOf(err))
		}
		if err := c.Put(ctx, "k", []byte("1")); err != nil {
			t.Errorf("put into the default store next to it: %v", err)
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "bad.sqlite")); err != nil || !bytes.Equal(data, garbage) {
		t.Errorf("the file that is not a database was changed")
	}
}

// TestManyStorePaths: a cache used with many distinct SQLite paths (one
// per tenant, say) keeps its descriptors bounded: each instance keeps at
// most sqlcap's DefaultConnections connections open (about three
// descriptors each: database, -wal, -shm) and reopens the others on use.
func TestManyStorePaths(t *testing.T) {
	c := openCache(t, t.TempDir(), sdk.NewConfig().WithPoolSize(1))
	ctx := context.Background()
	fd0 := countFDs(t)
	const paths = 100
	for i := range paths {
		if err := c.Put(ctx, "k", []byte("1"), sdk.AtPath(fmt.Sprintf("tenant%d.sqlite", i))); err != nil {
			t.Fatal(i, err)
		}
	}
	// 16 connections of 3 descriptors, plus slack for the runtime.
	if grew := countFDs(t) - fd0; grew > 3*16+16 {
		t.Errorf("%d distinct SQLite paths left %d more file descriptors open", paths, grew)
	}
	// Stores still work after their connections were closed to make room.
	for i := 0; i < paths; i += 15 {
		v, hit, err := c.Get(ctx, "k", sdk.AtPath(fmt.Sprintf("tenant%d.sqlite", i)))
		if err != nil || !hit || string(v) != "1" {
			t.Fatalf("tenant %d: %s %v %v", i, v, hit, err)
		}
	}
	if grew := countFDs(t) - fd0; grew > 3*16+16 {
		t.Errorf("after reading back: %d more file descriptors open", grew)
	}
}

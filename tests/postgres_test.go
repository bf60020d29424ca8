package tests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sandcache/sandcache/sdk"
	"github.com/sandcache/sandcache/tests/golden"
	"github.com/sandcache/sandcache/tests/pgserver"
)

// The fleet backend (postgres) through the public API. One PostgreSQL
// server serves the whole test binary: started by the first test that
// needs it (pgserver: initdb in a temporary folder, a unix socket, Debian's
// package installed when missing), stopped by TestMain; or the one
// SANDCACHE_TEST_DSN names (tests that stop or freeze it then skip). Each
// test gets a fresh confined role and schema of its own. The postgres
// tests do not run in parallel: the restart test stops the server.

var pgTests struct {
	once sync.Once
	srv  *pgserver.Server
	err  error
	n    atomic.Int32
}

// pgServer returns the tests' own server (started on first use), or nil
// when SANDCACHE_TEST_DSN names one given from outside.
func pgServer(t testing.TB) *pgserver.Server {
	t.Helper()
	pgTests.once.Do(func() {
		if pgserver.DSN() != "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		pgTests.srv, pgTests.err = pgserver.Start(ctx)
		if pgTests.err == nil {
			// Helper processes inherit it.
			os.Setenv(pgserver.EnvDSN, pgTests.srv.DSN())
		}
	})
	if pgTests.err != nil {
		t.Fatalf("start PostgreSQL: %v", pgTests.err)
	}
	return pgTests.srv
}

// closePGServer stops the tests' server, if one was started.
func closePGServer() {
	if pgTests.srv != nil {
		pgTests.srv.Close()
	}
}

// pgDSN returns the DSN of a fresh, empty schema with a confined role of
// its own (or the given server's DSN, shared, when it is not ours).
func pgDSN(t testing.TB) string {
	t.Helper()
	srv := pgServer(t)
	if srv == nil {
		return pgserver.DSN()
	}
	name := fmt.Sprintf("sandcache_t%d", pgTests.n.Add(1))
	dsn, err := srv.NewConfined(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// ownPGServer is pgServer for tests that stop or freeze the server.
func ownPGServer(t testing.TB) *pgserver.Server {
	t.Helper()
	srv := pgServer(t)
	if srv == nil {
		t.Skip("the server is SANDCACHE_TEST_DSN's: this test stops it, so it needs its own")
	}
	return srv
}

// ownPGCache is ownPGServer and a cache on a fresh schema of it (pgDSN,
// pgOpen) with a pool of poolSize instances.
func ownPGCache(t testing.TB, poolSize int) (*pgserver.Server, *sdk.Cache) {
	t.Helper()
	srv := ownPGServer(t)
	return srv, pgOpen(t, pgDSN(t), sdk.NewConfig().WithPoolSize(poolSize))
}

// pgOpen opens a cache (a fresh folder) on the server dsn names, with the
// postgres backend as its default.
func pgOpen(t testing.TB, dsn string, cfg sdk.Config) *sdk.Cache {
	t.Helper()
	return openCache(t, t.TempDir(), cfg.WithPostgres(dsn))
}

// pgRows lists cache_entries as the vectors record them, read directly.
func pgRows(t testing.TB, dsn string) [][]any {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rs, err := conn.Query(ctx, `SELECT namespace, cache_key, value_json, created_at_ms, expires_at_ms, last_accessed_ms
		FROM cache_entries ORDER BY namespace COLLATE "C", cache_key COLLATE "C"`)
	if err != nil {
		t.Fatal(err)
	}
	out := [][]any{}
	for rs.Next() {
		var ns, key, value string
		var created, accessed int64
		var expires *int64
		if err := rs.Scan(&ns, &key, &value, &created, &expires, &accessed); err != nil {
			t.Fatal(err)
		}
		var exp any
		if expires != nil {
			exp = *expires
		}
		out = append(out, []any{ns, key, value, created, exp, accessed})
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPostgresVectors replays every recorded case through the SDK and the
// wasm guest on the postgres backend: the sqlite cases on postgres (same
// outputs, same rows), fs cases skipped, the others (options errors,
// llm-key, duration) as recorded.
func TestPostgresVectors(t *testing.T) {
	dsn := pgDSN(t)
	var vc vectorClock
	clock := vc.now
	c := pgOpen(t, dsn, sdk.NewConfig().WithClock(clock))
	ctx := context.Background()
	onPostgres := func(o *sdk.Options) bool {
		switch o.Backend {
		case sdk.FS:
			return false
		case sdk.SQLite:
			o.Backend, o.Path = sdk.Postgres, ""
		}
		return true
	}
	replayed, skipped, dbChecks := 0, 0, 0
	for _, v := range golden.Load(t, "testdata/harn-golden.jsonl") {
		vc.set(t, v)
		out, exit, skip := runAs(ctx, c, v.Cmd, onPostgres)
		if skip {
			skipped++
			continue
		}
		replayed++
		if v.Check(t, out, exit, func() ([][]any, [][]any) { return pgRows(t, dsn), normalizeRows(v.DB) }) {
			dbChecks++
		}
	}
	if replayed < 60 || dbChecks < 10 {
		t.Fatalf("only %d cases replayed (%d fs cases skipped), %d row snapshots", replayed, skipped, dbChecks)
	}
	t.Logf("%d cases replayed on postgres (%d fs cases skipped), %d row snapshots compared", replayed, skipped, dbChecks)
}

// TestPostgresMultiProcess is TestMultiProcess on postgres: 8 processes,
// each its own host (sandbox, pool of connections), × 2 goroutines on one
// namespace of one server; durable phase (nothing acknowledged lost, no
// stale read) then bound phase (max_entries 20, evicting all the time;
// at most 20 once quiet).
func TestPostgresMultiProcess(t *testing.T) {
	const procs = 8
	dsn := pgDSN(t)
	warmCompileCache(t)
	ops, puts := contentionPhases(t, t.TempDir(), sdk.Postgres, procs, dsn)
	t.Logf("%d processes × 2 goroutines on postgres: %d operations (%d acknowledged puts), zero errors", procs, ops, puts)
}

// TestPostgresSecondMachine: a process with its own host and folder,
// pointed at the same server, sees the first one's entries, and its
// writes are seen back.
func TestPostgresSecondMachine(t *testing.T) {
	dsn := pgDSN(t)
	warmCompileCache(t)
	ctx := context.Background()
	first := openCache(t, t.TempDir(), helperConfig().WithPostgres(dsn))
	for i := range 5 {
		if err := first.Put(ctx, fmt.Sprintf("k%d", i), []byte(fmt.Sprintf(`{"from":"first","i":%d}`, i)), sdk.InNamespace("fleet")); err != nil {
			t.Fatal(err)
		}
	}
	// The second machine: another process (this binary re-executed), its
	// own folder and sandbox, the same DSN.
	h := startHelper(t, "pgmachine", dsn+"\n"+t.TempDir())
	var lines []string
	if err := h.lines(func(l string) { lines = append(lines, l) }); err != nil {
		t.Fatalf("second machine: %v\n%s", err, h.stderr.String())
	}
	want := []string{
		`k0 {"from":"first","i":0}`, `k1 {"from":"first","i":1}`, `k2 {"from":"first","i":2}`,
		`k3 {"from":"first","i":3}`, `k4 {"from":"first","i":4}`, "entries 5",
	}
	if !reflect.DeepEqual(lines, want) {
		t.Fatalf("the second machine saw\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	v, hit, err := first.Get(ctx, "from-second", sdk.InNamespace("fleet"))
	if err != nil || !hit || string(v) != `{"machine":2}` {
		t.Fatalf("the first machine reads the second's entry: %s %v %v", v, hit, err)
	}
}

// helperPGMachine is the pgmachine role: args are the DSN and a folder;
// it prints what it reads of the first machine's namespace and writes one
// entry.
func helperPGMachine(args string) error {
	dsn, dir, _ := strings.Cut(args, "\n")
	ctx := context.Background()
	c, err := sdk.Open(ctx, helperConfig().WithPostgres(dsn).WithDir(dir))
	if err != nil {
		return err
	}
	defer c.Close()
	ns := sdk.InNamespace("fleet")
	keys, err := c.Keys(ctx, "k", ns)
	if err != nil {
		return err
	}
	for _, k := range keys {
		v, hit, err := c.Get(ctx, k, ns)
		if err != nil {
			return err
		}
		if !hit {
			return fmt.Errorf("%s listed but missing", k)
		}
		fmt.Printf("%s %s\n", k, v)
	}
	st, err := c.Stats(ctx, ns)
	if err != nil {
		return err
	}
	fmt.Printf("entries %d\n", st.Entries)
	return c.Put(ctx, "from-second", []byte(`{"machine":2}`), ns)
}

// TestPostgresRestart: with the server stopped, calls fail with ErrIO
// well within their deadline; once it is back, the same cache (no new
// process, no reopen) works again and nothing acknowledged was lost.
func TestPostgresRestart(t *testing.T) {
	srv, c := ownPGCache(t, 2)
	bg := context.Background()
	ns := sdk.InNamespace("restart")
	if err := c.Put(bg, "before", []byte(`"acknowledged"`), ns); err != nil {
		t.Fatal(err)
	}
	restart := outage(t, srv.Stop, func() error { return srv.Restart(bg) })
	defer restart()
	for i, call := range []func(ctx context.Context) error{
		func(ctx context.Context) error { _, _, err := c.Get(ctx, "before", ns); return err },
		func(ctx context.Context) error { return c.Put(ctx, "during", []byte("1"), ns) },
		func(ctx context.Context) error { _, err := c.Stats(ctx, ns); return err },
	} {
		ctx, cancel := context.WithTimeout(bg, 5*time.Second)
		start := time.Now()
		err := call(ctx)
		cancel()
		if !errors.Is(err, sdk.ErrIO) {
			t.Fatalf("call %d with the server stopped: %v; want ErrIO", i, err)
		}
		if took := time.Since(start); took > 7*time.Second {
			t.Fatalf("call %d took %v past its 5 s deadline", i, took)
		}
		if i == 0 {
			t.Logf("server stopped: %v", err)
		}
	}
	if err := restart(); err != nil {
		t.Fatal(err)
	}
	// Connections the pool held across the restart may fail one call
	// each (ErrIO); then calls succeed.
	var v []byte
	var hit bool
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if v, hit, err = c.Get(bg, "before", ns); err == nil {
			break
		}
		if !errors.Is(err, sdk.ErrIO) {
			t.Fatalf("after the restart: %v; want ErrIO or success", err)
		}
	}
	if err != nil || !hit || string(v) != `"acknowledged"` {
		t.Fatalf("after the restart: %s %v %v", v, hit, err)
	}
	if err := c.Put(bg, "after", []byte("2"), ns); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Stats(bg, ns); err != nil || st.Entries != 2 {
		t.Fatalf("stats after the restart: %+v %v; want 2 entries (the put during the outage failed)", st, err)
	}
}

// TestPostgresRestartMidRun: callers keep working while the server is
// stopped and started again under them: every failure is ErrIO, every
// caller succeeds again afterwards in the same process, and every put
// acknowledged (before, during or after) reads back.
func TestPostgresRestartMidRun(t *testing.T) {
	srv, c := ownPGCache(t, 2)
	bg := context.Background()
	ns := sdk.InNamespace("midrun")
	var stop atomic.Bool
	var okAfter [2]atomic.Int32
	var okBefore, failedDown atomic.Int32
	var phase atomic.Int32 // 0 before the stop, 1 stopped, 2 restarted
	type result struct {
		acked    map[string]string
		failures int
		err      error
	}
	results := make(chan result, 2)
	for g := range 2 {
		go func() {
			r := result{acked: map[string]string{}}
			for i := 0; !stop.Load(); i++ {
				key, value := fmt.Sprintf("g%d-%d", g, i%50), strconv.Itoa(i)
				ctx, cancel := context.WithTimeout(bg, 5*time.Second)
				p := phase.Load()
				err := c.Put(ctx, key, []byte(value), ns)
				cancel()
				switch {
				case err == nil:
					r.acked[key] = value
					switch p {
					case 0:
						okBefore.Add(1)
					case 2:
						okAfter[g].Add(1)
					}
				case errors.Is(err, sdk.ErrIO):
					r.failures++
					if p == 1 {
						failedDown.Add(1)
					}
				default:
					r.err = fmt.Errorf("put %s (phase %d): %v; want ErrIO", key, p, err)
					results <- r
					return
				}
			}
			results <- r
		}()
	}
	waitFor := func(what string, cond func() bool) {
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				stop.Store(true)
				t.Fatalf("no %s within 30 s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("puts against the live server", func() bool { return okBefore.Load() > 10 })
	phase.Store(1)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	waitFor("failed puts while the server is down", func() bool { return failedDown.Load() > 10 })
	if err := srv.Restart(bg); err != nil {
		t.Fatal(err)
	}
	phase.Store(2)
	waitFor("success of both callers after the restart", func() bool { return okAfter[0].Load() > 3 && okAfter[1].Load() > 3 })
	stop.Store(true)
	failures := 0
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		failures += r.failures
		for k, want := range r.acked {
			v, hit, err := c.Get(bg, k, ns)
			if err != nil || !hit || string(v) != want {
				t.Fatalf("%s: acknowledged %s, reads %s %v %v", k, want, v, hit, err)
			}
		}
	}
	if failures == 0 {
		t.Fatal("no call failed while the server was stopped")
	}
	t.Logf("%d puts failed with ErrIO while the server was down; both callers work again", failures)
}

// TestPostgresUnresponsive: a server that accepts connections but never
// answers (SIGSTOP) ends a call at its deadline with a clear error, and
// the cache works again once the server does.
func TestPostgresUnresponsive(t *testing.T) {
	srv, c := ownPGCache(t, 1)
	bg := context.Background()
	if err := c.Put(bg, "k", []byte("1")); err != nil {
		t.Fatal(err)
	}
	thaw := outage(t, srv.Freeze, srv.Thaw)
	defer thaw()
	ctx, cancel := context.WithTimeout(bg, 500*time.Millisecond)
	start := time.Now()
	_, _, err := c.Get(ctx, "k")
	cancel()
	took := time.Since(start)
	if err == nil || !(errors.Is(err, sdk.ErrIO) || errors.Is(err, sdk.ErrGuestFault)) {
		t.Fatalf("get from a frozen server: %v; want ErrIO or ErrGuestFault (interrupted)", err)
	}
	if took > 3*time.Second {
		t.Fatalf("get from a frozen server returned after %v, deadline 500 ms", took)
	}
	t.Logf("frozen server: %v after %v", err, took.Round(time.Millisecond))
	if err := thaw(); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		v, hit, err := c.Get(bg, "k")
		if err == nil {
			if !hit || string(v) != "1" {
				t.Fatalf("after thaw: %s %v", v, hit)
			}
			break
		}
		if attempt == 4 {
			t.Fatalf("after thaw: %v", err)
		}
	}
}

// TestPostgresBadServer: a DSN that does not parse fails Open with
// ErrInvalidArgument; the postgres backend without a server fails with
// ErrNotPermitted; a server nobody listens for fails calls with ErrIO at
// once; sqlite and mem keep working in a cache that lends a server.
func TestPostgresBadServer(t *testing.T) {
	bg := context.Background()
	if _, err := sdk.Open(bg, sdk.NewConfig().WithDir(t.TempDir()).WithPostgres("postgres://u@[::1")); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Fatalf("bad DSN: %v; want ErrInvalidArgument", err)
	}
	plain := openCache(t, t.TempDir(), sdk.NewConfig())
	if err := plain.Put(bg, "k", []byte("1"), sdk.WithBackend(sdk.Postgres)); !errors.Is(err, sdk.ErrNotPermitted) {
		t.Fatalf("postgres backend without a server: %v; want ErrNotPermitted", err)
	}
	nobody := openCache(t, t.TempDir(), sdk.NewConfig().WithPostgres("host="+t.TempDir()+" user=x dbname=x"))
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	if _, _, err := nobody.Get(ctx, "k"); !errors.Is(err, sdk.ErrIO) || !strings.Contains(err.Error(), "cannot reach the server") {
		t.Fatalf("no server: %v; want ErrIO, cannot reach the server", err)
	}
	for _, b := range []sdk.Backend{sdk.SQLite, sdk.Mem, sdk.FS} {
		if err := nobody.Put(bg, "k", []byte(`"local"`), sdk.WithBackend(b)); err != nil {
			t.Fatalf("%s beside an unreachable server: %v", b, err)
		}
		if v, hit, err := nobody.Get(bg, "k", sdk.WithBackend(b)); err != nil || !hit || string(v) != `"local"` {
			t.Fatalf("%s beside an unreachable server: %s %v %v", b, v, hit, err)
		}
	}
}

// TestPostgresBesideLocal: one cache uses postgres, sqlite and mem in the
// same instances; each is its own store.
func TestPostgresBesideLocal(t *testing.T) {
	dsn := pgDSN(t)
	c := pgOpen(t, dsn, sdk.NewConfig().WithPoolSize(1))
	bg := context.Background()
	backends := []sdk.Backend{sdk.Postgres, sdk.SQLite, sdk.Mem, sdk.FS}
	for round := range 3 {
		for i, b := range backends {
			if err := c.Put(bg, "k", []byte(strconv.Itoa(round*10+i)), sdk.WithBackend(b)); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
		}
		for i, b := range backends {
			v, hit, err := c.Get(bg, "k", sdk.WithBackend(b))
			if err != nil || !hit || string(v) != strconv.Itoa(round*10+i) {
				t.Fatalf("round %d %s: %s %v %v", round, b, v, hit, err)
			}
		}
	}
	if rows := pgRows(t, dsn); len(rows) != 1 || rows[0][2] != "20" {
		t.Fatalf("the server holds %v; want the postgres entry only", rows)
	}
}

// outage takes the server down with stop (Stop, Freeze) and returns end,
// which brings it back with resume (Restart, Thaw) the first time it is
// called and does nothing after: call it where the outage ends, and defer it
// so that a test that ends early leaves the server up.
func outage(t *testing.T, stop, resume func() error) (end func() error) {
	t.Helper()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	ended := false
	return func() error {
		if ended {
			return nil
		}
		ended = true
		return resume()
	}
}

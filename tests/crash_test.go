package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

// TestCrash kills writer processes with SIGKILL at random moments (during
// start-up, schema creation, puts, evictions), 20 rounds per backend (5
// with -short), two writers at a time. After each round:
//
//   - the SQLite file passes PRAGMA integrity_check (opened directly with
//     github.com/ncruces/go-sqlite3), and every fs record parses;
//   - no acknowledged put is missing: each writer prints every put the
//     cache acknowledged before going on, and a fresh cache must read that
//     version or a later one;
//   - temp files left by a killed atomic write are ignored by readers
//     (keys, stats and gets see only records);
//   - the cache keeps working.
func TestCrash(t *testing.T) {
	rounds := scale(20, 5, 60)
	warmCompileCache(t)
	rng := rand.New(rand.NewPCG(42, 7))
	survived := 0
	for _, b := range []sdk.Backend{sdk.SQLite, sdk.FS} {
		t.Run(backendName(b), func(t *testing.T) {
			dir := t.TempDir()
			acked := map[string]int64{}
			var ackCount, killedMidPut int
			maxTemps := 0
			for round := range rounds {
				delay := time.Duration(rng.IntN(250)) * time.Millisecond
				var mu sync.Mutex
				var wg sync.WaitGroup
				for w := range 2 {
					kill := delay + time.Duration(w*rng.IntN(40))*time.Millisecond
					args, _ := json.Marshal(crashArgs{Dir: dir, Backend: b, Writer: w, Base: int64(round+1) * 1_000_000, Seed: uint64(round*2 + w)})
					h := startHelper(t, "crashwriter", string(args))
					wg.Add(2)
					go func() {
						defer wg.Done()
						h.lines(func(line string) {
							f := strings.Fields(line)
							if len(f) != 3 || f[0] != "ACK" {
								return
							}
							v, _ := strconv.ParseInt(f[2], 10, 64)
							mu.Lock()
							acked[f[1]] = max(acked[f[1]], v)
							ackCount++
							mu.Unlock()
						})
					}()
					go func() {
						defer wg.Done()
						time.Sleep(kill)
						h.cmd.Process.Kill() // SIGKILL
					}()
				}
				wg.Wait()
				temps := verifyAfterCrash(t, dir, b, acked, round)
				if temps > maxTemps {
					killedMidPut++ // this round's kill left a new one
				}
				maxTemps = max(maxTemps, temps)
				if t.Failed() {
					t.Fatalf("round %d (kill after %v) failed", round, delay)
				}
				survived++
			}
			t.Logf("%s: %d rounds of 2 writers killed with SIGKILL; %d acknowledged puts, all readable; "+
				"%d rounds left temp files (%d in all), all ignored by readers",
				b, rounds, ackCount, killedMidPut, maxTemps)
			if b == sdk.FS {
				checkTempsCleaned(t, dir)
			}
		})
	}
	t.Logf("%d crash rounds survived", survived)
}

type crashArgs struct {
	Dir     string
	Backend sdk.Backend
	Writer  int
	Base    int64 // versions start here: later rounds write newer versions
	Seed    uint64
}

const crashKeys = 40

// helperCrashWriter is the crashwriter role: it puts versions of its keys,
// printing "ACK <key> <version>" after each acknowledged put, and churns a
// small namespace (evictions, deletes, purges) in between, until killed.
func helperCrashWriter(argsJSON string) error {
	var a crashArgs
	if err := json.Unmarshal([]byte(argsJSON), &a); err != nil {
		return err
	}
	ctx := context.Background()
	c, err := sdk.Open(ctx, helperConfig().WithDir(a.Dir))
	if err != nil {
		return err
	}
	defer c.Close()
	rng := rand.New(rand.NewPCG(a.Seed, 1))
	durable := []sdk.Option{sdk.WithBackend(a.Backend), sdk.InNamespace("durable"), sdk.MaxEntries(100000), sdk.TTL(24 * time.Hour)}
	churn := []sdk.Option{sdk.WithBackend(a.Backend), sdk.InNamespace("churn"), sdk.MaxEntries(5), sdk.TTL(time.Duration(rng.IntN(50)) * time.Millisecond)}
	pad := strings.Repeat("p", rng.IntN(4000))
	stop := time.Now().Add(30 * time.Second) // never reached unless the parent forgot to kill
	for i := int64(0); time.Now().Before(stop); i++ {
		v := a.Base + i
		key := fmt.Sprintf("w%d-%02d", a.Writer, rng.IntN(crashKeys))
		value := fmt.Sprintf(`{"w":%d,"v":%d,"pad":%q}`, a.Writer, v, pad)
		if err := c.Put(ctx, key, []byte(value), durable...); err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		if _, err := fmt.Fprintf(os.Stdout, "ACK %s %d\n", key, v); err != nil {
			return err
		}
		switch rng.IntN(6) {
		case 0:
			if err := c.Put(ctx, fmt.Sprint("c", rng.IntN(20)), []byte(value), churn...); err != nil {
				return fmt.Errorf("churn put: %w", err)
			}
		case 1:
			if _, err := c.Delete(ctx, fmt.Sprint("c", rng.IntN(20)), churn...); err != nil {
				return fmt.Errorf("churn delete: %w", err)
			}
		case 2:
			if _, err := c.Purge(ctx, churn...); err != nil {
				return fmt.Errorf("purge: %w", err)
			}
		case 3:
			if _, _, err := c.Get(ctx, key, durable...); err != nil {
				return fmt.Errorf("get: %w", err)
			}
		}
	}
	return nil
}

// verifyAfterCrash checks the store after a round; it returns how many
// temp files were left.
func verifyAfterCrash(t *testing.T, dir string, b sdk.Backend, acked map[string]int64, round int) int {
	t.Helper()
	temps := 0
	switch b {
	case sdk.SQLite:
		if res := integrityCheck(t, filepath.Join(dir, "cache.sqlite")); res != "ok" {
			t.Errorf("round %d: integrity_check: %s", round, res)
		}
	case sdk.FS:
		_, tmp := fsCheck(t, filepath.Join(dir, "files"))
		temps = len(tmp)
	}
	// A fresh cache, as after a restart.
	ctx := context.Background()
	c, err := sdk.Open(ctx, helperConfig().WithDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	durable := []sdk.Option{sdk.WithBackend(b), sdk.InNamespace("durable")}
	for key, v := range acked {
		got, hit, err := c.Get(ctx, key, durable...)
		switch {
		case err != nil:
			t.Errorf("round %d: get %s: %v", round, key, err)
		case !hit:
			t.Errorf("round %d: acknowledged put of %s (version %d) is missing", round, key, v)
		case gotVersion(got) < v:
			t.Errorf("round %d: %s: acknowledged version %d, reads %s", round, key, v, got)
		}
	}
	keys, err := c.Keys(ctx, "", durable...)
	if err != nil {
		t.Errorf("round %d: keys: %v", round, err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "w") {
			t.Errorf("round %d: keys lists %q, not a key any writer put", round, k)
		}
	}
	st, err := c.Stats(ctx, durable...)
	if err != nil {
		t.Errorf("round %d: stats: %v", round, err)
	} else if st.Entries != uint64(len(keys)) {
		t.Errorf("round %d: stats counts %d entries, keys lists %d", round, st.Entries, len(keys))
	}
	for _, ns := range []string{"durable", "churn"} {
		probe := []sdk.Option{sdk.WithBackend(b), sdk.InNamespace(ns)}
		if err := c.Put(ctx, "probe", []byte(`{"round":`+strconv.Itoa(round)+`}`), probe...); err != nil {
			t.Errorf("round %d: the cache does not work after the crash: %v", round, err)
		} else if _, hit, err := c.Get(ctx, "probe", probe...); err != nil || !hit {
			t.Errorf("round %d: probe: %v %v", round, hit, err)
		}
		if _, err := c.Delete(ctx, "probe", probe...); err != nil {
			t.Errorf("round %d: delete probe: %v", round, err)
		}
	}
	return temps
}

// checkTempsCleaned checks that temp files left by killed writes go away:
// once older than any write in flight, a cache that lists the folder
// removes them (filecap's List does, as CleanStaleTemps would).
func checkTempsCleaned(t *testing.T, dir string) {
	_, temps := fsCheck(t, filepath.Join(dir, "files"))
	if len(temps) == 0 {
		return
	}
	// Age them, then use the cache the way a new process would.
	old := time.Now().Add(-48 * time.Hour)
	for _, p := range temps {
		os.Chtimes(filepath.Join(dir, "files", p), old, old)
	}
	ctx := context.Background()
	c, err := sdk.Open(ctx, helperConfig().WithDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	o := []sdk.Option{sdk.WithBackend(sdk.FS), sdk.InNamespace("durable")}
	for i := range 3 {
		c.Put(ctx, fmt.Sprint("after", i), []byte("1"), o...)
	}
	c.Purge(ctx, o...)
	c.Close()
	_, left := fsCheck(t, filepath.Join(dir, "files"))
	if len(left) > 0 {
		t.Errorf("%d stale temp files (aged 48 h) are still there after a new cache used the folder: %q", len(left), left)
	}
}

// knownBug fails with msg when SANDCACHE_KNOWN_BUGS=1, and otherwise only
// logs it: the suite stays green while a reported bug awaits its owner.
func knownBug(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("SANDCACHE_KNOWN_BUGS") == "1" {
		t.Error("KNOWN BUG: " + msg)
		return
	}
	t.Log("KNOWN BUG (SANDCACHE_KNOWN_BUGS=1 makes it fail): " + msg)
}

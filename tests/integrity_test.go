package tests

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/record"
	"github.com/sandcache/sandcache/sdk"
)

// Checks that a store left on disk is intact, shared by the reliability
// tests (multiprocess, crash, faults, sim).

// checkStoreIntegrity checks the SQLite file (PRAGMA integrity_check) or
// every fs record.
func checkStoreIntegrity(t *testing.T, dir string, b sdk.Backend) {
	t.Helper()
	switch b {
	case sdk.SQLite:
		if res := integrityCheck(t, filepath.Join(dir, "cache.sqlite")); res != "ok" {
			t.Errorf("integrity_check: %s", res)
		}
	case sdk.FS:
		records, temps := fsCheck(t, filepath.Join(dir, "files"))
		t.Logf("fs: %d records parse, %d temp files", len(records), len(temps))
	}
}

// integrityCheck runs PRAGMA integrity_check on a database file directly.
func integrityCheck(t testing.TB, path string) string {
	t.Helper()
	conn, err := sqlite3.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.BusyTimeout(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	st, _, err := conn.Prepare("PRAGMA integrity_check")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var lines []string
	for st.Step() {
		lines = append(lines, st.ColumnText(0))
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "; ")
}

// isTempName reports whether name looks like a temp file of an atomic
// write: ".<name>.<16 hex>.tmp".
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp")
}

// fsCheck walks an fs backend root: every <64hex>.json must parse as a
// record whose key hashes to its name. It returns the records by
// namespace/name and the temp files it saw.
func fsCheck(t testing.TB, root string) (records map[string]record.Record, temps []string) {
	t.Helper()
	records = map[string]record.Record{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		name := d.Name()
		switch {
		case isTempName(name):
			temps = append(temps, rel)
		case cache.IsEntryFileName(name):
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			r, err := record.Decode(data)
			if err != nil {
				t.Errorf("fs record %s does not parse (torn?): %v\n%q", rel, err, data)
				return nil
			}
			if cache.EntryFileName(r.Key) != name {
				t.Errorf("fs record %s holds key %q, whose file would be %s", rel, r.Key, cache.EntryFileName(r.Key))
			}
			records[rel] = r
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return records, temps
}

package hostbench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sandcache/sandcache/internal/filecap"
	"github.com/sandcache/sandcache/internal/guest/cache"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/sqlcap"
)

// Filling a fixture's stores natively, faster than through the cache's own
// calls: one SQLite transaction, fs records written without temp files, a
// filled folder copied.

// fillNative fills the store with the cache engine compiled natively,
// over a fresh SQL session on the native side's grant, in one SQLite
// transaction (see batchSQL), then closes the engine.
func fillNative(ctx context.Context, nt *nativeTarget, dir string, f *Fixture) error {
	session := sqlcap.NewSession(nt.grant)
	defer session.CloseAll()
	sql := &batchSQL{SQL: session, fake: map[capability.Stmt]struct{}{}}
	e := cache.New(sql, &fillFiles{Files: nt.files, dir: dir}, nowMillis)
	defer e.Close()
	err := f.fill(ctx, func(key string, value []byte, o *nsOpts) (uint32, error) {
		out, err := e.Put(key, value, &o.n)
		return out.Evicted, err
	})
	if err == nil {
		err = sql.commit()
	}
	if err != nil {
		return fmt.Errorf("hostbench: fill %v: %w", f.Backend, err)
	}
	return nil
}

// fillFolder fills dir's sqlite or fs store natively.
func fillFolder(ctx context.Context, dir string, f *Fixture) error {
	nt, err := openNative(ctx, dir, 1, "")
	if err != nil {
		return err
	}
	defer nt.close()
	return fillNative(ctx, nt, dir, f)
}

// batchSQL runs a whole fill in one transaction: it opens one when the
// engine opens its database and turns the engine's own transaction
// statements (BEGIN ..., COMMIT, END) into no-ops, so a fill of 100 000
// entries costs one commit instead of 100 000. Anything else, ROLLBACK
// included, goes to SQLite: a rollback ends the outer transaction too, and
// the final commit then fails loudly.
type batchSQL struct {
	capability.SQL
	fake   map[capability.Stmt]struct{}
	next   capability.Stmt
	db     capability.DB
	opened bool
}

func isTxControl(sql string) bool {
	s := strings.ToUpper(strings.TrimSpace(sql))
	s = strings.TrimSuffix(s, ";")
	return strings.HasPrefix(s, "BEGIN") || s == "COMMIT" || s == "END" ||
		strings.HasPrefix(s, "COMMIT ") || strings.HasPrefix(s, "END ")
}

func (b *batchSQL) Open(name string, memory bool) (capability.DB, error) {
	db, err := b.SQL.Open(name, memory)
	if err != nil || b.opened {
		return db, err
	}
	if err := b.SQL.Exec(db, "BEGIN IMMEDIATE"); err != nil {
		b.SQL.Close(db)
		return 0, err
	}
	b.db, b.opened = db, true
	return db, nil
}

func (b *batchSQL) commit() error {
	if !b.opened {
		return nil
	}
	return b.SQL.Exec(b.db, "COMMIT")
}

func (b *batchSQL) Exec(db capability.DB, sql string) error {
	if isTxControl(sql) {
		return nil
	}
	return b.SQL.Exec(db, sql)
}

func (b *batchSQL) Prepare(db capability.DB, sql string) (capability.Stmt, error) {
	if !isTxControl(sql) {
		return b.SQL.Prepare(db, sql)
	}
	b.next++
	h := 0xFFFF0000 + b.next
	b.fake[h] = struct{}{}
	return h, nil
}

func (b *batchSQL) Step(s capability.Stmt) (bool, error) {
	if _, ok := b.fake[s]; ok {
		return false, nil
	}
	return b.SQL.Step(s)
}

func (b *batchSQL) Reset(s capability.Stmt) error {
	if _, ok := b.fake[s]; ok {
		return nil
	}
	return b.SQL.Reset(s)
}

// Run drops the transaction statements from the batch.
func (b *batchSQL) Run(calls []capability.Call) ([]capability.Value, int, error) {
	real := make([]capability.Call, 0, len(calls))
	for _, c := range calls {
		if _, ok := b.fake[c.Statement]; !ok {
			real = append(real, c)
		}
	}
	vals, ran, err := b.SQL.Run(real)
	if ran == len(real) {
		ran = len(calls)
	}
	return vals, ran, err
}

func (b *batchSQL) Finalize(s capability.Stmt) {
	if _, ok := b.fake[s]; ok {
		delete(b.fake, s)
		return
	}
	b.SQL.Finalize(s)
}

// fillFiles speeds up filling an fs store that nobody else uses yet: writes
// skip the temp file and fsync, and folders list as empty, so the engine's
// per-put index sync costs nothing instead of a listing of every entry
// (nothing needs evicting while the namespace fills up to its maximum).
// The records and file names are the engine's own.
type fillFiles struct {
	capability.Files
	dir string
}

func (w *fillFiles) WriteAtomic(path string, data []byte) error {
	if _, err := filecap.SplitPath(path); err != nil {
		return err
	}
	p := filepath.Join(w.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

func (w *fillFiles) List(string) ([]string, error) { return nil, nil }

// copyTree copies the regular files and folders under src into dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
}

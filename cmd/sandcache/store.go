package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

// globals are the flags every command accepts.
type globals struct {
	dir        string
	backend    string
	path       string
	namespace  string
	ttl        string
	maxEntries string
	options    string
	json       bool
	timeout    string
	dsn        string // postgres.go
}

func (g *globals) register(fs *flagSet) {
	fs.str("dir", &g.dir)
	fs.str("backend", &g.backend)
	fs.str("path", &g.path)
	fs.str("namespace", &g.namespace)
	fs.str("ttl", &g.ttl)
	fs.str("max-entries", &g.maxEntries)
	fs.str("options", &g.options)
	fs.boolean("json", &g.json)
	fs.str("timeout", &g.timeout)
	fs.str("dsn", &g.dsn)
}

// check validates what can be checked without the cache.
func (g *globals) check() error {
	if err := g.checkServer(); err != nil {
		return err
	}
	if g.maxEntries != "" {
		if _, err := strconv.ParseInt(g.maxEntries, 10, 64); err != nil {
			return usagef("flag --max-entries must be an integer; got %q", g.maxEntries)
		}
	}
	return nil
}

// parseBackend maps a name of bench's --backends flag: a backend's own
// name (Backend.String). The cache's commands ask the guest instead
// (backendOf), whose option parser holds the names and their aliases.
func parseBackend(s string) (sdk.Backend, error) {
	name := strings.TrimSpace(s)
	for _, b := range []sdk.Backend{sdk.SQLite, sdk.FS, sdk.Mem, sdk.Postgres} {
		if name == b.String() {
			return b, nil
		}
	}
	return 0, usagef("backend must be sqlite, fs, mem or postgres; got %q", s)
}

// baseDir is --dir made absolute, or the SDK's default folder.
func (a *app) baseDir() (string, error) {
	dir := a.g.dir
	if dir == "" {
		dir = sdk.DefaultDir()
	}
	return filepath.Abs(dir)
}

// config is the SDK configuration: the folder, the clock from
// SANDCACHE_NOW_MS, and a compilation cache outside the folder.
func (a *app) config(dir string) (sdk.Config, error) {
	cfg := a.withServer(sdk.NewConfig().WithDir(dir).WithPoolSize(1))
	clock := a.clockFn
	if clock == nil {
		var err error
		if clock, err = a.clock(); err != nil {
			return cfg, err
		}
	}
	cfg = cfg.WithClock(clock)
	if d := compileCacheDir(); d != "" {
		cfg = cfg.WithCompilationCacheDir(d)
	}
	return cfg, nil
}

// clock is the wall clock, or the fixed time SANDCACHE_NOW_MS gives.
func (a *app) clock() (func() time.Time, error) {
	s := os.Getenv("SANDCACHE_NOW_MS")
	if s == "" {
		return time.Now, nil
	}
	ms, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("SANDCACHE_NOW_MS must be milliseconds since the Unix epoch; got %q", s)
	}
	return func() time.Time { return time.UnixMilli(ms) }, nil
}

// openStoreWithClock is openStore with the guest's clock replaced.
func (a *app) openStoreWithClock(clock func() time.Time) (*sdk.Cache, sdk.Options, error) {
	a.clockFn = clock
	defer func() { a.clockFn = nil }()
	return a.openStore()
}

// compileCacheDir is where wazero keeps the compiled guest, so a new process
// starts fast: <user cache folder>/sandcache-wazero, a sibling of the default
// cache folder and never inside a granted one. SANDCACHE_NO_COMPILE_CACHE=1
// turns it off.
func compileCacheDir() string {
	if v := os.Getenv("SANDCACHE_NO_COMPILE_CACHE"); v != "" && v != "0" {
		return ""
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "sandcache-wazero")
}

// open opens a cache granted exactly dir.
func (a *app) open(dir string) (*sdk.Cache, error) {
	cfg, err := a.config(dir)
	if err != nil {
		return nil, err
	}
	return sdk.Open(a.ctx, cfg)
}

// openBase opens the cache on the base folder; commands that need no store
// (duration, llm-key) use it to run the guest's parsers.
func (a *app) openBase() (*sdk.Cache, error) {
	dir, err := a.baseDir()
	if err != nil {
		return nil, err
	}
	return a.open(dir)
}

// openStore resolves the options (--options, then the flags) and opens a
// cache granted only the folder they need. The returned options select the
// store inside it.
func (a *app) openStore() (*sdk.Cache, sdk.Options, error) {
	dir, err := a.baseDir()
	if err != nil {
		return nil, sdk.Options{}, err
	}
	if a.flags.given["path"] {
		// The flag wins over any path in --options: grant its folder from
		// the start rather than creating --dir for nothing.
		if d, _, err := grant(a.g.path); err == nil {
			dir = d
		}
	}
	c, err := a.open(dir)
	if err != nil {
		return nil, sdk.Options{}, err
	}
	o, err := a.resolveOptions(c)
	if err != nil {
		c.Close()
		return nil, o, err
	}
	// The folder to grant: the path the flags or the dictionary give. A
	// dictionary the guest refuses is passed on as it is: the operation
	// reports its error, after its arguments' (as the original does).
	path, backend := o.Path, o.Backend
	if a.g.options != "" {
		if p, err := c.ParseOptions(a.ctx, []byte(a.g.options)); err == nil {
			if path == "" {
				path = p.Path
			}
			if !a.flags.given["backend"] {
				backend = p.Backend
			}
		}
	}
	if backend == sdk.Postgres && !a.lendsServer() {
		c, err = a.reopenWithServer(c)
		return c, o, err
	}
	if path == "" || backend == sdk.Mem || backend == sdk.Postgres {
		return c, o, nil
	}
	dir, inside, err := grant(path)
	if err != nil {
		c.Close()
		return nil, o, err
	}
	o.Path = inside
	if dir == c.Dir() {
		return c, o, nil
	}
	c.Close()
	c, err = a.open(dir)
	return c, o, err
}

// grant maps a user's path (relative to the working directory, or
// absolute) to the folder to grant and the path inside it: the parent
// folder of the SQLite file or fs root, and its name. (The fs root cannot be
// the granted folder itself: the guest's file capability refuses "." as a
// path component.)
func grant(p string) (dir, inside string, err error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", "", err
	}
	dir, base := filepath.Split(abs)
	if base == "" {
		return "", "", fmt.Errorf("cache path %q names no file or folder below the root", p)
	}
	return filepath.Clean(dir), base, nil
}

// resolveOptions gives the guest what the user gave: --options as the
// option dictionary, the flags over it. The guest fills the rest.
func (a *app) resolveOptions(c *sdk.Cache) (sdk.Options, error) {
	var o sdk.Options
	given := a.flags.given
	if given["ttl"] {
		secs, err := c.ParseDuration(a.ctx, a.g.ttl)
		if err != nil {
			return o, err
		}
		if secs <= uint64(math.MaxInt64/int64(time.Second)) {
			sdk.TTL(time.Duration(secs) * time.Second)(&o)
		} else {
			// Beyond what a time.Duration holds: let the guest keep the
			// exact value, as it does for an option dictionary.
			dict := append(appendJSONString([]byte(`{"ttl":`), a.g.ttl), '}')
			p, err := c.ParseOptions(a.ctx, dict)
			if err != nil {
				return o, err
			}
			sdk.ExactTTL(p.TTLMillis())(&o)
		}
	}
	if a.g.options != "" {
		sdk.WithOptionDict([]byte(a.g.options))(&o)
	}
	if given["backend"] {
		b, err := a.backendOf(c, a.g.backend)
		if err != nil {
			return o, err
		}
		sdk.WithBackend(b)(&o)
	}
	if given["path"] {
		o.Path = a.g.path
	}
	if given["namespace"] {
		o.Namespace = a.g.namespace
	}
	if given["max-entries"] {
		n, _ := strconv.ParseInt(a.g.maxEntries, 10, 64)
		sdk.MaxEntries(int(n))(&o)
	}
	return o, nil
}

// backendOf asks the guest which backend a --backend name means: its
// option parser holds the names and aliases, and the original's error text.
func (a *app) backendOf(c *sdk.Cache, name string) (sdk.Backend, error) {
	p, err := c.ParseOptions(a.ctx, append(appendJSONString([]byte(`{"backend":`), name), '}'))
	if err != nil {
		return 0, err
	}
	return p.Backend, nil
}

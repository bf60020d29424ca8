package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/sandcache/sandcache/internal/hostbench"
)

// measureStartup times `sandcache get` (a hit) in fresh processes of this
// very binary, on a cache folder under tmp: warm times with a compilation
// cache that an earlier process filled, cold times each with a new, empty
// one. The compilation cache lives under the user cache folder
// (compileCacheDir), which the child processes find through
// XDG_CACHE_HOME and HOME.
func measureStartup(ctx context.Context, tmp string, warm, cold int) (*hostbench.Startup, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: cannot find this program to run it: %w", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "SANDCACHE_"), name == "XDG_CACHE_HOME", name == "HOME", name == "LocalAppData":
		default:
			env = append(env, kv)
		}
	}
	dir := filepath.Join(tmp, "startup-store")
	const key = "bench:startup"
	run := func(home string, args ...string) (time.Duration, error) {
		cmd := exec.CommandContext(ctx, exe, args...)
		cmd.Env = append(env[:len(env):len(env)],
			"SANDCACHE_DIR="+dir,
			"XDG_CACHE_HOME="+filepath.Join(home, "cache"), // Linux and BSDs
			"HOME="+home,                                   // macOS: $HOME/Library/Caches
			"LocalAppData="+filepath.Join(home, "cache"),   // Windows
		)
		cmd.Stdout = io.Discard
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		if err != nil {
			return 0, fmt.Errorf("bench: sandcache %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return d, nil
	}
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }

	s := &hostbench.Startup{Command: "sandcache get " + key, WarmSamplesMs: []float64{}, ColdSamplesMs: []float64{}}
	warmHome := filepath.Join(tmp, "startup-warm")
	// The put compiles the guest and fills the compilation cache; one get
	// brings the cache files into the page cache.
	if _, err := run(warmHome, "put", key, `{"ok":true}`); err != nil {
		return nil, err
	}
	if _, err := run(warmHome, "get", key); err != nil {
		return nil, err
	}
	for range warm {
		d, err := run(warmHome, "get", key)
		if err != nil {
			return nil, err
		}
		s.WarmSamplesMs = append(s.WarmSamplesMs, ms(d))
	}
	for i := range cold {
		home := filepath.Join(tmp, fmt.Sprintf("startup-cold-%d", i))
		d, err := run(home, "get", key)
		os.RemoveAll(home)
		if err != nil {
			return nil, err
		}
		s.ColdSamplesMs = append(s.ColdSamplesMs, ms(d))
	}
	s.WarmMs = hostbench.Median(s.WarmSamplesMs)
	s.ColdMs = hostbench.Median(s.ColdSamplesMs)
	return s, nil
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sandcache/sandcache/sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// cmdRun runs a WASI preview 1 command module (its _start) as a plugin:
// with wasi:keyvalue and sandcache:plugin/cache over the grant (--dir;
// bucket names are namespaces), its arguments, stdin, stdout and stderr,
// no preopened folder and no environment. It exits with the module's exit
// code; a trap (or the --timeout deadline) exits 2 with the trap on stderr.
func cmdRun(a *app, pos []string) error {
	wasm, err := os.ReadFile(pos[0])
	if err != nil {
		return fmt.Errorf("reading the plugin module: %w", err)
	}
	dir, err := a.baseDir()
	if err != nil {
		return err
	}
	ctx := a.ctx
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return err
	}
	pcfg, err := a.pluginConfig(dir)
	if err != nil {
		return err
	}
	p, err := sdk.InstantiatePluginImports(ctx, rt, pcfg)
	if err != nil {
		return err
	}
	defer p.Close()
	cm, err := p.CompilePlugin(ctx, wasm)
	if err != nil {
		return err
	}
	if _, ok := cm.ExportedFunctions()["_start"]; !ok {
		return usagef("%s exports no _start: run takes a WASI preview 1 command module", pos[0])
	}
	cfg := wazero.NewModuleConfig().
		WithName("plugin").
		WithArgs(append([]string{filepath.Base(pos[0])}, pos[1:]...)...).
		WithStdin(a.stdin).WithStdout(a.stdout).WithStderr(a.stderr)
	mod, err := rt.InstantiateModule(ctx, cm, cfg)
	if mod != nil {
		mod.Close(ctx)
	}
	var exit *sys.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() < 256 && exit.ExitCode() != sys.ExitCodeDeadlineExceeded:
		if exit.ExitCode() == 0 {
			return nil
		}
		return exitCode(exit.ExitCode())
	}
	fmt.Fprintf(a.stderr, "sandcache run: the plugin failed: %v\n", err)
	return exitCode(2)
}

// pluginConfig is the plugin's configuration from the global flags:
// --backend and --max-entries (per bucket) apply; the flags that select a
// store or its keys do not (bucket names are namespaces) and are refused.
func (a *app) pluginConfig(dir string) (sdk.PluginConfig, error) {
	for _, f := range []string{"path", "namespace", "options", "ttl", "json"} {
		if a.flags.given[f] {
			return sdk.PluginConfig{}, usagef("--%s does not apply to run: bucket names are namespaces of --dir, quotas are the plugin's", f)
		}
	}
	cacheCfg, err := a.config(dir)
	if err != nil {
		return sdk.PluginConfig{}, err
	}
	if a.flags.given["backend"] {
		b, err := parseBackend(a.g.backend)
		if err != nil {
			return sdk.PluginConfig{}, err
		}
		cacheCfg = cacheCfg.WithDefaults(sdk.WithBackend(b))
	}
	pcfg := sdk.NewPluginConfig(cacheCfg)
	if a.flags.given["max-entries"] {
		n, err := strconv.Atoi(a.g.maxEntries)
		if err != nil || n < 1 {
			return sdk.PluginConfig{}, usagef("--max-entries %q: run takes a positive number of entries per bucket", a.g.maxEntries)
		}
		pcfg = pcfg.WithMaxEntries(n)
	}
	return pcfg, nil
}

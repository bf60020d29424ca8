package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	if len(pos) < 1 {
		return usagef("usage: sandcache run [global flags] MODULE.wasm [ARGS...]")
	}
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
	cacheCfg, err := a.config(dir)
	if err != nil {
		return err
	}
	p, err := sdk.InstantiatePluginImports(ctx, rt, sdk.NewPluginConfig(cacheCfg))
	if err != nil {
		return err
	}
	defer p.Close()
	cm, err := p.CompilePlugin(ctx, wasm)
	if err != nil {
		return err
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
	fmt.Fprintf(a.stderr, "sandcache run: the plugin trapped: %v\n", err)
	return exitCode(2)
}

// Command plugin-host runs untrusted WebAssembly plugins side by side, each
// with a cache of its own. Each plugin is a real .wasm module (here
// plugins/testdata/notes.wasm, written in Go against wasi:keyvalue) in its
// own wazero runtime, given by sdk.InstantiatePluginImports a cache granted
// only the plugin's folder, with its own quota. Plugin beta then tries to
// read alpha's secret: by bucket name, by path-like names, by key. Bucket
// names are namespaces of beta's own grant, so it finds nothing; path-like
// names are refused.
//
// Usage, from the repository root: go run ./examples/plugin-host [PLUGINS_DIR]
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sandcache/sandcache/sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

func main() {
	plugins := "plugins/testdata"
	if len(os.Args) > 1 {
		plugins = os.Args[1]
	}
	base, err := os.MkdirTemp("", "plugin-host")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := run(context.Background(), plugins, base, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// host runs plugins; each has a name, a grant under base and a quota.
type host struct {
	wasm     []byte
	base     string
	compiled wazero.CompilationCache
}

// plugin is one plugin's configuration: its own folder and byte quota.
func (h *host) config(name string, maxBytes int64) sdk.PluginConfig {
	return sdk.NewPluginConfig(sdk.NewConfig().WithDir(filepath.Join(h.base, name))).
		WithMaxBytes(maxBytes).
		WithMaxEntries(100).
		WithCallTimeout(2 * time.Second)
}

// call runs the plugin once with args, in a runtime of its own, and
// returns its output (stdout, or stderr and the exit code on failure).
func (h *host) call(ctx context.Context, cfg sdk.PluginConfig, args ...string) (string, error) {
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(h.compiled))
	defer rt.Close(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return "", err
	}
	imports, err := sdk.InstantiatePluginImports(ctx, rt, cfg)
	if err != nil {
		return "", err
	}
	defer imports.Close()
	mod, err := imports.CompilePlugin(ctx, h.wasm)
	if err != nil {
		return "", err
	}
	// The plugin's run has a deadline (compiling, above, has not): a plugin
	// that loops ends there, and only its own call fails.
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	_, err = rt.InstantiateModule(runCtx, mod, wazero.NewModuleConfig().
		WithArgs(append([]string{"notes"}, args...)...).WithStdout(&out).WithStderr(&errOut))
	if exit, ok := err.(*sys.ExitError); ok && exit.ExitCode() != 0 {
		return fmt.Sprintf("refused (exit %d: %s)", exit.ExitCode(), strings.TrimSpace(errOut.String())), nil
	} else if err != nil && !ok {
		return "", err
	}
	return strings.TrimSpace(out.String()), nil
}

func run(ctx context.Context, plugins, base string, w io.Writer) error {
	wasm, err := os.ReadFile(filepath.Join(plugins, "notes.wasm"))
	if err != nil {
		return err
	}
	h := &host{wasm: wasm, base: base, compiled: wazero.NewCompilationCache()}
	defer h.compiled.Close(ctx)
	alpha := h.config("alpha", 4096)
	beta := h.config("beta", 64)
	steps := []struct {
		who  string
		cfg  sdk.PluginConfig
		args []string
	}{
		{"alpha", alpha, []string{"set", "vault", "api-token", `"alpha's secret"`}},
		{"alpha", alpha, []string{"get", "vault", "api-token"}},
		{"beta", beta, []string{"get", "vault", "api-token"}},
		{"beta", beta, []string{"get", "alpha", "api-token"}},
		{"beta", beta, []string{"get", "default", "vault/api-token"}},
		{"beta", beta, []string{"get", "../alpha/vault", "api-token"}},
		{"beta", beta, []string{"get", filepath.Join(base, "alpha"), "api-token"}},
		{"beta", beta, []string{"set", "vault", "big", `"` + strings.Repeat("x", 100) + `"`}},
		{"beta", beta, []string{"stats", "vault"}},
	}
	for _, s := range steps {
		out, err := h.call(ctx, s.cfg, s.args...)
		if err != nil {
			return fmt.Errorf("plugin %s: %w", s.who, err)
		}
		args := strings.Join(s.args, " ")
		args = strings.ReplaceAll(args, base, "$BASE")
		fmt.Fprintf(w, "%s: %s -> %s\n", s.who, args, out)
	}
	return nil
}

// Command plugin-host runs untrusted plugins side by side, each with a
// cache of its own: every plugin gets only an *sdk.Cache whose sandbox is
// granted the plugin's own folder, so it can neither read another plugin's
// entries nor reach another folder by path.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/sandcache/sandcache/sdk"
)

func main() {
	base, err := os.MkdirTemp("", "plugin-host")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(base)
	if err := run(context.Background(), base, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// plugin is untrusted code: all it receives is a cache handle.
type plugin struct {
	name string
	run  func(ctx context.Context, c *sdk.Cache, w io.Writer) error
}

// run starts each plugin on its own cache, granted <base>/<name> and using
// the namespace <name>.
func run(ctx context.Context, base string, w io.Writer) error {
	for _, p := range []plugin{{"alpha", alpha}, {"beta", beta}} {
		cfg := sdk.NewConfig().
			WithDir(filepath.Join(base, p.name)).
			WithDefaults(sdk.InNamespace(p.name))
		c, err := sdk.Open(ctx, cfg)
		if err != nil {
			return err
		}
		err = p.run(ctx, c, &prefixWriter{w: w, prefix: p.name + ": "})
		c.Close()
		if err != nil {
			return fmt.Errorf("plugin %s: %w", p.name, err)
		}
	}
	return nil
}

// alpha stores a secret in its cache.
func alpha(ctx context.Context, c *sdk.Cache, w io.Writer) error {
	if err := c.Put(ctx, "api-token", []byte(`"alpha's secret"`)); err != nil {
		return err
	}
	v, _, err := c.Get(ctx, "api-token")
	fmt.Fprintf(w, "stored and read back api-token = %s\n", v)
	return err
}

// beta tries to read alpha's secret: by key, by namespace, and by a path
// into alpha's folder.
func beta(ctx context.Context, c *sdk.Cache, w io.Writer) error {
	for _, try := range []struct {
		what string
		opts []sdk.Option
	}{
		{"its own namespace", nil},
		{`namespace "alpha"`, []sdk.Option{sdk.InNamespace("alpha")}},
		{"path ../alpha/cache.sqlite", []sdk.Option{sdk.InNamespace("alpha"), sdk.AtPath("../alpha/cache.sqlite")}},
	} {
		v, hit, err := c.Get(ctx, "api-token", try.opts...)
		switch {
		case errors.Is(err, sdk.ErrNotPermitted):
			fmt.Fprintf(w, "api-token via %s: refused (not permitted)\n", try.what)
		case err != nil:
			return err
		case hit:
			fmt.Fprintf(w, "api-token via %s: LEAKED %s\n", try.what, v)
		default:
			fmt.Fprintf(w, "api-token via %s: miss\n", try.what)
		}
	}
	return nil
}

// prefixWriter starts every write with prefix (plugins print whole lines).
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}

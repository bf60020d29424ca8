// Command witgen generates sandcache's canonical-ABI glue from wit/: the
// world's Go types with one generic lift and lower function per type
// (internal/witypes; plugin/keyvalue for the plugin world), the guest's
// export and import glue (standard Go GOOS=wasip1, over internal/cabi/guestrt),
// the Go host's calls and wazero import registration (over
// internal/cabi/hostrt), and a JS module with the names, flat signatures and
// layouts for the Node host. The runtimes are hand-written packages; the
// generated files hold only what the WIT defines.
//
// Sizes, alignments and flattening come from go.bytecodealliance.org/wit,
// which parses the WIT itself (wasm-tools compiled to wasm, run by wazero).
//
// Usage, from the repository root:
//
//	go run ./internal/cmd/witgen          # write the generated files
//	go run ./internal/cmd/witgen -check   # fail if any is stale
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"

	"go.bytecodealliance.org/wit"
)

// Outputs, relative to the repository root.
const (
	guestOut = "guest/witabi_gen.go"
	hostOut  = "internal/witabi/witabi_gen.go"
	typesOut = "internal/witypes/witypes_gen.go"
	jsOut    = "examples/node/generated/sandcache_abi.mjs"
)

func main() {
	root := flag.String("root", ".", "repository root")
	check := flag.Bool("check", false, "compare instead of writing; exit 1 when a file is stale")
	flag.Parse()
	if err := run(*root, *check); err != nil {
		fmt.Fprintln(os.Stderr, "witgen:", err)
		os.Exit(1)
	}
}

func run(root string, check bool) error {
	files, err := generate(filepath.Join(root, "wit"))
	if err != nil {
		return err
	}
	stale := 0
	for _, name := range sortedKeys(files) {
		path := filepath.Join(root, name)
		if check {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, files[name]) {
				fmt.Fprintf(os.Stderr, "witgen: %s is stale; run go generate ./internal/cmd/witgen (or ./build.sh) and commit it\n", name)
				stale++
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
	}
	if stale > 0 {
		return fmt.Errorf("%d generated file(s) stale", stale)
	}
	return nil
}

// generate returns every generated file by path.
func generate(witDir string) (map[string][]byte, error) {
	res, err := wit.LoadWIT(witDir)
	if err != nil {
		return nil, err
	}
	return generateFrom(res, func(shared *codec) (map[string][]byte, error) { return generatePlugin(witDir, shared) })
}

// generateFrom generates from a resolved WIT, and with it (when with is
// not nil) the files with returns, whose codecs share the world's codec
// (package witypes). A shape the emitters do not handle is reported as an
// error, not a crash.
func generateFrom(res *wit.Resolve, with func(shared *codec) (map[string][]byte, error)) (out map[string][]byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("unsupported WIT: %v", r)
		}
	}()
	m, err := loadModel(res, "guest")
	if err != nil {
		return nil, err
	}
	if err := checkTypes(m); err != nil {
		return nil, err
	}
	return genWorld(m, with)
}

// genWorld generates the sandcache world's files from its model, and the
// files with returns (see generateFrom).
func genWorld(m *model, with func(shared *codec) (map[string][]byte, error)) (map[string][]byte, error) {
	out := map[string][]byte{}
	var err error
	// The types' codec is emitted with the types, once every side (and
	// every package sharing it) has asked for what it uses.
	tc := &codec{goType: mustGoType, named: func(td *wit.TypeDef) string { return goName(*td.Name) }}
	tc.shared = tc
	if out[guestOut], err = genGuest(m, tc); err != nil {
		return nil, err
	}
	if out[hostOut], err = genHost(m, tc); err != nil {
		return nil, err
	}
	if out[jsOut], err = genJS(m); err != nil {
		return nil, err
	}
	if with != nil {
		more, err := with(tc)
		for name, b := range more {
			out[name] = b
		}
		if err != nil {
			return nil, err
		}
	}
	if out[typesOut], err = genTypes(m, tc); err != nil {
		return nil, err
	}
	return out, nil
}

func formatGo(src []byte) ([]byte, error) {
	out, err := format.Source(src)
	if err != nil {
		return src, fmt.Errorf("formatting generated code: %w", err)
	}
	return out, nil
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"go.bytecodealliance.org/wit"
)

const repo = "../../.."

// testModel loads the sandcache world's model from wit/.
func testModel(t *testing.T) *model {
	t.Helper()
	res, err := wit.LoadWIT(filepath.Join(repo, "wit"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := loadModel(res, "guest")
	if err == nil {
		err = checkTypes(m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestGeneratedFilesCurrent regenerates every output (the sandcache
// world's and the plugins') twice: the two runs must agree (deterministic
// output) and match the committed files.
func TestGeneratedFilesCurrent(t *testing.T) {
	gen := func() map[string][]byte {
		out, err := generate(filepath.Join(repo, "wit"))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b := gen(), gen()
	for _, name := range []string{guestOut, hostOut, typesOut, jsOut, pluginGuestOut, pluginHostOut, pluginTypesOut} {
		if a[name] == nil {
			t.Errorf("%s was not generated", name)
		}
	}
	for name, src := range a {
		if !bytes.Equal(src, b[name]) {
			t.Errorf("%s: two runs differ", name)
		}
		if !bytes.HasPrefix(src, []byte("// Code generated ")) || !bytes.Contains(src[:200], []byte("DO NOT EDIT.")) {
			t.Errorf("%s lacks the generated-code header", name)
		}
		old, err := os.ReadFile(filepath.Join(repo, name))
		if err != nil || !bytes.Equal(old, src) {
			t.Errorf("%s is stale (run go generate ./internal/cmd/witgen)", name)
		}
	}
}

// TestGuestWasmMatchesWIT checks host/guest.wasm's sandcache imports and
// exports, names and core signatures, against the WIT's flattening. Every
// export must be there; an import may be missing (Go's linker drops
// imports the guest never calls: dialect, bind-float, bind-blob,
// column-count, column-float, column-blob today).
func TestGuestWasmMatchesWIT(t *testing.T) {
	m := testModel(t)
	ctx := context.Background()
	bin, err := os.ReadFile(filepath.Join(repo, "host/guest.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	sig := func(params, results []api.ValueType) string {
		name := func(ts []api.ValueType) string {
			var s []string
			for _, v := range ts {
				s = append(s, api.ValueTypeName(v))
			}
			return strings.Join(s, " ")
		}
		return "(" + name(params) + ") -> (" + name(results) + ")"
	}
	core := func(params, results []string) string {
		return "(" + strings.Join(params, " ") + ") -> (" + strings.Join(results, " ") + ")"
	}
	want := map[string]string{"export cabi_realloc": "(i32 i32 i32 i32) -> (i32)"}
	for _, i := range m.imports {
		for _, f := range i.funcs {
			want["import "+i.qname+" "+f.Name] = core(coreSig(f, wit.Imported))
		}
	}
	for _, i := range m.exports {
		for _, f := range i.funcs {
			name := i.qname + "#" + f.Name
			want["export "+name] = core(coreSig(f, wit.Exported))
			want["export cabi_post_"+name] = core([]string{"i32"}, nil)
		}
	}
	got := map[string]string{}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod == "wasi_snapshot_preview1" {
			continue
		}
		got["import "+mod+" "+name] = sig(f.ParamTypes(), f.ResultTypes())
	}
	for name, f := range cm.ExportedFunctions() {
		if strings.HasPrefix(name, "sandcache:") || strings.HasPrefix(name, "cabi_") {
			got["export "+name] = sig(f.ParamTypes(), f.ResultTypes())
		}
	}
	var diffs []string
	for k, v := range want {
		if _, present := got[k]; !present && strings.HasPrefix(k, "import ") {
			continue // the linker drops imports the guest never calls
		}
		if got[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: guest.wasm %q, WIT %q", k, got[k], v))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: %q is not in the WIT", k, v))
		}
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
	if len(got) < 2*10+1+6 { // the exports, their posts, cabi_realloc, the files imports
		t.Errorf("guest.wasm has only %d sandcache imports and exports", len(got))
	}
}

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{"llm-key": "LLMKey", "ttl-ms": "TTLMs", "%list": "List", "remove-dir": "RemoveDir", "sql": "SQL"} {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := lowerName("llm-key"); got != "llmKey" {
		t.Errorf("lowerName(llm-key) = %q", got)
	}
}

// TestUnsupportedWIT checks that shapes the generator does not handle are
// refused with a clear error.
func TestUnsupportedWIT(t *testing.T) {
	for name, src := range map[string]string{
		"variant param": `package t:t;
interface i { variant v { a(u32), b(string) } f: func(x: v); }
world guest { export i; }`,
		"bare function": `package t:t;
world guest { export f: func(); }`,
		"result without error": `package t:t;
interface i { f: func() -> result<u32>; }
world guest { export i; }`,
		"no guest world": `package t:t;
interface i { f: func(); }
world other { export i; }`,
	} {
		t.Run(name, func(t *testing.T) {
			res, err := wit.DecodeWIT(strings.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			out, err := generateFrom(res, nil)
			if err == nil || out != nil {
				t.Fatalf("generateFrom = %d files, %v; want an error", len(out), err)
			}
			t.Log(err)
		})
	}
}

// TestFlatBoolsUseLow32Bits: the host lifts a flat bool argument from the
// low 32 bits of its uint64 slot (wazero leaves an i32's upper bits
// undefined: a guest's false arrived as true when the slot was compared
// whole).
func TestFlatBoolsUseLow32Bits(t *testing.T) {
	for _, name := range []string{hostOut, pluginHostOut} {
		src, err := os.ReadFile(filepath.Join(repo, name))
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`[^(]s\[\d+\] != 0`).Find(src); m != nil {
			t.Errorf("%s compares a whole slot: %s", name, m)
		}
		if !bytes.Contains(src, []byte("uint32(s[")) {
			t.Errorf("%s lifts no flat value from a slot's low bits", name)
		}
	}
}

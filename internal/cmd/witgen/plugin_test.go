package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPluginGlue: the plugin glue has the canonical import names and the
// wrappers' signatures, and shares package witypes' codec
// (TestGeneratedFilesCurrent checks that it is current).
func TestPluginGlue(t *testing.T) {
	a, err := generate(filepath.Join(repo, "wit"))
	if err != nil {
		t.Fatal(err)
	}
	guest := string(a[pluginGuestOut])
	for _, want := range []string{
		"//go:wasmimport wasi:keyvalue/store@0.2.0-draft2 [method]bucket.get\n",
		"//go:wasmimport wasi:keyvalue/store@0.2.0-draft2 [resource-drop]bucket\n",
		"//go:wasmimport wasi:keyvalue/atomics@0.2.0-draft2 [static]cas.new\n",
		"func (self Bucket) Get(key string) (Option[[]byte], *Error) {",
		"func Swap(cas Cas, value []byte) *CasError {",
	} {
		if !strings.Contains(guest, want) {
			t.Errorf("guest glue lacks %q", want)
		}
	}
	// Lists and options of primitives are package witypes' codec, emitted
	// once for every package.
	types, host := string(a[pluginTypesOut]), string(a[pluginHostOut])
	if strings.Contains(types+host, "func LowerListOfString") || !strings.Contains(types, "witypes.LowerListOfString[W]") {
		t.Errorf("list<string> is not lowered by package witypes' codec")
	}
	if !strings.Contains(string(a[typesOut]), "func LowerOptionOfU64[") {
		t.Errorf("witypes lacks option<u64>, which the draft world's key-response uses")
	}
}

// pluginWITDir writes a plugin WIT root whose world "plugin" imports an
// interface with body, and an empty "plugin-draft".
func pluginWITDir(t *testing.T, body string) string {
	dir := t.TempDir()
	src := "package test:p@0.1.0;\ninterface i {\n" + body + "\n}\nworld plugin { import i; }\nworld plugin-draft { import i; }\n"
	if err := os.MkdirAll(filepath.Join(dir, pluginWIT), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, pluginWIT, "p.wit"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPluginUnsupportedShapes: shapes the plugin emitters do not handle
// are errors naming the problem, not crashes or wrong code.
func TestPluginUnsupportedShapes(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"f: func(x: tuple<u8, u8, u8>);", "2-tuples"},
		{"f: func() -> result<u8>;", "without an error type"},
		{"variant v { a(u8), b }\nf: func(x: v);", "parameter of type v"},
		{"f: func(x: result<u8, u8>);", "not supported"},
	} {
		_, err := generatePlugin(pluginWITDir(t, tc.body), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want it to mention %q", tc.body, err, tc.want)
		}
	}
	// A supported shape generates.
	if _, err := generatePlugin(pluginWITDir(t, "record r { a: list<tuple<string, u64>> }\nresource h { m: func(x: option<r>) -> result<list<r>, string>; }"), nil); err != nil {
		t.Errorf("supported shapes: %v", err)
	}
}

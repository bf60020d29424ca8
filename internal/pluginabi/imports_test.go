package pluginabi

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// TestImportsMatchWasmTools: every function the generated glue registers
// has the module, name and core signature that wasm-tools gives the WIT
// (testdata/wasm-tools-imports.txt, from jco's componentEmbed), and none
// is missing or extra.
func TestImportsMatchWasmTools(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	regs := map[string]func(wazero.HostModuleBuilder) wazero.HostModuleBuilder{
		StoreModule:        func(b wazero.HostModuleBuilder) wazero.HostModuleBuilder { return RegisterStore(b, nil) },
		AtomicsModule:      func(b wazero.HostModuleBuilder) wazero.HostModuleBuilder { return RegisterAtomics(b, nil) },
		BatchModule:        func(b wazero.HostModuleBuilder) wazero.HostModuleBuilder { return RegisterBatch(b, nil) },
		CacheModule:        func(b wazero.HostModuleBuilder) wazero.HostModuleBuilder { return RegisterCache(b, nil) },
		DraftStoreModule:   func(b wazero.HostModuleBuilder) wazero.HostModuleBuilder { return RegisterDraftStore(b, nil) },
		DraftAtomicsModule: func(b wazero.HostModuleBuilder) wazero.HostModuleBuilder { return RegisterDraftAtomics(b, nil) },
		DraftBatchModule:   func(b wazero.HostModuleBuilder) wazero.HostModuleBuilder { return RegisterDraftBatch(b, nil) },
	}
	var got []string
	for name, reg := range regs {
		m, err := reg(rt.NewHostModuleBuilder(name)).Instantiate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for fn, def := range m.ExportedFunctionDefinitions() {
			got = append(got, name+" "+fn+" ("+vts(def.ParamTypes())+")->("+vts(def.ResultTypes())+")")
		}
	}
	sort.Strings(got)
	raw, err := os.ReadFile("testdata/wasm-tools-imports.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("registered imports:\n%s\nwasm-tools:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func vts(ts []api.ValueType) string {
	var s []string
	for _, v := range ts {
		s = append(s, api.ValueTypeName(v))
	}
	return strings.Join(s, ",")
}

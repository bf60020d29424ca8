package host

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// FuzzInstrument: whatever the bytes, instrument returns (no panic, no
// runaway allocation), and a module wazero accepts stays acceptable once
// instrumented.
func FuzzInstrument(f *testing.F) {
	f.Add(testModule())
	f.Add(testModule(0x03, 0x40, 0x0C, 0, 0x0B, 0x41, 0))
	f.Add(testModule(0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 10, 0, 0, 0x41, 0))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	data := dataSection(segment(40, "b"), segment(0, "ab"), segment(10, "c"))
	f.Add(append(append(testModule(), secData), append(appendU32(nil, uint32(len(data))), data...)...))
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCoreFeatures(api.CoreFeaturesV2))
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		out, err := instrument(wasm)
		if err != nil {
			return
		}
		if _, err := rt.CompileModule(ctx, wasm); err != nil {
			return // invalid before: nothing to compare
		}
		if _, err := rt.CompileModule(ctx, out); err != nil {
			t.Fatalf("valid module invalid once instrumented: %v", err)
		}
	})
}

package host

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

// TestInstrumentGuest instruments the embedded guest and compiles it.
func TestInstrumentGuest(t *testing.T) {
	out, err := instrument(guestWasm)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if _, err := rt.CompileModule(ctx, out); err != nil {
		t.Fatalf("compile the instrumented guest: %v", err)
	}
	t.Logf("%d bytes -> %d bytes", len(guestWasm), len(out))
}

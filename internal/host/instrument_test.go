package host

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// instrumentedGuest is the embedded guest instrumented.
func instrumentedGuest(t *testing.T) []byte {
	t.Helper()
	out, err := instrument(guestWasm)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInstrumentGuest instruments the embedded guest and compiles it.
func TestInstrumentGuest(t *testing.T) {
	out := instrumentedGuest(t)
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCoreFeatures(api.CoreFeaturesV2))
	defer rt.Close(ctx)
	if _, err := rt.CompileModule(ctx, out); err != nil {
		t.Fatalf("compile the instrumented guest: %v", err)
	}
	t.Logf("%d bytes -> %d bytes", len(guestWasm), len(out))
}

// Hand-assembled test module: an import, a table with an element segment,
// call_indirect, ref.func in code and in a global, a start function,
// exports of functions, a global and the memory, a bulk instruction and an
// endless loop.
func testModule(extra ...byte) []byte {
	sec := func(id byte, items ...[]byte) []byte {
		p := appendU32(nil, uint32(len(items)))
		for _, it := range items {
			p = append(p, it...)
		}
		return append(appendU32([]byte{id}, uint32(len(p))), p...)
	}
	raw := func(id byte, p []byte) []byte { return append(appendU32([]byte{id}, uint32(len(p))), p...) }
	body := func(locals []byte, code ...byte) []byte {
		b := append(append([]byte{}, locals...), code...)
		b = append(b, 0x0B)
		return append(appendU32(nil, uint32(len(b))), b...)
	}
	name := func(s string) []byte { return appendName(nil, s) }
	noLocals := []byte{0}
	m := []byte("\x00asm\x01\x00\x00\x00")
	m = append(m, sec(1,
		[]byte{0x60, 1, 0x7F, 1, 0x7F}, // t0 (i32)->i32
		[]byte{0x60, 0, 0},             // t1 ()->()
		[]byte{0x60, 0, 1, 0x7F},       // t2 ()->i32
	)...)
	m = append(m, sec(2, append(append(name("env"), name("double")...), 0x00, 0))...) // f0
	m = append(m, sec(3, []byte{0}, []byte{0}, []byte{0}, []byte{1}, []byte{2}, []byte{2}, []byte{0})...)
	m = append(m, sec(4, []byte{0x70, 0x00, 1})...)                                          // table funcref min 1
	m = append(m, sec(5, []byte{0x00, 8})...)                                                // memory min 8 pages
	m = append(m, sec(6, []byte{0x7F, 1, 0x41, 0, 0x0B}, []byte{0x70, 0, 0xD2, 3, 0x0B})...) // g0 mut i32 0; g1 funcref = ref.func f3
	m = append(m, sec(7,
		append(name("count"), 0, 1), append(name("viaTable"), 0, 2), append(name("spin"), 0, 5),
		append(name("refcheck"), 0, 6), append(name("fill"), 0, 7), append(name("g0"), 3, 0), append(name("mem"), 2, 0))...)
	m = append(m, raw(8, []byte{4})...)                      // start f4
	m = append(m, sec(9, []byte{0, 0x41, 0, 0x0B, 1, 3})...) // elem: table 0 offset 0 = [f3]
	code := [][]byte{
		// f1 count(n): loop n times, return the count.
		body([]byte{1, 1, 0x7F},
			0x02, 0x40, 0x03, 0x40,
			0x20, 0, 0x45, 0x0D, 1,
			0x20, 0, 0x41, 1, 0x6B, 0x21, 0,
			0x20, 1, 0x41, 1, 0x6A, 0x21, 1,
			0x0C, 0, 0x0B, 0x0B, 0x20, 1),
		// f2 viaTable(x) = table[0](x)
		body(noLocals, 0x20, 0, 0x41, 0, 0x11, 0, 0),
		// f3 plus(x) = double(x) + 1
		body(noLocals, 0x20, 0, 0x10, 0, 0x41, 1, 0x6A),
		// f4 start: g0 = 7
		body(noLocals, 0x41, 7, 0x24, 0),
		// f5 spin: loop forever
		body(noLocals, 0x03, 0x40, 0x0C, 0, 0x0B, 0x41, 0),
		// f6 refcheck: ref.is_null(ref.func f3) + (call_indirect through g1 is not possible; check g1 non-null)
		body(noLocals, 0xD2, 3, 0xD1, 0x23, 1, 0xD1, 0x6A),
		// f7 fill(n): memory.fill(0, 1, n); return mem[n-1]
		body(noLocals, 0x41, 0, 0x41, 1, 0x20, 0, 0xFC, 11, 0, 0x20, 0, 0x41, 1, 0x6B, 0x2D, 0, 0),
	}
	if len(extra) > 0 {
		code[5] = body(noLocals, extra...)
	}
	m = append(m, sec(10, code...)...)
	return m
}

func TestInstrumentSemantics(t *testing.T) {
	ctx := context.Background()
	run := func(t *testing.T, wasm []byte) (api.Module, wazero.Runtime) {
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCoreFeatures(api.CoreFeaturesV2))
		t.Cleanup(func() { rt.Close(ctx) })
		if _, err := rt.NewHostModuleBuilder("env").NewFunctionBuilder().
			WithFunc(func(x uint32) uint32 { return 2 * x }).Export("double").Instantiate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := instantiateInterrupt(ctx, rt); err != nil {
			t.Fatal(err)
		}
		mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName("m"))
		if err != nil {
			t.Fatal(err)
		}
		return mod, rt
	}
	plain := testModule()
	instrumented, err := instrument(plain)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name string
		wasm []byte
	}{{"plain", plain}, {"instrumented", instrumented}} {
		t.Run(v.name, func(t *testing.T) {
			mod, _ := run(t, v.wasm)
			call := func(name string, args ...uint64) uint64 {
				t.Helper()
				r, err := mod.ExportedFunction(name).Call(ctx, args...)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				return r[0]
			}
			if got := call("count", 100_000); got != 100_000 {
				t.Errorf("count(100000) = %d", got)
			}
			if got := call("viaTable", 5); got != 11 {
				t.Errorf("viaTable(5) = %d, want 11", got)
			}
			if got := call("refcheck"); got != 0 {
				t.Errorf("refcheck = %d, want 0", got)
			}
			if got := call("fill", 300_000); got != 1 {
				t.Errorf("fill = %d, want 1", got)
			}
			if g := mod.ExportedGlobal("g0").Get(); g != 7 {
				t.Errorf("the start function did not run: g0 = %d", g)
			}
		})
	}
	t.Run("spin ends at its deadline", func(t *testing.T) {
		mod, _ := run(t, instrumented)
		dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := mod.ExportedFunction("spin").Call(dctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("spin: %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("spin returned after %v", d)
		}
	})
}

// TestInstrumentRefusesBadModules: a module that names the global the
// rewrite adds (invalid before the rewrite) is refused, so a guest cannot
// reset its countdown; so are truncated modules whose counts claim billions
// of items (quickly, without allocating for them) and opcodes of features
// that are not enabled.
func TestInstrumentRefusesBadModules(t *testing.T) {
	// g0, g1 exist; the countdown would be global 2.
	for _, code := range [][]byte{
		{0x41, 0, 0x24, 2, 0x41, 0},
		{0x23, 2},
		{0x10, 8}, // a function that does not exist
	} {
		_, err := instrument(testModule(code...))
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("instrument(% x): %v, want a refusal", code, err)
		}
	}
	for _, m := range []string{
		"\x0A\x05",                                 // a truncated section
		"\x07\x05\xFF\xFF\xFF\xFF\x0F",             // 2^32-1 exports, none there
		"\x09\x08\x01\x00\x41\x00\x0B\xFF\xFF\x0F", // an element segment of 2^18-1 functions, none there
		"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0A\x08\x01\x06\xFF\xFF\xFF\xFF\x0F\x7F", // 2^32-1 local groups
	} {
		start := time.Now()
		if _, err := instrument([]byte("\x00asm\x01\x00\x00\x00" + m)); err == nil {
			t.Errorf("malformed module % x was accepted", m)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("refusing % x took %v", m, d)
		}
	}
	if _, err := instrument(testModule(0xFE, 0x00)); err == nil {
		t.Error("a threads opcode was accepted")
	}
}

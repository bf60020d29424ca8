package host

import (
	"strings"
	"testing"
)

// TestGuestLinksNoFmt keeps fmt, reflect and crypto out of guest.wasm:
// fmt and reflect were about 8% of its code and crypto/sha256's FIPS
// module 4%, code every process decodes and validates at start and
// compiles on a cold start (docs/RATIONALE.md, "wazero settings" and "A
// hash in the host"). The guest builds its messages with strconv and
// capability.New and hashes through the host's digest import. The check
// reads the module's name section.
func TestGuestLinksNoFmt(t *testing.T) {
	names := functionNames(t, guestWasm)
	if len(names) < 1000 {
		t.Fatalf("the guest's name section names %d functions; want the whole module", len(names))
	}
	for _, name := range names {
		// reflect.init stays: encoding/binary imports reflect.
		if strings.HasPrefix(name, "fmt.") || strings.HasPrefix(name, "crypto") ||
			strings.HasPrefix(name, "reflect.") && name != "reflect.init" {
			t.Errorf("guest.wasm links %s", name)
		}
	}
}

// functionNames returns the function names of wasm's "name" custom
// section (subsection 1).
func functionNames(t *testing.T, wasm []byte) []string {
	d := &decoder{b: wasm, p: 8}
	var names []string
	for d.p < len(d.b) && d.err == nil {
		id := d.byte()
		sec := &decoder{b: d.bytes(int(d.u32()))}
		if id != 0 || sec.name() != "name" {
			continue
		}
		for sec.p < len(sec.b) && sec.err == nil {
			sub := sec.byte()
			body := &decoder{b: sec.bytes(int(sec.u32()))}
			if sub != 1 {
				continue
			}
			for n := body.u32(); n > 0 && body.err == nil; n-- {
				body.u32() // function index
				names = append(names, body.name())
			}
		}
		if sec.err != nil {
			t.Fatal(sec.err)
		}
	}
	if d.err != nil {
		t.Fatal(d.err)
	}
	return names
}

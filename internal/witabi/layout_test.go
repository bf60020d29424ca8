package witabi

import (
	"testing"

	"github.com/sandcache/sandcache/internal/witypes"
)

// Offsets worked out by hand from the canonical ABI's rules (the offsets
// the hand-written glue used, updated for the options record of optional
// fields), checked against the layouts the generator takes from the wit
// package.
func TestResultLayoutsMatchHandWrittenOffsets(t *testing.T) {
	const cache = "sandcache:cache/cache@0.1.0#"
	const sql = "sandcache:cache/sql@0.1.0#"
	const files = "sandcache:cache/files@0.1.0#"
	// Results with a 4-aligned payload: tag at 0, payload at 4, error
	// message (ptr, len) at 8.
	err4 := map[string]uint32{"tag": 0, "err.code": 4, "err.message": 8}
	// With an 8-aligned payload (u64 or options): payload at 8.
	err8 := map[string]uint32{"tag": 0, "err.code": 8, "err.message": 12}
	with := func(base map[string]uint32, more map[string]uint32) map[string]uint32 {
		out := map[string]uint32{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range more {
			out[k] = v
		}
		return out
	}
	want := map[string]map[string]uint32{
		// sandbox.go Get: hit u8 at ret+4, value at +8/+12, expired at +16.
		cache + "get": with(err4, map[string]uint32{"ok.value.tag": 4, "ok.value.some": 8, "ok.expired": 16}),
		// Put: expired u32 at +4, evicted at +8.
		cache + "put": with(err4, map[string]uint32{"ok.expired": 4, "ok.evicted": 8}),
		// Delete: bool at +4 (boolResult).
		cache + "delete": with(err4, map[string]uint32{"ok": 4}),
		cache + "clear":  err4,
		// Stats: entries u64 at +8, expired at +16.
		cache + "stats": with(err8, map[string]uint32{"ok.entries": 8, "ok.expired": 16}),
		// Purge and ParseDuration: u64 at +8 (u64Result).
		cache + "purge":          with(err8, map[string]uint32{"ok": 8}),
		cache + "parse-duration": with(err8, map[string]uint32{"ok": 8}),
		// Flush: result<_, error>, nothing but the error.
		cache + "flush": err4,
		// Keys: array pointer at +4, count at +8.
		cache + "keys": with(err4, map[string]uint32{"ok": 4}),
		// LLMKey and CanonicalJSON: string at +4 (stringResult).
		cache + "llm-key":        with(err4, map[string]uint32{"ok": 4}),
		cache + "canonical-json": with(err4, map[string]uint32{"ok": 4}),
		// ParseOptions: options at +8 (see TestTypeLayouts).
		cache + "parse-options": with(err8, map[string]uint32{
			"ok.backend.tag": 8, "ok.backend.some": 9, "ok.namespace": 12, "ok.path": 20,
			"ok.ttl-ms.tag": 32, "ok.ttl-ms.some": 40, "ok.max-entries.tag": 48, "ok.max-entries.some": 56, "ok.dict": 64,
		}),
		// Imports: putResult writes tag 0, code +4, message +8; payloads at +4.
		sql + "open":        with(err4, map[string]uint32{"ok": 4}),
		sql + "open-server": with(err4, map[string]uint32{"ok": 4}), // internal/host/capabilities.go
		sql + "exec":        err4,
		sql + "prepare":     with(err4, map[string]uint32{"ok": 4}),
		sql + "bind-null":   err4,
		sql + "bind-int":    err4,
		sql + "bind-float":  err4,
		sql + "bind-text":   err4,
		sql + "bind-blob":   err4,
		sql + "step":        with(err4, map[string]uint32{"ok": 4}),
		sql + "reset":       err4,
		// Run: values (ptr at +4, len at +8), ran at +12.
		sql + "run":            with(err4, map[string]uint32{"ok.values": 4, "ok.ran": 12}), // run-result
		sql + "dialect":        {"": 0},
		sql + "column-text":    {"": 0},
		sql + "column-blob":    {"": 0},
		files + "read":         with(err4, map[string]uint32{"ok.tag": 4, "ok.some": 8}),
		files + "write-atomic": err4,
		files + "remove":       with(err4, map[string]uint32{"ok": 4}),
		files + "replace":      with(err4, map[string]uint32{"ok": 4}),
		files + "list":         with(err4, map[string]uint32{"ok": 4}),
		files + "remove-dir":   with(err4, map[string]uint32{"ok": 4}),
		// digest.sha256: a list (ptr at 0, len at 4), no error.
		"sandcache:cache/digest@0.1.0#sha256": {"": 0},
	}
	if len(ResultLayouts) != len(want) {
		t.Errorf("ResultLayouts has %d functions, the hand-written glue %d", len(ResultLayouts), len(want))
	}
	for fn, fields := range want {
		l, ok := ResultLayouts[fn]
		if !ok {
			t.Errorf("%s: no generated layout", fn)
			continue
		}
		got := map[string]uint32{}
		for _, f := range l.Fields {
			got[f.Path] = f.Offset
		}
		if len(got) != len(fields) {
			t.Errorf("%s: generated fields %v, hand-written %v", fn, got, fields)
		}
		for path, off := range fields {
			if g, ok := got[path]; !ok || g != off {
				t.Errorf("%s: %q at %d (present %v), hand-written glue uses %d", fn, path, g, ok, off)
			}
		}
	}
	if l := ResultLayouts[cache+"parse-options"]; l.Size != 72 || l.Align != 8 {
		t.Errorf("parse-options return area: size %d align %d, want 72 and 8", l.Size, l.Align)
	}
}

func TestTypeLayouts(t *testing.T) {
	o := TypeLayouts["options"]
	if o.Size != 64 || o.Align != 8 {
		t.Fatalf("options: size %d align %d, want 64 and 8", o.Size, o.Align)
	}
	// option<backend>: tag and case u8; option<u64> and option<s64>: tag,
	// then the value 8-aligned; strings (ptr, len).
	want := map[string]uint32{
		"backend.tag": 0, "backend.some": 1, "namespace": 4, "path": 12,
		"ttl-ms.tag": 24, "ttl-ms.some": 32, "max-entries.tag": 40, "max-entries.some": 48, "dict": 56,
	}
	for _, f := range o.Fields {
		if want[f.Path] != f.Offset {
			t.Errorf("options.%s at %d, want %d", f.Path, f.Offset, want[f.Path])
		}
		delete(want, f.Path)
	}
	if len(want) != 0 {
		t.Errorf("options lacks %v", want)
	}
	if witypes.BackendCount != 4 || witypes.BackendFs != 1 || witypes.BackendPostgres != 3 || witypes.ErrorCodeInternal != 4 || witypes.StorageClassNull != 4 {
		t.Errorf("enum values differ from the WIT's case order")
	}
}

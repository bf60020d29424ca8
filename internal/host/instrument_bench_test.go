package host

import "testing"

// BenchmarkInstrument rewrites the embedded guest (done once per engine,
// before compiling).
func BenchmarkInstrument(b *testing.B) {
	for b.Loop() {
		if _, err := instrument(guestWasm); err != nil {
			b.Fatal(err)
		}
	}
}

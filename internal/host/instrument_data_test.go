package host

import (
	"bytes"
	"testing"
)

// segment encodes an active data segment of memory 0 at offset.
func segment(offset int32, b string) []byte {
	s := appendS32([]byte{0x00, 0x41}, offset)
	s = appendU32(append(s, 0x0B), uint32(len(b)))
	return append(s, b...)
}

// dataSection is a data section's payload of the given segments.
func dataSection(segs ...[]byte) []byte {
	p := appendU32(nil, uint32(len(segs)))
	for _, s := range segs {
		p = append(p, s...)
	}
	return p
}

// memoryImage is the memory a data section's segments write, applied in
// order onto zeros (nil when a segment is not of the mergeable kind).
func memoryImage(t *testing.T, payload []byte) []byte {
	t.Helper()
	segs, ok := activeSegments(payload)
	if !ok {
		return nil
	}
	var mem []byte
	for _, s := range segs {
		if end := int(s.offset) + len(s.bytes); end > len(mem) {
			mem = append(mem, make([]byte, end-len(mem))...)
		}
		copy(mem[s.offset:], s.bytes)
	}
	return mem
}

// sectionPayload returns the payload of module's section id.
func sectionPayload(t *testing.T, module []byte, id byte) []byte {
	t.Helper()
	d := &decoder{b: module, p: 8}
	for d.p < len(d.b) {
		sid := d.byte()
		p := d.bytes(int(d.u32()))
		if d.err != nil {
			t.Fatal(d.err)
		}
		if sid == id {
			return p
		}
	}
	t.Fatalf("no section %d", id)
	return nil
}

// TestMergeDataGuest checks the embedded guest: its ~40 000 segments become
// a few hundred, and memory gets the same bytes.
func TestMergeDataGuest(t *testing.T) {
	before := sectionPayload(t, guestWasm, secData)
	after := sectionPayload(t, instrumentedGuest(t), secData)
	nb, _ := activeSegments(before)
	na, ok := activeSegments(after)
	if !ok || len(na) > 1000 || len(nb) < 10*len(na) {
		t.Fatalf("data segments: %d before, %d after (mergeable %v)", len(nb), len(na), ok)
	}
	if !bytes.Equal(memoryImage(t, before), memoryImage(t, after)) {
		t.Fatal("the merged segments write other bytes")
	}
	if grown := len(after) - len(before); grown > len(before) {
		t.Errorf("data section grew by %d bytes", grown)
	}
	t.Logf("%d segments, %d bytes -> %d segments, %d bytes", len(nb), len(before), len(na), len(after))
}

// TestMergeData covers what is merged and what is left as it is.
func TestMergeData(t *testing.T) {
	long := string(make([]byte, 200))
	tests := []struct {
		name      string
		payload   []byte
		dataCount bool
		segments  int // after; -1: the payload is left as it is
	}{
		{"gaps up to maxDataGap are filled", dataSection(segment(0, "ab"), segment(10, "c"), segment(10+1+maxDataGap, "d"), segment(200, "e"), segment(300, long)), false, 3},
		{"adjacent", dataSection(segment(0, "ab"), segment(2, "cd")), false, 1},
		{"out of order, not overlapping", dataSection(segment(300, long), segment(270, "x"), segment(0, "ab")), false, 2},
		{"overlapping: order matters", dataSection(segment(0, "abc"), segment(1, "X")), false, -1},
		{"a data count section (memory.init, data.drop)", dataSection(segment(0, "a"), segment(1, "b")), true, -1},
		{"passive segment", append(dataSection(segment(0, "a")), 0x01, 0x01, 'z')[1:], false, -1},
		{"offset from a global", dataSection([]byte{0x00, 0x23, 0x00, 0x0B, 0x01, 'a'}, segment(1, "b")), false, -1},
		{"zeros beyond the budget", dataSection(segment(0, "a"), segment(1+maxDataGap, "b")), false, 2},
		{"trailing bytes", append(dataSection(segment(0, "a"), segment(1, "b")), 0x00), false, -1},
		{"huge count", appendU32(nil, 1<<31), false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &rewriter{hasDataCount: tt.dataCount}
			out := r.data(tt.payload)
			if tt.segments < 0 {
				if !bytes.Equal(out, tt.payload) {
					t.Fatalf("payload changed: %x -> %x", tt.payload, out)
				}
				return
			}
			segs, ok := activeSegments(out)
			if !ok || len(segs) != tt.segments {
				t.Fatalf("%d segments (ok %v), want %d", len(segs), ok, tt.segments)
			}
			if !bytes.Equal(memoryImage(t, tt.payload), memoryImage(t, out)) {
				t.Fatal("the merged segments write other bytes")
			}
		})
	}
}

package host

import (
	"cmp"
	"slices"
)

// Merging data segments. Go's linker writes the guest's initial memory as
// ~40 000 active data segments (it leaves out runs of zeros, most of them
// 18 bytes long), and wazero decodes, checks and copies each one on every
// CompileModule and instantiation: ~12 ms of a warm `sandcache get` here.
// The instrumenter joins segments separated by at most maxDataGap bytes into
// one, writing the gap's zeros (40 565 segments become 145; the module
// grows by 0.4 MB).
//
// Memory ends up byte for byte the same: only active segments of memory 0
// at constant offsets are merged, and only when no two of them overlap
// (then the order they are applied in does not matter, and a gap is never
// written by another segment). A module with a data count section (which
// memory.init and data.drop, the instructions that name segments, require)
// or with any other kind of segment keeps its data section as it is, and
// the zeros added are bounded by the data section's own size.

// maxDataGap is the largest run of zeros written to join two segments.
const maxDataGap = 32

// dataSegment is an active segment of memory 0 at a constant offset.
type dataSegment struct {
	offset uint32
	bytes  []byte
}

// data returns the data section's payload with segments merged, or as it
// is when merging would not be exact (see above).
func (r *rewriter) data(payload []byte) []byte {
	if r.hasDataCount {
		return payload
	}
	segs, ok := activeSegments(payload)
	if !ok {
		return payload
	}
	slices.SortStableFunc(segs, func(a, b dataSegment) int { return cmp.Compare(a.offset, b.offset) })
	for i := 1; i < len(segs); i++ {
		if uint64(segs[i-1].offset)+uint64(len(segs[i-1].bytes)) > uint64(segs[i].offset) {
			return payload // overlapping: the order would matter
		}
	}
	budget := len(payload) // zeros we may add: the section at most doubles
	var merged []dataSegment
	for _, s := range segs {
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			gap := int(s.offset - last.offset - uint32(len(last.bytes)))
			if gap <= maxDataGap && gap <= budget {
				budget -= gap
				last.bytes = append(last.bytes, make([]byte, gap)...)
				last.bytes = append(last.bytes, s.bytes...)
				continue
			}
		}
		merged = append(merged, dataSegment{s.offset, slices.Clip(s.bytes)})
	}
	out := appendU32(make([]byte, 0, len(payload)+len(payload)/4), uint32(len(merged)))
	for _, s := range merged {
		out = append(out, 0x00, 0x41) // active, memory 0; i32.const
		out = appendS32(out, int32(s.offset))
		out = append(out, 0x0B) // end
		out = appendU32(out, uint32(len(s.bytes)))
		out = append(out, s.bytes...)
	}
	return out
}

// activeSegments decodes a data section whose segments are all active, of
// memory 0, at an `i32.const` offset; ok is false for any other section.
func activeSegments(payload []byte) (segs []dataSegment, ok bool) {
	d := &decoder{b: payload}
	n := d.u32()
	if d.err != nil || uint64(n) > uint64(len(payload)) {
		return nil, false
	}
	segs = make([]dataSegment, 0, n)
	for i := uint32(0); i < n; i++ {
		if d.byte() != 0x00 || d.byte() != 0x41 {
			return nil, false
		}
		offset := uint32(d.s32())
		if d.byte() != 0x0B {
			return nil, false
		}
		b := d.bytes(int(d.u32()))
		if d.err != nil {
			return nil, false
		}
		segs = append(segs, dataSegment{offset, b})
	}
	return segs, d.p == len(payload)
}

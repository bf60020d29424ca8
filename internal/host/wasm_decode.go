package host

import (
	"fmt"
	"math"
)

// Reading and writing the WebAssembly binary format's primitives (LEB128
// integers, names), for the instrumenter.

// decoder reads LEB128 and bytes; the first error sticks.
type decoder struct {
	b   []byte
	p   int
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated at byte %d", errMalformed, d.p)
	}
	d.p = len(d.b)
}

func (d *decoder) byte() byte {
	if d.p >= len(d.b) {
		d.fail()
		return 0
	}
	d.p++
	return d.b[d.p-1]
}

func (d *decoder) bytes(n int) []byte {
	if n < 0 || n > len(d.b)-d.p {
		d.fail()
		return nil
	}
	d.p += n
	return d.b[d.p-n : d.p]
}

func (d *decoder) rest() []byte {
	b := d.b[d.p:]
	d.p = len(d.b)
	return b
}

func (d *decoder) name() string { return string(d.bytes(int(d.u32()))) }

func (d *decoder) limits() {
	if d.byte()&1 != 0 {
		d.u32()
	}
	d.u32()
}

// blockType reads a block type: 0x40, a value type, or an s33 type index.
func (d *decoder) blockType() {
	if d.p < len(d.b) {
		switch d.b[d.p] {
		case 0x40, 0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F:
			d.p++
			return
		}
	}
	d.sleb(33)
}

func (d *decoder) u32() uint32 {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		c := d.byte()
		v |= uint64(c&0x7F) << shift
		if c&0x80 == 0 {
			if v > math.MaxUint32 {
				d.fail()
			}
			return uint32(v)
		}
	}
	d.fail()
	return 0
}

func (d *decoder) s32() int32 { return int32(d.sleb(32)) }
func (d *decoder) s64() int64 { return d.sleb(64) }

func (d *decoder) sleb(bits int) int64 {
	var v int64
	shift := 0
	for {
		if shift >= bits+7 {
			d.fail()
			return 0
		}
		c := d.byte()
		if d.err != nil {
			return 0
		}
		v |= int64(c&0x7F) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
	}
}

func appendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendS32(b []byte, v int32) []byte { return appendS64(b, int64(v)) }

func appendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	return append(appendU32(b, uint32(len(s))), s...)
}

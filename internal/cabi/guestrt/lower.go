//go:build wasip1

package guestrt

import "unsafe"

// Exporter lowers an export's result in place: a cabi.Writer. What the
// result points to is kept alive until Release (cabi_post_*), by the
// address of its first byte: unlike an interface, a pointer costs no
// allocation to keep.
type Exporter struct {
	keep []unsafe.Pointer
}

// exporter is the one Exporter: a module runs one export at a time.
var exporter Exporter

// PutString passes s in place, kept until Release: cabi.Writer.
func (x *Exporter) PutString(s string) uint32 {
	x.keep = append(x.keep, unsafe.Pointer(unsafe.StringData(s)))
	return StrAddr(s)
}

// PutBytes passes b in place (NewArray aligns lists), kept until Release:
// cabi.Writer.
func (x *Exporter) PutBytes(b []byte, _ uint32) uint32 {
	x.keep = append(x.keep, unsafe.Pointer(unsafe.SliceData(b)))
	return Addr(b)
}

// NewArray returns n zeroed bytes aligned to 8: cabi.Writer.
func (*Exporter) NewArray(n int) []byte { return NewArray(n) }

// Begin starts an export: whatever the previous result held is released
// (a host that skipped cabi_post_* leaks nothing), and the returned
// lifter takes the arguments and the exporter lowers the result.
func Begin(area []byte) (*Lifter, *Exporter) {
	Release(area)
	return NewLifter(), &exporter
}

// Done ends an export whose result is in area: it drops the argument
// buffers the host left pinned and returns area's address.
func Done(area []byte) uint32 {
	UnpinAll()
	return Addr(area)
}

// Release is every cabi_post_* function: the host has read the result in
// area.
func Release(area []byte) {
	clear(exporter.keep)
	exporter.keep = exporter.keep[:0]
	clear(area)
}

// Out is the exporter of the current export's result.
func Out() *Exporter { return &exporter }

package host

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// instrument rewrites a WebAssembly module (core features 2.0, what wazero
// enables by default) so that it calls the host's interrupt check
// periodically, however it loops. See interrupt.go for why and what it costs.
//
// The rewrite adds
//   - a function type () -> i32 and an imported function
//     interruptModule.interruptName of that type (the last function import);
//   - a mutable i32 global, the countdown, initialised to interruptInterval;
//   - at every loop header and at the entry of every function that may
//     make a call before it reaches a loop (see loopFirst), the check:
//     countdown--; if countdown < 0 { countdown = interrupt-check() }
//   - (not for interrupts, for start-up time) the data segments merged
//     where that is exact: see instrument_data.go;
//   - before every bulk memory or table instruction (memory.fill, .copy,
//     .init, table.fill, .copy, .init, .grow), a charge of n>>bulkShift
//     against the countdown, n being the instruction's length operand, so
//     that one long copy counts like many loop iterations (it needs one
//     extra i32 local in the functions that have such instructions).
//
// Adding an import shifts the index of every defined function by one:
// calls, ref.func, exports, the start function and element segments are
// renumbered, and the "name" custom section (debug names only) is dropped.
// The guest cannot name the new global: a reference to a global that did
// not exist before the rewrite makes the module invalid, as it was.
//
// Anything the rewriter does not understand (an opcode of a feature that is
// not enabled, a malformed section) is an error: such a module would not
// compile anyway.
func instrument(wasm []byte) ([]byte, error) {
	r := &rewriter{}
	out, err := r.run(wasm)
	if err != nil {
		return nil, fmt.Errorf("guest module: %w", err)
	}
	return out, nil
}

const (
	interruptModule = "sandcache:host"
	interruptName   = "interrupt-check"
	// bulkShift: a bulk instruction of n bytes (or table elements) counts
	// as n>>bulkShift loop iterations.
	bulkShift = 6
)

const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secElement   = 9
	secCode      = 10
	secData      = 11
	secDataCount = 12
)

// sectionRank is the order in which non-custom sections must appear.
var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7, 8: 8, 9: 9, 12: 10, 10: 11, 11: 12}

var errMalformed = errors.New("malformed module")

type rewriter struct {
	types        [][2]int // params, results of each function type
	funcTypes    []uint32 // type index of each defined function
	funcImports  uint32
	globals      uint32 // imported + defined, before the rewrite
	funcs        uint32 // imported + defined, before the rewrite
	hasDataCount bool   // the module has a data count section
	tickFunc     uint32 // index of the interrupt check
	counter      uint32 // index of the countdown global
	scratch      []byte // reused for a function's instructions
}

type section struct {
	id      byte
	payload []byte
}

func (r *rewriter) run(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) || binary.LittleEndian.Uint32(wasm[4:8]) != 1 {
		return nil, errors.New("not a WebAssembly 1.0 binary module")
	}
	var secs []section
	d := &decoder{b: wasm, p: 8}
	last := 0
	for d.p < len(d.b) {
		id := d.byte()
		n := d.u32()
		payload := d.bytes(int(n))
		if d.err != nil {
			return nil, d.err
		}
		if id != secCustom {
			rank, ok := sectionRank[id]
			if !ok || rank <= last {
				return nil, fmt.Errorf("%w: section %d unknown or out of order", errMalformed, id)
			}
			last = rank
		}
		secs = append(secs, section{id, payload})
	}
	// First pass: what the rewrite needs to know.
	for _, s := range secs {
		if err := r.scan(s); err != nil {
			return nil, err
		}
	}
	r.tickFunc = r.funcImports
	r.counter = r.globals
	r.funcs = r.funcImports + uint32(len(r.funcTypes))

	out := append(make([]byte, 0, len(wasm)+len(wasm)/16), wasm[:8]...)
	emitted := map[byte]bool{}
	emit := func(id byte, payload []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(payload)))
		out = append(out, payload...)
		emitted[id] = true
	}
	// emitMissing adds the sections the rewrite needs that the module
	// lacks, in their place before a section of rank below.
	emitMissing := func(below int) {
		for _, id := range []byte{secType, secImport, secGlobal} {
			if sectionRank[id] < below && !emitted[id] {
				p, _ := r.rewrite(section{id, appendU32(nil, 0)})
				emit(id, p)
			}
		}
	}
	for _, s := range secs {
		if s.id == secCustom {
			name, ok := customName(s.payload)
			if !ok {
				return nil, errMalformed
			}
			if name == "name" {
				continue
			}
			out = append(out, secCustom)
			out = appendU32(out, uint32(len(s.payload)))
			out = append(out, s.payload...)
			continue
		}
		emitMissing(sectionRank[s.id])
		p, err := r.rewrite(s)
		if err != nil {
			return nil, err
		}
		emit(s.id, p)
	}
	emitMissing(math.MaxInt)
	return out, nil
}

func customName(p []byte) (string, bool) {
	d := &decoder{b: p}
	n := d.u32()
	name := d.bytes(int(n))
	return string(name), d.err == nil
}

// scan records counts and types.
func (r *rewriter) scan(s section) error {
	d := &decoder{b: s.payload}
	switch s.id {
	case secType:
		n := d.u32()
		for i := uint64(0); i < uint64(n) && d.err == nil; i++ {
			if d.byte() != 0x60 {
				return fmt.Errorf("%w: bad function type", errMalformed)
			}
			params := d.u32()
			d.bytes(int(params))
			results := d.u32()
			d.bytes(int(results))
			if d.err != nil {
				return d.err
			}
			r.types = append(r.types, [2]int{int(params), int(results)})
		}
	case secImport:
		n := d.u32()
		for i := uint64(0); i < uint64(n) && d.err == nil; i++ {
			d.name()
			d.name()
			switch d.byte() {
			case 0x00:
				d.u32()
				r.funcImports++
			case 0x01:
				d.byte()
				d.limits()
			case 0x02:
				d.limits()
			case 0x03:
				d.byte()
				d.byte()
				r.globals++
			default:
				return fmt.Errorf("%w: bad import kind", errMalformed)
			}
			if d.err != nil {
				return d.err
			}
		}
	case secFunction:
		n := d.u32()
		for i := uint64(0); i < uint64(n) && d.err == nil; i++ {
			t := d.u32()
			if d.err != nil {
				return d.err
			}
			if int(t) >= len(r.types) {
				return fmt.Errorf("%w: function type %d out of range", errMalformed, t)
			}
			r.funcTypes = append(r.funcTypes, t)
		}
	case secGlobal:
		n := d.u32()
		r.globals += n
	case secDataCount:
		r.hasDataCount = true
	}
	return d.err
}

// rewrite returns the new payload of a section.
func (r *rewriter) rewrite(s section) ([]byte, error) {
	d := &decoder{b: s.payload}
	switch s.id {
	case secType:
		n := d.u32()
		out := appendU32(nil, n+1)
		out = append(out, d.rest()...)
		return append(out, 0x60, 0x00, 0x01, 0x7F), d.err
	case secImport:
		n := d.u32()
		out := appendU32(nil, n+1)
		out = append(out, d.rest()...)
		out = appendName(out, interruptModule)
		out = appendName(out, interruptName)
		out = append(out, 0x00)
		return appendU32(out, uint32(len(r.types))), d.err
	case secGlobal:
		n := d.u32()
		out := appendU32(nil, n+1)
		for i := uint64(0); i < uint64(n) && d.err == nil; i++ {
			out = append(out, d.byte(), d.byte())
			var err error
			if out, err = r.constExpr(d, out); err != nil {
				return nil, err
			}
		}
		out = append(out, 0x7F, 0x01, 0x41)
		out = appendS32(out, interruptInterval)
		return append(out, 0x0B), d.err
	case secExport:
		n := d.u32()
		out := appendU32(nil, n)
		for i := uint64(0); i < uint64(n) && d.err == nil; i++ {
			out = appendName(out, d.name())
			kind := d.byte()
			idx := d.u32()
			if kind == 0x00 {
				idx = r.fn(idx)
			}
			out = appendU32(append(out, kind), idx)
		}
		return out, d.err
	case secStart:
		return appendU32(nil, r.fn(d.u32())), d.err
	case secElement:
		return r.elements(d)
	case secCode:
		return r.code(d)
	case secData:
		return r.data(s.payload), nil
	}
	return s.payload, nil
}

// fn renumbers a function index.
func (r *rewriter) fn(idx uint32) uint32 {
	if idx >= r.funcImports {
		return idx + 1
	}
	return idx
}

func (r *rewriter) elements(d *decoder) ([]byte, error) {
	n := d.u32()
	out := appendU32(nil, n)
	for i := uint64(0); i < uint64(n) && d.err == nil; i++ {
		flags := d.u32()
		out = appendU32(out, flags)
		if flags > 7 {
			return nil, fmt.Errorf("%w: element segment kind %d", errMalformed, flags)
		}
		if flags == 2 || flags == 6 {
			out = appendU32(out, d.u32()) // table index
		}
		if flags&1 == 0 { // active: offset expression
			var err error
			if out, err = r.constExpr(d, out); err != nil {
				return nil, err
			}
		}
		if flags&3 != 0 { // elemkind or reftype
			out = append(out, d.byte())
		}
		count := d.u32()
		out = appendU32(out, count)
		for i := uint64(0); i < uint64(count) && d.err == nil; i++ {
			if flags&4 == 0 {
				out = appendU32(out, r.fn(d.u32()))
				continue
			}
			var err error
			if out, err = r.constExpr(d, out); err != nil {
				return nil, err
			}
		}
		if d.err != nil {
			return nil, d.err
		}
	}
	return out, d.err
}

// constExpr copies a constant expression, renumbering ref.func.
func (r *rewriter) constExpr(d *decoder, out []byte) ([]byte, error) {
	for d.err == nil {
		op := d.byte()
		out = append(out, op)
		switch op {
		case 0x0B:
			return out, nil
		case 0x41:
			out = appendS32(out, d.s32())
		case 0x42:
			out = appendS64(out, d.s64())
		case 0x43:
			out = append(out, d.bytes(4)...)
		case 0x44:
			out = append(out, d.bytes(8)...)
		case 0xD0:
			out = append(out, d.byte())
		case 0xD2:
			out = appendU32(out, r.fn(d.u32()))
		case 0x23:
			g := d.u32()
			if g >= r.globals {
				return nil, fmt.Errorf("%w: global %d does not exist", errMalformed, g)
			}
			out = appendU32(out, g)
		case 0xFD:
			sub := d.u32()
			if sub != 12 {
				return nil, fmt.Errorf("%w: instruction 0xFD %d in a constant expression", errMalformed, sub)
			}
			out = append(appendU32(out, sub), d.bytes(16)...)
		default:
			return nil, fmt.Errorf("%w: opcode %#x in a constant expression", errMalformed, op)
		}
	}
	return nil, d.err
}

func (r *rewriter) code(d *decoder) ([]byte, error) {
	n := d.u32()
	if d.err != nil {
		return nil, d.err
	}
	if int(n) != len(r.funcTypes) {
		return nil, fmt.Errorf("%w: %d function bodies for %d functions", errMalformed, n, len(r.funcTypes))
	}
	out := appendU32(make([]byte, 0, len(d.b)+len(d.b)/16), n)
	var body []byte
	for i := uint32(0); i < n; i++ {
		size := d.u32()
		b := d.bytes(int(size))
		if d.err != nil {
			return nil, d.err
		}
		var err error
		body, err = r.body(body[:0], b, r.types[r.funcTypes[i]][0])
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", r.funcImports+i, err)
		}
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	return out, nil
}

// body rewrites one function body.
func (r *rewriter) body(out, b []byte, params int) ([]byte, error) {
	d := &decoder{b: b}
	groups := d.u32()
	locals := uint64(params)
	type group struct {
		n uint32
		t byte
	}
	gs := make([]group, 0, min(groups, uint32(len(b)))) // a count is not trusted
	for i := uint64(0); i < uint64(groups) && d.err == nil; i++ {
		g := group{d.u32(), d.byte()}
		locals += uint64(g.n)
		gs = append(gs, g)
	}
	if d.err != nil {
		return nil, d.err
	}
	if locals >= math.MaxUint32 {
		return nil, fmt.Errorf("%w: too many locals", errMalformed)
	}
	tmp := uint32(locals) // the extra local, if bulk instructions need it
	code := d.rest()

	// Instructions first (the locals header depends on them).
	ins, usesTmp, err := r.instructions(r.scratch[:0], code, tmp)
	if err != nil {
		return nil, err
	}
	r.scratch = ins
	if usesTmp {
		out = appendU32(out, uint32(len(gs)+1))
	} else {
		out = appendU32(out, uint32(len(gs)))
	}
	for _, g := range gs {
		out = append(appendU32(out, g.n), g.t)
	}
	if usesTmp {
		out = append(appendU32(out, 1), 0x7F)
	}
	if !loopFirst(code) {
		out = r.check(out)
	}
	return append(out, ins...), nil
}

// loopFirst reports whether every run of the function reaches a loop header
// (which has its own check) before any call, branch or other loop: the
// body starts with straight-line variable and constant instructions and
// block openings, then a loop. (Go's functions start with
// `global.get; local.set; block; loop`: this halves their checks.)
func loopFirst(code []byte) bool {
	d := &decoder{b: code}
	for d.p < len(d.b) && d.err == nil {
		switch op := d.byte(); {
		case op == 0x03:
			return d.err == nil
		case op == 0x02:
			d.blockType()
		case op >= 0x20 && op <= 0x24:
			d.u32()
		case op == 0x41:
			d.s32()
		case op == 0x42:
			d.s64()
		case op == 0x01 || op == 0x1A:
		default:
			return false
		}
	}
	return false
}

// check appends the countdown check, straight-line on the common path:
//
//	countdown--; if countdown < 0 { countdown = interrupt-check() }
func (r *rewriter) check(out []byte) []byte {
	out = appendU32(append(out, 0x23), r.counter)   // global.get
	out = append(out, 0x41, 0x01, 0x6B)             // i32.const 1; i32.sub
	out = appendU32(append(out, 0x24), r.counter)   // global.set
	out = appendU32(append(out, 0x23), r.counter)   // global.get (the same value)
	out = append(out, 0x41, 0x00, 0x48, 0x04, 0x40) // i32.const 0; i32.lt_s; if
	out = appendU32(append(out, 0x10), r.tickFunc)  // call interrupt-check
	out = appendU32(append(out, 0x24), r.counter)   // global.set
	return append(out, 0x0B)                        // end
}

// charge appends: countdown -= (top of stack) >> bulkShift, leaving the
// stack as it was.
func (r *rewriter) charge(out []byte, tmp uint32) []byte {
	out = appendU32(append(out, 0x22), tmp)        // local.tee
	out = appendU32(append(out, 0x23), r.counter)  // global.get
	out = appendU32(append(out, 0x20), tmp)        // local.get
	out = append(out, 0x41, bulkShift, 0x76, 0x6B) // i32.const; i32.shr_u; i32.sub
	return appendU32(append(out, 0x24), r.counter) // global.set
}

// instructions copies an instruction sequence, inserting checks.
func (r *rewriter) instructions(out, code []byte, tmp uint32) ([]byte, bool, error) {
	d := &decoder{b: code}
	usesTmp := false
	for d.p < len(d.b) && d.err == nil {
		start := d.p
		op := d.byte()
		switch {
		case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0B || op == 0x0F ||
			op == 0x1A || op == 0x1B || (op >= 0x45 && op <= 0xC4) || op == 0xD1:
			out = append(out, op)
		case op == 0x02 || op == 0x03 || op == 0x04:
			d.blockType()
			out = append(out, d.b[start:d.p]...)
			if op == 0x03 {
				out = r.check(out)
			}
		case op == 0x0C || op == 0x0D || (op >= 0x20 && op <= 0x22) || op == 0x25 || op == 0x26 ||
			op == 0x3F || op == 0x40:
			d.u32()
			out = append(out, d.b[start:d.p]...)
		case op == 0x0E:
			n := d.u32()
			for i := uint64(0); i < uint64(n)+1 && d.err == nil; i++ {
				d.u32()
			}
			out = append(out, d.b[start:d.p]...)
		case op == 0x10 || op == 0xD2: // call, ref.func: a function index to renumber
			f := d.u32()
			if f >= r.funcs {
				return nil, false, fmt.Errorf("%w: function %d does not exist", errMalformed, f)
			}
			out = appendU32(append(out, op), r.fn(f))
		case op == 0x11 || (op >= 0x28 && op <= 0x3E): // call_indirect; loads and stores (memarg)
			d.u32()
			d.u32()
			out = append(out, d.b[start:d.p]...)
		case op == 0x1C:
			n := d.u32()
			d.bytes(int(n))
			out = append(out, d.b[start:d.p]...)
		case op == 0x23 || op == 0x24:
			g := d.u32()
			if g >= r.globals {
				return nil, false, fmt.Errorf("%w: global %d does not exist", errMalformed, g)
			}
			out = append(out, d.b[start:d.p]...)
		case op == 0x41:
			d.s32()
			out = append(out, d.b[start:d.p]...)
		case op == 0x42:
			d.s64()
			out = append(out, d.b[start:d.p]...)
		case op == 0x43:
			d.bytes(4)
			out = append(out, d.b[start:d.p]...)
		case op == 0x44:
			d.bytes(8)
			out = append(out, d.b[start:d.p]...)
		case op == 0xD0:
			d.byte()
			out = append(out, d.b[start:d.p]...)
		case op == 0xFC:
			sub := d.u32()
			switch {
			case sub <= 7:
			case sub == 8 || sub == 12 || sub == 14: // memory.init, table.init, table.copy
				d.u32()
				d.u32()
			case sub == 10: // memory.copy
				d.byte()
				d.byte()
			case sub == 9 || sub == 11 || sub == 13 || sub == 15 || sub == 16 || sub == 17:
				d.u32()
			default:
				return nil, false, fmt.Errorf("%w: opcode 0xFC %d", errMalformed, sub)
			}
			switch sub {
			case 8, 10, 11, 12, 14, 15, 17:
				out = r.charge(out, tmp)
				usesTmp = true
			}
			out = append(out, d.b[start:d.p]...)
		case op == 0xFD:
			sub := d.u32()
			switch {
			case sub <= 11 || sub == 92 || sub == 93:
				d.u32()
				d.u32()
			case sub == 12 || sub == 13:
				d.bytes(16)
			case sub >= 21 && sub <= 34:
				d.byte()
			case sub >= 84 && sub <= 91:
				d.u32()
				d.u32()
				d.byte()
			case sub > 255:
				return nil, false, fmt.Errorf("%w: opcode 0xFD %d", errMalformed, sub)
			}
			out = append(out, d.b[start:d.p]...)
		default:
			return nil, false, fmt.Errorf("%w: opcode %#x (a feature that is not enabled)", errMalformed, op)
		}
	}
	return out, usesTmp, d.err
}

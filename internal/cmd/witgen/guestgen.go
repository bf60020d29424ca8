package main

import (
	"bytes"
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// Guest glue for standard Go GOOS=wasip1: //go:wasmexport functions with
// scalar signatures that lift their arguments from buffers the host got
// through the pinned cabi_realloc, call the hand-written implementation and
// lower the result into a fixed return area; cabi_post_* releases it;
// //go:wasmimport declarations with typed wrappers that lower arguments
// in place and lift results from a return area.

func genGuest(m *model) ([]byte, error) {
	var w bytes.Buffer
	w.WriteString(header)
	w.WriteString("//go:build wasip1\n\npackage main\n\n")
	w.WriteString("import (\n\t\"bytes\"\n\t\"encoding/binary\"\n\t\"math\"\n\t\"strconv\"\n\t\"strings\"\n\t\"unsafe\"\n)\n\n")
	w.WriteString("var (\n\t_ = bytes.Clone\n\t_ = binary.LittleEndian\n\t_ = math.Float64bits\n\t_ = strings.Clone\n)\n\n")
	writeTypes(&w, m)
	exportArea, importArea := uintptr(8), uintptr(8)
	for _, i := range m.exports {
		for _, f := range i.funcs {
			if r, _ := result(f); r != nil && indirectResult(f) {
				exportArea = max(exportArea, r.Size())
			}
		}
	}
	for _, i := range m.imports {
		for _, f := range i.funcs {
			if r, _ := result(f); r != nil && indirectResult(f) {
				importArea = max(importArea, r.Size())
			}
		}
	}
	fmt.Fprintf(&w, guestRuntime, (exportArea+7)/8, (importArea+7)/8)
	for _, i := range m.exports {
		if err := guestExports(&w, i); err != nil {
			return nil, err
		}
	}
	for _, i := range m.imports {
		if len(i.funcs) == 0 {
			continue
		}
		if err := guestImports(&w, i); err != nil {
			return nil, err
		}
	}
	return formatGo(w.Bytes())
}

// guestFlatGo is the Go type of a flat value in a wasmexport signature.
func guestFlatGo(core string) string {
	switch core {
	case "i64":
		return "uint64"
	case "f32":
		return "float32"
	case "f64":
		return "float64"
	}
	return "uint32"
}

func guestExports(w *bytes.Buffer, i *iface) error {
	ifType := goName(i.name) + "Exports"
	ifVar := lowerName(i.name) + "Exports"
	fmt.Fprintf(w, "// %s is what the guest implements for exported interface %s.\n", ifType, i.qname)
	fmt.Fprintf(w, "// The hand-written code declares `var %s %s`.\n", ifVar, ifType)
	fmt.Fprintf(w, "type %s interface {\n", ifType)
	for _, f := range i.funcs {
		docComment(w, "\t", f.Docs, goName(f.Name)+" is "+f.Name+".")
		fmt.Fprintf(w, "\t%s(%s) %s\n", goName(f.Name), goParams(f), goResults(f))
	}
	w.WriteString("}\n\n")
	for _, f := range i.funcs {
		name := i.qname + "#" + f.Name
		params, results := coreSig(f, wit.Exported)
		c := &cg{w: w}
		var ps []string
		for k, p := range params {
			ps = append(ps, fmt.Sprintf("p%d %s", k, guestFlatGo(p)))
		}
		res := ""
		if len(results) == 1 {
			res = guestFlatGo(results[0])
		}
		fn := "wasmexport" + goName(i.name) + goName(f.Name)
		fmt.Fprintf(w, "//go:wasmexport %s\nfunc %s(%s) %s {\n", name, fn, strings.Join(ps, ", "), res)
		r, _ := result(f)
		okT, errT, isRes := resultParts(r)
		fault := func(detail string) string {
			if isRes {
				return fmt.Sprintf("return exportFault%s(%d, %s)", goName(*root(errT).(*wit.TypeDef).Name), payloadOffset(variantTypes(kindOf(r))), detail)
			}
			return fmt.Sprintf("panic(%s)", detail)
		}
		c.line("begin()")
		vars := make([]string, len(params))
		for k := range vars {
			vars[k] = fmt.Sprintf("p%d", k)
		}
		var args []string
		for _, p := range f.Params {
			v := guestLiftFlat(c, p.Type, &vars, "argument "+p.Name, fault)
			args = append(args, v)
		}
		call := fmt.Sprintf("%s.%s(%s)", ifVar, goName(f.Name), strings.Join(args, ", "))
		switch {
		case r == nil:
			c.line("%s", call)
			c.line("done()")
		case isRes:
			off := payloadOffset(variantTypes(kindOf(r)))
			if okT != nil {
				c.line("v, e := %s", call)
			} else {
				c.line("e := %s", call)
			}
			c.line("ret := exportRet.bytes()")
			c.line("if e != nil {")
			c.line("ret[0] = 1")
			guestLowerMem(c, errT, "ret", fmt.Sprint(off), "(*e)")
			if okT != nil {
				c.line("} else {")
				guestLowerMem(c, okT, "ret", fmt.Sprint(off), "v")
			}
			c.line("}")
			c.line("return done()")
		case indirectResult(f):
			c.line("v := %s", call)
			guestLowerMem(c, r, "exportRet.bytes()", "0", "v")
			c.line("return done()")
		default:
			c.line("v := %s", call)
			c.line("done()")
			c.line("return %s", guestLowerFlat1(r, "v"))
		}
		w.WriteString("}\n\n")
		fmt.Fprintf(w, "//go:wasmexport cabi_post_%s\nfunc wasmpost%s%s(uint32) { release() }\n\n", name, goName(i.name), goName(f.Name))
	}
	// One fault helper per error type used by the exports.
	seen := map[string]bool{}
	for _, f := range i.funcs {
		r, _ := result(f)
		if _, errT, ok := resultParts(r); ok {
			en := goName(*root(errT).(*wit.TypeDef).Name)
			if seen[en] {
				continue
			}
			seen[en] = true
			fmt.Fprintf(w, "// exportFault%s returns the error the hand-written liftFault%s makes of\n// a lifting failure (an argument not in a cabi_realloc buffer).\n", en, en)
			fmt.Fprintf(w, "func exportFault%s(off int, detail string) uint32 {\n", en)
			c := &cg{w: w}
			c.line("e := liftFault%s(detail)", en)
			c.line("ret := exportRet.bytes()")
			c.line("ret[0] = 1")
			guestLowerMem(c, errT, "ret", "off", "e")
			c.line("return done()")
			w.WriteString("}\n\n")
		}
	}
	return nil
}

// guestLowerFlat1 converts a Go value to its single flat export result.
func guestLowerFlat1(t wit.Type, v string) string {
	switch root(t).(type) {
	case wit.Bool:
		return "b2u(" + v + ")"
	case wit.F32, wit.F64:
		return v
	}
	if len(t.Flat()) == 1 && coreType(t.Flat()[0]) == "i64" {
		return "uint64(" + v + ")"
	}
	return "uint32(" + v + ")"
}

// take pops n flat variable names.
func take(vars *[]string, n int) []string {
	out := (*vars)[:n]
	*vars = (*vars)[n:]
	return out
}

// guestLiftFlat lifts a value of type t from flat export parameters.
func guestLiftFlat(c *cg, t wit.Type, vars *[]string, what string, fault func(string) string) string {
	switch root(t).(type) {
	case wit.Bool:
		return take(vars, 1)[0] + " != 0"
	case wit.U8, wit.U16, wit.S8, wit.S16, wit.S32, wit.S64:
		return mustGoType(t) + "(" + take(vars, 1)[0] + ")"
	case wit.U32, wit.U64, wit.F32, wit.F64:
		return take(vars, 1)[0]
	case wit.String:
		v := take(vars, 2)
		s := c.tmp("s")
		c.line("%s, ok := takeString(%s, %s)", s, v[0], v[1])
		c.line("if !ok { %s }", fault(fmt.Sprintf("badPointer(%q, %s, %s)", what, v[0], v[1])))
		return s
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		return mustGoType(t) + "(" + take(vars, 1)[0] + ")"
	case *wit.List:
		v := take(vars, 2)
		s := c.tmp("l")
		if _, ok := root(k.Type).(wit.U8); ok {
			c.line("%s, ok := takeBytes(%s, %s)", s, v[0], v[1])
			c.line("if !ok { %s }", fault(fmt.Sprintf("badPointer(%q, %s, %s)", what, v[0], v[1])))
			return s
		}
		guestLiftList(c, k, s, v[0], v[1], what, fault)
		return s
	case *wit.Option:
		n := len(t.Flat())
		v := take(vars, n)
		if !sameFlat(k.Type.Flat(), t.Flat()[1:]) {
			panic("option payload with joined flat types is not supported")
		}
		o := c.tmp("o")
		c.line("var %s %s", o, mustGoType(t))
		c.line("if %s != 0 {", v[0])
		rest := v[1:]
		inner := guestLiftFlat(c, k.Type, &rest, what, fault)
		c.line("%s = %s{Some: true, Value: %s}", o, mustGoType(t), inner)
		c.line("}")
		return o
	case *wit.Record:
		var fs []string
		for _, f := range k.Fields {
			fs = append(fs, goName(f.Name)+": "+guestLiftFlat(c, f.Type, vars, what+"."+f.Name, fault))
		}
		r := c.tmp("r")
		c.line("%s := %s{%s}", r, mustGoType(t), strings.Join(fs, ", "))
		return r
	}
	panic(fmt.Sprintf("unsupported flat lift of %s", t.TypeName()))
}

// sameFlat reports whether two flattenings use the same core types.
func sameFlat(a, b []wit.Type) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if coreType(a[i]) != coreType(b[i]) {
			return false
		}
	}
	return true
}

// guestLiftList lifts a list<T> (T not u8) whose elements are in a pinned
// buffer at (ptr, n); the buffer stays pinned while the elements are taken,
// since they may point into it. Strings in elements are copied.
func guestLiftList(c *cg, k *wit.List, dst, ptr, n, what string, fault func(string) string) {
	size := k.Type.Size()
	arr := c.tmp("arr")
	rel := c.tmp("rel")
	c.line("%s, %s, ok := takeArray(%s, uint64(%s)*%d)", arr, rel, ptr, n, size)
	c.line("if !ok { %s }", fault(fmt.Sprintf("badPointer(%q, %s, %s)", what, ptr, n)))
	c.line("%s := make(%s, %s)", dst, mustGoType(&wit.TypeDef{Kind: k}), n)
	idx := c.tmp("i")
	c.line("for %s := range %s {", idx, dst)
	el := guestLiftMem(c, k.Type, arr, fmt.Sprintf("%s*%d", idx, size), what+" element", func(d string) string {
		return rel + "(); " + fault(d)
	}, true)
	c.line("%s[%s] = %s", dst, idx, el)
	c.line("}")
	c.line("%s()", rel)
}

// guestLiftMem lifts a value of type t stored at b[off:] (b a []byte the
// guest owns: a return area or a taken buffer).
func guestLiftMem(c *cg, t wit.Type, b, off, what string, fault func(string) string, clone bool) string {
	at := b + "[" + off + ":]"
	switch root(t).(type) {
	case wit.Bool:
		return b + "[" + off + "] != 0"
	case wit.U8:
		return b + "[" + off + "]"
	case wit.S8:
		return "int8(" + b + "[" + off + "])"
	case wit.U16, wit.S16:
		return mustGoType(t) + "(binary.LittleEndian.Uint16(" + at + "))"
	case wit.U32, wit.S32:
		return mustGoType(t) + "(binary.LittleEndian.Uint32(" + at + "))"
	case wit.U64, wit.S64:
		return mustGoType(t) + "(binary.LittleEndian.Uint64(" + at + "))"
	case wit.F32:
		return "math.Float32frombits(binary.LittleEndian.Uint32(" + at + "))"
	case wit.F64:
		return "math.Float64frombits(binary.LittleEndian.Uint64(" + at + "))"
	case wit.String:
		p, n := c.tmp("p"), c.tmp("n")
		s := c.tmp("s")
		c.line("%s, %s := binary.LittleEndian.Uint32(%s), binary.LittleEndian.Uint32(%s[%s+4:])", p, n, at, b, off)
		c.line("%s, ok := takeString(%s, %s)", s, p, n)
		c.line("if !ok { %s }", fault(fmt.Sprintf("badPointer(%q, %s, %s)", what, p, n)))
		if clone {
			return "strings.Clone(" + s + ")"
		}
		return s
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		return mustGoType(t) + "(" + guestLiftMem(c, wit.Discriminant(len(k.Cases)), b, off, what, fault, clone) + ")"
	case *wit.List:
		p, n := c.tmp("p"), c.tmp("n")
		c.line("%s, %s := binary.LittleEndian.Uint32(%s), binary.LittleEndian.Uint32(%s[%s+4:])", p, n, at, b, off)
		l := c.tmp("l")
		if _, ok := root(k.Type).(wit.U8); ok {
			c.line("%s, ok := takeBytes(%s, %s)", l, p, n)
			c.line("if !ok { %s }", fault(fmt.Sprintf("badPointer(%q, %s, %s)", what, p, n)))
			if clone {
				return "bytes.Clone(" + l + ")"
			}
			return l
		}
		guestLiftList(c, k, l, p, n, what, fault)
		return l
	case *wit.Option:
		o := c.tmp("o")
		c.line("var %s %s", o, mustGoType(t))
		c.line("if %s[%s] != 0 {", b, off)
		inner := guestLiftMem(c, k.Type, b, fmt.Sprintf("%s+%d", off, payloadOffset(variantTypes(k))), what, fault, clone)
		c.line("%s = %s{Some: true, Value: %s}", o, mustGoType(t), inner)
		c.line("}")
		return o
	case *wit.Record:
		var fs []string
		for j, f := range k.Fields {
			fs = append(fs, goName(f.Name)+": "+guestLiftMem(c, f.Type, b, fmt.Sprintf("%s+%d", off, fieldOffsets(k)[j]), what+"."+f.Name, fault, clone))
		}
		r := c.tmp("r")
		c.line("%s := %s{%s}", r, mustGoType(t), strings.Join(fs, ", "))
		return r
	}
	panic(fmt.Sprintf("unsupported memory lift of %s", t.TypeName()))
}

// guestLowerMem stores v of type t at b[off:], keeping what it points to
// alive until release.
func guestLowerMem(c *cg, t wit.Type, b, off, v string) { guestLowerMemKeep(c, t, b, off, v, true) }

// guestLowerMemKeep is guestLowerMem; with keepIt false, strings and byte
// lists are already kept alive by an enclosing list.
func guestLowerMemKeep(c *cg, t wit.Type, b, off, v string, keepIt bool) {
	at := b + "[" + off + ":]"
	switch root(t).(type) {
	case wit.Bool:
		c.line("%s[%s] = uint8(b2u(%s))", b, off, v)
		return
	case wit.U8, wit.S8:
		c.line("%s[%s] = uint8(%s)", b, off, v)
		return
	case wit.U16, wit.S16:
		c.line("binary.LittleEndian.PutUint16(%s, uint16(%s))", at, v)
		return
	case wit.U32, wit.S32:
		c.line("binary.LittleEndian.PutUint32(%s, uint32(%s))", at, v)
		return
	case wit.U64, wit.S64:
		c.line("binary.LittleEndian.PutUint64(%s, uint64(%s))", at, v)
		return
	case wit.F32:
		c.line("binary.LittleEndian.PutUint32(%s, math.Float32bits(%s))", at, v)
		return
	case wit.F64:
		c.line("binary.LittleEndian.PutUint64(%s, math.Float64bits(%s))", at, v)
		return
	case wit.String:
		if keepIt {
			c.line("keep = append(keep, %s)", v)
		}
		c.line("binary.LittleEndian.PutUint32(%s, strAddr(%s))", at, v)
		c.line("binary.LittleEndian.PutUint32(%s[%s+4:], uint32(len(%s)))", b, off, v)
		return
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		guestLowerMemKeep(c, wit.Discriminant(len(k.Cases)), b, off, v, keepIt)
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			if keepIt {
				c.line("keep = append(keep, %s)", v)
			}
			c.line("binary.LittleEndian.PutUint32(%s, addr(%s))", at, v)
			c.line("binary.LittleEndian.PutUint32(%s[%s+4:], uint32(len(%s)))", b, off, v)
			return
		}
		arr := c.tmp("arr")
		c.line("%s := newArray(len(%s) * %d)", arr, v, k.Type.Size())
		idx, el := c.tmp("i"), c.tmp("e")
		c.line("for %s, %s := range %s {", idx, el, v)
		// The kept slice keeps its elements' memory alive.
		guestLowerMemKeep(c, k.Type, arr, fmt.Sprintf("%s*%d", idx, k.Type.Size()), el, false)
		c.line("}")
		c.line("keep = append(keep, %s, %s)", arr, v)
		c.line("binary.LittleEndian.PutUint32(%s, addr(%s))", at, arr)
		c.line("binary.LittleEndian.PutUint32(%s[%s+4:], uint32(len(%s)))", b, off, v)
	case *wit.Option:
		c.line("if %s.Some {", v)
		c.line("%s[%s] = 1", b, off)
		guestLowerMemKeep(c, k.Type, b, fmt.Sprintf("%s+%d", off, payloadOffset(variantTypes(k))), v+".Value", keepIt)
		c.line("}")
	case *wit.Record:
		for j, f := range k.Fields {
			guestLowerMemKeep(c, f.Type, b, fmt.Sprintf("%s+%d", off, fieldOffsets(k)[j]), v+"."+goName(f.Name), keepIt)
		}
	default:
		panic(fmt.Sprintf("unsupported memory lower of %s", t.TypeName()))
	}
}

// guestImports declares the wasmimport functions of an imported interface
// and a typed wrapper for each.
func guestImports(w *bytes.Buffer, i *iface) error {
	typ := goName(i.name) + "Import"
	fmt.Fprintf(w, "// %s calls imported interface %s; the zero value is ready.\ntype %s struct{}\n\n", typ, i.qname, typ)
	for _, f := range i.funcs {
		params, results := coreSig(f, wit.Imported)
		raw := "wasmimport" + goName(i.name) + goName(f.Name)
		// Pointer-typed flat parameters cross as unsafe.Pointer so the
		// garbage collector keeps their memory alive during the call.
		flat := f.CoreFunction(wit.Imported).Params
		var ps []string
		for k, p := range params {
			gt := guestFlatGo(p)
			if _, ok := kindOf(flat[k].Type).(*wit.Pointer); ok {
				gt = "unsafe.Pointer"
			}
			ps = append(ps, fmt.Sprintf("p%d %s", k, gt))
		}
		res := ""
		if len(results) == 1 {
			res = guestFlatGo(results[0])
		}
		fmt.Fprintf(w, "//go:wasmimport %s %s\nfunc %s(%s) %s\n\n", i.qname, f.Name, raw, strings.Join(ps, ", "), res)

		docComment(w, "", f.Docs, goName(f.Name)+" calls "+f.Name+".")
		fmt.Fprintf(w, "func (%s) %s(%s) %s {\n", typ, goName(f.Name), goParams(f), goResults(f))
		c := &cg{w: w}
		var args []string
		for _, p := range f.Params {
			args = append(args, guestLowerFlat(c, p.Type, goIdent(p.Name))...)
		}
		r, _ := result(f)
		okT, errT, isRes := resultParts(r)
		if r != nil && indirectResult(f) {
			args = append(args, "unsafe.Pointer(&importRet)")
		}
		call := fmt.Sprintf("%s(%s)", raw, strings.Join(args, ", "))
		switch {
		case r == nil:
			c.line("%s", call)
		case !indirectResult(f):
			c.line("v := %s", call)
			vars := []string{"v"}
			c.line("return %s", guestLiftFlat(c, r, &vars, f.Name+" result", func(d string) string { return "panic(" + d + ")" }))
		case isRes:
			c.line("%s", call)
			c.line("ret := importRet.bytes()")
			off := payloadOffset(variantTypes(kindOf(r)))
			en := goName(*root(errT).(*wit.TypeDef).Name)
			zero := ""
			if okT != nil {
				zero = "*new(" + mustGoType(okT) + "), "
			}
			fault := func(d string) string {
				return fmt.Sprintf("e := liftFault%s(%s); return %s&e", en, d, zero)
			}
			c.line("if ret[0] != 0 {")
			e := guestLiftMem(c, errT, "ret", fmt.Sprint(off), f.Name+" error", fault, false)
			c.line("return %s&%s", zero, e)
			c.line("}")
			if okT != nil {
				v := guestLiftMem(c, okT, "ret", fmt.Sprint(off), f.Name+" result", fault, false)
				c.line("return %s, nil", v)
			} else {
				c.line("return nil")
			}
		default:
			c.line("%s", call)
			c.line("ret := importRet.bytes()")
			v := guestLiftMem(c, r, "ret", "0", f.Name+" result", func(d string) string { return "panic(" + d + ")" }, false)
			c.line("return %s", v)
		}
		w.WriteString("}\n\n")
	}
	return nil
}

// guestLowerFlat lowers a Go value to flat import arguments.
func guestLowerFlat(c *cg, t wit.Type, v string) []string {
	switch root(t).(type) {
	case wit.Bool:
		return []string{"b2u(" + v + ")"}
	case wit.U8, wit.U16, wit.U32, wit.S8, wit.S16, wit.S32:
		return []string{"uint32(" + v + ")"}
	case wit.U64, wit.S64:
		return []string{"uint64(" + v + ")"}
	case wit.F32, wit.F64:
		return []string{v}
	case wit.String:
		return []string{"unsafe.Pointer(unsafe.StringData(" + v + "))", "uint32(len(" + v + "))"}
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		return []string{"uint32(" + v + ")"}
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			return []string{"unsafe.Pointer(unsafe.SliceData(" + v + "))", "uint32(len(" + v + "))"}
		}
	case *wit.Option:
		if !sameFlat(k.Type.Flat(), t.Flat()[1:]) {
			break
		}
		inner := guestLowerFlat(c, k.Type, v+".Value")
		return append([]string{"b2u(" + v + ".Some)"}, inner...)
	case *wit.Record:
		var out []string
		for _, f := range k.Fields {
			out = append(out, guestLowerFlat(c, f.Type, v+"."+goName(f.Name))...)
		}
		return out
	}
	panic(fmt.Sprintf("unsupported flat lower of %s", t.TypeName()))
}

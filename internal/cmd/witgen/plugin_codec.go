package main

import (
	"bytes"
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// codec emits, on demand, a lift and a lower function per WIT type:
//
//	func liftX(a *abi, b []byte, off uint32) T        // from a memory area
//	func lowerX(a *abi, b []byte, off uint32, v T)    // into a memory area
//
// b holds the value's bytes (a return area, a list's elements); strings
// and lists in it are addresses that a.Deref turns into bytes and that
// a.PutString and a.PutBytes allocate (abi is hostrt.Call on the host,
// guestrt.Call in the guest). Areas are sized by the WIT, so indexing b never fails;
// what comes from the other side (addresses, lengths, tags) is checked by
// the abi, whose first failure is sticky.
type codec struct {
	m *pluginModel
	helpers
}

func newCodec(m *pluginModel) *codec { return &codec{m: m, helpers: helpers{done: map[string]bool{}}} }

// lift returns the name of t's lift function, emitting it if needed.
func (c *codec) lift(t wit.Type) string {
	name := "lift" + c.m.typeID(t)
	if c.done[name] {
		return name
	}
	c.done[name] = true
	var w bytes.Buffer
	T := c.m.goType(t)
	fmt.Fprintf(&w, "func %s(a *abi, b []byte, off uint32) %s {\n", name, T)
	switch root(t).(type) {
	case wit.Bool:
		w.WriteString("return b[off] != 0\n")
	case wit.U8:
		w.WriteString("return b[off]\n")
	case wit.S8:
		w.WriteString("return int8(b[off])\n")
	case wit.U16, wit.S16:
		fmt.Fprintf(&w, "return %s(le.Uint16(b[off:]))\n", T)
	case wit.U32, wit.S32:
		fmt.Fprintf(&w, "return %s(le.Uint32(b[off:]))\n", T)
	case wit.U64, wit.S64:
		fmt.Fprintf(&w, "return %s(le.Uint64(b[off:]))\n", T)
	case wit.F32:
		w.WriteString("return math.Float32frombits(le.Uint32(b[off:]))\n")
	case wit.F64:
		w.WriteString("return math.Float64frombits(le.Uint64(b[off:]))\n")
	case wit.String:
		w.WriteString("return string(a.Deref(le.Uint32(b[off:]), le.Uint32(b[off+4:]), 1))\n")
	default:
		c.liftDef(&w, t, T)
	}
	w.WriteString("}\n\n")
	c.out.Write(w.Bytes())
	return name
}

func (c *codec) liftDef(w *bytes.Buffer, t wit.Type, T string) {
	switch k := kindOf(t).(type) {
	case *wit.Resource, *wit.Own, *wit.Borrow:
		fmt.Fprintf(w, "return %s(le.Uint32(b[off:]))\n", T)
	case *wit.Enum:
		fmt.Fprintf(w, "return %s(a.Tag(%s, %d))\n", T, discRead(len(k.Cases), "b", "off"), len(k.Cases))
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			w.WriteString("return a.Deref(le.Uint32(b[off:]), le.Uint32(b[off+4:]), 1)\n")
			return
		}
		size := k.Type.Size()
		fmt.Fprintf(w, "el := a.Deref(le.Uint32(b[off:]), le.Uint32(b[off+4:]), %d)\n", size)
		fmt.Fprintf(w, "v := make(%s, len(el)/%d)\n", T, size)
		fmt.Fprintf(w, "for i := range v {\nv[i] = %s(a, el, uint32(i)*%d)\n}\nreturn v\n", c.lift(k.Type), size)
	case *wit.Option:
		fmt.Fprintf(w, "if a.Tag(uint32(b[off]), 2) == 1 {\nreturn %s{Some: true, Value: %s(a, b, off+%d)}\n}\nreturn %s{}\n",
			T, c.lift(k.Type), payloadOffset(variantTypes(k)), T)
	case *wit.Record:
		var fs []string
		for j, f := range k.Fields {
			fs = append(fs, fmt.Sprintf("%s: %s(a, b, off+%d)", goName(f.Name), c.lift(f.Type), fieldOffsets(k)[j]))
		}
		fmt.Fprintf(w, "return %s{%s}\n", T, strings.Join(fs, ", "))
	case *wit.Tuple:
		var fs []string
		for j, e := range k.Types {
			fs = append(fs, fmt.Sprintf("F%d: %s(a, b, off+%d)", j, c.lift(e), tupleOffsets(k)[j]))
		}
		fmt.Fprintf(w, "return %s{%s}\n", T, strings.Join(fs, ", "))
	case *wit.Variant:
		n, types, off := variantShape(k)
		fmt.Fprintf(w, "v := %s{Case: %sCase(a.Tag(%s, %d))}\n", T, T, discRead(n, "b", "off"), n)
		w.WriteString("switch v.Case {\n")
		for j, cs := range k.Cases {
			if types[j] == nil {
				continue
			}
			fmt.Fprintf(w, "case %d:\nv.%s = %s(a, b, off+%d)\n", j, goName(cs.Name), c.lift(cs.Type), off)
		}
		w.WriteString("}\nreturn v\n")
	default:
		panic(fmt.Sprintf("cannot lift %s", t.TypeName()))
	}
}

// lower returns the name of t's lower function, emitting it if needed.
func (c *codec) lower(t wit.Type) string {
	name := "lower" + c.m.typeID(t)
	if c.done[name] {
		return name
	}
	c.done[name] = true
	var w bytes.Buffer
	T := c.m.goType(t)
	fmt.Fprintf(&w, "func %s(a *abi, b []byte, off uint32, v %s) {\n", name, T)
	switch root(t).(type) {
	case wit.Bool:
		w.WriteString("b[off] = cabi.B2U(v)\n")
	case wit.U8, wit.S8:
		w.WriteString("b[off] = uint8(v)\n")
	case wit.U16, wit.S16:
		w.WriteString("le.PutUint16(b[off:], uint16(v))\n")
	case wit.U32, wit.S32:
		w.WriteString("le.PutUint32(b[off:], uint32(v))\n")
	case wit.U64, wit.S64:
		w.WriteString("le.PutUint64(b[off:], uint64(v))\n")
	case wit.F32:
		w.WriteString("le.PutUint32(b[off:], math.Float32bits(v))\n")
	case wit.F64:
		w.WriteString("le.PutUint64(b[off:], math.Float64bits(v))\n")
	case wit.String:
		w.WriteString("le.PutUint32(b[off:], a.PutString(v))\nle.PutUint32(b[off+4:], uint32(len(v)))\n")
	default:
		c.lowerDef(&w, t, T)
	}
	w.WriteString("}\n\n")
	c.out.Write(w.Bytes())
	return name
}

// encode returns the name of a function that lays out a list's elements
// (list<T>, T not u8), emitting it if needed.
func (c *codec) encode(k *wit.List) string {
	name := "encode" + c.m.typeID(k.Type) + "s"
	if c.done[name] {
		return name
	}
	c.done[name] = true
	var w bytes.Buffer
	size := k.Type.Size()
	fmt.Fprintf(&w, "func %s(a *abi, v []%s) []byte {\n", name, c.m.goType(k.Type))
	fmt.Fprintf(&w, "el := make([]byte, len(v)*%d)\nfor i, e := range v {\n%s(a, el, uint32(i)*%d, e)\n}\nreturn el\n}\n\n", size, c.lower(k.Type), size)
	c.out.Write(w.Bytes())
	return name
}

func (c *codec) lowerDef(w *bytes.Buffer, t wit.Type, T string) {
	switch k := kindOf(t).(type) {
	case *wit.Resource, *wit.Own, *wit.Borrow:
		w.WriteString("le.PutUint32(b[off:], uint32(v))\n")
	case *wit.Enum:
		fmt.Fprintf(w, "%s\n", discWrite(len(k.Cases), "b", "off", "v"))
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			w.WriteString("le.PutUint32(b[off:], a.PutBytes(v, 1))\nle.PutUint32(b[off+4:], uint32(len(v)))\n")
			return
		}
		fmt.Fprintf(w, "le.PutUint32(b[off:], a.PutBytes(%s(a, v), %d))\nle.PutUint32(b[off+4:], uint32(len(v)))\n", c.encode(k), k.Type.Align())
	case *wit.Option:
		fmt.Fprintf(w, "if !v.Some {\nb[off] = 0\nreturn\n}\nb[off] = 1\n%s(a, b, off+%d, v.Value)\n", c.lower(k.Type), payloadOffset(variantTypes(k)))
	case *wit.Record:
		for j, f := range k.Fields {
			fmt.Fprintf(w, "%s(a, b, off+%d, v.%s)\n", c.lower(f.Type), fieldOffsets(k)[j], goName(f.Name))
		}
	case *wit.Tuple:
		for j, e := range k.Types {
			fmt.Fprintf(w, "%s(a, b, off+%d, v.F%d)\n", c.lower(e), tupleOffsets(k)[j], j)
		}
	case *wit.Variant:
		n, types, off := variantShape(k)
		fmt.Fprintf(w, "%s\n", discWrite(n, "b", "off", "v.Case"))
		w.WriteString("switch v.Case {\n")
		for j, cs := range k.Cases {
			if types[j] == nil {
				continue
			}
			fmt.Fprintf(w, "case %d:\n%s(a, b, off+%d, v.%s)\n", j, c.lower(cs.Type), off, goName(cs.Name))
		}
		w.WriteString("}\n")
	default:
		panic(fmt.Sprintf("cannot lower %s", t.TypeName()))
	}
}

// variantShape returns a variant's case count, case types and payload offset.
func variantShape(k *wit.Variant) (int, []wit.Type, uintptr) {
	types := make([]wit.Type, len(k.Cases))
	for i, cs := range k.Cases {
		types[i] = cs.Type
	}
	return len(k.Cases), types, payloadOffset(len(k.Cases), types)
}

// tupleOffsets lays out a tuple's elements.
func tupleOffsets(k *wit.Tuple) []uintptr {
	offs := make([]uintptr, len(k.Types))
	var s uintptr
	for i, t := range k.Types {
		s = wit.Align(s, t.Align())
		offs[i] = s
		s += t.Size()
	}
	return offs
}

// resultShape is the payload offset of result<okT, errT>.
func resultShape(okT, errT wit.Type) uintptr {
	return payloadOffset(2, []wit.Type{okT, errT})
}

// writeNamedTypes declares the model's records, variants, enums and
// resource handles (the handle declaration is left to the caller, which
// adds methods on the guest side).
func writeNamedTypes(w *bytes.Buffer, m *pluginModel, handleDoc string) {
	for _, td := range m.types {
		name := m.names[td]
		docComment(w, "", td.Docs, name+" is WIT type "+*td.Name+".")
		switch k := td.Kind.(type) {
		case *wit.Record:
			writeStruct(w, name, k, m.goType)
		case *wit.Enum:
			writeEnum(w, name, k)
		case *wit.Variant:
			fmt.Fprintf(w, "type %s struct {\n\t// Case says which case this is; only that case's field is meaningful.\n\tCase %sCase\n", name, name)
			for _, cs := range k.Cases {
				if cs.Type == nil {
					continue
				}
				docComment(w, "\t", cs.Docs, goName(cs.Name)+" is the payload of case "+cs.Name+".")
				fmt.Fprintf(w, "\t%s %s\n", goName(cs.Name), m.goType(cs.Type))
			}
			w.WriteString("}\n\n")
			fmt.Fprintf(w, "// %sCase is a case of %s.\ntype %sCase %s\n\n", name, name, name, mustGoType(wit.Discriminant(len(k.Cases))))
			writeCases(w, name, name+"Case", variantCases(k))
			fmt.Fprintf(w, "// %sCaseNames are the WIT names of the cases of %s.\nvar %sCaseNames = [...]string{", name, name, name)
			writeQuoted(w, variantCases(k))
			w.WriteString("}\n\n")
		case *wit.Resource:
			fmt.Fprintf(w, "%stype %s uint32\n\n", handleDoc, name)
		}
	}
}

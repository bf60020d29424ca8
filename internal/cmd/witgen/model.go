package main

import (
	"fmt"
	"sort"
	"strings"

	"go.bytecodealliance.org/wit"
)

// model is what every emitter needs from the resolved WIT: the world's
// imported and exported interfaces, its named types, and names for them.
// Sizes, alignments and flat types come from package wit; this file only
// walks them.
type model struct {
	world   *wit.World
	imports []*iface
	exports []*iface
	types   []*wit.TypeDef // named records and enums, in declaration order
}

// eachInterface calls export for each exported interface, then imported
// for each imported interface that has functions.
func (m *model) eachInterface(export, imported func(i *iface)) {
	for _, i := range m.exports {
		export(i)
	}
	for _, i := range m.imports {
		if len(i.funcs) > 0 {
			imported(i)
		}
	}
}

// iface is one interface of the world with its functions in WIT order.
type iface struct {
	name  string // "sql"
	qname string // "sandcache:cache/sql@0.1.0": the core module or export prefix
	funcs []*wit.Function
}

func loadModel(res *wit.Resolve, worldName string) (*model, error) {
	m := &model{}
	for _, w := range res.Worlds {
		if w.Name == worldName {
			m.world = w
		}
	}
	if m.world == nil {
		return nil, fmt.Errorf("world %q not found", worldName)
	}
	var err error
	collect := func(dst *[]*iface) func(string, wit.WorldItem) bool {
		return func(_ string, item wit.WorldItem) bool {
			ref, ok := item.(*wit.InterfaceRef)
			if !ok {
				err = fmt.Errorf("world %s: only interface imports and exports are supported, got %T", worldName, item)
				return false
			}
			i := ref.Interface
			f := &iface{name: *i.Name}
			f.qname = qualified(i)
			i.Functions.All()(func(_ string, fn *wit.Function) bool {
				if !fn.IsFreestanding() {
					err = fmt.Errorf("%s.%s: only freestanding functions are supported", f.name, fn.Name)
					return false
				}
				f.funcs = append(f.funcs, fn)
				return true
			})
			*dst = append(*dst, f)
			return err == nil
		}
	}
	m.world.Imports.All()(collect(&m.imports))
	if err != nil {
		return nil, err
	}
	m.world.Exports.All()(collect(&m.exports))
	if err != nil {
		return nil, err
	}
	seen := map[*wit.TypeDef]bool{}
	names := map[string]*wit.TypeDef{}
	for _, i := range res.Interfaces {
		i.TypeDefs.All()(func(_ string, t *wit.TypeDef) bool {
			r := t.Root()
			switch r.Kind.(type) {
			case *wit.Record, *wit.Enum:
			default:
				return true
			}
			if seen[r] {
				return true
			}
			seen[r] = true
			n := goName(*r.Name)
			if other := names[n]; other != nil {
				err = fmt.Errorf("type name %s is declared twice", n)
				return false
			}
			names[n] = r
			m.types = append(m.types, r)
			return true
		})
	}
	return m, err
}

// qualified is the canonical name of an interface: ns:pkg/name@version.
func qualified(i *wit.Interface) string {
	p := i.Package.Name
	s := p.Namespace + ":" + p.Package + "/" + *i.Name
	if p.Version != nil {
		s += "@" + p.Version.String()
	}
	return s
}

// root follows aliases and `use`s to the type that defines the layout.
func root(t wit.Type) wit.Type {
	for {
		td, ok := t.(*wit.TypeDef)
		if !ok {
			return t
		}
		if inner, ok := td.Kind.(wit.Type); ok {
			t = inner
			continue
		}
		return td
	}
}

// kindOf is the TypeDefKind of a defined type, or nil for a primitive.
func kindOf(t wit.Type) wit.TypeDefKind {
	if td, ok := root(t).(*wit.TypeDef); ok {
		return td.Kind
	}
	return nil
}

// result returns the single result type of f, or nil.
func result(f *wit.Function) (wit.Type, error) {
	switch len(f.Results) {
	case 0:
		return nil, nil
	case 1:
		if f.Results[0].Name != "" {
			return nil, fmt.Errorf("%s: named results are not supported", f.Name)
		}
		return f.Results[0].Type, nil
	}
	return nil, fmt.Errorf("%s: several results are not supported", f.Name)
}

// resultParts splits a function result `result<T, E>` into T and E
// (ok is false when the result is not a result type).
func resultParts(t wit.Type) (okT, errT wit.Type, ok bool) {
	if t == nil {
		return nil, nil, false
	}
	r, isRes := kindOf(t).(*wit.Result)
	if !isRes {
		return nil, nil, false
	}
	return r.OK, r.Err, true
}

// payloadOffset is where a variant's payload starts: after its discriminant,
// aligned to the widest case (the canonical ABI's rule, with wit's sizes).
func payloadOffset(cases int, types []wit.Type) uintptr {
	var a uintptr = 1
	for _, t := range types {
		if t != nil {
			a = max(a, t.Align())
		}
	}
	return wit.Align(wit.Discriminant(cases).Size(), a)
}

// variantTypes returns the case count and case types of an option or result.
func variantTypes(k wit.TypeDefKind) (int, []wit.Type) {
	switch k := k.(type) {
	case *wit.Option:
		return 2, []wit.Type{nil, k.Type}
	case *wit.Result:
		return 2, []wit.Type{k.OK, k.Err}
	}
	panic(fmt.Sprintf("not a variant: %T", k))
}

// fieldOffsets lays out a record's fields with wit's sizes and alignments.
func fieldOffsets(r *wit.Record) []uintptr {
	offs := make([]uintptr, len(r.Fields))
	var s uintptr
	for i, f := range r.Fields {
		s = wit.Align(s, f.Type.Align())
		offs[i] = s
		s += f.Type.Size()
	}
	return offs
}

// coreType names a flat type as a core wasm value type: i or f, and its
// width in bits (a pointer is an i32).
func coreType(t wit.Type) string {
	if _, ok := kindOf(t).(*wit.Pointer); ok {
		return "i32"
	}
	switch t.(type) {
	case wit.U32, wit.S32, wit.U64, wit.S64:
		return fmt.Sprintf("i%d", 8*t.Size())
	case wit.F32, wit.F64:
		return fmt.Sprintf("f%d", 8*t.Size())
	}
	panic(fmt.Sprintf("unexpected flat type %T", t))
}

// flatCore is a type's flattening as core value types.
func flatCore(t wit.Type) []string {
	var out []string
	for _, f := range t.Flat() {
		out = append(out, coreType(f))
	}
	return out
}

// coreSig is a function's core signature in the given direction, from
// wit's CoreFunction (flattening and the 16-param/1-result limits).
func coreSig(f *wit.Function, dir wit.Direction) (params, results []string) {
	cf := f.CoreFunction(dir)
	for _, p := range cf.Params {
		params = append(params, coreType(p.Type))
	}
	for _, r := range cf.Results {
		results = append(results, coreType(r.Type))
	}
	return params, results
}

// indirectResult reports whether f's result goes through a return area.
func indirectResult(f *wit.Function) bool {
	t, _ := result(f)
	return t != nil && len(t.Flat()) > 1
}

// flatParamCount checks the 16-value limit, which this generator does not
// lift past (no function of the world needs it).
func flatParamCount(f *wit.Function) (int, error) {
	n := 0
	for _, p := range f.Params {
		n += len(p.Type.Flat())
	}
	if n > wit.MaxFlatParams {
		return 0, fmt.Errorf("%s: %d flat parameters (more than %d) are not supported", f.Name, n, wit.MaxFlatParams)
	}
	return n, nil
}

var acronyms = map[string]string{"llm": "LLM", "sql": "SQL", "ttl": "TTL", "id": "ID", "abi": "ABI", "json": "JSON"}

// goName turns a kebab-case WIT name into an exported Go name.
func goName(s string) string {
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimPrefix(s, "%"), "-") {
		if a, ok := acronyms[part]; ok {
			b.WriteString(a)
			continue
		}
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// lowerName is goName with a lower-case first letter.
func lowerName(s string) string {
	n := goName(s)
	for k, v := range acronyms {
		if strings.HasPrefix(n, v) {
			return k + n[len(v):]
		}
	}
	return strings.ToLower(n[:1]) + n[1:]
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

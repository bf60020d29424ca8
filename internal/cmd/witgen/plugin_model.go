package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"go.bytecodealliance.org/wit"
)

// The plugin glue: wit/plugin/ (its own WIT root, so the sandcache world's
// generator does not see it) defines the worlds a plugin module may import,
// wasi:keyvalue and sandcache:plugin/cache. From it witgen generates
//   - the Go host's wazero registration of those imports (pluginHostOut),
//     for worlds "plugin" and "plugin-draft" (names prefixed "Draft");
//   - the guest package for standard Go GOOS=wasip1 plugins (pluginGuestOut),
//     for world "plugin".
//
// Unlike the sandcache world, these interfaces have resources (handles are
// u32 table indexes), variants, tuples and lists of records. The emitters
// here are type-directed: one lift and one lower function per type, shared
// by the host and the guest, over a small runtime (`abi`) that each side
// implements (the host reads guest memory bounds-checked and allocates
// through cabi_realloc; the guest takes the buffers the host allocated
// through its cabi_realloc).

const (
	pluginWIT      = "plugin"
	pluginHostOut  = "internal/pluginabi/pluginabi_gen.go"
	pluginGuestOut = "plugin/keyvalue/keyvalue_gen.go"
	pluginTypesOut = "plugin/keyvalue/types_gen.go"
)

// pluginIface is one imported interface of a plugin world.
type pluginIface struct {
	goName    string // "Store", "DraftStore"
	qname     string // core module name
	funcs     []*wit.Function
	resources []*wit.TypeDef // declared here: each gets a [resource-drop]
}

// pluginModel is one plugin world with the Go names of its named types.
// A type of world "plugin-draft" that is declared alike in world "plugin"
// (base) is that type: its Go name is the base's, and aliases lists the
// draft name for the host's code.
type pluginModel struct {
	prefix  string
	ifaces  []*pluginIface
	types   []*wit.TypeDef // records, variants, enums, resources declared here
	names   map[*wit.TypeDef]string
	base    *pluginModel
	byWIT   map[string]*wit.TypeDef // the types declared here, by WIT name
	aliases [][2]string             // {draft name, base name}
}

func loadPluginModel(res *wit.Resolve, worldName, prefix string, base *pluginModel) (*pluginModel, error) {
	var w *wit.World
	for _, x := range res.Worlds {
		if x.Name == worldName {
			w = x
		}
	}
	if w == nil {
		return nil, fmt.Errorf("world %q not found", worldName)
	}
	m := &pluginModel{prefix: prefix, names: map[*wit.TypeDef]string{}, base: base, byWIT: map[string]*wit.TypeDef{}}
	var err error
	w.Imports.All()(func(_ string, item wit.WorldItem) bool {
		ref, ok := item.(*wit.InterfaceRef)
		if !ok {
			err = fmt.Errorf("world %s: only interface imports are supported, got %T", worldName, item)
			return false
		}
		i := ref.Interface
		pi := &pluginIface{goName: prefix + goName(*i.Name), qname: qualified(i)}
		i.TypeDefs.All()(func(_ string, t *wit.TypeDef) bool {
			r := t.Root()
			switch r.Kind.(type) {
			case *wit.Record, *wit.Variant, *wit.Enum, *wit.Resource:
			default:
				return true
			}
			if _, ok := r.Kind.(*wit.Resource); ok && r == t {
				pi.resources = append(pi.resources, r)
			}
			if _, seen := m.names[r]; seen {
				return true
			}
			n := prefix + goName(*r.Name)
			if m.sameAsBase(r, n) {
				return true
			}
			for _, other := range m.names {
				if other == n {
					err = fmt.Errorf("type name %s is declared twice", n)
					return false
				}
			}
			m.names[r] = n
			m.types = append(m.types, r)
			m.byWIT[*r.Name] = r
			return true
		})
		i.Functions.All()(func(_ string, f *wit.Function) bool {
			pi.funcs = append(pi.funcs, f)
			return true
		})
		m.ifaces = append(m.ifaces, pi)
		return err == nil
	})
	return m, err
}

// generatePlugin returns the plugin glue by path, from witDir/plugin;
// shared, when not nil, is the codec of package witypes (see codec.shared).
func generatePlugin(witDir string, shared *codec) (out map[string][]byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("unsupported plugin WIT: %v", r)
		}
	}()
	res, err := wit.LoadWIT(filepath.Join(witDir, pluginWIT))
	if err != nil {
		return nil, err
	}
	cur, err := loadPluginModel(res, "plugin", "", nil)
	if err != nil {
		return nil, err
	}
	draft, err := loadPluginModel(res, "plugin-draft", "Draft", cur)
	if err != nil {
		return nil, err
	}
	// The types of world "plugin" and their codec live in package keyvalue
	// (which the host aliases); the draft world's own types and codec in
	// package pluginabi. The types file is written last: both sides add to
	// its codec.
	cc := &codec{goType: cur.goType, named: cur.name, shared: shared}
	dc := &codec{goType: draft.goType, named: draft.name, shared: shared}
	out = map[string][]byte{}
	if out[pluginGuestOut], err = genPluginGuest(cur, cc); err != nil {
		return nil, err
	}
	if out[pluginHostOut], err = genPluginHost(cur, draft, cc, dc); err != nil {
		return nil, err
	}
	if out[pluginTypesOut], err = genPluginTypes(cur, cc); err != nil {
		return nil, err
	}
	return out, nil
}

// goType is the Go type of a WIT type in plugin glue: handles are their
// resource's named u32 type, tuples Tuple2, variants structs.
func (m *pluginModel) goType(t wit.Type) string {
	switch root(t).(type) {
	case wit.Bool, wit.U8, wit.U16, wit.U32, wit.U64, wit.S8, wit.S16, wit.S32, wit.S64, wit.F32, wit.F64, wit.String:
		return mustGoType(t)
	}
	td := root(t).(*wit.TypeDef)
	switch k := td.Kind.(type) {
	case *wit.Record, *wit.Variant, *wit.Enum, *wit.Resource:
		n, ok := m.names[td]
		if !ok {
			panic(fmt.Sprintf("type %s is not declared by an imported interface", td.TypeName()))
		}
		return n
	case *wit.Own:
		return m.goType(k.Type)
	case *wit.Borrow:
		return m.goType(k.Type)
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			return "[]byte"
		}
		return "[]" + m.goType(k.Type)
	case *wit.Option:
		return "Option[" + m.goType(k.Type) + "]"
	case *wit.Tuple:
		if len(k.Types) != 2 {
			panic("only 2-tuples are supported")
		}
		return "Tuple2[" + m.goType(k.Types[0]) + ", " + m.goType(k.Types[1]) + "]"
	}
	panic(fmt.Sprintf("WIT type %s is not supported in plugin glue", t.TypeName()))
}

// name is the Go name of a named type.
func (m *pluginModel) name(td *wit.TypeDef) string { return m.names[td] }

// sameAsBase makes r, named n here, the base model's type of the same WIT
// name when both declare it alike, and reports whether it did.
func (m *pluginModel) sameAsBase(r *wit.TypeDef, n string) bool {
	if m.base == nil {
		return false
	}
	b, ok := m.base.byWIT[*r.Name]
	if !ok || m.decl(r) != m.base.decl(b) {
		return false
	}
	bn := m.base.names[b]
	m.names[r], m.base.names[r] = bn, bn
	m.aliases = append(m.aliases, [2]string{n, bn})
	if _, ok := r.Kind.(*wit.Variant); ok {
		m.aliases = append(m.aliases, [2]string{n + "Case", bn + "Case"})
	}
	return true
}

// decl is a named type's declaration with Go types, to compare the same
// WIT name across worlds.
func (m *pluginModel) decl(td *wit.TypeDef) string {
	var b strings.Builder
	switch k := td.Kind.(type) {
	case *wit.Record:
		for _, f := range k.Fields {
			b.WriteString(f.Name + ":" + m.goType(f.Type) + ";")
		}
	case *wit.Variant:
		for _, c := range k.Cases {
			b.WriteString(c.Name + "(")
			if c.Type != nil {
				b.WriteString(m.goType(c.Type))
			}
			b.WriteString(")|")
		}
	case *wit.Enum:
		for _, c := range k.Cases {
			b.WriteString(c.Name + "|")
		}
	case *wit.Resource:
		b.WriteString("resource")
	}
	return fmt.Sprintf("%T{%s}", td.Kind, b.String())
}

// inBase reports whether every named type in t is the base model's, so
// that the base's codec serves t.
func (m *pluginModel) inBase(t wit.Type) bool {
	if m.base == nil {
		return true
	}
	if t == nil || scalarKind(t) != "" {
		return true
	}
	td := root(t).(*wit.TypeDef)
	switch k := td.Kind.(type) {
	case *wit.Own:
		return m.inBase(k.Type)
	case *wit.Borrow:
		return m.inBase(k.Type)
	case *wit.List:
		return m.inBase(k.Type)
	case *wit.Option:
		return m.inBase(k.Type)
	case *wit.Tuple:
		for _, e := range k.Types {
			if !m.inBase(e) {
				return false
			}
		}
		return true
	}
	_, ok := m.base.names[td]
	return ok
}

// goFuncName names a function in Go: freestanding "GetMany", method
// "BucketGet", static "CasNew" (host) ; see guestFuncName for the guest.
func goFuncName(f *wit.Function) string {
	if f.IsFreestanding() {
		return goName(f.Name)
	}
	td := root(f.Type()).(*wit.TypeDef)
	return goName(*td.Name) + goName(f.BaseName())
}

// pluginResult splits a function's result: (nil, nil, false) for none,
// (T, E, true) for result<T, E>, (T, nil, false) for a plain T.
func pluginResult(f *wit.Function) (okT, errT wit.Type, isRes bool) {
	r, err := result(f)
	if err != nil {
		panic(err)
	}
	if o, e, ok := resultParts(r); ok {
		if e == nil {
			panic(f.Name + ": result without an error type is not supported")
		}
		return o, e, true
	}
	return r, nil, false
}

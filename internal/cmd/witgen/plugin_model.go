package main

import (
	"fmt"
	"path/filepath"

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
)

// pluginIface is one imported interface of a plugin world.
type pluginIface struct {
	goName    string // "Store", "DraftStore"
	qname     string // core module name
	funcs     []*wit.Function
	resources []*wit.TypeDef // declared here: each gets a [resource-drop]
}

// pluginModel is one plugin world with the Go names of its named types.
type pluginModel struct {
	prefix string
	ifaces []*pluginIface
	types  []*wit.TypeDef // records, variants, enums, resources
	names  map[*wit.TypeDef]string
}

func loadPluginModel(res *wit.Resolve, worldName, prefix string) (*pluginModel, error) {
	var w *wit.World
	for _, x := range res.Worlds {
		if x.Name == worldName {
			w = x
		}
	}
	if w == nil {
		return nil, fmt.Errorf("world %q not found", worldName)
	}
	m := &pluginModel{prefix: prefix, names: map[*wit.TypeDef]string{}}
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
			for _, other := range m.names {
				if other == n {
					err = fmt.Errorf("type name %s is declared twice", n)
					return false
				}
			}
			m.names[r] = n
			m.types = append(m.types, r)
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

// generatePlugin returns the plugin glue by path, from witDir/plugin.
func generatePlugin(witDir string) (out map[string][]byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("unsupported plugin WIT: %v", r)
		}
	}()
	res, err := wit.LoadWIT(filepath.Join(witDir, pluginWIT))
	if err != nil {
		return nil, err
	}
	cur, err := loadPluginModel(res, "plugin", "")
	if err != nil {
		return nil, err
	}
	draft, err := loadPluginModel(res, "plugin-draft", "Draft")
	if err != nil {
		return nil, err
	}
	out = map[string][]byte{}
	if out[pluginHostOut], err = genPluginHost(cur, draft); err != nil {
		return nil, err
	}
	if out[pluginGuestOut], err = genPluginGuest(cur); err != nil {
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

// typeID is a Go identifier fragment naming t, for lift/lower functions.
func (m *pluginModel) typeID(t wit.Type) string {
	return typeID(t, func(td *wit.TypeDef) string { return m.names[td] })
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

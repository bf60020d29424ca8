package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// The Node host's view of the world: names, core (flat) signatures and
// memory layouts, as plain data. sandcache.mjs can lift and lower with
// these instead of hand-written offsets.

type jsLayout struct {
	Size   uintptr            `json:"size"`
	Align  uintptr            `json:"align"`
	Fields map[string]jsField `json:"fields"`
}

type jsField struct {
	Offset uintptr `json:"offset"`
	Kind   string  `json:"kind"`
}

type jsParam struct {
	Name string   `json:"name"`
	Type string   `json:"type"`
	Flat []string `json:"flat"`
}

type jsFunc struct {
	Name    string    `json:"name"`
	Params  []jsParam `json:"params"`
	Result  string    `json:"result,omitempty"`
	Core    jsCore    `json:"core"`
	RetArea *jsLayout `json:"retArea,omitempty"`
	Post    string    `json:"post,omitempty"`
}

type jsCore struct {
	Params  []string `json:"params"`
	Results []string `json:"results"`
}

func layoutOf(t wit.Type) *jsLayout {
	l := &jsLayout{Size: t.Size(), Align: t.Align(), Fields: map[string]jsField{}}
	for _, f := range leaves(t, "", 0) {
		l.Fields[f.path] = jsField{f.offset, f.kind}
	}
	return l
}

// witString prints a type as WIT.
func witString(t wit.Type) string {
	if k := scalarKind(t); k != "" {
		return k
	}
	td := root(t).(*wit.TypeDef)
	if td.Name != nil {
		return *td.Name
	}
	switch k := td.Kind.(type) {
	case *wit.List:
		return "list<" + witString(k.Type) + ">"
	case *wit.Option:
		return "option<" + witString(k.Type) + ">"
	case *wit.Result:
		ok, e := "_", "_"
		if k.OK != nil {
			ok = witString(k.OK)
		}
		if k.Err != nil {
			e = witString(k.Err)
		}
		return "result<" + ok + ", " + e + ">"
	}
	return t.TypeName()
}

func jsFuncs(i *iface, dir wit.Direction) map[string]jsFunc {
	out := map[string]jsFunc{}
	for _, f := range i.funcs {
		jf := jsFunc{Name: f.Name, Params: []jsParam{}}
		for _, p := range f.Params {
			jf.Params = append(jf.Params, jsParam{p.Name, witString(p.Type), flatCore(p.Type)})
		}
		params, results := coreSig(f, dir)
		jf.Core = jsCore{Params: append([]string{}, params...), Results: append([]string{}, results...)}
		if r, _ := result(f); r != nil {
			jf.Result = witString(r)
			if indirectResult(f) {
				jf.RetArea = layoutOf(r)
			}
		}
		if dir == wit.Exported {
			jf.Post = "cabi_post_" + i.qname + "#" + f.Name
		}
		out[f.Name] = jf
	}
	return out
}

func genJS(m *model) ([]byte, error) {
	var w bytes.Buffer
	w.WriteString(header)
	w.WriteString("// The canonical-ABI view of wit/sandcache.wit for the Node host: interface\n// names, flat core signatures and memory layouts (offsets of every scalar,\n// variants as \"<path>.tag\" plus the case's payload under its case name).\n\n")
	// One line per function or type: readable, and diffs stay local.
	compact := func(v any) (string, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", err
		}
		return string(bytes.TrimSpace(b.Bytes())), nil
	}
	emit := func(doc, name string, v any) error {
		fmt.Fprintf(&w, "/** %s */\nexport const %s = Object.freeze({\n", doc, name)
		switch v := v.(type) {
		case map[string]map[string]jsFunc:
			for _, iname := range sortedKeys(v) {
				fmt.Fprintf(&w, "  %q: {\n", iname)
				for _, fname := range sortedKeys(v[iname]) {
					line, err := compact(v[iname][fname])
					if err != nil {
						return err
					}
					fmt.Fprintf(&w, "    %q: %s,\n", fname, line)
				}
				w.WriteString("  },\n")
			}
		case map[string]*jsLayout:
			for _, k := range sortedKeys(v) {
				line, err := compact(v[k])
				if err != nil {
					return err
				}
				fmt.Fprintf(&w, "  %q: %s,\n", k, line)
			}
		case map[string][]string:
			for _, k := range sortedKeys(v) {
				line, err := compact(v[k])
				if err != nil {
					return err
				}
				fmt.Fprintf(&w, "  %q: %s,\n", k, line)
			}
		default:
			return fmt.Errorf("jsgen: unexpected %T", v)
		}
		w.WriteString("});\n\n")
		return nil
	}
	imports := map[string]map[string]jsFunc{}
	for _, i := range m.imports {
		if len(i.funcs) > 0 {
			imports[i.qname] = jsFuncs(i, wit.Imported)
		}
	}
	exports := map[string]map[string]jsFunc{}
	for _, i := range m.exports {
		exports[i.qname] = jsFuncs(i, wit.Exported)
	}
	types := map[string]*jsLayout{}
	enums := map[string][]string{}
	records := map[string][]string{}
	for _, td := range m.types {
		types[*td.Name] = layoutOf(td)
		switch k := td.Kind.(type) {
		case *wit.Enum:
			for _, c := range k.Cases {
				enums[*td.Name] = append(enums[*td.Name], c.Name)
			}
		case *wit.Record:
			for _, f := range k.Fields {
				records[*td.Name] = append(records[*td.Name], f.Name)
			}
		}
	}
	for _, e := range []struct {
		doc, name string
		v         any
	}{
		{"Imported interfaces (core module name) and their functions by name.", "imports", imports},
		{"Exported interfaces and their functions; core export names are `<interface>#<function>`.", "exports", exports},
		{"Memory layouts of the named records and enums.", "types", types},
		{"Cases of each enum, in discriminant order.", "enums", enums},
		{"Fields of each record, in flattening order.", "records", records},
	} {
		if err := emit(e.doc, e.name, e.v); err != nil {
			return nil, err
		}
	}
	return []byte(strings.TrimRight(w.String(), "\n") + "\n"), nil
}

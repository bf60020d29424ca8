package sdk

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
)

// nullNonFinite returns a copy of v as plain JSON-shaped values (maps,
// slices, scalars) with every NaN and ±Inf replaced by nil. Struct fields
// follow their json tags (name, "-", omitempty); values with their own
// MarshalJSON are kept as they are.
func nullNonFinite(v any) any {
	return walk(reflect.ValueOf(v))
}

var marshalerType = reflect.TypeFor[json.Marshaler]()

func walk(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	if v.Type().Implements(marshalerType) {
		return v.Interface()
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
		return v.Interface()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walk(v.Elem())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && (v.IsNil() || v.Type().Elem().Kind() == reflect.Uint8) {
			return v.Interface() // null, or []byte as base64
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = walk(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			k, err := json.Marshal(it.Key().Interface())
			if err != nil {
				return v.Interface()
			}
			out[strings.Trim(string(k), `"`)] = walk(it.Value())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" && opts == "" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(opts, "omitempty") && v.Field(i).IsZero() {
				continue
			}
			out[name] = walk(v.Field(i))
		}
		return out
	}
	return v.Interface()
}

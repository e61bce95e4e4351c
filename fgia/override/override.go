// Package override edits a configuration value field by field, by dotted
// paths of its JSON names, as GoMLX's -set and big_vision's --config.x do:
// "optim.schedule.lr=1e-3" or "model.head.kind=arcface". A run's
// config.json, a recipe step's parameters and the CLI's --set all go
// through Set, so a value can be given back exactly as it was recorded.
package override

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/suggest"
)

// Set parses value and stores it at path in v, a pointer to a struct.
// value is a JSON literal (1e-3, true, "x", [24,24,24,12], {"alpha":0.8})
// or, for a string field, a bare word. A path that leaves the struct, a
// nil pointer on the way (set the whole object instead) or a value of the
// wrong type is an error naming the path.
func Set(v any, path, value string) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("override: need a non-nil pointer, got %T", v)
	}
	field, err := lookup(rv.Elem(), path)
	if err != nil {
		return err
	}
	if !field.CanSet() {
		return fmt.Errorf("override: %s cannot be set", path)
	}
	next := reflect.New(field.Type())
	if err := decode([]byte(value), next.Interface()); err != nil {
		if field.Kind() != reflect.String {
			return fmt.Errorf("override: %s=%s: want %s: %v", path, value, describe(field.Type()), err)
		}
		next.Elem().SetString(value) // a bare word for a string field
	}
	field.Set(next.Elem())
	return nil
}

// SetAll applies "path=value" assignments in order.
func SetAll(v any, assignments []string) error {
	for _, a := range assignments {
		path, value, ok := strings.Cut(a, "=")
		if !ok || strings.TrimSpace(path) == "" {
			return fmt.Errorf("override: %q: want path=value, e.g. optim.schedule.lr=1e-3", a)
		}
		if err := Set(v, strings.TrimSpace(path), value); err != nil {
			return err
		}
	}
	return nil
}

// Get returns the JSON text of the value at path in v.
func Get(v any, path string) (string, error) {
	field, err := lookup(reflect.Indirect(reflect.ValueOf(v)), path)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(field.Interface())
	return string(b), err
}

// Paths lists every settable leaf path of v's type (nil pointers are
// listed as one path for the whole object), sorted.
func Paths(v any) []string {
	var out []string
	walk(reflect.Indirect(reflect.ValueOf(v)), "", &out)
	slices.Sort(out)
	return out
}

// decode is json.Unmarshal that refuses unknown object keys.
func decode(data []byte, into any) error {
	d := json.NewDecoder(strings.NewReader(string(data)))
	d.DisallowUnknownFields()
	if err := d.Decode(into); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data after the value")
	}
	return nil
}

// lookup walks path from v (a struct value) and returns the addressed field.
func lookup(v reflect.Value, path string) (reflect.Value, error) {
	parts := strings.Split(path, ".")
	for i, name := range parts {
		where := strings.Join(parts[:i], ".")
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return v, fmt.Errorf("override: %s is not set in this configuration; set it whole, e.g. %s='{...}'", where, where)
			}
			v = v.Elem()
			if v.Kind() != reflect.Struct {
				return v, fmt.Errorf("override: %s has no field %q", where, name)
			}
			fallthrough
		case reflect.Struct:
			fields := jsonFields(v.Type())
			idx, ok := fields[name]
			if !ok {
				names := make([]string, 0, len(fields))
				for n := range fields {
					names = append(names, n)
				}
				slices.Sort(names)
				prefix := where
				if prefix != "" {
					prefix += "."
				}
				return v, fmt.Errorf("override: unknown key %q%s; %s has %s", prefix+name,
					suggest.DidYouMean(name, names), orTop(where), strings.Join(names, ", "))
			}
			v = v.FieldByIndex(idx)
		case reflect.Slice, reflect.Array:
			k, err := strconv.Atoi(name)
			if err != nil || k < 0 || k >= v.Len() {
				return v, fmt.Errorf("override: %s has %d elements; %q is not an index", where, v.Len(), name)
			}
			v = v.Index(k)
		default:
			return v, fmt.Errorf("override: %s is a %s, it has no field %q", where, describe(v.Type()), name)
		}
	}
	return v, nil
}

func orTop(where string) string {
	if where == "" {
		return "the configuration"
	}
	return where
}

// jsonFields maps the JSON names of t's exported fields to their indices
// (embedded structs flattened, as encoding/json does).
func jsonFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for n, idx := range jsonFields(f.Type) {
				out[n] = append([]int{i}, idx...)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = []int{i}
	}
	return out
}

func walk(v reflect.Value, prefix string, out *[]string) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			*out = append(*out, prefix)
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type().NumField() == 0 {
		*out = append(*out, prefix)
		return
	}
	for name, idx := range jsonFields(v.Type()) {
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		f := v.FieldByIndex(idx)
		if f.Kind() == reflect.Func {
			continue
		}
		walk(f, p, out)
	}
}

// describe names a type for errors.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a JSON list"
	default:
		return "a JSON object"
	}
}

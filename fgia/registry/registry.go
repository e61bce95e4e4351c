// Package registry is the one shape of every named catalogue in fgia: model
// presets, pretraining presets, budgets, recipes and model architectures
// each keep a Registry, so that Get, Names and Doc read the same everywhere
// (as timm's create_model / list_models do) and an unknown name gets the
// same error with a suggestion.
package registry

import (
	"fmt"
	"maps"
	"slices"

	"github.com/fgia/fgia/fgia/suggest"
)

// Registry maps names to values of one kind, each with a one-line doc.
type Registry[T any] struct {
	kind    string
	entries map[string]entry[T]
}

type entry[T any] struct {
	doc   string
	value T
}

// New makes an empty registry; kind names its entries in errors ("preset").
func New[T any](kind string) *Registry[T] {
	return &Registry[T]{kind: kind, entries: map[string]entry[T]{}}
}

// Register adds a value; registering a name twice is a programming error.
func (r *Registry[T]) Register(name, doc string, v T) {
	if _, dup := r.entries[name]; dup {
		panic(fmt.Sprintf("registry: %s %q registered twice", r.kind, name))
	}
	r.entries[name] = entry[T]{doc, v}
}

// Get returns the value called name, or an error that lists the known
// names and suggests the closest one.
func (r *Registry[T]) Get(name string) (T, error) {
	e, ok := r.entries[name]
	if !ok {
		var zero T
		return zero, fmt.Errorf("unknown %s %q%s; known: %v", r.kind, name, suggest.DidYouMean(name, r.Names()), r.Names())
	}
	return e.value, nil
}

// Has reports whether name is registered.
func (r *Registry[T]) Has(name string) bool {
	_, ok := r.entries[name]
	return ok
}

// Names lists the registered names, sorted.
func (r *Registry[T]) Names() []string { return slices.Sorted(maps.Keys(r.entries)) }

// Doc describes name in one line ("" when unknown).
func (r *Registry[T]) Doc(name string) string { return r.entries[name].doc }

// Kind is what the registry holds ("preset", "recipe", ...).
func (r *Registry[T]) Kind() string { return r.kind }

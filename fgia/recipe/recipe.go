// Package recipe holds the recipes of fgia as values, as big_vision's
// configs and timm's registry do: a Recipe is a named list of Steps
// (pretrain, fine-tune, TTA, soup, ensemble, pseudo-labels, distillation,
// logit adjustment, re-distribution, ...) and each step that yields
// predictions is one row of the ablation table, compared with its Base
// row. The rows are declared here once: fgia/reproduce runs them, and the
// CLI (`fgia reproduce --plan`), the tests, the plots and the notebooks
// read the same list. Budgets size a recipe's training for a machine.
//
// Registered recipes: "demo" (the CPU ablation `make reproduce` runs on
// WebFashion-LT), "quick" (the same rows with one pseudo-label round, for
// `make test` on the small demo set) and "champion" (the ACCV 2022
// winner's GPU recipe, to plan and cost).
package recipe

import (
	"fmt"
	"slices"

	"github.com/fgia/fgia/fgia/registry"
)

// Recipe is a named, ordered list of steps.
type Recipe struct {
	Name string `json:"name"`
	// Budget is the budget the recipe runs at unless one is given.
	Budget string `json:"budget"`
	// Data is the size of the data set the recipe was made for (the
	// plan's cost estimate reads it; runs read the real data).
	Data  DataSize `json:"data"`
	Steps []Step   `json:"steps"`
}

// DataSize is the images of a data set's splits.
type DataSize struct {
	Train   int `json:"train"`
	TestA   int `json:"testa"`
	TestB   int `json:"testb"`
	Classes int `json:"classes"`
}

// Recipes is the registry of recipes.
var Recipes = registry.New[func() Recipe]("recipe")

// Get returns the recipe called name, validated.
func Get(name string) (Recipe, error) {
	build, err := Recipes.Get(name)
	if err != nil {
		return Recipe{}, fmt.Errorf("recipe: %w", err)
	}
	r := build()
	r.Name = name
	return r, r.Validate()
}

// Names lists the recipes.
func Names() []string { return Recipes.Names() }

// Doc describes a recipe in one line.
func Doc(name string) string { return Recipes.Doc(name) }

// Step returns the step called name.
func (r Recipe) Step(name string) (Step, bool) {
	i := slices.IndexFunc(r.Steps, func(s Step) bool { return s.Name == name })
	if i < 0 {
		return Step{}, false
	}
	return r.Steps[i], true
}

// Rows are the steps that are rows of the ablation table, in order.
func (r Recipe) Rows() []Step {
	var out []Step
	for _, s := range r.Steps {
		if s.IsRow() {
			out = append(out, s)
		}
	}
	return out
}

// RowNames are the names of Rows.
func (r Recipe) RowNames() []string {
	var out []string
	for _, s := range r.Rows() {
		out = append(out, s.Name)
	}
	return out
}

// Validate checks that names are unique, that every step refers only to
// earlier steps of the right kind, and that each step has what its kind
// needs.
func (r Recipe) Validate() error {
	seen := map[string]Step{}
	for i, s := range r.Steps {
		if s.Name == "" {
			return fmt.Errorf("recipe %s: step %d has no name", r.Name, i+1)
		}
		if _, dup := seen[s.Name]; dup {
			return fmt.Errorf("recipe %s: two steps are called %q", r.Name, s.Name)
		}
		if err := s.validate(seen); err != nil {
			return fmt.Errorf("recipe %s: step %s: %w", r.Name, s.Name, err)
		}
		seen[s.Name] = s
	}
	return nil
}

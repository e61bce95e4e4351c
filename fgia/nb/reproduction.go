package nb

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/reproduce"
	"github.com/fgia/fgia/fgia/table"
)

// Reproduction is an output folder of fgia reproduce as the notebooks read
// it: its ablation rows and the files behind them. It also opens folders
// written by older versions of fgia (no seed-N/ folders, no intervals),
// and says what they lack instead of failing.
type Reproduction struct {
	Dir  string // relative to the repository root
	Rows []reproduce.Row
	// Recipe is the recipe the folder was made with (its
	// reproduction.json); nil for folders older than recipes as values.
	Recipe *recipe.Recipe
	// Columns are ablation.parquet's columns.
	Columns []string
}

// IntervalColumns are the columns of an ablation table with intervals and
// seeds; tables written before them lack them.
var IntervalColumns = []string{"seeds", "testb_acc_std", "testb_ci_low", "testb_ci_high", "delta_ci_low", "delta_ci_high", "status"}

// OpenReproduction reads a reproduction folder's table.
func OpenReproduction(dir string) (*Reproduction, error) {
	open()
	path := filepath.Join(dir, reproduce.Table)
	cols, err := ParquetColumns(path)
	if err != nil {
		return nil, fmt.Errorf("nb: no ablation table in %s yet: %w", Rel(dir), err)
	}
	rows, err := table.Read[reproduce.Row](path)
	if err != nil {
		return nil, fmt.Errorf("nb: %s: %w", Rel(path), err)
	}
	r := &Reproduction{Dir: dir, Rows: rows, Columns: cols}
	if b, err := os.ReadFile(filepath.Join(dir, reproduce.StampFile)); err == nil {
		var st struct {
			Recipe recipe.Recipe `json:"recipe"`
		}
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("nb: %s: %w", Rel(filepath.Join(dir, reproduce.StampFile)), err)
		}
		r.Recipe = &st.Recipe
	}
	return r, nil
}

// Missing lists the IntervalColumns the table lacks (an older fgia wrote
// it).
func (r *Reproduction) Missing() []string {
	var out []string
	for _, c := range IntervalColumns {
		if !slices.Contains(r.Columns, c) {
			out = append(out, c)
		}
	}
	return out
}

// Row is the row of a step.
func (r *Reproduction) Row(step string) (reproduce.Row, bool) {
	i := slices.IndexFunc(r.Rows, func(x reproduce.Row) bool { return x.Step == step })
	if i < 0 {
		return reproduce.Row{}, false
	}
	return r.Rows[i], true
}

// Pred is seed 1's prediction file of a step on a split: a row's model (a
// select step's row points at the member it chose), or the step itself for
// steps without a row (ensemble members such as eql_tta). Folders without
// seed-N/ keep their predictions at the top.
func (r *Reproduction) Pred(step, split string) string {
	model := step
	if row, ok := r.Row(step); ok && row.Model != "" {
		model = row.Model
	}
	rel := filepath.FromSlash(recipe.PredPath(model, split))
	if seeded := filepath.Join(r.Dir, reproduce.SeedDir(1), rel); exists(seeded) {
		return seeded
	}
	return filepath.Join(r.Dir, rel)
}

// Step is the recipe's step called name; it stops the cell when the folder
// has no recipe or the recipe no such step.
func (r *Reproduction) Step(name string) recipe.Step {
	if r.Recipe == nil {
		Failf("nb: %s has no %s: it was written before recipes were values", Rel(r.Dir), reproduce.StampFile)
	}
	st, ok := r.Recipe.Step(name)
	if !ok {
		Failf("nb: recipe %s has no step %q", r.Recipe.Name, name)
	}
	return st
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// QuickOut is the quick reproduction's output folder (make
// reproduce-quick).
var QuickOut = filepath.Join(QuickDir, "out")

// QuickRun makes sure the quick reproduction is complete and opens it: what
// `make reproduce-quick` runs (recipe and budget quick, one seed, on the
// quick set, into build/reproduce-quick/out). Every finished step is
// reused, so after `make reproduce-quick` it only checks and re-scores
// (seconds); opened alone, a notebook runs it here (minutes), its progress
// in one status line and a bar per training run. A row whose model
// collapsed stops it, as it stops `make reproduce-quick`.
func QuickRun() *Reproduction {
	d := Quick()
	Must(d.Ensure())
	rec := Must(recipe.Get("quick"))
	budget := Must(recipe.GetBudget("quick"))
	status := NewStatus("quick reproduction")
	start := time.Now()
	rows, err := reproduce.Run(reproduce.Options{Data: d.Data, Labels: d.Labels, Out: QuickOut, Recipe: rec, Budget: budget,
		Seeds: 1, Geometry: reproduce.DemoGeometry, Backend: Backend(), Log: status})
	if err != nil {
		status.Done("failed")
		Check(err)
	}
	status.Done(fmt.Sprintf("%d rows of recipe %s in %s (%s)", len(rows), rec.Name, Rel(QuickOut), time.Since(start).Round(time.Second)))
	return Must(OpenReproduction(QuickOut))
}

// StepsOf lists the recipe's steps of a kind, in order (it stops the cell
// when the folder has no recipe).
func (r *Reproduction) StepsOf(kind recipe.Kind) []recipe.Step {
	if r.Recipe == nil {
		Failf("nb: %s has no %s: it was written before recipes were values", Rel(r.Dir), reproduce.StampFile)
	}
	var out []recipe.Step
	for _, st := range r.Recipe.Steps {
		if st.Kind == kind {
			out = append(out, st)
		}
	}
	return out
}

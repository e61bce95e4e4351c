package reproduce

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strings"

	"github.com/fgia/fgia/fgia/table"
)

// Difference is one row of a run compared with a reference run.
type Difference struct {
	Step       string
	Seed       int     // the seed compared (the runs' common seeds' rows)
	Ref, Got   float64 // Test-B top-1
	HalfWidth  float64 // half the reference row's 95% interval
	Identical  bool
	WithinCI   bool
	MissingRef bool // the reference has no such row
}

// ErrNoReference is what Compare wraps when the reference folder holds no
// per-seed table to compare with.
var ErrNoReference = errors.New("no reference to compare with")

// Compare sets the per-seed rows of the reproduction in out against those
// of the reference folder ref (a committed reproduction), seed by seed:
// the same seed on the same machine should give the same numbers; across
// machines they may differ, and the reference row's interval says by how
// much a difference is noise.
//
// A reference without a per-seed table (none committed yet, or one that an
// older fgia wrote) gives an error that wraps ErrNoReference: the
// reproduction itself is fine, there is only nothing to compare it with.
func Compare(ref, out string) ([]Difference, error) {
	refSeeds, err := table.Read[SeedRow](filepath.Join(ref, SeedTable))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reproduce: the reference %s has no %s (not made yet, or written by an older fgia): %w", ref, SeedTable, ErrNoReference)
	}
	if err != nil {
		return nil, fmt.Errorf("reproduce: the reference %s: %w", ref, err)
	}
	refRows, err := table.Read[Row](filepath.Join(ref, Table))
	if err != nil {
		return nil, fmt.Errorf("reproduce: the reference %s: %w", ref, err)
	}
	got, err := table.Read[SeedRow](filepath.Join(out, SeedTable))
	if err != nil {
		return nil, err
	}
	half := map[string]float64{}
	for _, r := range refRows {
		half[r.Step] = (r.CIHigh - r.CILow) / 2
	}
	byKey := map[rowKey]SeedRow{}
	for _, r := range refSeeds {
		byKey[rowKey{r.Step, r.Seed}] = r
	}
	var out2 []Difference
	for _, g := range got {
		d := Difference{Step: g.Step, Seed: g.Seed, Got: g.TestB, HalfWidth: half[g.Step]}
		r, ok := byKey[rowKey{g.Step, g.Seed}]
		if !ok {
			d.MissingRef = true
		} else {
			d.Ref = r.TestB
			d.Identical = r.TestB == g.TestB && r.TestA == g.TestA
			d.WithinCI = math.Abs(g.TestB-r.TestB) <= d.HalfWidth
		}
		out2 = append(out2, d)
	}
	return out2, nil
}

// CompareMarkdown renders a comparison as a table and a one-line verdict.
func CompareMarkdown(diffs []Difference, ref string) string {
	var b strings.Builder
	identical, within, outside, missing := 0, 0, 0, 0
	b.WriteString("| step | seed | reference Test-B | this run | difference | reference ± | verdict |\n|---|---:|---:|---:|---:|---:|---|\n")
	for _, d := range diffs {
		verdict := ""
		switch {
		case d.MissingRef:
			verdict, missing = "not in the reference", missing+1
		case d.Identical:
			verdict, identical = "identical", identical+1
		case d.WithinCI:
			verdict, within = "within the interval", within+1
		default:
			verdict, outside = "**outside the interval**", outside+1
		}
		fmt.Fprintf(&b, "| %s | %d | %.2f | %.2f | %+.2f | %.2f | %s |\n", d.Step, d.Seed, 100*d.Ref, 100*d.Got, 100*(d.Got-d.Ref), 100*d.HalfWidth, verdict)
	}
	fmt.Fprintf(&b, "\nAgainst %s: %d rows identical, %d within the reference's 95%% interval, %d outside, %d not in the reference.\n",
		ref, identical, within, outside, missing)
	return b.String()
}

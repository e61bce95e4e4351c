package nb

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/reproduce"
	"github.com/fgia/fgia/fgia/table"
)

// AblationTable is the ablation as a notebook shows it: each row's Test-B
// top-1 with its 95% bootstrap interval and the spread over seeds, and its
// difference to the row it changes (vs) with the paired 95% interval, in
// bold (and "yes" under "excludes 0") where that interval excludes 0, and,
// with several seeds, the range of the seeds' own differences (✓ where
// every seed agrees in sign). For a table of an older fgia, the columns it
// lacks are left out (Missing says which).
func (r *Reproduction) AblationTable() *Table {
	full := len(r.Missing()) == 0
	bySeed := full && r.seedDeltas()
	t := &Table{Columns: []Column{{Name: "step"}, {Name: "Test-A", Format: Percent}, {Name: "Test-B", Format: Percent}}}
	if full {
		t.Columns = append(t.Columns, Column{Name: "95% interval"}, Column{Name: "seeds"}, Column{Name: "sd over seeds", Format: Points})
	}
	t.Columns = append(t.Columns, Column{Name: "Δ Test-B"})
	if full {
		t.Columns = append(t.Columns, Column{Name: "Δ 95% interval"}, Column{Name: "excludes 0"})
	}
	if bySeed {
		t.Columns = append(t.Columns, Column{Name: "Δ by seed"})
	}
	t.Columns = append(t.Columns, Column{Name: "vs"})
	if full {
		t.Columns = append(t.Columns, Column{Name: "status"})
	}
	for _, x := range r.Rows {
		row := []any{x.Step, x.TestA, x.TestB}
		if full {
			sd := any("")
			if x.Seeds > 1 {
				sd = x.TestBStd
			}
			row = append(row, FormatInterval(x.CILow, x.CIHigh, false), x.Seeds, sd)
		}
		delta, interval, excludes := Cell{}, "", ""
		if x.Base != "" {
			delta = Cell{Text: FormatPoints(x.Delta), Strong: full && x.Significant()}
			if full {
				interval = FormatInterval(x.DeltaCILow, x.DeltaCIHigh, true)
				excludes = map[bool]string{true: "yes", false: "no"}[x.Significant()]
				if math.IsNaN(x.DeltaCILow) {
					excludes = "–"
				}
			}
		}
		row = append(row, delta)
		if full {
			row = append(row, interval, excludes)
		}
		if bySeed {
			row = append(row, x.DeltaBySeed(FormatPoints))
		}
		row = append(row, x.Base)
		if full {
			row = append(row, x.Status)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// seedDeltas says whether the table has the seeds' own deltas (written by
// a newer fgia) and more than one seed to show them for.
func (r *Reproduction) seedDeltas() bool {
	if !slices.Contains(r.Columns, "delta_seed_min") {
		return false
	}
	return slices.ContainsFunc(r.Rows, func(x reproduce.Row) bool { return x.Seeds > 1 })
}

// Significant lists the rows whose delta's paired interval excludes 0
// (none for a table without intervals).
func (r *Reproduction) Significant() []reproduce.Row {
	if len(r.Missing()) > 0 {
		return nil
	}
	var out []reproduce.Row
	for _, x := range r.Rows {
		if x.Significant() {
			out = append(out, x)
		}
	}
	return out
}

// Notes is each row's note (what it changes, what it chose), as a table.
func (r *Reproduction) Notes() *Table {
	t := &Table{Columns: []Column{{Name: "step"}, {Name: "vs"}, {Name: "note"}}}
	for _, x := range r.Rows {
		t.Rows = append(t.Rows, []any{x.Step, x.Base, x.Note})
	}
	return t
}

// SeedSpread is every row's Test-B top-1 by seed (ablation_seeds.parquet),
// with the row's mean and standard deviation over seeds and the range;
// nil when the folder has no per-seed table.
func (r *Reproduction) SeedSpread() (*Table, error) {
	path := filepath.Join(r.Dir, reproduce.SeedTable)
	if !exists(path) {
		return nil, nil
	}
	seedRows, err := table.Read[reproduce.SeedRow](path)
	if err != nil {
		return nil, fmt.Errorf("nb: %s: %w", Rel(path), err)
	}
	var seeds []int
	for _, s := range seedRows {
		if !slices.Contains(seeds, s.Seed) {
			seeds = append(seeds, s.Seed)
		}
	}
	slices.Sort(seeds)
	t := &Table{Columns: []Column{{Name: "step"}}}
	for _, s := range seeds {
		t.Columns = append(t.Columns, Column{Name: fmt.Sprintf("seed %d", s), Format: Percent})
	}
	t.Columns = append(t.Columns, Column{Name: "mean", Format: Percent}, Column{Name: "sd", Format: Points}, Column{Name: "range", Format: Points})
	for _, x := range r.Rows {
		row := []any{x.Step}
		var vals []float64
		for _, s := range seeds {
			i := slices.IndexFunc(seedRows, func(y reproduce.SeedRow) bool { return y.Step == x.Step && y.Seed == s })
			if i < 0 {
				row = append(row, "")
				continue
			}
			row = append(row, seedRows[i].TestB)
			vals = append(vals, seedRows[i].TestB)
		}
		sd, spread := math.NaN(), math.NaN()
		if len(vals) > 1 {
			sd, spread = x.TestBStd, slices.Max(vals)-slices.Min(vals)
		}
		t.Rows = append(t.Rows, append(row, x.TestB, sd, spread))
	}
	return t, nil
}

// ResultsCSV is the folder's results.csv (timm style) as a table; nil when
// there is none.
func (r *Reproduction) ResultsCSV() (*Table, error) {
	path := filepath.Join(r.Dir, reproduce.ResultsCSV)
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("nb: %s: %w", Rel(path), err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("nb: %s is empty", Rel(path))
	}
	t := &Table{}
	for _, h := range recs[0] {
		t.Columns = append(t.Columns, Column{Name: h})
	}
	for _, rec := range recs[1:] {
		row := make([]any, len(rec))
		for i, v := range rec {
			row[i] = v
		}
		t.Rows = append(t.Rows, row)
	}
	return t, nil
}

// Provenance is the key facts of the folder's provenance.json (what made
// it: commit, versions, backend, machine, recipe, budget, seeds, time) and
// whether every file it lists still has its SHA-256; nil when there is
// none. Paths show relative or as base names, never as absolute paths.
func (r *Reproduction) Provenance() (*Table, error) {
	if !exists(filepath.Join(r.Dir, reproduce.Provenance)) {
		return nil, nil
	}
	pv, err := reproduce.ReadProvenance(r.Dir)
	if err != nil {
		return nil, fmt.Errorf("nb: %s: %w", Rel(filepath.Join(r.Dir, reproduce.Provenance)), err)
	}
	differ, missing, err := reproduce.VerifyFiles(r.Dir)
	if err != nil {
		return nil, err
	}
	commit := pv.Commit
	if len(commit) > 12 && !strings.Contains(commit, " ") {
		commit = commit[:12]
	}
	if pv.Modified {
		commit += " (uncommitted changes)"
	}
	var modules []string
	for m, v := range pv.Modules {
		modules = append(modules, filepath.Base(m)+" "+v)
	}
	slices.Sort(modules)
	backendName := pv.Backend
	if i := strings.Index(backendName, "xla:/"); i >= 0 {
		// "xla:/abs/plugin.so (why)": the plugin by its base name.
		rest := backendName[i+4:]
		path, why, _ := strings.Cut(rest, " ")
		backendName = backendName[:i] + "xla:" + Rel(path) + strings.TrimSuffix(" "+why, " ")
	}
	plugin := ""
	if pv.Plugin != nil {
		plugin = fmt.Sprintf("%s, sha256 %s…", filepath.Base(pv.Plugin.Path), pv.Plugin.SHA256[:min(12, len(pv.Plugin.SHA256))])
	}
	files := fmt.Sprintf("%d files with their SHA-256; all match", len(pv.Files))
	if len(missing) > 0 {
		files = fmt.Sprintf("%d files with their SHA-256; the %d here match, %d stayed on the machine that ran it (run folders and lists are not committed)",
			len(pv.Files), len(pv.Files)-len(missing), len(missing))
	}
	if len(differ) > 0 {
		files = fmt.Sprintf("%d files with their SHA-256; %d differ, first %s", len(pv.Files), len(differ), differ[0])
	}
	t := &Table{Columns: []Column{{Name: "fact"}, {Name: "value"}}}
	for _, kv := range [][2]string{
		{"commit", commit},
		{"written", pv.Written.Format("2006-01-02 15:04 UTC")},
		{"recipe, budget, seeds", fmt.Sprintf("%s, %s, %d", pv.Recipe.Name, pv.Budget.Name, pv.Seeds)},
		{"data", Rel(pv.Data)},
		{"wall time", fmt.Sprintf("%.0f min over %d steps", pv.WallTotal/60, len(pv.StepWall))},
		{"machine", fmt.Sprintf("%s, %d cores, %s", pv.CPU, pv.Cores, pv.OS)},
		{"Go, modules", pv.Go + "; " + strings.Join(modules, ", ")},
		{"backend", backendName},
		{"PJRT plugin", plugin},
		{"files", files},
	} {
		if kv[1] != "" {
			t.Rows = append(t.Rows, []any{kv[0], kv[1]})
		}
	}
	return t, nil
}

// TestBImages is the number of images in the Test-B prediction file of the
// table's first row (0 when it cannot be read).
func (r *Reproduction) TestBImages() int {
	if len(r.Rows) == 0 {
		return 0
	}
	info, err := predict.Stat(r.Pred(r.Rows[0].Step, "testb"))
	if err != nil {
		return 0
	}
	return int(info.Rows)
}

// Summary says in a few sentences what the table shows, from its numbers
// only: how precisely a row is known, which deltas are real at 95% (their
// paired interval excludes 0) and which are within noise, collapsed rows,
// and the best row. For a table without intervals it says that no delta
// can be told from noise, with the binomial 95% half-width a row has at
// that many Test-B images.
func (r *Reproduction) Summary() string {
	if len(r.Rows) == 0 {
		return "The table has no rows yet."
	}
	var b strings.Builder
	n := r.TestBImages()
	best := r.Rows[0]
	for _, x := range r.Rows {
		if x.TestB > best.TestB {
			best = x
		}
	}
	if len(r.Missing()) > 0 {
		fmt.Fprintf(&b, "This table was written by an older fgia: one seed, no intervals (it lacks %s), so none of its %d rows' differences can be told from noise. ",
			strings.Join(r.Missing(), ", "), len(r.Rows))
		if n > 0 {
			fmt.Fprintf(&b, "For scale: on %d Test-B images a row's top-1 near %s is known only to about ±%.1f points (95%%, binomial), more than most of its deltas. ",
				n, FormatPercent(best.TestB), 100*1.96*math.Sqrt(best.TestB*(1-best.TestB)/float64(n)))
		}
		fmt.Fprintf(&b, "Its best Test-B row is **%s** at %s.", best.Step, FormatPercent(best.TestB))
		return b.String()
	}
	var halves []float64
	seeds := 0
	for _, x := range r.Rows {
		if !math.IsNaN(x.CILow) {
			halves = append(halves, (x.CIHigh-x.CILow)/2)
		}
		seeds = max(seeds, x.Seeds)
	}
	slices.Sort(halves)
	if seeds == 1 {
		fmt.Fprintf(&b, "%d rows of one seed", len(r.Rows))
	} else {
		fmt.Fprintf(&b, "%d rows, each the mean of %d seeds", len(r.Rows), seeds)
	}
	if n > 0 {
		fmt.Fprintf(&b, ", scored on %d Test-B images", n)
	}
	if len(halves) > 0 {
		fmt.Fprintf(&b, "; a row's 95%% interval is ±%.1f points (median half-width)", 100*halves[len(halves)/2])
	}
	b.WriteString(".\n\n")
	bySeed := r.seedDeltas()
	var real, noise []string
	largestNoise := 0.0
	for _, x := range r.Rows {
		if x.Base == "" || math.IsNaN(x.DeltaCILow) {
			continue
		}
		d := fmt.Sprintf("%s vs %s %s %s", x.Step, x.Base, FormatPoints(x.Delta), FormatInterval(x.DeltaCILow, x.DeltaCIHigh, true))
		if by := x.DeltaBySeed(FormatPoints); by != "" && bySeed {
			if x.EverySeed() {
				d += ", in every seed"
			} else {
				d += ", not in every seed (" + by + ")"
			}
		}
		if x.Significant() {
			real = append(real, d)
		} else {
			noise = append(noise, x.Step)
			largestNoise = max(largestNoise, math.Abs(x.Delta))
		}
	}
	if len(real) > 0 {
		fmt.Fprintf(&b, "- Deltas whose paired interval excludes 0 (real at 95%%): %s.\n", strings.Join(real, "; "))
	} else {
		b.WriteString("- No delta's paired interval excludes 0: at this size no step is shown to change Test-B.\n")
	}
	if len(noise) > 0 {
		fmt.Fprintf(&b, "- Within noise (interval includes 0): %s; the largest of these differences is %.2f points.\n", strings.Join(noise, ", "), 100*largestNoise)
	}
	var collapsed []string
	for _, x := range r.Rows {
		if x.Status == reproduce.StatusCollapsed {
			collapsed = append(collapsed, fmt.Sprintf("%s (Test-B %s)", x.Step, FormatPercent(x.TestB)))
		}
	}
	if len(collapsed) > 0 {
		fmt.Fprintf(&b, "- Marked collapsed by the guard and recorded (--allow-collapse): %s.\n", strings.Join(collapsed, ", "))
	}
	fmt.Fprintf(&b, "- The best Test-B row is **%s** at %s %s.", best.Step, FormatPercent(best.TestB), FormatInterval(best.CILow, best.CIHigh, false))
	return b.String()
}

// ReproducePlot is one of the plots of fgia reproduce and how to read it.
type ReproducePlot struct {
	Name    string // base name under plots/ (reproduce.Plot...)
	Caption string
}

// Plots are the plots fgia reproduce draws, in the order notebook 06 shows
// them.
var Plots = []ReproducePlot{
	{reproduce.PlotAblation, "Each row's Test-B top-1 with its 95% bootstrap interval."},
	{reproduce.PlotDeltas, "What each row changes against the row it names, with the paired 95% interval; filled marks: the interval excludes 0."},
	{reproduce.PlotKSweep, "One-pass re-distribution of the final model, top-1 against K from 0.6 to 1.1 N/C on both splits; the dashed line is the K chosen on Test-A."},
	{reproduce.PlotDistribution, "Test-B images predicted per class (classes by training frequency) before and after each re-distribution, against the uniform target."},
	{reproduce.PlotAccuracy, "The submission's per-class Test-B accuracy against the class's training images."},
}

// ShowPlots shows the folder's plots with their captions, and says which
// are missing (older folders lack some).
func (r *Reproduction) ShowPlots() {
	var missing []string
	for _, p := range Plots {
		path := filepath.Join(r.Dir, reproduce.PlotsDir, p.Name+".png")
		if !exists(path) {
			missing = append(missing, p.Name)
			continue
		}
		Markdownf("**`%s`**: %s", p.Name, p.Caption)
		Plot(path)
	}
	if len(missing) > 0 {
		Markdownf("Not in `%s`: %s (the fgia that wrote it did not draw them).", Rel(filepath.Join(r.Dir, reproduce.PlotsDir)), strings.Join(missing, ", "))
	}
}

package reproduce

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/bootstrap"
	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/score"
	"github.com/fgia/fgia/fgia/table"
)

// Row statuses.
const (
	StatusOK        = "ok"
	StatusCollapsed = "collapsed" // the guard saw a collapse and --allow-collapse recorded it
)

// SeedRow is one row of one seed (ablation_seeds.parquet).
type SeedRow struct {
	Step      string  `parquet:"step"`
	Seed      int     `parquet:"seed"`
	Model     string  `parquet:"model"` // its prediction files: seed-N/preds/<model>_<split>.parquet
	TestA     float64 `parquet:"testa_acc"`
	TestB     float64 `parquet:"testb_acc"`
	Top5B     float64 `parquet:"testb_top5"`
	MeanClass float64 `parquet:"testb_mean_class_acc"`
	Head      float64 `parquet:"testb_head_acc"` // by training frequency (rank thirds)
	Medium    float64 `parquet:"testb_medium_acc"`
	Tail      float64 `parquet:"testb_tail_acc"`
	Seconds   float64 `parquet:"seconds"` // the step's own training time
	Status    string  `parquet:"status"`
	Detail    string  `parquet:"detail"` // what this seed's step chose or kept
}

// Row is one line of the ablation table: a step's mean over its seeds,
// with a 95% bootstrap interval over Test-B images, and its difference to
// the Base row with a paired interval.
type Row struct {
	Step  string  `parquet:"step"` // what this row adds, e.g. "arcface"
	Kind  string  `parquet:"kind"`
	Model string  `parquet:"model"` // seed 1's prediction files: seed-1/preds/<model>_<split>.parquet
	Seeds int     `parquet:"seeds"`
	TestA float64 `parquet:"testa_acc"` // top-1 on Test-A (choices are made on it)
	TestB float64 `parquet:"testb_acc"` // top-1 on Test-B, the reported split
	// TestBStd is the standard deviation of TestB over seeds (0 for one).
	TestBStd float64 `parquet:"testb_acc_std"`
	CILow    float64 `parquet:"testb_ci_low"`
	CIHigh   float64 `parquet:"testb_ci_high"`
	Base     string  `parquet:"base"`  // the row this one changes one thing of ("" for none)
	Delta    float64 `parquet:"delta"` // TestB minus Base's TestB
	DeltaA   float64 `parquet:"delta_testa"`
	// DeltaCILow and DeltaCIHigh bound Delta at 95%, paired: both rows are
	// scored on the same resampled Test-B images.
	DeltaCILow  float64 `parquet:"delta_ci_low"`
	DeltaCIHigh float64 `parquet:"delta_ci_high"`
	// DeltaSeedMin and DeltaSeedMax are the smallest and largest of the
	// deltas seed by seed (over the seeds both rows have): the bootstrap
	// interval covers the test images only, these show whether the
	// training seed could turn the difference around.
	DeltaSeedMin float64 `parquet:"delta_seed_min"`
	DeltaSeedMax float64 `parquet:"delta_seed_max"`
	Top5B        float64 `parquet:"testb_top5"`
	MeanClass    float64 `parquet:"testb_mean_class_acc"`
	Head         float64 `parquet:"testb_head_acc"`
	Medium       float64 `parquet:"testb_medium_acc"`
	Tail         float64 `parquet:"testb_tail_acc"`
	Seconds      float64 `parquet:"seconds"` // mean training time a seed
	Status       string  `parquet:"status"`
	Note         string  `parquet:"note"`
}

// Significant says whether the delta's interval excludes 0.
func (r Row) Significant() bool {
	return r.Base != "" && (r.DeltaCILow > 0 || r.DeltaCIHigh < 0)
}

// EverySeed says whether every seed's delta has the sign of the mean
// delta (false for a row without a base or without per-seed deltas).
func (r Row) EverySeed() bool {
	if r.Base == "" || math.IsNaN(r.DeltaSeedMin) {
		return false
	}
	return r.Delta > 0 && r.DeltaSeedMin > 0 || r.Delta < 0 && r.DeltaSeedMax < 0
}

// DeltaBySeed is the range of the seeds' own deltas as "lo..hi", each
// written by points, with " ✓" where every seed agrees in sign (EverySeed);
// "" for a row without a base, with one seed, or without per-seed deltas.
func (r Row) DeltaBySeed(points func(float64) string) string {
	if r.Base == "" || r.Seeds < 2 || math.IsNaN(r.DeltaSeedMin) {
		return ""
	}
	s := points(r.DeltaSeedMin) + ".." + points(r.DeltaSeedMax)
	if r.EverySeed() {
		s += " ✓"
	}
	return s
}

// setDetail notes what this seed's step chose or kept (a row's detail).
func (s *seedRun) setDetail(step, detail string) {
	if s.details == nil {
		s.details = map[string]string{}
	}
	s.details[step] = detail
}

// record scores a row's prediction files for this seed and rewrites the
// tables.
func (s *seedRun) record(st recipe.Step, status string) error {
	files := s.preds[st.Name]
	r := SeedRow{Step: st.Name, Seed: s.seed, Model: s.model(st.Name), Status: StatusOK, Detail: s.details[st.Name]}
	if status != "" {
		r.Status = status
	}
	if run, ok := s.runs[st.Name]; ok && st.Trains() {
		r.Seconds = runSeconds(run)
	}
	for _, sp := range Splits {
		rows, _, err := predict.Read(files[sp])
		if err != nil {
			return err
		}
		res, err := score.Score(rows, s.labels[sp], s.counts)
		if err != nil {
			return fmt.Errorf("%s: %w", files[sp], err)
		}
		if sp == "testa" {
			r.TestA = res.Top1
			continue
		}
		r.TestB, r.Top5B, r.MeanClass = res.Top1, res.Top5, res.MeanPerClass
		r.Head, r.Medium, r.Tail = res.Bands[longtail.Head], res.Bands[longtail.Medium], res.Bands[longtail.Tail]
	}
	s.known[rowKey{st.Name, s.seed}] = r
	s.logf("%-24s Test-A %.2f%%  Test-B %.2f%%%s", st.Name, 100*r.TestA, 100*r.TestB, map[bool]string{true: "  COLLAPSED"}[r.Status == StatusCollapsed])
	_, err := s.writeTables()
	return err
}

// loadKnown reads the per-seed rows of an earlier run into known, so that
// the table keeps every finished row while steps are redone.
func (p *pipeline) loadKnown() error {
	path := p.outPath(SeedTable)
	if !exists(path) {
		return nil
	}
	rows, err := table.Read[SeedRow](path)
	if err != nil {
		p.logf("%s is unreadable (%v); its rows are scored again as their steps run", SeedTable, err)
		return nil
	}
	for _, r := range rows {
		if _, ok := p.Recipe.Step(r.Step); ok && r.Seed >= 1 && r.Seed <= p.Seeds {
			p.known[rowKey{r.Step, r.Seed}] = r
		}
	}
	return nil
}

// correctEntry caches a prediction file's per-image Test-B correctness.
type correctEntry struct{ correct []bool }

// testBCorrect is whether each labelled Test-B image (in p.testB order) is
// predicted right by a seed's row.
func (p *pipeline) testBCorrect(r SeedRow) ([]bool, error) {
	path := filepath.Join(p.Out, SeedDir(r.Seed), filepath.FromSlash(recipe.PredPath(r.Model, "testb")))
	if c, ok := p.correct[path]; ok {
		return c.correct, nil
	}
	rows, _, err := predict.Read(path)
	if err != nil {
		return nil, err
	}
	pred := make(map[string]int32, len(rows))
	for _, row := range rows {
		pred[row.Image] = row.Pred
	}
	out := make([]bool, len(p.testB))
	for i, name := range p.testB {
		y, ok := pred[name]
		out[i] = ok && int(y) == p.labels["testb"][name]
	}
	p.correct[path] = correctEntry{out}
	return out, nil
}

// aggregate turns the known per-seed rows into the table, in recipe order.
func (p *pipeline) aggregate() ([]Row, []SeedRow) {
	sampler := bootstrap.NewSampler(len(p.testB), bootstrap.Resamples, 1)
	var rows []Row
	var seedRows []SeedRow
	correct := map[string]map[int][]bool{} // step -> seed -> correctness
	testB := map[string]map[int]float64{}  // step -> seed -> Test-B top-1
	for _, st := range p.Recipe.Rows() {
		var per []SeedRow
		for seed := 1; seed <= p.Seeds; seed++ {
			if r, ok := p.known[rowKey{st.Name, seed}]; ok {
				per = append(per, r)
			}
		}
		if len(per) == 0 {
			continue
		}
		seedRows = append(seedRows, per...)
		r := Row{Step: st.Name, Kind: string(st.Kind), Model: per[0].Model, Seeds: len(per), Base: st.Base, Status: StatusOK,
			Note: joinNonEmpty(st.Note, seedDetail(per))}
		mean := func(f func(SeedRow) float64) float64 {
			var sum float64
			for _, x := range per {
				sum += f(x)
			}
			return sum / float64(len(per))
		}
		r.TestA, r.TestB = mean(func(x SeedRow) float64 { return x.TestA }), mean(func(x SeedRow) float64 { return x.TestB })
		r.Top5B, r.MeanClass = mean(func(x SeedRow) float64 { return x.Top5B }), mean(func(x SeedRow) float64 { return x.MeanClass })
		r.Head, r.Medium, r.Tail = mean(func(x SeedRow) float64 { return x.Head }), mean(func(x SeedRow) float64 { return x.Medium }), mean(func(x SeedRow) float64 { return x.Tail })
		r.Seconds = mean(func(x SeedRow) float64 { return x.Seconds })
		if len(per) > 1 {
			var ss float64
			for _, x := range per {
				ss += (x.TestB - r.TestB) * (x.TestB - r.TestB)
			}
			r.TestBStd = math.Sqrt(ss / float64(len(per)-1))
		}
		for _, x := range per {
			if x.Status == StatusCollapsed {
				r.Status = StatusCollapsed
			}
		}
		correct[st.Name], testB[st.Name] = map[int][]bool{}, map[int]float64{}
		for _, x := range per {
			testB[st.Name][x.Seed] = x.TestB
			if c, err := p.testBCorrect(x); err == nil {
				correct[st.Name][x.Seed] = c
			}
		}
		r.CILow, r.CIHigh = math.NaN(), math.NaN()
		if iv, err := sampler.Accuracy(seedsOf(correct[st.Name], nil)); err == nil {
			r.CILow, r.CIHigh = iv.Low, iv.High
		}
		r.DeltaCILow, r.DeltaCIHigh = math.NaN(), math.NaN()
		r.DeltaSeedMin, r.DeltaSeedMax = math.NaN(), math.NaN()
		if st.Base != "" {
			r.DeltaSeedMin, r.DeltaSeedMax = seedDeltaRange(testB[st.Name], testB[st.Base])
			base := slices.IndexFunc(rows, func(b Row) bool { return b.Step == st.Base })
			if base >= 0 {
				r.Delta, r.DeltaA = r.TestB-rows[base].TestB, r.TestA-rows[base].TestA
				// Paired over the seeds both rows have.
				a, b := seedsOf(correct[st.Name], correct[st.Base]), seedsOf(correct[st.Base], correct[st.Name])
				if iv, err := sampler.Delta(a, b); err == nil {
					r.DeltaCILow, r.DeltaCIHigh = iv.Low, iv.High
				}
			}
		}
		rows = append(rows, r)
	}
	return rows, seedRows
}

// seedDeltaRange is the smallest and largest of a[seed] - b[seed] over the
// seeds both have (NaN, NaN for none).
func seedDeltaRange(a, b map[int]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for seed, x := range a {
		if y, ok := b[seed]; ok {
			lo, hi = min(lo, x-y), max(hi, x-y)
		}
	}
	if math.IsInf(lo, 1) {
		return math.NaN(), math.NaN()
	}
	return lo, hi
}

// seedsOf lists c's correctness vectors in seed order, only for the seeds
// also in other (when other is not nil).
func seedsOf(c, other map[int][]bool) bootstrap.Correct {
	var seeds []int
	for s := range c {
		if other == nil || other[s] != nil {
			seeds = append(seeds, s)
		}
	}
	slices.Sort(seeds)
	out := make(bootstrap.Correct, len(seeds))
	for i, s := range seeds {
		out[i] = c[s]
	}
	return out
}

// seedDetail is the seeds' details ("seed 1: ..."; one seed: as is).
func seedDetail(per []SeedRow) string {
	var parts []string
	for _, x := range per {
		if x.Detail == "" {
			continue
		}
		if len(per) == 1 {
			return x.Detail
		}
		parts = append(parts, fmt.Sprintf("seed %d: %s", x.Seed, x.Detail))
	}
	return strings.Join(parts, "; ")
}

// writeTables rewrites every table from the rows known so far, atomically.
func (p *pipeline) writeTables() ([]Row, error) {
	rows, seedRows := p.aggregate()
	if err := table.Write(p.outPath(SeedTable), seedRows); err != nil {
		return rows, err
	}
	if err := table.Write(p.outPath(Table), rows); err != nil {
		return rows, err
	}
	if err := atomicfile.WriteBytes(p.outPath(Markdown), []byte(p.markdown(rows))); err != nil {
		return rows, err
	}
	return rows, p.writeResults(rows)
}

// points writes a difference in percentage points, signed.
func points(d float64) string { return fmt.Sprintf("%+.2f", 100*d) }

// markdown renders the table.
func (p *pipeline) markdown(rows []Row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Ablation: recipe %s, budget %s, %d classes, %s\n\n", p.Recipe.Name, p.Budget.Name, p.classes, filepath.Base(p.Data))
	seeds := 0
	for _, r := range rows {
		seeds = max(seeds, r.Seeds)
	}
	fmt.Fprintf(&b, "Top-1 in %%, the mean over %d seed(s); ± is the 95%% bootstrap interval over the %d Test-B images (%d resamples)", seeds, len(p.testB), bootstrap.Resamples)
	b.WriteString(", Δ the difference to the row in *vs* with its paired 95% interval; **bold** Δ: the interval excludes 0")
	if seeds > 1 {
		b.WriteString("; *by seed*: the smallest and largest of the seeds' own Δ, ✓ where every seed's Δ has the sign of the mean")
	}
	b.WriteString(". ")
	b.WriteString("Choices (K, ensemble weights, pseudo-label or distillation, the submission) are made on Test-A; Test-B is only reported. ")
	b.WriteString("Bands: classes by training frequency (thirds by rank).\n\n")
	b.WriteString("| step | Test-A | Test-B | ± | sd seeds | Δ Test-B | Δ 95% | by seed | vs | mean/class | head | medium | tail | train s | status | note |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|---:|---:|---|---|\n")
	for _, r := range rows {
		delta, dci := "", ""
		if r.Base != "" {
			delta = points(r.Delta)
			if r.Significant() {
				delta = "**" + delta + "**"
			}
			if !math.IsNaN(r.DeltaCILow) {
				dci = "[" + points(r.DeltaCILow) + ", " + points(r.DeltaCIHigh) + "]"
			}
		}
		pm := ""
		if !math.IsNaN(r.CILow) {
			pm = fmt.Sprintf("%.2f", 100*(r.CIHigh-r.CILow)/2)
		}
		sd := ""
		if r.Seeds > 1 {
			sd = fmt.Sprintf("%.2f", 100*r.TestBStd)
		}
		secs := ""
		if r.Seconds > 0 {
			secs = fmt.Sprintf("%.0f", r.Seconds)
		}
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.2f | %.2f | %s | %s | %s |\n",
			r.Step, 100*r.TestA, 100*r.TestB, pm, sd, delta, dci, r.DeltaBySeed(points), r.Base, 100*r.MeanClass,
			100*r.Head, 100*r.Medium, 100*r.Tail, secs, r.Status, strings.ReplaceAll(r.Note, "|", "/"))
	}
	return b.String()
}

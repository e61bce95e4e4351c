// Package reproduce runs a recipe (fgia/recipe) as an ablation table: it
// interprets the recipe's steps over the kit's building blocks (training,
// pretraining, prediction, soups, ensembles, pseudo-labels, distillation,
// logit adjustment, re-distribution), once a seed, scores every row on
// Test-A and Test-B, stops on a row whose model collapsed, and writes the
// table with 95% bootstrap intervals over Test-B images (paired ones for
// the deltas), the per-seed rows, a timm-style results.csv, plots,
// submissions and provenance.json.
//
// Every step writes its files atomically and is skipped when they exist
// and check out (a damaged one is regenerated, and the log says so); every
// training run resumes from its last checkpoint. A killed reproduction
// continues where it stopped, and the table always holds every row known.
package reproduce

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/clean"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/manifest"
	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/runlock"
	"github.com/fgia/fgia/fgia/score"
)

// Options of a reproduction.
type Options struct {
	Data   string // data root in the competition layout
	Labels string // hidden labels folder: testa.txt, testb.txt (scoring and Test-A choices only)
	Out    string
	Recipe recipe.Recipe
	Budget recipe.Budget
	// Seeds runs the whole recipe this many times, seed s shifting every
	// training seed by s - 1 (seed 1 is the presets' own).
	Seeds    int
	Geometry Geometry
	Backend  backends.Backend
	Log      io.Writer
	Workers  int
	// AllowCollapse records a trained row whose model collapsed (status
	// "collapsed" in the table) instead of stopping the run.
	AllowCollapse bool
}

// Files and folders under OUT.
const (
	Table       = "ablation.parquet"
	SeedTable   = "ablation_seeds.parquet"
	Markdown    = "ablation.md"
	ResultsCSV  = "results.csv"
	Provenance  = "provenance.json"
	TimingFile  = "timing.json"
	PlotsDir    = "plots"
	ListsDir    = "lists"
	KSweepTable = "k_sweep.parquet"
)

// SeedDir is the folder of one seed's runs, predictions and lists.
func SeedDir(seed int) string { return fmt.Sprintf("seed-%d", seed) }

// Splits are the test splits every model predicts.
var Splits = recipe.Splits

// pipeline is one reproduction in progress.
type pipeline struct {
	Options
	classes int
	counts  []int                     // training class counts of the cleaned list
	names   []string                  // class names (indices when the data has none)
	labels  map[string]map[string]int // split -> image -> class
	testB   []string                  // Test-B images with a label, sorted: the bootstrap's order
	images  map[string][]string       // split -> its image files, sorted
	known   map[rowKey]SeedRow        // every row scored so far, this run's and the previous ones'
	correct map[string]correctEntry   // Test-B correctness by prediction file (a cache)
	timing  map[string]map[int]float64
	start   time.Time
}

type rowKey struct {
	step string
	seed int
}

func (p *pipeline) logf(format string, args ...any) {
	fmt.Fprintf(p.Log, "reproduce [%s] "+format+"\n", append([]any{time.Since(p.start).Round(time.Second)}, args...)...)
}

// Run reproduces the recipe into opts.Out and returns the table.
func Run(opts Options) ([]Row, error) {
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	if opts.Geometry == (Geometry{}) {
		opts.Geometry = DemoGeometry
	}
	if err := opts.Geometry.validate(); err != nil {
		return nil, err
	}
	if opts.Backend == nil {
		return nil, fmt.Errorf("reproduce: no backend")
	}
	if opts.Seeds < 1 {
		return nil, fmt.Errorf("reproduce: --seeds %d: want at least 1", opts.Seeds)
	}
	if err := opts.Recipe.Validate(); err != nil {
		return nil, err
	}
	for _, s := range opts.Recipe.Steps {
		if s.Kind == recipe.Import {
			return nil, fmt.Errorf("reproduce: recipe %s imports public weights (step %s): plan it with --plan and run its steps on a GPU machine", opts.Recipe.Name, s.Name)
		}
	}
	lock, err := runlock.Acquire(opts.Out, "fgia reproduce")
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	p := &pipeline{Options: opts, labels: map[string]map[string]int{}, images: map[string][]string{}, known: map[rowKey]SeedRow{},
		correct: map[string]correctEntry{}, timing: map[string]map[int]float64{}, start: time.Now()}
	if err := p.prepare(); err != nil {
		return nil, err
	}
	var runErr error
	for seed := 1; seed <= p.Seeds && runErr == nil; seed++ {
		runErr = p.newSeedRun(seed).run()
	}
	rows, err := p.writeTables()
	if runErr != nil {
		return rows, runErr
	}
	if err != nil {
		return rows, err
	}
	if err := p.plots(); err != nil {
		return rows, err
	}
	return rows, p.writeProvenance()
}

// prepare checks the inputs, cleans the data if that has not been done,
// writes the baseline list (everything readable, uncleaned) and loads the
// rows of an earlier, interrupted run.
func (p *pipeline) prepare() error {
	layout := dataset.Layout{Root: p.Data}
	if err := layout.Check(); err != nil {
		return err
	}
	for _, s := range Splits {
		l, err := score.ReadLabels(filepath.Join(p.Labels, s+".txt"))
		if err != nil {
			return fmt.Errorf("reproduce: hidden labels of %s: %w", s, err)
		}
		p.labels[s] = l
	}
	for name := range p.labels["testb"] {
		p.testB = append(p.testB, name)
	}
	slices.Sort(p.testB)
	n, err := layout.NumClasses()
	if err != nil {
		return err
	}
	p.classes = n
	p.names = layout.ClassNames(n)
	if err := os.MkdirAll(filepath.Join(p.Out, ListsDir), 0o755); err != nil {
		return err
	}
	if err := p.checkStamp(); err != nil {
		return err
	}
	if !exists(p.cleanList()) || !exists(p.manifest()) {
		p.logf("cleaning %s (fgia clean)", p.Data)
		co := clean.DefaultOptions()
		co.Quiet, co.Log = true, nil
		if _, err := clean.Run(p.Data, co); err != nil {
			return err
		}
	}
	anns, bad, err := dataset.ReadAnnotations(p.cleanList(), p.classes)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("reproduce: %v", bad[0])
	}
	labels := make([]int, len(anns))
	for i, a := range anns {
		labels[i] = a.Label
	}
	p.counts = longtail.Count(labels, p.classes)
	if err := p.loadKnown(); err != nil {
		return err
	}
	p.loadTiming()
	p.logf("recipe %s, budget %s, %d seed(s), %d classes, %d training images; output %s",
		p.Recipe.Name, p.Budget.Name, p.Seeds, p.classes, len(anns), p.Out)
	return p.writeBaselineList()
}

func (p *pipeline) cleanList() string {
	return filepath.Join(p.Data, filepath.FromSlash(dataset.CleanList))
}

func (p *pipeline) manifest() string {
	return filepath.Join(p.Data, filepath.FromSlash(dataset.ManifestFile))
}

func (p *pipeline) baselineList() string {
	return filepath.Join(p.Out, ListsDir, recipe.BaselineList+".txt")
}

// unusable are the reasons a listed image cannot be trained on at all; the
// baseline keeps everything else that cleaning drops (duplicates, images
// filed under several classes, tiny images, outliers).
var unusable = []string{"unreadable", "too_large", "missing", "not_regular", "not_a_class", "unlisted", "bad_line", "bad_label", "duplicate_line", "conflicting_line"}

func (p *pipeline) writeBaselineList() error {
	if exists(p.baselineList()) {
		return nil
	}
	rows, err := manifest.Read(p.manifest())
	if err != nil {
		return err
	}
	var anns []dataset.Annotation
	for _, r := range rows {
		if r.Line > 0 && !slices.Contains(unusable, r.Reason) {
			anns = append(anns, dataset.Annotation{Path: r.Path, Label: int(r.Label), Line: int(r.Line)})
		}
	}
	slices.SortFunc(anns, func(a, b dataset.Annotation) int { return a.Line - b.Line })
	return dataset.WriteAnnotations(p.baselineList(), anns)
}

// exists reports whether a file is there (outputs are written atomically,
// so one that exists is complete; its content is checked where it is
// reused).
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// stamp is what an output folder was made for: resuming continues only
// the same recipe at the same budget and geometry (more seeds may be
// added), so that rows of different recipes never mix in one table.
type stamp struct {
	Recipe   recipe.Recipe `json:"recipe"`
	Budget   recipe.Budget `json:"budget"`
	Geometry Geometry      `json:"geometry"`
}

// StampFile in OUT records the stamp.
const StampFile = "reproduction.json"

func (p *pipeline) checkStamp() error {
	want, err := json.MarshalIndent(stamp{p.Recipe, p.Budget, p.Geometry}, "", " ")
	if err != nil {
		return err
	}
	path := p.outPath(StampFile)
	if old, err := os.ReadFile(path); err == nil {
		if string(old) != string(want)+"\n" {
			return fmt.Errorf("reproduce: %s holds a reproduction of another recipe, budget or geometry (see its %s); remove it or choose another --out", p.Out, StampFile)
		}
		return nil
	}
	return writeText(path, string(want)+"\n")
}

// writeText writes a small text file atomically.
func writeText(path, text string) error { return atomicfile.WriteBytes(path, []byte(text)) }

// joinNonEmpty joins the non-empty parts with "; ".
func joinNonEmpty(parts ...string) string {
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

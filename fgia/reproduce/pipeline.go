package reproduce

import (
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
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/score"
	"github.com/fgia/fgia/fgia/table"
	"github.com/fgia/fgia/fgia/train"
)

// Options of a reproduction.
type Options struct {
	Data     string // data root in the competition layout
	Labels   string // hidden labels: testa.txt, testb.txt (scoring and ensemble weights only)
	Out      string
	Budget   Budget
	Geometry Geometry
	Backend  backends.Backend
	Log      io.Writer
	Workers  int
}

// pipeline is one reproduction in progress.
type pipeline struct {
	Options
	classes int
	counts  []int                     // training class counts of the cleaned list
	labels  map[string]map[string]int // split -> image -> class
	rows    []Row
	runs    map[string]string // run folders by name
	// mae is the MAE pretraining run, and maeRecipe the fine-tuning recipe
	// every run from its weights uses.
	mae       string
	maeRecipe train.Config
	start     time.Time
}

func (p *pipeline) logf(format string, args ...any) {
	fmt.Fprintf(p.Log, "reproduce [%s] "+format+"\n", append([]any{time.Since(p.start).Round(time.Second)}, args...)...)
}

// Run reproduces the ablation into opts.Out and returns its rows.
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
	p := &pipeline{Options: opts, labels: map[string]map[string]int{}, runs: map[string]string{}, start: time.Now()}
	if err := p.prepare(); err != nil {
		return nil, err
	}
	if err := p.run(); err != nil {
		return p.rows, err
	}
	return p.rows, nil
}

// prepare checks the inputs, cleans the data if that has not been done,
// and writes the baseline list (everything readable, uncleaned).
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
	n, err := layout.NumClassFolders()
	if err != nil {
		return err
	}
	p.classes = n
	for _, d := range []string{RunsDir, PredsDir, ListsDir, PlotsDir} {
		if err := os.MkdirAll(filepath.Join(p.Out, d), 0o755); err != nil {
			return err
		}
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
	return p.writeBaselineList()
}

func (p *pipeline) cleanList() string {
	return filepath.Join(p.Data, filepath.FromSlash(dataset.CleanList))
}

func (p *pipeline) manifest() string {
	return filepath.Join(p.Data, filepath.FromSlash(dataset.ManifestFile))
}

func (p *pipeline) baselineList() string { return filepath.Join(p.Out, ListsDir, "baseline.txt") }

// unusable are the reasons a listed image cannot be trained on at all; the
// baseline keeps everything else that cleaning drops (duplicates, images
// filed under several classes, tiny images, outliers).
var unusable = []string{"unreadable", "too_large", "missing", "bad_line", "bad_label", "duplicate_line"}

func (p *pipeline) writeBaselineList() error {
	if exists(p.baselineList()) {
		return nil
	}
	rows, err := table.Read[manifest.Row](p.manifest())
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

// score scores a model's prediction files and appends its row.
func (p *pipeline) score(step, model string, files predictions, base, note string, seconds float64) (Row, error) {
	r := Row{Step: step, Model: model, Base: base, Note: note, Seconds: seconds}
	for _, s := range Splits {
		rows, _, err := predict.Read(files[s])
		if err != nil {
			return r, err
		}
		res, err := score.Score(rows, p.labels[s], p.counts)
		if err != nil {
			return r, fmt.Errorf("%s: %w", files[s], err)
		}
		if s == "testa" {
			r.TestA = res.Top1
			continue
		}
		r.TestB, r.MeanClass = res.Top1, res.MeanPerClass
		r.Head, r.Medium, r.Tail = res.Bands[longtail.Head], res.Bands[longtail.Medium], res.Bands[longtail.Tail]
	}
	if base != "" {
		for _, b := range p.rows {
			if b.Step == base {
				r.Delta, r.DeltaA = r.TestB-b.TestB, r.TestA-b.TestA
			}
		}
	}
	p.rows = append(p.rows, r)
	p.logf("%-22s Test-A %.2f%%  Test-B %.2f%%  (%s)", step, 100*r.TestA, 100*r.TestB, model)
	return r, p.writeTable()
}

// writeTable rewrites ablation.parquet and ablation.md with the rows so far.
func (p *pipeline) writeTable() error {
	if err := table.Write(filepath.Join(p.Out, Table), p.rows); err != nil {
		return err
	}
	title := fmt.Sprintf("Ablation (%s budget, %d classes, %s)", p.Budget.Name, p.classes, filepath.Base(p.Data))
	return atomicfile.WriteBytes(filepath.Join(p.Out, Markdown), []byte(markdown(p.rows, title)))
}

// secondsOf sums the training time of runs.
func (p *pipeline) secondsOf(runs ...string) float64 {
	var s float64
	for _, r := range runs {
		s += runSeconds(filepath.Join(p.Out, RunsDir, r))
	}
	return s
}

// stepNote joins non-empty parts.
func stepNote(parts ...string) string {
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, "; ")
}

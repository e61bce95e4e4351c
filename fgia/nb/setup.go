package nb

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/backends"

	"github.com/fgia/fgia/fgia/backend"
	"github.com/fgia/fgia/fgia/clean"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/demodata"
	"github.com/fgia/fgia/fgia/score"
)

// DataSet is a demo set in the competition layout and its hidden labels, at
// the places the Makefile uses.
type DataSet struct {
	Name   string
	Data   string // relative to the repository root
	Labels string // testa.txt and testb.txt
	build  demodata.Options
}

// Demo is WebFashion-LT as `make reproduce` builds it: data/webfashion.
func Demo() DataSet {
	open()
	o := demodata.DefaultOptions()
	o.Out, o.Labels = filepath.Join("data", "webfashion"), filepath.Join("data", "webfashion-labels")
	return DataSet{Name: "WebFashion-LT", Data: o.Out, Labels: o.Labels, build: o}
}

// QuickDir is where `make reproduce-quick` keeps the quick set and its
// reproduction.
var QuickDir = filepath.Join("build", "reproduce-quick")

// Quick is the small WebFashion-LT of the quick reproduction (`fgia
// demo-data --quick`, about 1K training images): build/reproduce-quick/data.
func Quick() DataSet {
	open()
	o := demodata.QuickOptions(filepath.Join(QuickDir, "data"), filepath.Join(QuickDir, "labels"))
	return DataSet{Name: "WebFashion-LT quick", Data: o.Out, Labels: o.Labels, build: o}
}

// Prepared says what Ensure did.
type Prepared struct {
	Built   *demodata.Result // nil when the set was reused
	Cleaned *clean.Summary   // nil when meta/train_clean.txt was there
}

// Ensure builds the set unless it is there with the same options, and
// cleans it unless its cleaned list is there. Progress shows as bars.
func (d DataSet) Ensure() (Prepared, error) {
	var p Prepared
	res, err := demodata.Ensure(d.build)
	if err != nil {
		return p, err
	}
	if !res.Reused {
		p.Built = res
	}
	if _, err := os.Stat(d.CleanList()); err != nil {
		co := clean.DefaultOptions()
		co.Log = nil
		if p.Cleaned, err = clean.Run(d.Data, co); err != nil {
			return p, err
		}
	}
	return p, nil
}

// CleanList is the set's meta/train_clean.txt.
func (d DataSet) CleanList() string {
	return filepath.Join(d.Data, filepath.FromSlash(dataset.CleanList))
}

// TestLabels are the hidden labels of a test split ("testa", "testb").
func (d DataSet) TestLabels(split string) (map[string]int, error) {
	return score.ReadLabels(filepath.Join(d.Labels, split+".txt"))
}

// ClassNames are the set's class names (meta/classes.txt, else indices).
func (d DataSet) ClassNames() ([]string, error) {
	l := dataset.Layout{Root: d.Data}
	n, err := l.NumClasses()
	if err != nil {
		return nil, err
	}
	return l.ClassNames(n), nil
}

// Setup prepares a notebook in one call and says so in one line: the data
// set built or reused (and cleaned), and the backend every training cell
// will use (chosen by fgia/backend, never by GoMLX itself).
func Setup(d DataSet) {
	p := Must(d.Ensure())
	data := "reused"
	if p.Built != nil {
		data = fmt.Sprintf("built: %d train, %d Test-A, %d Test-B files", p.Built.Train, p.Built.TestA, p.Built.TestB)
	}
	if p.Cleaned != nil {
		data += fmt.Sprintf("; cleaned: %d of %d files kept", p.Cleaned.Kept, p.Cleaned.Files)
	}
	Markdownf("**Setup** · data `%s` (%s), hidden labels `%s` · backend %s · paths are relative to the repository root, every cell's working directory.",
		d.Data, data, d.Labels, BackendName())
}

// BackendName describes the backend fgia/backend chooses, its plugin path
// relative to the repository.
func BackendName() string {
	c := backend.Choose()
	config := c.Config
	if plugin, ok := strings.CutPrefix(config, "xla:"); ok && filepath.IsAbs(plugin) {
		config = "xla:" + Rel(plugin)
	}
	return fmt.Sprintf("`%s` (%s)", config, c.Why)
}

var (
	backendOnce sync.Once
	theBackend  backends.Backend
	backendErr  error
)

// Backend is the chosen backend, created once a cell; it stops the cell
// when it cannot be created.
func Backend() backends.Backend {
	open()
	backendOnce.Do(func() { theBackend, _, backendErr = backend.New() })
	Check(backendErr)
	return theBackend
}

// Steps is the training budget of a notebook's runs: FGIA_STEPS when it is
// a positive number, else def (small, so that `make test` executes the
// notebook in minutes).
func Steps(def int) int {
	if v, err := strconv.Atoi(os.Getenv("FGIA_STEPS")); err == nil && v > 0 {
		return v
	}
	return def
}

package reproduce

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/pretrain"
	"github.com/fgia/fgia/fgia/train"
)

// Folders and files under OUT.
const (
	RunsDir  = "runs"
	PredsDir = "preds"
	ListsDir = "lists"
	PlotsDir = "plots"
	Table    = "ablation.parquet"
	Markdown = "ablation.md"
)

// Splits are the test splits every model predicts.
var Splits = []string{"testa", "testb"}

// status says whether the run folder run is complete, started (resume it)
// or new; total reads the run's planned steps from its recipe file and
// fails when there is none yet.
func status(run string, total func(run string) (int, error)) (complete, started bool, err error) {
	steps, err := total(run)
	if err != nil {
		return false, false, nil // not started
	}
	latest, err := checkpoint.Latest(filepath.Join(run, train.CheckpointsDir))
	if err != nil || latest == "" {
		return false, true, err
	}
	c, err := checkpoint.Load(latest)
	if err != nil {
		return false, true, err
	}
	return int(c.Step) >= steps, int(c.Step) < steps, nil
}

// exists reports whether a file is there (outputs are written atomically,
// so one that exists is complete).
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// fineTune trains (or finishes, or skips) the run OUT/runs/name.
func (p *pipeline) fineTune(name string, cfg train.Config, list, init string) (string, error) {
	run := filepath.Join(p.Out, RunsDir, name)
	complete, resume, err := status(run, func(run string) (int, error) {
		ri, err := train.ReadRunInfo(run)
		if err != nil {
			return 0, err
		}
		return ri.TotalSteps, nil
	})
	if err != nil || complete {
		return run, err
	}
	p.logf("%s: training %s on %s%s", name, cfg.Preset, filepath.Base(list), map[bool]string{true: " (resuming)"}[resume])
	t0 := time.Now()
	_, err = train.Run(cfg, train.Options{Data: p.Data, List: list, Out: run, Resume: resume, Init: init,
		Backend: p.Backend, Log: p.Log, Workers: p.Workers})
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return run, addSeconds(run, time.Since(t0).Seconds())
}

// secondsFile in a run folder holds the training time the reproduction
// spent on it, summed over resumes (the time a killed process spent after
// its last checkpoint is lost with it).
const secondsFile = "train_seconds.txt"

func addSeconds(run string, s float64) error {
	return atomicfile.WriteBytes(filepath.Join(run, secondsFile), []byte(strconv.FormatFloat(runSeconds(run)+s, 'f', 1, 64)+"\n"))
}

func runSeconds(run string) float64 {
	b, err := os.ReadFile(filepath.Join(run, secondsFile))
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	return v
}

// pretrain runs (or finishes, or skips) the pretraining run OUT/runs/name.
func (p *pipeline) pretrain(name string, cfg pretrain.Config) (string, error) {
	run := filepath.Join(p.Out, RunsDir, name)
	complete, resume, err := status(run, func(run string) (int, error) {
		ri, err := pretrain.ReadRunInfo(run)
		if err != nil {
			return 0, err
		}
		return ri.TotalSteps, nil
	})
	if err != nil || complete {
		return run, err
	}
	p.logf("%s: %s pretraining on train + %v", name, cfg.Method, Splits)
	t0 := time.Now()
	_, err = pretrain.Run(cfg, pretrain.Options{Data: p.Data, Splits: Splits, Out: run, Resume: resume,
		Backend: p.Backend, Log: p.Log, Workers: p.Workers})
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return run, addSeconds(run, time.Since(t0).Seconds())
}

// predictions are one model's prediction files by split.
type predictions map[string]string

// predict writes OUT/preds/<model>_<split>.parquet for every split.
func (p *pipeline) predict(model, run, tta string) (predictions, error) {
	out := predictions{}
	for _, s := range Splits {
		f := p.predFile(model, s)
		out[s] = f
		if exists(f) {
			continue
		}
		if _, err := predict.Run(predict.Options{Run: run, Data: p.Data, Split: s, TTA: tta, Out: f,
			Batch: 256, Backend: p.Backend, Workers: p.Workers, Quiet: true}); err != nil {
			return nil, fmt.Errorf("%s: %w", model, err)
		}
	}
	return out, nil
}

func (p *pipeline) predFile(model, split string) string {
	return filepath.Join(p.Out, PredsDir, model+"_"+split+".parquet")
}

// each applies f to every split's input and output file, skipping
// outputs that exist.
func (p *pipeline) each(model string, in predictions, f func(split, in, out string) error) (predictions, error) {
	out := predictions{}
	for _, s := range Splits {
		o := p.predFile(model, s)
		out[s] = o
		if exists(o) {
			continue
		}
		if err := f(s, in[s], o); err != nil {
			return nil, fmt.Errorf("%s: %w", model, err)
		}
	}
	return out, nil
}

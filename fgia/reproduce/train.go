package reproduce

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/pretrain"
	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/soup"
	"github.com/fgia/fgia/fgia/train"
)

// seeded shifts a recipe's seed for seed s (seed 1 keeps it).
func (s *seedRun) seeded(seed uint64) uint64 { return seed + uint64(s.seed-1) }

// pretrain runs (or finishes, or skips) a pretraining step.
func (s *seedRun) pretrain(st recipe.Step) error {
	cfg, err := recipe.PretrainConfig(st, s.Budget, s.Geometry.adaptPretrain)
	if err != nil {
		return err
	}
	cfg.Seed = s.seeded(cfg.Seed)
	run := s.path(recipe.RunPath(st.Name))
	s.runs[st.Name] = run
	complete, resume, err := status(run, func(run string) (int, error) {
		ri, err := pretrain.ReadRunInfo(run)
		if err != nil {
			return 0, err
		}
		return ri.TotalSteps, nil
	})
	if err != nil || complete {
		return err
	}
	s.logf("%s: %s pretraining on train + %v%s", st.Name, cfg.Method, Splits, map[bool]string{true: " (resuming)"}[resume])
	t0 := time.Now()
	_, err = pretrain.Run(cfg, pretrain.Options{Data: s.Data, Splits: Splits, Out: run, Resume: resume,
		Backend: s.Backend, Log: s.Log, Workers: s.Workers})
	if err != nil {
		return err
	}
	return addSeconds(run, time.Since(t0).Seconds())
}

// listFor is the training list a step names.
func (s *seedRun) listFor(st recipe.Step) string {
	switch st.List {
	case "", recipe.CleanList:
		return s.cleanList()
	case recipe.BaselineList:
		return s.baselineList()
	}
	return s.lists[st.List]
}

// finetune trains (or finishes, or skips) a Finetune or Distill step,
// predicts both splits and checks that the model did not collapse.
func (s *seedRun) finetune(st recipe.Step) (string, error) {
	cfg, err := recipe.TrainConfig(st, s.Budget, s.classes, s.Geometry.adaptTrain)
	if err != nil {
		return "", err
	}
	cfg.Seed = s.seeded(cfg.Seed)
	if st.Kind == recipe.Distill {
		t := s.preds[st.Teacher]
		cfg.Distill = &train.Distill{Teachers: []string{t["testa"], t["testb"]}, Temperature: st.Temperature, Alpha: st.Alpha}
	}
	run := s.path(recipe.RunPath(st.Name))
	s.runs[st.Name] = run
	complete, resume, err := status(run, func(run string) (int, error) {
		ri, err := train.ReadRunInfo(run)
		if err != nil {
			return 0, err
		}
		return ri.TotalSteps, nil
	})
	if err != nil {
		return "", err
	}
	if !complete {
		init := ""
		if st.Init != "" {
			init = s.runs[st.Init]
		}
		list := s.listFor(st)
		s.logf("%s: training %s on %s%s", st.Name, cfg.Preset, filepath.Base(list), map[bool]string{true: " (resuming)"}[resume])
		t0 := time.Now()
		_, err = train.Run(cfg, train.Options{Data: s.Data, List: list, Out: run, Resume: resume, Init: init,
			Backend: s.Backend, Log: s.Log, Workers: s.Workers})
		if err != nil {
			return "", err
		}
		if err := addSeconds(run, time.Since(t0).Seconds()); err != nil {
			return "", err
		}
	}
	files, err := s.predict(st.Name, run, "")
	if err != nil {
		return "", err
	}
	s.preds[st.Name] = files
	return s.guard(st, run, files)
}

// status says whether the run folder run is complete, started (resume it)
// or new; total reads the run's planned steps from its recipe file and
// fails when there is none yet.
func status(run string, total func(run string) (int, error)) (complete, started bool, err error) {
	steps, err := total(run)
	if err != nil {
		return false, false, nil // not started
	}
	c, _, err := checkpoint.LatestValid(filepath.Join(run, train.CheckpointsDir))
	if err != nil || c == nil {
		return false, true, err // resuming starts from the newest intact checkpoint, if any
	}
	return int(c.Step) >= steps, int(c.Step) < steps, nil
}

// secondsFile in a run folder holds the training time the reproduction
// spent on it, summed over resumes (the time a killed process spent after
// its last checkpoint is lost with it).
const secondsFile = "train_seconds.txt"

func addSeconds(run string, sec float64) error {
	return writeText(filepath.Join(run, secondsFile), strconv.FormatFloat(runSeconds(run)+sec, 'f', 1, 64)+"\n")
}

func runSeconds(run string) float64 {
	b, err := os.ReadFile(filepath.Join(run, secondsFile))
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	return v
}

// predict writes OUT/seed-N/preds/<name>_<split>.parquet for every split
// with run's weights, reusing files that check out.
func (s *seedRun) predict(name, run, tta string) (predictions, error) {
	out := predictions{}
	for _, sp := range Splits {
		f := s.predFile(name, sp)
		out[sp] = f
		if s.reusable(f, sp) {
			continue
		}
		if _, err := predict.Run(predict.Options{Run: run, Data: s.Data, Split: sp, TTA: tta, Out: f,
			Batch: 256, Backend: s.Backend, Workers: s.Workers, Quiet: true}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// soup averages the run's last checkpoints into OUT/seed-N/runs/<step>
// and predicts with flip TTA.
func (s *seedRun) soup(st recipe.Step) error {
	k := st.Last
	if k == 0 {
		k = s.Budget.SoupK
	}
	out := s.path(recipe.RunPath(st.Name))
	s.runs[st.Name] = out
	if !s.soupIntact(out) {
		if err := soup.Uniform(s.runs[st.From], k, out); err != nil {
			return err
		}
	}
	f, err := s.predict(st.Name, out, "flip")
	s.preds[st.Name] = f
	return err
}

// soupIntact says whether a soup folder is complete (soup.json is written
// last) and its checkpoint loads; a damaged one is made again.
func (s *seedRun) soupIntact(out string) bool {
	if _, err := soup.ReadInfo(out); err != nil {
		return false
	}
	latest, err := checkpoint.Latest(filepath.Join(out, train.CheckpointsDir))
	if err == nil && latest != "" {
		if _, err = checkpoint.Load(latest); err == nil {
			return true
		}
	}
	s.logf("%s is damaged (%v); averaging it again", out, err)
	return false
}

// guard checks a trained row's model: more than half of Test-A predicted
// as one class, or a final training accuracy no better than always
// answering the largest class, is a collapse. It stops the run, or, with
// AllowCollapse, marks the row.
func (s *seedRun) guard(st recipe.Step, run string, files predictions) (string, error) {
	var problems []string
	rows, _, err := predict.Read(files["testa"])
	if err != nil {
		return "", err
	}
	counts := make([]int, s.classes)
	for _, r := range rows {
		if int(r.Pred) < len(counts) {
			counts[r.Pred]++
		}
	}
	top := 0
	for c := range counts {
		if counts[c] > counts[top] {
			top = c
		}
	}
	if share := float64(counts[top]) / float64(max(len(rows), 1)); share > 0.5 {
		problems = append(problems, fmt.Sprintf("%.0f%% of Test-A is predicted as class %d (%s)", 100*share, top, s.names[top]))
	}
	ri, err := train.ReadRunInfo(run)
	if err != nil {
		return "", err
	}
	recs, err := train.ReadMetrics(run)
	if err != nil {
		return "", err
	}
	if len(recs) > 0 {
		last := recs[len(recs)-1]
		var acc float64
		var n int
		for _, r := range recs {
			if r.Epoch > last.Epoch-1 { // the last epoch
				acc += r.Accuracy
				n++
			}
		}
		acc /= float64(n)
		largest := 0
		for _, c := range ri.ClassCounts {
			largest = max(largest, c)
		}
		chance := max(float64(largest)/float64(max(ri.Images, 1)), 1/float64(s.classes))
		if acc <= chance+0.02 {
			problems = append(problems, fmt.Sprintf("its last-epoch training accuracy %.1f%% is no better than always answering the largest class (%.1f%%)", 100*acc, 100*chance))
		}
	}
	if len(problems) == 0 {
		return "", nil
	}
	what := strings.Join(problems, " and ")
	if !s.AllowCollapse {
		return "", fmt.Errorf("the model of row %s collapsed: %s (run %s). Fix the recipe (learning rate, margin warm-up, a warm start), or rerun with --allow-collapse to record the row as collapsed", st.Name, what, run)
	}
	s.logf("WARNING: row %s (seed %d) collapsed: %s; recorded as collapsed (--allow-collapse)", st.Name, s.seed, what)
	return StatusCollapsed, nil
}

// Package soup averages checkpoints of one training run into a "model soup"
// (Wortsman et al., 2022): the weights of the last K checkpoints of a
// fine-tuning run lie in one basin, and their element-wise mean predicts
// better than any of them at no inference cost (+0.4 for the champion, who
// averaged the last 5 checkpoints of Swin-B runs and 7 of Swin-L).
//
// What is averaged: the trainable variables (the model weights) and the
// optimizer's EMA copies of them (optim.EMAScope), in float32/float64. What
// is not: the AdamW moments are statistics of one trajectory's gradients,
// and their mean is not the optimizer state at the averaged weights; a soup
// is for inference, and training on from it starts a new run (train --init,
// which loads the backbone only and a fresh optimizer). Those, the step
// counter, the RNG state and any other non-trainable or non-float variable
// are taken from the newest checkpoint, so the soup is a complete
// checkpoint that every reader of the format restores.
//
// A soup is written as a run folder of its own: the source run's
// config.json (so `fgia predict --run SOUP` rebuilds the model),
// checkpoints/ckpt-<newest step>.ckpt, and soup.json naming the
// ingredients. Greedy soup (Wortsman et al.'s "greedy") adds checkpoints in
// descending order of their own score and keeps each only if the soup's
// score does not drop; the score comes from the caller (for example,
// accuracy on a held-out split).
package soup

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/train"
)

// InfoFile names the soup's ingredients inside a soup run folder.
const InfoFile = "soup.json"

// Info is soup.json.
type Info struct {
	Method      string    `json:"method"` // uniform or greedy
	From        string    `json:"from"`   // the source run
	Checkpoints []string  `json:"checkpoints"`
	Steps       []int64   `json:"steps"`
	Scores      []float64 `json:"scores,omitempty"` // greedy: each ingredient's own score
	Score       float64   `json:"score,omitempty"`  // greedy: the soup's score
	Averaged    int       `json:"averaged"`         // variables averaged
	Kept        int       `json:"kept"`             // variables taken from the newest checkpoint
}

// Last returns the newest k checkpoint files of run, oldest first.
func Last(run string, k int) ([]string, error) {
	if k < 1 {
		return nil, fmt.Errorf("soup: k %d", k)
	}
	all, err := checkpoint.List(filepath.Join(run, train.CheckpointsDir))
	if err != nil {
		return nil, err
	}
	if len(all) < k {
		return nil, fmt.Errorf("soup: %s keeps %d checkpoints, want %d (train with keep >= %d)", run, len(all), k, k)
	}
	return all[len(all)-k:], nil
}

// averaged says whether a variable joins the mean.
func averaged(v checkpoint.Var) bool {
	if v.DType != dtypes.Float32.String() && v.DType != dtypes.Float64.String() {
		return false
	}
	return v.Trainable || strings.HasPrefix(v.Path, optim.EMAScope("")+"/")
}

// Average returns the soup of the checkpoint files: the element-wise mean of
// the averaged variables, everything else (and the step and metadata) from
// the newest file, the one with the largest step. Files are loaded one at a
// time: the soup costs two checkpoints of memory.
func Average(files []string) (*checkpoint.Checkpoint, *Info, error) {
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("soup: no checkpoints")
	}
	soup, err := checkpoint.Load(files[0])
	if err != nil {
		return nil, nil, err
	}
	info := &Info{Method: "uniform", Checkpoints: files, Steps: []int64{soup.Step}}
	for _, v := range soup.Vars {
		if averaged(v) {
			info.Averaged++
		} else {
			info.Kept++
		}
	}
	for _, f := range files[1:] {
		c, err := checkpoint.Load(f)
		if err != nil {
			return nil, nil, err
		}
		info.Steps = append(info.Steps, c.Step)
		if len(c.Vars) != len(soup.Vars) {
			return nil, nil, fmt.Errorf("soup: %s has %d variables, %s %d", f, len(c.Vars), files[0], len(soup.Vars))
		}
		newer := c.Step > soup.Step
		for _, v := range soup.Vars {
			t, ok := c.Tensors[v.Path]
			if !ok {
				return nil, nil, fmt.Errorf("soup: %s lacks %s, which %s has", f, v.Path, files[0])
			}
			if !t.Shape().Equal(soup.Tensors[v.Path].Shape()) {
				return nil, nil, fmt.Errorf("soup: %s: %s has shape %s, in %s %s", f, v.Path, t.Shape(), files[0], soup.Tensors[v.Path].Shape())
			}
			switch {
			case averaged(v):
				if err := add(soup.Tensors[v.Path], t); err != nil {
					return nil, nil, err
				}
			case newer:
				soup.Tensors[v.Path] = t
			}
		}
		if newer {
			soup.Step, soup.Header.Meta, soup.File = c.Step, c.Header.Meta, c.File
		}
	}
	for _, v := range soup.Vars {
		if averaged(v) {
			if err := scale(soup.Tensors[v.Path], 1/float64(len(files))); err != nil {
				return nil, nil, err
			}
		}
	}
	return soup, info, nil
}

// add does sum += t for float tensors of one shape.
func add(sum, t *tensors.Tensor) error {
	var err error
	switch sum.DType() {
	case dtypes.Float32:
		err = tensors.ConstFlatData(t, func(x []float32) {
			tensors.MustMutableFlatData(sum, func(s []float32) {
				for i := range s {
					s[i] += x[i]
				}
			})
		})
	case dtypes.Float64:
		err = tensors.ConstFlatData(t, func(x []float64) {
			tensors.MustMutableFlatData(sum, func(s []float64) {
				for i := range s {
					s[i] += x[i]
				}
			})
		})
	default:
		err = fmt.Errorf("soup: cannot average %s", sum.DType())
	}
	return err
}

// scale multiplies a float tensor by f.
func scale(t *tensors.Tensor, f float64) error {
	switch t.DType() {
	case dtypes.Float32:
		tensors.MustMutableFlatData(t, func(s []float32) {
			for i := range s {
				s[i] = float32(float64(s[i]) * f)
			}
		})
	case dtypes.Float64:
		tensors.MustMutableFlatData(t, func(s []float64) {
			for i := range s {
				s[i] *= f
			}
		})
	default:
		return fmt.Errorf("soup: cannot average %s", t.DType())
	}
	return nil
}

// save writes ck as a checkpoint file in dir and returns its path.
func save(ck *checkpoint.Checkpoint, dir string) (string, error) {
	ctx := context.New().Checked(false)
	if err := ck.Restore(ctx, nil); err != nil {
		return "", err
	}
	var meta any
	if len(ck.Header.Meta) > 0 {
		meta = json.RawMessage(ck.Header.Meta)
	}
	return checkpoint.Save(ctx, dir, ck.Step, meta, 0)
}

// WriteRun writes ck as the only checkpoint of the run folder out, with
// the config.json of the run from and info as soup.json. It refuses to
// write into from itself or into a folder holding a training run.
func WriteRun(ck *checkpoint.Checkpoint, info *Info, from, out string) (string, error) {
	a, errA := filepath.Abs(from)
	b, errB := filepath.Abs(out)
	if errA != nil || errB != nil || a == b {
		return "", fmt.Errorf("soup: the soup's folder %s must differ from the run %s", out, from)
	}
	cfg, err := os.ReadFile(filepath.Join(from, train.ConfigFile))
	if err != nil {
		return "", fmt.Errorf("soup: %s is not a run folder: %w", from, err)
	}
	ckDir := filepath.Join(out, train.CheckpointsDir)
	old, err := checkpoint.List(ckDir)
	if err != nil {
		return "", err
	}
	if len(old) > 0 {
		if _, err := os.Stat(filepath.Join(out, InfoFile)); err != nil {
			return "", fmt.Errorf("soup: %s holds checkpoints but no %s: a training run, not a soup", out, InfoFile)
		}
	}
	info.From = from
	if err := atomicfile.WriteBytes(filepath.Join(out, train.ConfigFile), cfg); err != nil {
		return "", err
	}
	path, err := save(ck, ckDir)
	if err != nil {
		return "", err
	}
	for _, o := range old { // an earlier soup's checkpoint
		if o != path {
			os.Remove(o)
		}
	}
	js, _ := json.MarshalIndent(info, "", "  ")
	return path, atomicfile.WriteBytes(filepath.Join(out, InfoFile), append(js, '\n'))
}

// Uniform writes the uniform soup of the last k checkpoints of run into the
// run folder out.
func Uniform(run string, k int, out string) error {
	files, err := Last(run, k)
	if err != nil {
		return err
	}
	ck, info, err := Average(files)
	if err != nil {
		return err
	}
	_, err = WriteRun(ck, info, run, out)
	return err
}

// ScoreFunc scores a checkpoint file of the run (higher is better).
type ScoreFunc func(checkpoint string) (float64, error)

// Greedy writes the greedy soup of the last k checkpoints of run into out:
// the checkpoints are scored alone and sorted by score (ties: the newer
// first), the best starts the soup, and each next one stays in if the
// soup's score with it is at least the score without it. Candidate soups
// are written to a temporary folder for score.
func Greedy(run string, k int, out string, score ScoreFunc) (*Info, error) {
	files, err := Last(run, k)
	if err != nil {
		return nil, err
	}
	scores := make([]float64, len(files))
	for i, f := range files {
		if scores[i], err = score(f); err != nil {
			return nil, err
		}
	}
	order := make([]int, len(files))
	for i := range order {
		order[i] = len(files) - 1 - i // newest first, so ties prefer it
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	tmp, err := os.MkdirTemp("", "fgia-soup")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	chosen := []int{order[0]}
	best := scores[order[0]]
	for _, c := range order[1:] {
		try := append(append([]int(nil), chosen...), c)
		ck, _, err := Average(pick(files, try))
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp(tmp, "candidate")
		if err != nil {
			return nil, err
		}
		path, err := save(ck, dir)
		if err != nil {
			return nil, err
		}
		s, err := score(path)
		if err != nil {
			return nil, err
		}
		os.RemoveAll(dir)
		if s >= best {
			chosen, best = try, s
		}
	}
	sort.Ints(chosen) // oldest first, as Last lists them
	ck, info, err := Average(pick(files, chosen))
	if err != nil {
		return nil, err
	}
	info.Method, info.Score = "greedy", best
	for _, i := range chosen {
		info.Scores = append(info.Scores, scores[i])
	}
	if _, err := WriteRun(ck, info, run, out); err != nil {
		return nil, err
	}
	return info, nil
}

func pick(files []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = files[j]
	}
	return out
}

// ReadInfo loads a soup folder's soup.json.
func ReadInfo(out string) (*Info, error) {
	b, err := os.ReadFile(filepath.Join(out, InfoFile))
	if err != nil {
		return nil, fmt.Errorf("soup: %w", err)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("soup: %s: %w", filepath.Join(out, InfoFile), err)
	}
	return &info, nil
}

package train

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/progress"
	"github.com/fgia/fgia/fgia/sampler"
)

// Loop is the engine every trainer shares (fine-tuning here, pretraining in
// fgia/pretrain): it streams batches, runs one compiled step per batch (or
// per micro-batch, see AccumSteps),
// checks the loss, writes metrics, checkpoints atomically and stops cleanly
// on a NaN. Step must return [loss, correct predictions, learning rate,
// gradient norm] as float32 scalars (correct is 0 where there are no labels).
type Loop struct {
	Name    string // the progress bar's label
	Out     string // run folder
	Ctx     *context.Context
	Step    *context.Exec
	Loader  *loader.Loader
	Sampler sampler.Sampler
	// Feed turns a batch into the step's inputs; step is the global index
	// of the batch (0-based; micro-batches are counted with gradient
	// accumulation), for inputs that must be reproducible on resume.
	Feed func(b loader.Batch, step int) []any

	// AccumSteps is the number of micro-batches (Loader.Size images each)
	// in one optimizer step; <= 1 is one. Accumulate then runs all but the
	// last of them (it adds up gradients; it returns [loss, correct] at
	// least) and Step the last one (it applies the update). Every count of
	// the loop (steps, TotalSteps, StepsPerEpoch, CheckpointEvery, Log,
	// StopAfter, metrics, checkpoints) is in optimizer steps, so a run stops,
	// checkpoints and resumes only between them, when the accumulators are
	// zero.
	AccumSteps int
	Accumulate *context.Exec

	// Unlabelled runs (pretraining) have no accuracy to show.
	Unlabelled bool
	// Validate, when set, scores the model on held-out images at the end
	// of every epoch: the score goes into metrics.jsonl and the best one
	// so far is kept as checkpoints/best/.
	Validate func() (float64, error)

	TotalSteps, StepsPerEpoch  int
	CheckpointEvery, Keep, Log int // Log: steps per metrics record
	StopAfter                  int // see Options.StopAfter
}

// Position is where a run stands: the steps done and the metrics not yet
// written (carried in checkpoints, so a resumed run writes the same records
// as an uninterrupted one).
type Position struct {
	Step    int
	window  metricWindow
	bestVal float64 // the best validation accuracy so far (-1: none yet)
}

// Resume restores ctx from the newest checkpoint of run folder out (nothing
// when there is none) and trims metrics.jsonl to it.
func Resume(ctx *context.Context, out string, log io.Writer) (Position, error) {
	var pos Position
	c, skipped, err := checkpoint.LatestValid(filepath.Join(out, CheckpointsDir))
	if err != nil {
		return pos, err
	}
	for _, s := range skipped {
		// Set aside, so that it is neither the newest again nor pruned
		// instead of an intact one; kept for inspection.
		aside := s.File + ".damaged"
		if err := os.Rename(s.File, aside); err != nil {
			return pos, err
		}
		fmt.Fprintf(log, "skipping %s (moved to %s): %v\n", filepath.Base(s.File), filepath.Base(aside), s.Err)
	}
	if c == nil && len(skipped) > 0 {
		fmt.Fprintf(log, "no intact checkpoint left in %s: starting over from step 0\n", out)
	}
	if c != nil {
		if c.Unverified {
			fmt.Fprintf(log, "%s was written before checkpoints carried checksums: loaded unverified\n", filepath.Base(c.File))
		}
		if err := c.Restore(ctx, nil); err != nil {
			return pos, err
		}
		var meta checkpointMeta
		if err := c.Meta(&meta); err != nil {
			return pos, err
		}
		pos = Position{Step: int(c.Step), window: meta.Window, bestVal: meta.BestVal}
		fmt.Fprintf(log, "resuming %s from step %d (%s)\n", out, pos.Step, filepath.Base(c.File))
	}
	return pos, truncateMetrics(out, pos.Step)
}

// CheckFresh fails when out already holds checkpoints: a new run must not
// mix with an old one.
func CheckFresh(out string) error {
	existing, err := checkpoint.Latest(filepath.Join(out, CheckpointsDir))
	if err != nil {
		return err
	}
	if existing != "" {
		return fmt.Errorf("train: %s already holds a run (%s); use --resume to continue it or choose another --out", out, filepath.Base(existing))
	}
	return nil
}

// Run trains from pos to TotalSteps.
func (l Loop) Run(pos Position, sum *Summary) error {
	ckDir := filepath.Join(l.Out, CheckpointsDir)
	spe, batch, accum := l.StepsPerEpoch, l.Loader.Size, max(l.AccumSteps, 1)
	if accum > 1 && l.Accumulate == nil {
		return fmt.Errorf("train: %d micro-batches a step and no accumulation step", accum)
	}
	mw, err := openMetrics(l.Out)
	if err != nil {
		return err
	}
	defer mw.close()
	ckEvery := l.CheckpointEvery
	if ckEvery <= 0 {
		ckEvery = spe
	}
	logEvery := max(l.Log, 1)
	start, total := pos.Step, l.TotalSteps
	sum.FromStep = start
	bar := progress.NewAt(start, total, l.Name)
	t0 := time.Now()
	acc, since := pos.window, t0
	bestVal, lastVal := pos.bestVal, pos.bestVal
	if pos.Step == 0 && bestVal == 0 {
		bestVal = -1
	}
	save := func(done int) error {
		meta := checkpointMeta{Epoch: float64(done) / float64(spe), Window: acc, BestVal: bestVal}
		p, err := checkpoint.Save(l.Ctx, ckDir, int64(done), meta, l.Keep)
		sum.Checkpoint = p
		return err
	}
	done, timed := start, 0
	// micro counts the micro-batches of the optimizer step under way, and
	// stepLoss adds up their losses (the step's loss is their mean, the
	// mean over its images).
	micro, stepLoss := 0, 0.0
	// step runs one micro-batch; it reports whether the run must stop now.
	step := func(b loader.Batch) (bool, error) {
		exec := l.Step
		if micro < accum-1 {
			exec = l.Accumulate
		}
		out, err := exec.Exec(l.Feed(b, done*accum+micro)...)
		if err != nil {
			return true, err
		}
		loss := float64(scalar(out[0]))
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			last, _ := checkpoint.Latest(ckDir)
			if last == "" {
				last = "none yet"
			}
			return true, fmt.Errorf("%w at step %d (loss %v); nothing was saved after it; last good checkpoint: %s. Lower the learning rate or check the data", ErrNonFinite, done+1, loss, last)
		}
		stepLoss += loss
		acc.Correct += float64(scalar(out[1]))
		acc.Images += batch
		timed += batch
		if micro++; micro < accum {
			return false, nil
		}
		done++
		loss = stepLoss / float64(accum)
		micro, stepLoss = 0, 0
		sum.LastLoss = loss
		acc.Loss += loss
		acc.LR = float64(scalar(out[2]))
		acc.Norm += float64(scalar(out[3]))
		acc.Steps++
		bar.Add(1)
		var val *float64
		if l.Validate != nil && (done%spe == 0 || done == total) {
			v, err := l.Validate()
			if err != nil {
				return true, fmt.Errorf("train: validation at step %d: %w", done, err)
			}
			val, lastVal = &v, v
			if v > bestVal {
				bestVal = v
				meta := checkpointMeta{Epoch: float64(done) / float64(spe), BestVal: v}
				if _, err := checkpoint.Save(l.Ctx, filepath.Join(ckDir, BestDir), int64(done), meta, 1); err != nil {
					return true, err
				}
			}
		}
		if done%logEvery == 0 || done == total || val != nil {
			r := Record{Step: done, Epoch: float64(done) / float64(spe), Loss: acc.Loss / float64(acc.Steps),
				Accuracy: acc.Correct / float64(acc.Images), LR: acc.LR, GradNorm: acc.Norm / float64(acc.Steps),
				ImgPerSec: float64(timed) / time.Since(since).Seconds(), Seconds: time.Since(t0).Seconds(), ValAccuracy: val}
			if err := mw.write(r); err != nil {
				return true, err
			}
			info := fmt.Sprintf("epoch %.2f loss %.4f", r.Epoch, r.Loss)
			if !l.Unlabelled {
				info += fmt.Sprintf(" acc %.3f", r.Accuracy)
			}
			if bestVal >= 0 {
				info += fmt.Sprintf(" val %.3f (best %.3f)", lastVal, bestVal)
			}
			bar.SetInfo(info + fmt.Sprintf(" lr %.2e %.0f img/s", r.LR, r.ImgPerSec))
			acc, timed, since = metricWindow{}, 0, time.Now()
		}
		if l.StopAfter > 0 && done-start >= l.StopAfter {
			sum.Steps = done
			return true, nil // as a crash would: no final checkpoint
		}
		if done%ckEvery == 0 || done == total {
			if err := save(done); err != nil {
				return true, err
			}
		}
		return false, nil
	}
	for done < total {
		// An epoch is spe optimizer steps of accum micro-batches: the
		// loader streams micro-batches, so micro-batch k of an epoch holds
		// the same images (and augmentations, which depend on the position
		// in the order) as rows k*batch.. of a run with the whole effective
		// batch.
		epoch := done / spe
		order := l.Sampler.Epoch(epoch)[:spe*accum*batch] // whole steps only
		stop := make(chan struct{})
		stream := l.Loader.Stream(epoch, order, done%spe*accum, stop)
		for b := range stream {
			end, err := true, b.Err
			if err == nil {
				end, err = step(b)
			}
			if end {
				close(stop)
				return err
			}
			if micro == 0 && (done >= total || done%spe == 0) {
				break
			}
		}
		close(stop)
		for range stream {
		}
	}
	bar.Finish()
	sum.Steps, sum.Epochs = done, float64(done)/float64(spe)
	return nil
}

func scalar(t *tensors.Tensor) float32 { return t.Value().(float32) }

package train

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fgia/fgia/fgia/atomicfile"
)

// Record is one line of metrics.jsonl: the mean over the steps since the
// previous record.
type Record struct {
	Step      int     `json:"step"` // steps done
	Epoch     float64 `json:"epoch"`
	Loss      float64 `json:"loss"`
	Accuracy  float64 `json:"accuracy"` // of the training batches (primary label; margin heads without their margin)
	LR        float64 `json:"lr"`
	GradNorm  float64 `json:"grad_norm"`
	ImgPerSec float64 `json:"img_per_s"`
	Seconds   float64 `json:"seconds"` // wall time since the run (or resume) started
	// ValAccuracy is the top-1 on the validation images, at epoch ends of
	// runs with a validation split.
	ValAccuracy *float64 `json:"val_accuracy,omitempty"`
}

// ReadMetrics loads a run's metrics, skipping a torn last line (a kill can
// interrupt an append).
func ReadMetrics(run string) ([]Record, error) {
	f, err := os.Open(filepath.Join(run, MetricsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(lines))
	for i, l := range lines {
		var r Record
		if err := json.Unmarshal(l, &r); err != nil {
			if i == len(lines)-1 {
				break // a torn tail
			}
			return nil, fmt.Errorf("train: %s:%d: %w", MetricsFile, i+1, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// truncateMetrics keeps the records up to step (those a resumed run will not
// redo), rewriting the file atomically.
func truncateMetrics(run string, step int) error {
	recs, err := ReadMetrics(run)
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(run, MetricsFile), func(f io.Writer) error {
		w := bufio.NewWriter(f)
		for _, r := range recs {
			if r.Step <= step {
				b, _ := json.Marshal(r)
				if _, err := w.Write(append(b, '\n')); err != nil {
					return err
				}
			}
		}
		return w.Flush()
	})
}

// metricsWriter appends records.
type metricsWriter struct{ f *os.File }

func openMetrics(run string) (*metricsWriter, error) {
	f, err := os.OpenFile(filepath.Join(run, MetricsFile), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return &metricsWriter{f}, nil
}

func (m *metricsWriter) write(r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = m.f.Write(append(b, '\n'))
	return err
}

func (m *metricsWriter) close() error { return m.f.Close() }

// Package predict runs a trained model over a test split and streams one
// Parquet row per image — file name, predicted class, its probability, and
// the full pre-softmax logit vector — so 90K x 5000 logits never need two
// copies in memory. Flip TTA averages the logits of each image and its
// mirror image. The file carries the run's training class counts as
// metadata, so scoring by class frequency needs nothing else.
package predict

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/parquet-go/parquet-go"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/progress"
	"github.com/fgia/fgia/fgia/table"
	"github.com/fgia/fgia/fgia/train"
)

// Row is one prediction.
type Row struct {
	Image  string    `parquet:"image"`
	Pred   int32     `parquet:"pred"`
	Score  float32   `parquet:"score"`
	Logits []float32 `parquet:"logits,list"`
}

// Metadata keys stored in the Parquet footer.
const (
	MetaClassCounts = "fgia.class_counts"
	MetaRun         = "fgia.run"
	MetaSplit       = "fgia.split"
	MetaTTA         = "fgia.tta"
)

// Options of a prediction run.
type Options struct {
	Run        string // run folder
	Checkpoint string // a checkpoint file (default: the run's newest)
	Data       string // data root holding the split
	Split      string // testa or testb
	TTA        string // "" or "flip"
	Out        string // Parquet file
	EMA        bool   // use the run's exponential moving average of the weights
	Batch      int
	Backend    backends.Backend
	Workers    int
	Quiet      bool
}

// Run predicts opts.Split and writes opts.Out. It returns the number of rows.
func Run(opts Options) (int, error) {
	if opts.TTA != "" && opts.TTA != "flip" {
		return 0, fmt.Errorf("predict: unknown TTA %q (flip)", opts.TTA)
	}
	ri, err := train.ReadRunInfo(opts.Run)
	if err != nil {
		return 0, err
	}
	ckFile := opts.Checkpoint
	if ckFile == "" {
		if ckFile, err = checkpoint.Latest(filepath.Join(opts.Run, train.CheckpointsDir)); err != nil {
			return 0, err
		}
		if ckFile == "" {
			return 0, fmt.Errorf("predict: run %s has no checkpoint yet", opts.Run)
		}
	}
	ck, err := checkpoint.Load(ckFile)
	if err != nil {
		return 0, err
	}
	ctx := context.New().Checked(false)
	if err := ck.Restore(ctx, nil); err != nil {
		return 0, err
	}
	if opts.EMA {
		prefix, n := optim.EMAScope(""), 0
		err := ck.Restore(ctx, func(path string) string {
			if strings.HasPrefix(path, prefix+"/") {
				n++
				return strings.TrimPrefix(path, prefix)
			}
			return ""
		})
		if err == nil && n == 0 {
			err = fmt.Errorf("predict: %s has no EMA weights (train with an EMA decay)", ckFile)
		}
		if err != nil {
			return 0, err
		}
	}
	names, err := dataset.Layout{Root: opts.Data}.TestImages(opts.Split)
	if err != nil {
		return 0, err
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("predict: no images in %s", filepath.Join(opts.Data, opts.Split))
	}
	cfg := ri.Config
	pipe, err := augment.Eval(cfg.Eval)
	if err != nil {
		return 0, err
	}
	batch := opts.Batch
	if batch <= 0 {
		batch = 256
	}
	items := make([]loader.Item, len(names))
	order := make([]int, len(names))
	for i, n := range names {
		items[i], order[i] = loader.Item{Path: opts.Split + "/" + n, Label: -1}, i
	}
	ld := &loader.Loader{Root: opts.Data, Items: items, Pipeline: pipe, Size: batch, Workers: opts.Workers, Seed: cfg.Seed}
	infer, err := context.NewExec(opts.Backend, ctx, func(ctx *context.Context, images *Node) *Node {
		return cfg.Model.Logits(ctx, images, nil, nil)
	})
	if err != nil {
		return 0, err
	}
	defer infer.Finalize()
	h, w, c := pipe.Shape()
	counts, _ := json.Marshal(ri.ClassCounts)
	options := []parquet.WriterOption{
		parquet.Compression(&parquet.Snappy),
		parquet.KeyValueMetadata(MetaClassCounts, string(counts)),
		parquet.KeyValueMetadata(MetaRun, opts.Run),
		parquet.KeyValueMetadata(MetaSplit, opts.Split),
		parquet.KeyValueMetadata(MetaTTA, opts.TTA),
	}
	var bar *progress.Bar
	if !opts.Quiet {
		bar = progress.New(len(names), "predict "+opts.Split)
	}
	rows := 0
	err = atomicfile.Write(opts.Out, func(fw io.Writer) error {
		pw := parquet.NewGenericWriter[Row](fw, options...)
		stop := make(chan struct{})
		defer close(stop)
		for b := range ld.Stream(0, order, 0, stop) {
			if b.Err != nil {
				return b.Err
			}
			logits, err := run(infer, b.Images, batch, h, w, c)
			if err != nil {
				return err
			}
			if opts.TTA == "flip" {
				flipped, err := run(infer, flipRows(b.Images, batch, h, w, c), batch, h, w, c)
				if err != nil {
					return err
				}
				for i := range logits {
					for k := range logits[i] {
						logits[i][k] = (logits[i][k] + flipped[i][k]) / 2
					}
				}
			}
			out := make([]Row, 0, b.Valid)
			for r := 0; r < b.Valid; r++ {
				pred, score := argmaxSoftmax(logits[r])
				out = append(out, Row{Image: names[b.Items[r]], Pred: int32(pred), Score: score, Logits: logits[r]})
			}
			if _, err := pw.Write(out); err != nil {
				return err
			}
			rows += len(out)
			if bar != nil {
				bar.Add(len(out))
			}
		}
		return pw.Close()
	})
	if bar != nil {
		bar.Finish()
	}
	return rows, err
}

func run(e *context.Exec, images []float32, n, h, w, c int) ([][]float32, error) {
	out, err := e.Exec(tensors.FromFlatDataAndDimensions(images, n, h, w, c))
	if err != nil {
		return nil, err
	}
	return out[0].Value().([][]float32), nil
}

// flipRows mirrors each HWC image left-right.
func flipRows(src []float32, n, h, w, c int) []float32 {
	dst := make([]float32, len(src))
	for i := 0; i < n*h; i++ {
		row := src[i*w*c : (i+1)*w*c]
		out := dst[i*w*c : (i+1)*w*c]
		for x := 0; x < w; x++ {
			copy(out[x*c:(x+1)*c], row[(w-1-x)*c:(w-x)*c])
		}
	}
	return dst
}

// argmaxSoftmax returns the best class and its softmax probability.
func argmaxSoftmax(z []float32) (int, float32) {
	best := 0
	for i, v := range z {
		if v > z[best] {
			best = i
		}
	}
	var sum float64
	for _, v := range z {
		sum += math.Exp(float64(v - z[best]))
	}
	return best, float32(1 / sum)
}

// Read loads a prediction file and its training class counts (nil if absent).
func Read(path string) ([]Row, []int, error) {
	rows, err := table.Read[Row](path)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, nil, err
	}
	var counts []int
	if v, ok := pf.Lookup(MetaClassCounts); ok {
		if err := json.Unmarshal([]byte(v), &counts); err != nil {
			return nil, nil, fmt.Errorf("predict: %s: bad %s metadata: %w", path, MetaClassCounts, err)
		}
	}
	return rows, counts, nil
}

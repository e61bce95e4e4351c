// Package predict owns prediction files: it runs a trained model over a test
// split and streams one Parquet row per image — file name, predicted class,
// its probability, and the full pre-softmax logit vector — so 90K x 5000
// logits never need two copies in memory. Flip TTA averages the logits of
// each image and its mirror image. The file carries the run's training class
// counts as metadata, so scoring by class frequency needs nothing else.
//
// Every prediction file of the kit (a model's, an ensemble's, a
// post-processed one) is written by WriteEach with the same schema and
// footer, and obeys one rule: Score = softmax(Logits)[Pred]. Pred is the
// argmax of Logits except after label re-distribution, which moves labels,
// not logits. Large inference splits into shards (Options.Shard) that Merge
// joins back.
package predict

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/progress"
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
	// MetaShard is "k/n" in the file of shard k of n (see Options.Shard).
	MetaShard = "fgia.shard"
	// MetaCheckpoint is the checkpoint file that predicted.
	MetaCheckpoint = "fgia.checkpoint"
	// MetaUnreadable lists, as JSON [{"image": ..., "error": ...}], the
	// images that could not be read: their rows have all-zero logits (a
	// uniform guess), and fgia submit labels them visibly.
	MetaUnreadable = "fgia.unreadable"
	// MetaImages is the folder predicted with Options.Images.
	MetaImages = "fgia.images"
)

// Unreadable is an image a prediction could not read, and why.
type Unreadable struct {
	Image string `json:"image"`
	Error string `json:"error"`
}

// Options of a prediction run.
type Options struct {
	Run        string // run folder
	Checkpoint string // a checkpoint file (default: the run's newest)
	Data       string // data root holding the split
	Split      string // testa or testb
	// Images is any folder of images, predicted recursively instead of a
	// split (rows are named by their path under it).
	Images  string
	TTA     string // "" or "flip"
	Out     string // Parquet file
	EMA     bool   // use the run's exponential moving average of the weights
	Batch   int
	Backend backends.Backend
	Workers int
	Quiet   bool
	Log     io.Writer // messages (default stderr)
	// Shard and Shards split the split's images among several machines or
	// processes: shard k of n (1-based, k in [1, n]) predicts the k-th of n
	// contiguous blocks of the sorted image list, images
	// [(k-1)*N/n, k*N/n). Contiguous blocks keep each shard file in name
	// order, so Merge of all n shards equals the unsharded file row for row.
	// Shards 0 or 1 predicts everything.
	Shard, Shards int
}

// shardRange returns the block [lo, hi) of n images that shard k of shards
// predicts.
func shardRange(n, k, shards int) (lo, hi int, err error) {
	if shards <= 1 && k <= 1 {
		return 0, n, nil
	}
	if k < 1 || k > shards {
		return 0, 0, fmt.Errorf("predict: shard %d/%d: want 1 <= shard <= shards", k, shards)
	}
	return (k - 1) * n / shards, k * n / shards, nil
}

// Run predicts opts.Split and writes opts.Out. It returns the number of rows.
func Run(opts Options) (int, error) {
	if opts.Log == nil {
		opts.Log = os.Stderr
	}
	if opts.TTA != "" && opts.TTA != "flip" {
		return 0, fmt.Errorf("predict: unknown TTA %q (flip)", opts.TTA)
	}
	if _, _, err := shardRange(0, opts.Shard, opts.Shards); err != nil {
		return 0, err
	}
	ri, err := train.ReadRunInfo(opts.Run)
	if err != nil {
		return 0, err
	}
	var ck *checkpoint.Checkpoint
	if opts.Checkpoint != "" {
		if ck, err = checkpoint.Load(opts.Checkpoint); err != nil {
			return 0, err
		}
	} else {
		var skipped []checkpoint.Skipped
		if ck, skipped, err = checkpoint.LatestValid(filepath.Join(opts.Run, train.CheckpointsDir)); err != nil {
			return 0, err
		}
		for _, s := range skipped {
			fmt.Fprintf(opts.Log, "predict: skipping %s: %v\n", filepath.Base(s.File), s.Err)
		}
		if ck == nil {
			return 0, fmt.Errorf("predict: run %s has no intact checkpoint", opts.Run)
		}
	}
	ckFile := ck.File
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
	root, prefix := opts.Data, opts.Split+"/"
	var names []string
	switch {
	case opts.Images != "" && (opts.Data != "" || opts.Split != ""):
		return 0, fmt.Errorf("predict: give a folder of images or a data set's split, not both")
	case opts.Images != "":
		root, prefix = opts.Images, ""
		names, err = dataset.Layout{Root: opts.Images}.ListFiles(".")
		for i, n := range names {
			names[i] = strings.TrimPrefix(n, "./")
		}
		slices.Sort(names)
	default:
		names, err = dataset.Layout{Root: opts.Data}.TestImages(opts.Split)
	}
	if err != nil {
		return 0, err
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("predict: no images in %s", filepath.Join(root, prefix))
	}
	lo, hi, err := shardRange(len(names), opts.Shard, opts.Shards)
	if err != nil {
		return 0, err
	}
	names = names[lo:hi]
	meta := map[string]string{MetaRun: opts.Run, MetaSplit: opts.Split, MetaTTA: opts.TTA, MetaCheckpoint: filepath.Base(ckFile)}
	if opts.Images != "" {
		delete(meta, MetaSplit)
		meta[MetaImages] = opts.Images
	}
	if opts.Shards > 1 {
		meta[MetaShard] = fmt.Sprintf("%d/%d", opts.Shard, opts.Shards)
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
		items[i], order[i] = loader.Item{Path: prefix + n, Label: -1}, i
	}
	// Test images are web images too: one that cannot be read gets a
	// uniform row and is recorded, the others are predicted.
	ld := &loader.Loader{Root: root, Items: items, Pipeline: pipe, Size: batch, Workers: opts.Workers, Seed: cfg.Seed, Tolerant: true}
	var unreadable []Unreadable
	infer, err := context.NewExec(opts.Backend, ctx, func(ctx *context.Context, images *Node) *Node {
		return cfg.Model.Logits(ctx, images, nil, nil)
	})
	if err != nil {
		return 0, err
	}
	defer infer.Finalize()
	h, w, c := pipe.Shape()
	if !opts.Quiet {
		what := opts.Split
		if opts.Images != "" {
			what = opts.Images
		}
		fmt.Fprintf(opts.Log, "predict %s: %d images with %s (%s), batch %d%s\n", what, len(names), opts.Run, filepath.Base(ckFile), batch,
			map[bool]string{true: ", flip TTA"}[opts.TTA == "flip"])
	}
	var bar *progress.Bar
	if !opts.Quiet {
		bar = progress.New(len(names), "predict")
	}
	rows := 0
	err = WriteEach(opts.Out, ri.ClassCounts, meta, func(write func([]Row) error) error {
		if len(names) == 0 {
			return nil // an empty shard of a split smaller than the shard count
		}
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
				if err, bad := b.Bad[r]; bad {
					clear(logits[r])
					unreadable = append(unreadable, Unreadable{Image: names[b.Items[r]], Error: err.Error()})
				}
				pred, score := ArgmaxSoftmax(logits[r])
				out = append(out, Row{Image: names[b.Items[r]], Pred: int32(pred), Score: score, Logits: logits[r]})
			}
			if err := write(out); err != nil {
				return err
			}
			rows += len(out)
			if bar != nil {
				bar.Add(len(out))
			}
		}
		if len(unreadable) > 0 {
			b, err := json.Marshal(unreadable)
			if err != nil {
				return err
			}
			meta[MetaUnreadable] = string(b)
		}
		return nil
	})
	if bar != nil {
		bar.Finish()
	}
	if err == nil && len(unreadable) > 0 {
		fmt.Fprintf(opts.Log, "predict: %d of %d images could not be read (uniform rows, listed under %s in %s), first: %s: %s\n",
			len(unreadable), len(names), MetaUnreadable, opts.Out, unreadable[0].Image, unreadable[0].Error)
	}
	return rows, err
}

// ReadUnreadable returns the unreadable images a prediction file records.
func ReadUnreadable(info *Info) ([]Unreadable, error) {
	v, ok := info.Meta[MetaUnreadable]
	if !ok {
		return nil, nil
	}
	var out []Unreadable
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("predict: bad %s metadata: %w", MetaUnreadable, err)
	}
	return out, nil
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

// ArgmaxSoftmax returns the best class of logits z and its softmax
// probability: a Row's Pred and Score.
func ArgmaxSoftmax(z []float32) (int, float32) {
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

// Read loads a prediction file and its training class counts (nil if
// absent). A 90K x 5000 file is 1.8 GB of rows: post-processing streams it
// with Each or loads it once with ReadMatrix instead.
func Read(path string) ([]Row, []int, error) {
	info, err := Stat(path)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]Row, 0, info.Rows)
	err = Each(path, func(batch []Row) error {
		for _, r := range batch {
			r.Logits = append([]float32(nil), r.Logits...)
			rows = append(rows, r)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return rows, info.Counts, nil
}

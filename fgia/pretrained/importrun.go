package pretrained

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/loss"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/vit"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/statedict"
	"github.com/fgia/fgia/fgia/timm"
	"github.com/fgia/fgia/fgia/train"
)

// ImportOptions say what to import and how to change it on the way.
type ImportOptions struct {
	Weights string // a timm model folder or a weights file
	Model   string // timm architecture name: needed for a file, overrides config.json
	// NumClasses, when > 0 and different from the checkpoint's head, puts a
	// new zero head of that many classes in its place.
	NumClasses int
	// ImgSize, when > 0 and different, changes the input size: a ViT's
	// position embedding is resized, a Swin-V2's windows grow with the
	// image (the old windows become the pretrained ones, as timm's
	// window12to24 models).
	ImgSize int
	Out     string
	Origin  string    // recorded as the run's init (default: Weights)
	Log     io.Writer // what the import did (default: discarded)
}

// Import reads a checkpoint (Open) and writes it as an ordinary fgia run
// folder: config.json (train.RunInfo, whose recipe records the
// architecture and preprocessing) and one checkpoint. Nothing appears at
// opts.Out unless the whole import succeeded.
func Import(opts ImportOptions) (*train.RunInfo, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	if opts.Out == "" {
		return nil, fmt.Errorf("pretrained: no output folder")
	}
	if err := checkOut(opts.Out); err != nil {
		return nil, err
	}
	src, err := Open(opts.Weights, opts.Model)
	if err != nil {
		return nil, err
	}
	for _, n := range src.Notes {
		fmt.Fprintf(log, "import: %s\n", n)
	}
	vars, rep, err := timm.ToFgia(src.State, src.Arch)
	if err != nil {
		return nil, fmt.Errorf("pretrained: %s: %w", src.Weights, err)
	}
	if len(rep.Dropped) > 0 {
		fmt.Fprintf(log, "import: dropped %d buffers fgia recomputes (%s, ...)\n", len(rep.Dropped), rep.Dropped[0])
	}
	if len(rep.Zeroed) > 0 {
		fmt.Fprintf(log, "import: %d tensors absent from the checkpoint set to zero (%s, ...)\n", len(rep.Zeroed), rep.Zeroed[0])
	}
	pre, err := src.Config.Preprocess(src.Arch)
	if err != nil {
		return nil, err
	}
	arch := src.Arch
	if opts.ImgSize > 0 {
		if arch, vars, err = resize(arch, vars, opts.ImgSize); err != nil {
			return nil, err
		}
		pre.Size = opts.ImgSize
	}
	if opts.NumClasses > 0 && opts.NumClasses != arch.NumClasses {
		fmt.Fprintf(log, "import: new zero head of %d classes in place of the checkpoint's %d\n", opts.NumClasses, arch.NumClasses)
		arch.NumClasses = opts.NumClasses
		d := featureDim(arch)
		vars[timm.HeadScope+"/weights"] = statedict.Zeros(d, arch.NumClasses)
		vars[timm.HeadScope+"/biases"] = statedict.Zeros(arch.NumClasses)
	}
	origin := opts.Origin
	if origin == "" {
		origin = opts.Weights
	}
	ri, err := runInfo(arch, pre, src.Config.Pretrained.Tag, origin)
	if err != nil {
		return nil, err
	}
	if err := writeRun(opts.Out, ri, vars); err != nil {
		return nil, err
	}
	b, _ := backboneOf(arch)
	side, ch := arch.InputSize()
	fmt.Fprintf(log, "import: %s -> %s: %s, %d backbone parameters, %dx%dx%d input, head %d classes\n",
		opts.Weights, opts.Out, arch.Name, b.NumParams(), side, side, ch, arch.NumClasses)
	return ri, nil
}

// checkOut refuses an output folder that holds anything.
func checkOut(out string) error {
	entries, err := os.ReadDir(out)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return fmt.Errorf("pretrained: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("pretrained: %s is not empty; choose another --out", out)
	}
	return nil
}

// backboneOf is the model.Backbone of an architecture.
func backboneOf(a timm.Arch) (model.Backbone, error) {
	return model.Spec{ViT: a.ViT, SwinV2: a.SwinV2}.Backbone()
}

func featureDim(a timm.Arch) int {
	if a.SwinV2 != nil {
		return a.SwinV2.FeatureDim()
	}
	return a.ViT.Dim
}

// resize changes the input size of an imported architecture and adapts its
// weights (ViT) or windows (Swin-V2).
func resize(a timm.Arch, vars map[string]*statedict.Tensor, size int) (timm.Arch, map[string]*statedict.Tensor, error) {
	if v := a.ViT; v != nil {
		if v.ImageSize == size {
			return a, vars, nil
		}
		nv := *v
		nv.ImageSize = size
		if err := nv.Validate(); err != nil {
			return a, nil, fmt.Errorf("pretrained: --img-size %d: %w", size, err)
		}
		path := timm.BackboneScope + "/" + vit.PosEmbedName
		t := vars[path]
		resized, err := vit.ResizePosEmbed(tensors.FromFlatDataAndDimensions(t.Data, t.Shape...), v.ClsToken, nv.Grid())
		if err != nil {
			return a, nil, fmt.Errorf("pretrained: %s: %w", path, err)
		}
		data, err := tensors.CopyFlatData[float32](resized)
		if err != nil {
			return a, nil, err
		}
		vars[path] = &statedict.Tensor{Shape: resized.Shape().Dimensions, Data: data}
		a.ViT = &nv
		return a, vars, nil
	}
	s, err := ResizeSwin(*a.SwinV2, size)
	if err != nil {
		return a, nil, err
	}
	a.SwinV2 = &s
	return a, vars, nil
}

// runInfo is the config.json of an imported run: the architecture and the
// preprocessing; the training part of the recipe is a neutral placeholder
// (fine-tuning takes its recipe from a preset: fgia train --init).
func runInfo(a timm.Arch, pre timm.Preprocess, tag, origin string) (*train.RunInfo, error) {
	spec := model.Spec{ViT: a.ViT, SwinV2: a.SwinV2, Head: head.Config{Kind: head.Linear, Classes: a.NumClasses}}
	mean, std := float32s(pre.Mean), float32s(pre.Std)
	trainAug := augment.DefaultTrain(pre.Size)
	evalAug := augment.DefaultEval(pre.Size)
	if pre.Channels == 1 {
		trainAug, evalAug = trainAug.WithGray(mean[0], std[0]), evalAug.WithGray(mean[0], std[0])
	} else {
		trainAug.Mean, trainAug.Std, evalAug.Mean, evalAug.Std = mean, std, mean, std
	}
	evalAug.CropPct = pre.CropPct
	evalAug.Interpolation = pre.Interpolation
	name := a.Name
	if tag != "" {
		name += "." + tag
	}
	cfg := train.Config{Preset: "timm:" + name, Model: spec, Loss: loss.Config{Kind: loss.CE},
		Optim:  optim.DefaultAdamW(optim.Schedule{LR: 1e-4, MinLR: 1e-6, WarmupFrom: 1e-2}),
		Epochs: 1, BatchSize: 32, Augment: trainAug, Eval: evalAug, Sampler: train.SamplerShuffle, Seed: 1, Keep: 1, LogEvery: 10}
	if a.NumClasses > 0 {
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("pretrained: the imported run's config: %w", err)
		}
	}
	return &train.RunInfo{Config: cfg, Init: origin}, nil
}

func float32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// writeRun writes config.json and the checkpoint as the folder out.
func writeRun(out string, ri *train.RunInfo, vars map[string]*statedict.Tensor) error {
	return writeFolder(out, "import", func(tmp string) error {
		b, err := json.MarshalIndent(ri, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, train.ConfigFile), append(b, '\n'), 0o644); err != nil {
			return err
		}
		ctx := context.New().Checked(false)
		for path, t := range vars {
			i := strings.LastIndex(path, "/")
			ctx.InAbsPath(path[:i]).VariableWithValue(path[i+1:], tensors.FromFlatDataAndDimensions(t.Data, t.Shape...))
		}
		_, err = checkpoint.Save(ctx, filepath.Join(tmp, train.CheckpointsDir), 0, nil, 1)
		return err
	})
}

// writeFolder fills a temporary folder beside out, then renames it to
// out: a failure leaves nothing behind. out may be an empty folder
// (checkOut allowed it); one that filled up meanwhile is not replaced.
func writeFolder(out, what string, fill func(tmp string) error) (err error) {
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("pretrained: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+"."+what+"-*")
	if err != nil {
		return fmt.Errorf("pretrained: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := fill(tmp); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Remove(out); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("pretrained: %w", err)
	}
	return os.Rename(tmp, out)
}

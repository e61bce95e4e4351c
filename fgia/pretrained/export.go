package pretrained

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/optim"
	"github.com/fgia/fgia/fgia/safetensors"
	"github.com/fgia/fgia/fgia/statedict"
	"github.com/fgia/fgia/fgia/timm"
	"github.com/fgia/fgia/fgia/train"
)

// CheckFile is the self-check an export may carry: a few input images
// (NCHW, already normalised, as timm takes them) and fgia's output on
// them, so that whoever loads the export can confirm it computes the same.
const CheckFile = "fgia_check.safetensors"

// ExportOptions say which weights to export and where.
type ExportOptions struct {
	Run        string
	Checkpoint string // default: the run's newest
	EMA        bool   // export the EMA weights (runs trained with --ema)
	Out        string
	// CheckImages, when > 0, writes CheckFile with that many images and
	// fgia's output on them, computed on Backend.
	CheckImages int
	Backend     backends.Backend
	Log         io.Writer
}

// Export writes a run's weights in timm's hub layout: config.json (the
// architecture with every model argument, and the preprocessing) and
// model.safetensors in timm's keys, so that
// timm.create_model("local-dir:OUT") loads them. A cosine or ArcFace head
// has no timm equivalent: such a run exports its backbone (num_classes 0).
// Nothing appears at opts.Out unless the whole export succeeded.
func Export(opts ExportOptions) (timm.Arch, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	if err := checkOut(opts.Out); err != nil {
		return timm.Arch{}, err
	}
	ri, err := train.ReadRunInfo(opts.Run)
	if err != nil {
		return timm.Arch{}, err
	}
	vars, file, err := runWeights(opts.Run, opts.Checkpoint, opts.EMA)
	if err != nil {
		return timm.Arch{}, err
	}
	spec := ri.Config.Model
	classes := spec.Head.Classes
	if spec.Head.Kind != head.Linear {
		fmt.Fprintf(log, "export: the %s head has no timm equivalent (timm's heads are linear): exporting the backbone alone\n", spec.Head.Kind)
		classes = 0
		spec.Head.Classes = 0
	}
	arch, err := timm.FromBackbone(spec.ViT, spec.SwinV2, classes)
	if err != nil {
		return timm.Arch{}, err
	}
	if name := timmName(ri); name != "" {
		if r, _ := timm.ParseName(name); r.Family() == arch.Family() {
			arch.Name = name
		}
	}
	d, err := timm.FromFgia(vars, arch)
	if err != nil {
		return timm.Arch{}, fmt.Errorf("pretrained: %s: %w", file, err)
	}
	hub, err := arch.HubConfig(preprocessOf(ri))
	if err != nil {
		return timm.Arch{}, err
	}
	var check statedict.Dict
	if opts.CheckImages > 0 {
		if check, err = selfCheck(opts.Backend, spec, vars, opts.CheckImages); err != nil {
			return timm.Arch{}, err
		}
	}
	if err := writeExport(opts.Out, hub, d, check, file); err != nil {
		return timm.Arch{}, err
	}
	fmt.Fprintf(log, "export: %s -> %s (timm %s, %d tensors, head %d classes)\n", file, opts.Out, arch.Name, len(d), classes)
	return arch, nil
}

// timmName is the timm architecture a run was imported as, or fine-tuned
// from (its --init run's), without the pretrained tag; "" if neither.
func timmName(ri *train.RunInfo) string {
	preset := ri.Config.Preset
	if !strings.HasPrefix(preset, "timm:") && ri.Init != "" {
		if from, err := train.ReadRunInfo(ri.Init); err == nil {
			preset = from.Config.Preset
		}
	}
	name, ok := strings.CutPrefix(preset, "timm:")
	if base, _, _ := strings.Cut(name, "."); ok && timm.Registry.Has(base) {
		return base
	}
	return ""
}

// runWeights loads a run's model variables (by path) from a checkpoint.
func runWeights(run, file string, ema bool) (map[string]*statedict.Tensor, string, error) {
	if file == "" {
		var err error
		if file, err = checkpoint.Latest(filepath.Join(run, train.CheckpointsDir)); err != nil {
			return nil, "", err
		}
		if file == "" {
			return nil, "", fmt.Errorf("pretrained: run %s has no checkpoint", run)
		}
	}
	ck, err := checkpoint.Load(file)
	if err != nil {
		return nil, "", err
	}
	prefix := ""
	if ema {
		prefix = optim.EMAScope("")
	}
	vars := map[string]*statedict.Tensor{}
	for path, t := range ck.Tensors {
		p, ok := strings.CutPrefix(path, prefix)
		if !ok || !(strings.HasPrefix(p, timm.BackboneScope+"/") || strings.HasPrefix(p, timm.HeadScope+"/")) {
			continue
		}
		data, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, "", fmt.Errorf("pretrained: %s: %s: %w", file, path, err)
		}
		vars[p] = &statedict.Tensor{Shape: t.Shape().Dimensions, Data: data}
	}
	if ema && len(vars) == 0 {
		return nil, "", fmt.Errorf("pretrained: %s has no EMA weights (train with an EMA decay)", file)
	}
	return vars, file, nil
}

// preprocessOf is the preprocessing a run evaluates with.
func preprocessOf(ri *train.RunInfo) timm.Preprocess {
	e := ri.Config.Eval
	side, ch := ri.Config.Model.InputSize()
	p := timm.Preprocess{Size: side, Channels: ch, Interpolation: e.Interpolation, CropPct: e.CropPct}
	if p.Interpolation == "" {
		p.Interpolation = "bicubic"
	}
	for _, v := range e.Mean {
		p.Mean = append(p.Mean, round6(v))
	}
	for _, v := range e.Std {
		p.Std = append(p.Std, round6(v))
	}
	return p
}

// round6 undoes float32's noise in statistics like 0.485.
func round6(v float32) float64 { return math.Round(float64(v)*1e6) / 1e6 }

// selfCheck runs the model on n fixed images and returns them (NCHW) with
// the output.
func selfCheck(b backends.Backend, spec model.Spec, vars map[string]*statedict.Tensor, n int) (statedict.Dict, error) {
	if b == nil {
		return nil, fmt.Errorf("pretrained: a self-check needs a backend")
	}
	side, ch := spec.InputSize()
	nhwc := make([]float32, n*side*side*ch)
	for i := range nhwc {
		// Smooth patterns of unit scale, like normalised pixels.
		nhwc[i] = float32(math.Sin(0.37*float64(i)) + 0.5*math.Cos(0.011*float64(i)))
	}
	img := &statedict.Tensor{Shape: []int{n, side, side, ch}, Data: nhwc}
	out, err := Forward(b, spec, vars, tensors.FromFlatDataAndDimensions(nhwc, n, side, side, ch))
	if err != nil {
		return nil, err
	}
	logits, err := tensors.CopyFlatData[float32](out)
	if err != nil {
		return nil, err
	}
	return statedict.Dict{
		"images": img.Permute(0, 3, 1, 2),
		"output": &statedict.Tensor{Shape: out.Shape().Dimensions, Data: logits},
	}, nil
}

// writeExport writes the hub folder out.
func writeExport(out string, hub timm.HubConfig, d, check statedict.Dict, from string) error {
	return writeFolder(out, "export", func(tmp string) error {
		b, err := json.MarshalIndent(hub, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, HubConfigFile), append(b, '\n'), 0o644); err != nil {
			return err
		}
		meta := map[string]string{"format": "pt", "fgia.checkpoint": filepath.Base(from)}
		if err := safetensors.Write(filepath.Join(tmp, SafetensorsFile), d, meta); err != nil {
			return err
		}
		if check == nil {
			return nil
		}
		return safetensors.Write(filepath.Join(tmp, CheckFile), check, nil)
	})
}

package bench

// The GPU side of `fgia bench`: the champion's model sizes by preset name,
// the per-device batches that fit them, and model FLOP utilisation against a
// peak. The measurement itself, on one device or data-parallel over several,
// is RunSetup's (bench.go).

import (
	"fmt"
	"slices"

	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
)

// H100BF16DenseTFLOPS is the dense bf16 tensor-core peak of one H100 SXM
// (989.4 TFLOP/s; 1979 is the 2:4-sparse figure). The H200 has the same chip
// and clocks, so the same compute peak: it only adds memory (141 GB HBM3e,
// 4.8 TB/s against 80 GB, 3.35 TB/s).
const H100BF16DenseTFLOPS = 989

// DefaultPreset is the model `fgia bench` measures when no preset is named:
// the small ViT its PyTorch peer (scripts/bench_vit_torch.py) also runs.
const DefaultPreset = "vit-bench"

// PresetNames lists the backbones `fgia bench --preset` accepts: every ViT
// and Swin-V2 preset.
func PresetNames() []string {
	names := vit.PresetNames()
	names = append(names, swinv2.PresetNames()...)
	slices.Sort(names)
	return names
}

// smallInput is the image side up to which a preset counts as a CPU demo
// model (28x28 Fashion-MNIST): 10 classes and the CPU batch sizes.
const smallInput = 64

// SpecForPreset is the benchmark classifier for a backbone preset: the
// backbone and a linear head. classes <= 0 picks the default: 10 for the
// 28x28 demo models, the competition's 5000 for the photograph-sized ones.
func SpecForPreset(name string, classes int) (model.Spec, error) {
	if name == "" || name == DefaultPreset {
		s := BenchViT()
		if classes > 0 {
			s.Head.Classes = classes
		}
		return s, nil
	}
	var spec model.Spec
	if c, err := vit.Preset(name); err == nil {
		spec.ViT = &c
	} else if c, ok := swinv2.Presets()[name]; ok {
		spec.SwinV2 = &c
	} else {
		return spec, fmt.Errorf("bench: unknown preset %q (known: %v)", name, PresetNames())
	}
	if classes <= 0 {
		classes = 5000
		if side, _ := spec.InputSize(); side <= smallInput {
			classes = 10
		}
	}
	spec.Head = head.Config{Kind: head.Linear, Classes: classes}
	return spec, spec.Validate()
}

// DefaultBatches are the per-device batches `fgia bench` uses for spec when
// none is given: the CPU benchmark's 128/500 for the 28x28 models; 16/64 for
// photograph-sized ones, which fit an 80 GB H100 in float32 for ViT-L/16 at
// 448 (about 3 GB of saved activations per training image: the attention
// matrices are materialised, 16 heads x 785^2 per block).
func DefaultBatches(spec model.Spec) (train, infer int) {
	if side, _ := spec.InputSize(); side <= smallInput {
		o := DefaultOptions()
		return o.TrainBatch, o.InferBatch
	}
	return 16, 64
}

// MFU is model FLOP utilisation: the model FLOPs a second measured (training
// counted as 3x the forward pass) over the peak of the devices used.
func MFU(gflopPerS, peakTFLOPS float64, devices int) float64 {
	if peakTFLOPS <= 0 || devices <= 0 {
		return 0
	}
	return gflopPerS / (peakTFLOPS * 1e3 * float64(devices))
}

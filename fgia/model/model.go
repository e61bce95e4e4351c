// Package model assembles a classifier from a backbone (fgia/model/vit,
// fgia/model/swinv2) and a head (fgia/head), as one serialisable Spec that a
// run's config.json records and prediction rebuilds.
package model

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/gemm"
	"github.com/fgia/fgia/fgia/head"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/model/vit"
)

// Backbone is what a classifier needs from a feature extractor.
type Backbone interface {
	Features(ctx *context.Context, images *Node) *Node
	FeatureDim() int
	NumParams() int
	FLOPsPerImage() float64
}

// Spec is a classifier: exactly one backbone and a head.
type Spec struct {
	ViT    *vit.Config    `json:"vit,omitempty"`
	SwinV2 *swinv2.Config `json:"swinv2,omitempty"`
	Head   head.Config    `json:"head"`
	// Precision is the backbone's matmul precision: "" or PrecisionF32, or
	// PrecisionBF16 for mixed precision (see Logits). It is part of the
	// spec, not of how a run is launched, so that prediction, which rebuilds
	// the model from a run's config.json, computes as training did.
	Precision string `json:"precision,omitempty"`
}

// Matmul precisions of Spec.Precision.
const (
	PrecisionF32  = "f32"
	PrecisionBF16 = "bf16"
)

// ComputeDType is the dtype the backbone's matmuls are computed in.
func (s Spec) ComputeDType() (dtypes.DType, error) {
	switch s.Precision {
	case "", PrecisionF32:
		return dtypes.Float32, nil
	case PrecisionBF16:
		return dtypes.BFloat16, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("model: precision %q: want %q or %q", s.Precision, PrecisionF32, PrecisionBF16)
}

// BackboneScope holds the backbone's variables (pretraining writes the same
// scope, so its weights load into a classifier unchanged).
const BackboneScope = "backbone"

// Backbone returns the configured backbone.
func (s Spec) Backbone() (Backbone, error) {
	switch {
	case s.ViT != nil && s.SwinV2 != nil:
		return nil, fmt.Errorf("model: both a ViT and a Swin-V2 backbone are configured")
	case s.ViT != nil:
		if err := s.ViT.Validate(); err != nil {
			return nil, err
		}
		return *s.ViT, nil
	case s.SwinV2 != nil:
		if err := s.SwinV2.Validate(); err != nil {
			return nil, err
		}
		return *s.SwinV2, nil
	default:
		return nil, fmt.Errorf("model: no backbone configured")
	}
}

// InputSize returns the image side and channels the backbone expects.
func (s Spec) InputSize() (side, channels int) {
	switch {
	case s.ViT != nil:
		return s.ViT.ImageSize, s.ViT.Channels
	case s.SwinV2 != nil:
		return s.SwinV2.ImageSize, s.SwinV2.Channels
	}
	return 0, 0
}

// Validate checks the backbone, the precision and the head.
func (s Spec) Validate() error {
	if _, err := s.Backbone(); err != nil {
		return err
	}
	if _, err := s.ComputeDType(); err != nil {
		return err
	}
	return s.Head.Validate()
}

// Logits runs backbone and head: images [B, H, W, C] -> [B, classes].
// labels (or nil) and margins feed the margin heads in training.
//
// With Precision bf16 the backbone's matmuls (every one goes through
// fgia/gemm) multiply bf16-rounded operands and return float32
// (gemm.WithCompute); its variables, LayerNorms, softmax and residual
// stream stay float32, and so do the head (which opts out itself) and
// whatever the caller builds on the logits (the loss).
func (s Spec) Logits(ctx *context.Context, images, labels *Node, margins []float32) *Node {
	return s.Head.Logits(ctx, s.Features(ctx, images), labels, margins)
}

// Features is the backbone's pooled features [B, D] of images, computed
// as Logits does (its head can then be applied more than once).
func (s Spec) Features(ctx *context.Context, images *Node) *Node {
	b, err := s.Backbone()
	if err != nil {
		panic(err)
	}
	dt, err := s.ComputeDType()
	if err != nil {
		panic(err)
	}
	return gemm.WithCompute(images.Graph(), dt, func() *Node { return b.Features(ctx.In(BackboneScope), images) })
}

// Layer places a variable scope in the backbone's depth for layer-wise
// learning-rate decay: embeddings are layer 0, block i is layer i+1, and
// everything else (final norms, the head) is the top layer.
func (s Spec) Layer(scope string) (layer, layers int) {
	if s.ViT == nil {
		return 1, 1
	}
	top := s.ViT.Depth + 1
	prefix := "/" + BackboneScope + "/"
	if scope == strings.TrimSuffix(prefix, "/") {
		return 0, top // position embedding and cls token
	}
	if !strings.HasPrefix(scope, prefix) {
		return top, top
	}
	rest := strings.TrimPrefix(scope, prefix)
	var block int
	if _, err := fmt.Sscanf(rest, "block_%d", &block); err == nil {
		return block + 1, top
	}
	if strings.HasPrefix(rest, "patch_embed") || rest == "" {
		return 0, top
	}
	return top, top
}

// Adapt converts a checkpoint's backbone tensors (by variable path) to this
// spec's shapes where the architecture allows it: a ViT's position
// embedding is resized to the new patch grid (fine-tuning at 448 from 224).
// Swin-V2 needs nothing: its relative-position MLP works on normalised
// coordinates, so it transfers across window sizes as it is.
func (s Spec) Adapt(stored map[string]*tensors.Tensor) error {
	if s.ViT == nil {
		return nil
	}
	path := "/" + BackboneScope + "/" + vit.PosEmbedName
	t, ok := stored[path]
	if !ok || t.Shape().Dimensions[1] == s.ViT.Tokens() {
		return nil
	}
	resized, err := vit.ResizePosEmbed(t, s.ViT.ClsToken, s.ViT.Grid())
	if err != nil {
		return fmt.Errorf("model: %s: %w", path, err)
	}
	stored[path] = resized
	return nil
}

// TrainMemoryBytes estimates the memory training needs at a batch size:
// float32 weights, gradients and AdamW's two moments (and an EMA copy),
// plus the activations the backward pass keeps. It is a planning figure
// (within about a factor of two), used to refuse early a model that cannot
// fit instead of failing deep inside the backend.
func (s Spec) TrainMemoryBytes(batch int, ema bool) float64 {
	bb, err := s.Backbone()
	if err != nil {
		return 0
	}
	k := max(s.Head.SubCenters, 1)
	params := float64(bb.NumParams() + bb.FeatureDim()*s.Head.Classes*k)
	copies := 4.0
	if ema {
		copies++
	}
	var act float64
	switch {
	case s.ViT != nil:
		act = s.ViT.ActivationBytesPerImage()
	case s.SwinV2 != nil:
		act = s.SwinV2.ActivationBytesPerImage()
	}
	return 4*copies*params + float64(batch)*act
}

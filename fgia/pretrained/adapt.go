package pretrained

import (
	"fmt"

	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/model/swinv2"
	"github.com/fgia/fgia/fgia/timm"
	"github.com/fgia/fgia/fgia/train"
)

// ResizeSwin returns s for another image size: each stage's window scales
// with the image, and the windows the weights were trained at become the
// pretrained windows that normalise the position-bias coordinates (those
// already set stay), which is how timm's swinv2_*_window12to24_192to384
// relate to the window12_192 models. The weights need no change.
func ResizeSwin(s swinv2.Config, size int) (swinv2.Config, error) {
	if s.ImageSize == size {
		return s, nil
	}
	n := s.Clone()
	res := s.ImageSize / s.PatchSize
	for i := range s.Depths {
		if i > 0 {
			res /= 2
		}
		eff := min(s.WindowSizes[i], res)
		if eff*size%s.ImageSize != 0 {
			return s, fmt.Errorf("pretrained: Swin-V2 at %d px: stage %d's window %d does not scale to %d px", s.ImageSize, i, eff, size)
		}
		n.WindowSizes[i] = eff * size / s.ImageSize
		if n.PretrainedWindowSizes[i] == 0 {
			n.PretrainedWindowSizes[i] = eff
		}
	}
	n.ImageSize = size
	if err := n.Validate(); err != nil {
		return s, fmt.Errorf("pretrained: Swin-V2 resized to %d px: %w", size, err)
	}
	return n, nil
}

// InitSpec is the model to fine-tune when `fgia train --init` names a run:
// the preset's when the run's backbone weights fit it (fgia's own runs,
// or an import of the same architecture; a ViT's position embedding is
// resized on load), else the run's backbone architecture at the preset's
// input size, with the preset's head and precision. init may also name a
// checkpoint file, which carries no architecture: the preset's is kept.
// The message says what was chosen ("" when the preset is kept).
func InitSpec(init string, preset model.Spec) (model.Spec, string, error) {
	ri, err := train.ReadRunInfo(init)
	if err != nil {
		return preset, "", nil // a checkpoint file, or a folder InitBackbone will reject
	}
	from := ri.Config.Model
	fromArch, err := timm.FromBackbone(from.ViT, from.SwinV2, 0)
	if err != nil {
		return preset, "", fmt.Errorf("pretrained: --init %s: %w", init, err)
	}
	toArch, err := timm.FromBackbone(preset.ViT, preset.SwinV2, 0)
	if err != nil {
		return preset, "", err
	}
	if timm.SameBody(fromArch, toArch) {
		return preset, "", nil
	}
	side, ch := preset.InputSize()
	if _, fromCh := from.InputSize(); fromCh != ch {
		return preset, "", fmt.Errorf("pretrained: --init %s takes %d-channel images, the preset %d", init, fromCh, ch)
	}
	out := preset
	out.ViT, out.SwinV2 = nil, nil
	if v := from.ViT; v != nil {
		nv := *v
		nv.ImageSize = side
		if preset.ViT != nil {
			nv.DropPathRate = preset.ViT.DropPathRate
		}
		if err := nv.Validate(); err != nil {
			return preset, "", fmt.Errorf("pretrained: --init %s at the preset's %d px: %w", init, side, err)
		}
		out.ViT = &nv
	} else {
		s, err := ResizeSwin(*from.SwinV2, side)
		if err != nil {
			return preset, "", err
		}
		if preset.SwinV2 != nil {
			s.DropPathRate = preset.SwinV2.DropPathRate
		}
		out.SwinV2 = &s
	}
	b, err := out.Backbone()
	if err != nil {
		return preset, "", err
	}
	what := ri.Config.Preset
	if what == "" {
		what = "its recipe's"
	}
	msg := fmt.Sprintf("the preset's backbone does not fit --init %s: fine-tuning that run's backbone (%s, %.2fM parameters) at %d px instead",
		init, what, float64(b.NumParams())/1e6, side)
	return out, msg, nil
}

package pretrain

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/checkpoint"
	"github.com/fgia/fgia/fgia/loader"
	"github.com/fgia/fgia/fgia/train"
)

// Reconstruction is a pretrained model's view of a few images: each
// original, what the encoder saw (masked areas grey), and the model's
// reconstruction (its predictions in the masked areas, the input
// elsewhere), as pixels in [0, 1], [N, H, W, C] each.
type Reconstruction struct {
	Originals, Masked, Reconstructed [][]float32
	Side, Channels                   int
	Step                             int64 // the checkpoint's step
}

// Reconstruct masks the first n images of the run's data (the test split
// images when it pretrained on them, else its training list) as in
// pretraining and reconstructs them with the run's newest checkpoint.
func Reconstruct(b backends.Backend, run string, n int) (*Reconstruction, error) {
	ri, err := ReadRunInfo(run)
	if err != nil {
		return nil, err
	}
	cfg := ri.Config
	f, err := checkpoint.Latest(filepath.Join(run, train.CheckpointsDir))
	if err != nil {
		return nil, err
	}
	if f == "" {
		return nil, fmt.Errorf("pretrain: %s has no checkpoint yet", run)
	}
	ck, err := checkpoint.Load(f)
	if err != nil {
		return nil, err
	}
	ctx := context.New().Checked(false)
	if err := ck.Restore(ctx, nil); err != nil {
		return nil, err
	}
	items, err := Images(ri.Data, ri.List, ri.Splits)
	if err != nil {
		return nil, err
	}
	if n > len(items) {
		n = len(items)
	}
	items = items[len(items)-n:] // test images come last
	a := cfg.Augment
	eval, err := augment.Eval(augment.Config{Size: a.Size, Gray: a.Gray, Mean: a.Mean, Std: a.Std, CropPct: 1})
	if err != nil {
		return nil, err
	}
	ld := &loader.Loader{Root: ri.Data, Items: items, Pipeline: eval, Size: n, Workers: 1, Seed: cfg.Seed}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	batch := <-ld.Stream(0, order, 0, nil)
	if batch.Err != nil {
		return nil, batch.Err
	}
	side, ch := a.Size, a.Channels()
	images := tensors.FromFlatDataAndDimensions(batch.Images, n, side, side, ch)
	masks := cfg.masks(batchRNG(cfg.Seed, 0), n)
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, in []*Node) *Node {
		if cfg.Method == MethodMAE {
			return cfg.maePixels(ctx, in[0], in[1], in[2])
		}
		return cfg.simMIMPredict(ctx, in[0], in[1])
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	out, err := exec.Exec(append([]any{images}, masks...)...)
	if err != nil {
		return nil, err
	}
	pred := tensors.MustCopyFlatData[float32](out[0])
	var pixelMask []float32
	if cfg.Method == MethodMAE {
		pred, pixelMask = cfg.unpatchify(pred, n), cfg.maePixelMask(masks[2].(*tensors.Tensor), n)
	} else {
		pixelMask = tensors.MustCopyFlatData[float32](masks[1].(*tensors.Tensor))
	}
	r := &Reconstruction{Side: side, Channels: ch, Step: ck.Step}
	area := side * side
	for e := 0; e < n; e++ {
		orig := make([]float32, area*ch)
		masked := make([]float32, area*ch)
		recon := make([]float32, area*ch)
		for p := 0; p < area; p++ {
			for c := 0; c < ch; c++ {
				i := (e*area+p)*ch + c
				x := unnormalize(batch.Images[i], a.Mean[c], a.Std[c])
				orig[p*ch+c], masked[p*ch+c], recon[p*ch+c] = x, x, x
				if pixelMask[e*area+p] == 1 {
					masked[p*ch+c] = 0.5
					recon[p*ch+c] = unnormalize(pred[i], a.Mean[c], a.Std[c])
				}
			}
		}
		r.Originals = append(r.Originals, orig)
		r.Masked = append(r.Masked, masked)
		r.Reconstructed = append(r.Reconstructed, recon)
	}
	return r, nil
}

func unnormalize(v, mean, std float32) float32 { return min(max(v*std+mean, 0), 1) }

// maePixels is MAE's prediction mapped back to (normalised) pixels with
// each target patch's own mean and spread, the usual way to look at it.
func (c Config) maePixels(ctx *context.Context, images, keep, restore *Node) *Node {
	pred := c.maePredict(ctx, images, keep, restore)
	mean, std := patchStats(c.ViT.Patchify(images))
	return Add(Mul(pred, std), mean)
}

// unpatchify turns [B, n, p*p*C] patch vectors (Patchify's order) into
// [B, H, W, C] pixels.
func (c Config) unpatchify(patches []float32, b int) []float32 {
	v := c.ViT
	g, p, ch, side := v.Grid(), v.PatchSize, v.Channels, v.ImageSize
	out := make([]float32, len(patches))
	for e := 0; e < b; e++ {
		for gy := 0; gy < g; gy++ {
			for gx := 0; gx < g; gx++ {
				for py := 0; py < p; py++ {
					for px := 0; px < p; px++ {
						src := (((e*g+gy)*g+gx)*p*p + py*p + px) * ch
						dst := ((e*side+gy*p+py)*side + gx*p + px) * ch
						copy(out[dst:dst+ch], patches[src:src+ch])
					}
				}
			}
		}
	}
	return out
}

// maePixelMask upsamples MAE's patch mask [B, n] to pixels [B, H*W].
func (c Config) maePixelMask(mask *tensors.Tensor, b int) []float32 {
	v := c.ViT
	m := tensors.MustCopyFlatData[float32](mask)
	g, p, side := v.Grid(), v.PatchSize, v.ImageSize
	out := make([]float32, b*side*side)
	for e := 0; e < b; e++ {
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				out[(e*side+y)*side+x] = m[e*g*g+(y/p)*g+x/p]
			}
		}
	}
	return out
}

// PNG draws the reconstruction as a grid: one row per image, columns
// original | masked | reconstructed, each pixel scale x scale.
func (r *Reconstruction) PNG(scale int) ([]byte, error) {
	const gap = 2
	cell := r.Side*scale + gap
	img := image.NewRGBA(image.Rect(0, 0, 3*cell+gap, len(r.Originals)*cell+gap))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for row := range r.Originals {
		for col, pix := range [][]float32{r.Originals[row], r.Masked[row], r.Reconstructed[row]} {
			for y := 0; y < r.Side*scale; y++ {
				for x := 0; x < r.Side*scale; x++ {
					i := ((y/scale)*r.Side + x/scale) * r.Channels
					var c color.RGBA
					if r.Channels == 1 {
						v := uint8(pix[i]*255 + 0.5)
						c = color.RGBA{v, v, v, 255}
					} else {
						c = color.RGBA{uint8(pix[i]*255 + 0.5), uint8(pix[i+1]*255 + 0.5), uint8(pix[i+2]*255 + 0.5), 255}
					}
					img.SetRGBA(gap+col*cell+x, gap+row*cell+y, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	err := png.Encode(&buf, img)
	return buf.Bytes(), err
}

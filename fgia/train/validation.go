package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/loader"
)

// splitValidation holds out the validation images: the images of ValList
// (also taken out of training, so none is seen twice), or ValSplit of each
// class, drawn by Seed and never a class's last image.
func splitValidation(cfg Config, anns []dataset.Annotation) (trainAnns, val []dataset.Annotation, err error) {
	switch {
	case cfg.ValList != "":
		v, bad, err := dataset.ReadAnnotations(cfg.ValList, cfg.Model.Head.Classes)
		if err != nil {
			return nil, nil, err
		}
		if len(bad) > 0 {
			return nil, nil, fmt.Errorf("train: %d bad lines in the validation list, first: %v", len(bad), bad[0])
		}
		held := map[string]bool{}
		for _, a := range v {
			held[a.Path] = true
		}
		for _, a := range anns {
			if !held[a.Path] {
				trainAnns = append(trainAnns, a)
			}
		}
		return trainAnns, v, nil
	case cfg.ValSplit > 0:
		byClass := map[int][]int{}
		for i, a := range anns {
			byClass[a.Label] = append(byClass[a.Label], i)
		}
		classes := make([]int, 0, len(byClass))
		for c := range byClass {
			classes = append(classes, c)
		}
		sort.Ints(classes)
		rng := rand.New(rand.NewPCG(cfg.Seed, 0x7a1))
		heldOut := make([]bool, len(anns))
		for _, c := range classes {
			idx := byClass[c]
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			k := min(int(math.Round(cfg.ValSplit*float64(len(idx)))), len(idx)-1)
			for _, i := range idx[:max(k, 0)] {
				heldOut[i] = true
			}
		}
		for i, a := range anns {
			if heldOut[i] {
				val = append(val, a)
			} else {
				trainAnns = append(trainAnns, a)
			}
		}
		return trainAnns, val, nil
	}
	return anns, nil, nil
}

// validator scores the context's current weights on the validation images
// with the eval transform: the share whose argmax is the label.
func validator(cfg Config, ctx *context.Context, b backends.Backend, data string, val []dataset.Annotation, workers int) (func() (float64, error), func(), error) {
	pipe, err := augment.Eval(cfg.Eval)
	if err != nil {
		return nil, nil, err
	}
	items := make([]loader.Item, len(val))
	order := make([]int, len(val))
	for i, a := range val {
		items[i], order[i] = loader.Item{Path: a.Path, Label: a.Label}, i
	}
	batch := cfg.BatchSize
	ld := &loader.Loader{Root: data, Items: items, Pipeline: pipe, Size: batch, Workers: workers, Seed: cfg.Seed}
	infer, err := context.NewExec(b, ctx, func(ctx *context.Context, images *Node) *Node {
		return ArgMax(cfg.Model.Logits(ctx, images, nil, nil), -1)
	})
	if err != nil {
		return nil, nil, err
	}
	h, w, c := pipe.Shape()
	score := func() (float64, error) {
		stop := make(chan struct{})
		defer close(stop)
		right := 0
		for bt := range ld.Stream(0, order, 0, stop) {
			if bt.Err != nil {
				return 0, bt.Err
			}
			out, err := infer.Exec(tensors.FromFlatDataAndDimensions(bt.Images, batch, h, w, c))
			if err != nil {
				return 0, err
			}
			err = tensors.ConstFlatData(out[0], func(pred []int32) {
				for r := 0; r < bt.Valid; r++ {
					if pred[r] == bt.Labels[r] {
						right++
					}
				}
			})
			if err != nil {
				return 0, err
			}
		}
		return float64(right) / float64(len(val)), nil
	}
	return score, infer.Finalize, nil
}

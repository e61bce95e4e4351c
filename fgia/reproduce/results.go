package reproduce

import (
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/train"
)

// writeResults writes results.csv in the style of timm's results tables:
// one line a row (a model or a combination of models), top-1 and top-5 on
// Test-B with their errors, mean per-class accuracy, and, for single
// models, parameters, input size and eval crop.
func (p *pipeline) writeResults(rows []Row) error {
	return atomicfile.Write(p.outPath(ResultsCSV), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"model", "top1", "top1_err", "top5", "top5_err", "mean_per_class", "param_count",
			"img_size", "crop_pct", "interpolation", "seeds", "train_seconds", "status"})
		f := func(v float64) string { return strconv.FormatFloat(100*v, 'f', 3, 64) }
		for _, r := range rows {
			params, size, crop, interp := "", "", "", ""
			if ri := p.runInfo(r.Step); ri != nil {
				if bb, err := ri.Config.Model.Backbone(); err == nil {
					h := ri.Config.Model.Head
					params = fmt.Sprintf("%.3f", float64(bb.NumParams()+bb.FeatureDim()*h.Classes*max(h.SubCenters, 1))/1e6)
				}
				side, _ := ri.Config.Model.InputSize()
				size, crop, interp = strconv.Itoa(side), strconv.FormatFloat(ri.Config.Eval.CropPct, 'g', -1, 64), "bicubic"
			}
			cw.Write([]string{r.Step, f(r.TestB), f(1 - r.TestB), f(r.Top5B), f(1 - r.Top5B), f(r.MeanClass), params,
				size, crop, interp, strconv.Itoa(r.Seeds), strconv.FormatFloat(r.Seconds, 'f', 0, 64), r.Status})
		}
		cw.Flush()
		return cw.Error()
	})
}

// runInfo is the seed-1 run behind a single-model row (a fine-tuned run,
// its TTA or its soup); nil for combinations.
func (p *pipeline) runInfo(step string) *train.RunInfo {
	st, ok := p.Recipe.Step(step)
	if !ok {
		return nil
	}
	run := ""
	switch st.Kind {
	case recipe.Finetune, recipe.Distill, recipe.Soup:
		run = step
	case recipe.TTA:
		run = st.From
	default:
		return nil
	}
	ri, err := train.ReadRunInfo(filepath.Join(p.Out, SeedDir(1), filepath.FromSlash(recipe.RunPath(run))))
	if err != nil {
		return nil
	}
	return ri
}

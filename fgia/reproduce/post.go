package reproduce

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/fgia/fgia/fgia/adjust"
	"github.com/fgia/fgia/fgia/ensemble"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/pseudo"
	"github.com/fgia/fgia/fgia/redistribute"
	"github.com/fgia/fgia/fgia/soup"
	"github.com/fgia/fgia/fgia/submit"
)

// soup averages the last SoupK checkpoints of a run into OUT/runs/<name>_soup
// and predicts with flip TTA.
func (p *pipeline) soup(name, run string) (predictions, error) {
	out := filepath.Join(p.Out, RunsDir, name+"_soup")
	if _, err := soup.ReadInfo(out); err != nil { // soup.json is written last
		if err := soup.Uniform(run, p.Budget.SoupK, out); err != nil {
			return nil, fmt.Errorf("%s soup: %w", name, err)
		}
	}
	return p.predict(name+"_soup", out, "flip")
}

// ensemble combines members with the champion's weights (acc_i / min
// acc)^Power from their Test-A accuracy (the public leaderboard's role).
func (p *pipeline) ensemble(model string, members []member) (predictions, string, error) {
	acc := make([]float64, len(members))
	for i, m := range members {
		a, err := ensemble.Accuracy(m.files["testa"], p.labels["testa"])
		if err != nil {
			return nil, "", err
		}
		acc[i] = a
	}
	w, err := ensemble.Weights(acc, p.Budget.Power)
	if err != nil {
		return nil, "", err
	}
	var parts []string
	for i, m := range members {
		parts = append(parts, fmt.Sprintf("%s %.3g", m.name, w[i]))
	}
	note := fmt.Sprintf("weights (Test-A acc / min)^%g: %s", p.Budget.Power, strings.Join(parts, ", "))
	out, err := p.each(model, nil, func(split, _, out string) error {
		files := make([]string, len(members))
		for i, m := range members {
			files[i] = m.files[split]
		}
		mx, err := ensemble.Combine(files, w)
		if err != nil {
			return err
		}
		return mx.Write(out, nil)
	})
	return out, note, err
}

// pseudoList writes the cleaned list plus the teacher's confident test
// images and says how many it kept and how many of those are right.
func (p *pipeline) pseudoList(list string, teacher predictions, r PseudoRound) (string, error) {
	var kept, right, total int
	for _, s := range r.Splits {
		// Counted from the teacher even when the list exists, so the note
		// is the same on a resumed reproduction.
		st, err := pseudo.Select(teacher[s], r.Threshold, p.labels[s])
		if err != nil {
			return "", err
		}
		kept, right, total = kept+st.Kept, right+st.Correct, total+st.Images
	}
	if !exists(list) {
		if err := pseudo.WriteList(list, p.cleanList(), p.Data, r.Splits, teacherFiles(teacher, r.Splits), r.Threshold); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%d of %d test images kept, %.1f%% right", kept, total, 100*float64(right)/math.Max(float64(kept), 1)), nil
}

func teacherFiles(t predictions, splits []string) []string {
	out := make([]string, len(splits))
	for i, s := range splits {
		out[i] = t[s]
	}
	return out
}

func joinSplits(s []string) string { return strings.Join(s, "+") }

// postprocess adds logit adjustment and the two re-distributions to the
// chosen ensemble, then writes the submissions and the plots.
func (p *pipeline) postprocess(in predictions, base Row) error {
	adj, err := p.each("adjust", in, func(_, in, out string) error {
		_, err := adjust.File(in, out, adjust.DefaultTau, p.counts)
		return err
	})
	if err != nil {
		return err
	}
	adjRow, err := p.score("adjust", "adjust", adj, base.Step, fmt.Sprintf("z - %g log(prior), priors from the training class counts", float64(adjust.DefaultTau)), 0)
	if err != nil {
		return err
	}
	// Re-distribution towards the uniform test prior: the champion's one
	// pass with K = N/C - 1 (their 11 for 60K/5000), fgia's exclusive one
	// pass, and Sinkhorn.
	type method struct {
		step, note string
		labels     func(m *predict.Matrix) []int32 // on probabilities; may replace them
	}
	onePass := func(champion bool) func(m *predict.Matrix) []int32 {
		return func(m *predict.Matrix) []int32 {
			labels, _ := redistribute.OnePass{K: len(m.Images)/m.Classes - 1, Champion: champion}.Run(m)
			return labels
		}
	}
	methods := []method{
		{"redistribute", "the champion's one pass: every class predicted fewer than K = N/C - 1 times takes its most probable images (their script: the last write wins)", onePass(true)},
		{"redistribute_exclusive", "fgia's one pass: most starved class first, an image moves once, no class falls below K", onePass(false)},
		{"redistribute_sinkhorn", "Sinkhorn: entropic optimal transport to a uniform class marginal", func(m *predict.Matrix) []int32 { return redistribute.Sinkhorn{}.Run(m).Labels }},
	}
	final, finalRow := adj, adjRow
	outs := map[string]predictions{}
	for _, md := range methods {
		out, err := p.each(md.step, adj, func(_, in, out string) error {
			m, err := probabilities(in)
			if err != nil {
				return err
			}
			labels := md.labels(m)
			m.Log()
			return m.Write(out, labels)
		})
		if err != nil {
			return err
		}
		row, err := p.score(md.step, md.step, out, "adjust", md.note, 0)
		if err != nil {
			return err
		}
		outs[md.step] = out
		// The submission: the best of the post-processing rows on Test-A.
		if row.TestA > finalRow.TestA {
			final, finalRow = out, row
		}
	}
	if err := p.sweepK(adj); err != nil {
		return err
	}
	p.logf("submission from %s", finalRow.Step)
	for _, s := range Splits {
		if err := submit.Write(final[s], filepath.Join(p.Out, "submission_"+s+".csv")); err != nil {
			return err
		}
	}
	return p.plots(adj, outs, final)
}

// probabilities reads a prediction file as probabilities.
func probabilities(path string) (*predict.Matrix, error) {
	m, err := predict.ReadMatrix(path)
	if err != nil {
		return nil, err
	}
	m.Softmax()
	return m, nil
}

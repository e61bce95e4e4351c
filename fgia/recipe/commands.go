package recipe

import (
	"fmt"
	"strings"
)

// Splits are the test splits every model predicts.
var Splits = []string{"testa", "testb"}

// Paths of a step's outputs, relative to the output folder, as `fgia
// reproduce` lays them out.
func RunPath(step string) string         { return "runs/" + step }
func PredPath(step, split string) string { return "preds/" + step + "_" + split + ".parquet" }
func ListPath(step string) string        { return "lists/" + step + ".txt" }
func SubmissionPath(split string) string { return "submission_" + split + ".csv" }
func out(rel string) string              { return "$OUT/" + rel }
func preds(steps []string, split string) string {
	files := make([]string, len(steps))
	for i, s := range steps {
		files[i] = out(PredPath(s, split))
	}
	return strings.Join(files, ",")
}

// commands are the CLI commands that run step s at budget b.
func commands(s Step, b Budget) []string {
	var cmds []string
	predict := func(run, tta string) {
		for _, sp := range Splits {
			c := fmt.Sprintf("fgia predict --run %s --data $DATA --split %s", out(RunPath(run)), sp)
			if tta != "" {
				c += " --tta " + tta
			}
			cmds = append(cmds, c+" --out "+out(PredPath(s.Name, sp)))
		}
	}
	each := func(format string) {
		for _, sp := range Splits {
			cmds = append(cmds, fmt.Sprintf(format, out(PredPath(s.From, sp)), out(PredPath(s.Name, sp))))
		}
	}
	sized := func(epochs float64, batch int) string {
		var b strings.Builder
		if epochs > 0 {
			fmt.Fprintf(&b, " --epochs %g", epochs)
		}
		if batch > 0 {
			fmt.Fprintf(&b, " --batch %d", batch)
		}
		return b.String()
	}
	sets := func() string {
		var b strings.Builder
		for _, a := range s.Set {
			fmt.Fprintf(&b, " --set %s", a)
		}
		return b.String()
	}
	switch s.Kind {
	case Pretrain:
		cmds = append(cmds, fmt.Sprintf("fgia pretrain --data $DATA --preset %s%s%s --out %s", s.Preset, sized(b.PretrainEpochs, b.PretrainBatch), sets(), out(RunPath(s.Name))))
	case Import:
		src := "--weights " + s.Weights
		if strings.HasPrefix(s.Weights, "timm/") {
			src = "--hub " + s.Weights
		}
		cmds = append(cmds, fmt.Sprintf("fgia import %s --out %s", src, out(RunPath(s.Name))))
	case Finetune, Distill:
		c := fmt.Sprintf("fgia train --data $DATA --preset %s%s", s.Preset, sized(b.Epochs, b.Batch))
		switch s.List {
		case "", CleanList:
		case BaselineList:
			c += " --list " + out(ListPath(BaselineList))
		default:
			c += " --list " + out(ListPath(s.List))
		}
		if s.Init != "" {
			c += " --init " + out(RunPath(s.Init))
		}
		if s.Kind == Distill {
			c += fmt.Sprintf(" --teacher %s,%s --temperature %g --distill-alpha %g",
				out(PredPath(s.Teacher, "testa")), out(PredPath(s.Teacher, "testb")), s.Temperature, s.Alpha)
		}
		cmds = append(cmds, c+sets()+" --out "+out(RunPath(s.Name)))
		predict(s.Name, "")
	case TTA:
		predict(s.From, "flip")
	case Soup:
		last := s.Last
		if last == 0 {
			last = b.SoupK
		}
		cmds = append(cmds, fmt.Sprintf("fgia soup --run %s --last %d --out %s", out(RunPath(s.From)), last, out(RunPath(s.Name))))
		predict(s.Name, "flip")
	case Ensemble:
		for _, sp := range Splits {
			cmds = append(cmds, fmt.Sprintf("fgia ensemble --pred %s --score-pred %s --labels $LABELS/testa.txt --power %g --out %s",
				preds(s.Members, sp), preds(s.Members, "testa"), b.Power, out(PredPath(s.Name, sp))))
		}
	case Pseudo:
		var teachers []string
		for _, sp := range s.Splits {
			teachers = append(teachers, out(PredPath(s.From, sp)))
		}
		cmds = append(cmds, fmt.Sprintf("fgia pseudo --pred %s --data $DATA --threshold %g --out %s", strings.Join(teachers, ","), s.Threshold, out(ListPath(s.Name))))
	case Select:
		cmds = append(cmds, fmt.Sprintf("# the member with the best Test-A top-1 of: %s", strings.Join(s.Members, ", ")))
	case Adjust:
		each(fmt.Sprintf("fgia adjust --pred %%s --tau %g --out %%s", s.Tau))
	case Redistribute:
		for _, sp := range Splits {
			k := "--k-frac <chosen on Test-A>"
			switch {
			case s.K[sp] > 0:
				k = fmt.Sprintf("--k %d", s.K[sp])
			case s.KFrac > 0:
				k = fmt.Sprintf("--k-frac %g", s.KFrac)
			case s.Method == Sinkhorn:
				k = ""
			}
			cmds = append(cmds, strings.Join(strings.Fields(fmt.Sprintf("fgia redistribute --pred %s --method %s %s --out %s", out(PredPath(s.From, sp)), s.Method, k, out(PredPath(s.Name, sp)))), " "))
		}
	case KSweep:
		cmds = append(cmds, fmt.Sprintf("fgia redistribute --pred %s --labels $LABELS/testa.txt --sweep-frac 0.6:1.1:0.05", out(PredPath(s.From, "testa"))))
	case Submit:
		for _, sp := range Splits {
			cmds = append(cmds, fmt.Sprintf("fgia submit --pred <best on Test-A of %s> --data $DATA --split %s --out %s", strings.Join(s.Members, ", "), sp, out(SubmissionPath(sp))))
		}
	}
	return cmds
}

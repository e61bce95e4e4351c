package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/override"
	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/redistribute"
	"github.com/fgia/fgia/fgia/score"
)

func init() {
	register(command{name: "redistribute", group: "after training",
		summary: "re-balance labels on a uniform test split: the champion's one pass, fgia's exclusive one, or Sinkhorn",
		doc: `A long-tail-trained model under-predicts rare classes; on a test set known to be uniform over
classes, moving labels towards a flat histogram helps. champion: every class predicted fewer than K
times takes its most probable images (their script: the last write wins). exclusive: fgia's one
pass, most starved class first, an image moves once, no class falls below K. sinkhorn: entropic
optimal transport to a uniform class marginal, no K. K is given (--k), or as a fraction of N/C
(--k-frac; the champion used about 0.9). --sweep-frac scores a range of K against --labels (choose K
on Test-A, report Test-B).`,
		usage:    "--pred FILE (--out FILE | --sweep-frac A:B:STEP --labels FILE) [--method champion|exclusive|sinkhorn] [flags]",
		required: []string{"pred"},
		examples: []string{
			"fgia redistribute --pred ens_testa.parquet --labels labels/testa.txt --method champion --sweep-frac 0.6:1.1:0.05",
			"fgia redistribute --pred ens_testb.parquet --method champion --k-frac 0.9 --out final_testb.parquet",
		},
		setup: redistributeCmd})
}

func redistributeCmd(fs *flag.FlagSet) func() error {
	pred := fs.String("pred", "", "prediction Parquet file of a uniform test split")
	method := fs.String("method", redistribute.MethodExclusive, "champion, exclusive or sinkhorn")
	k := fs.Int("k", 0, "one pass: classes predicted fewer than K times take their most probable images (default: --k-frac of N/C)")
	kFrac := fs.Float64("k-frac", 0, "one pass: K as a fraction of N/C (default: N/C - 1, the champion's 11 for 60K/5000)")
	power := fs.Float64("power", 1, "sinkhorn: exponent of the probabilities (larger: harder, slower)")
	iters := fs.Int("iters", 200, "sinkhorn: maximum iterations")
	tol := fs.Float64("tol", 1e-3, "sinkhorn: stop when every class's mass is within this of N/C, relative")
	labels := fs.String("labels", "", "labels file (name label per line): report top-1 before and after")
	sweepFrac := fs.String("sweep-frac", "", "one pass: score K from A to B times N/C in steps of STEP against --labels, e.g. 0.6:1.1:0.05")
	out := fs.String("out", "", "re-distributed prediction Parquet file (optional with --sweep-frac)")
	return func() error {
		if *method == "onepass" {
			*method = redistribute.MethodExclusive // the name before methods had names
		}
		err := override.First(
			check(slices.Contains(redistribute.MethodNames, *method), "--method %q: want %s", *method, strings.Join(redistribute.MethodNames, ", ")),
			check(*k >= 0, "--k %d: want >= 0", *k),
			check(*kFrac >= 0 && *kFrac <= 2, "--k-frac %g: want a fraction of N/C in [0, 2]", *kFrac),
			check(!isSet(fs, "k") || !isSet(fs, "k-frac"), "give --k or --k-frac, not both"),
			check(*power > 0, "--power %g: want > 0", *power),
			check(*iters >= 1, "--iters %d: want >= 1", *iters),
			check(*tol > 0, "--tol %g: want > 0", *tol),
			check(*out != "" || *sweepFrac != "", "--out is required (or --sweep-frac to only score K)"),
			check(*sweepFrac == "" || *labels != "", "--sweep-frac needs --labels"),
			check(*sweepFrac == "" || *method != redistribute.MethodSinkhorn, "--sweep-frac sweeps K of a one-pass method, not sinkhorn"))
		if err != nil {
			return err
		}
		m, err := predict.ReadMatrix(*pred)
		if err != nil {
			return err
		}
		if len(m.Images) == 0 || m.Classes == 0 {
			return fmt.Errorf("%s has no predictions (or rows without logits)", *pred)
		}
		m.Softmax()
		var truth []int32
		if *labels != "" {
			l, err := score.ReadLabels(*labels)
			if err != nil {
				return err
			}
			truth = redistribute.Truth(m.Images, l)
		}
		report := func(what string, labels []int32) {
			c := redistribute.Counts(labels, m.Classes)
			line := fmt.Sprintf("%-8s class counts %d..%d", what, slices.Min(c), slices.Max(c))
			if truth != nil {
				acc, n := redistribute.Accuracy(labels, truth)
				line += fmt.Sprintf(", top-1 %.2f%% on %d labelled images", 100*acc, n)
			}
			fmt.Fprintln(stdout, line)
		}
		report("argmax", redistribute.Argmax(m))
		per := float64(len(m.Images)) / float64(m.Classes)
		if *k == 0 {
			*k = max(1, len(m.Images)/m.Classes-1)
			if *kFrac > 0 {
				*k = redistribute.KFor(*kFrac, len(m.Images), m.Classes)
			}
		}
		if *sweepFrac != "" {
			fracs, err := parseRange(*sweepFrac)
			if err != nil {
				return fmt.Errorf("--sweep-frac %q: %w", *sweepFrac, err)
			}
			ks := make([]int, len(fracs))
			for i, f := range fracs {
				ks[i] = redistribute.KFor(f, len(m.Images), m.Classes)
			}
			pts, err := redistribute.SweepK(m, truth, ks, *method == redistribute.MethodChampion)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, "| K | K / (N/C) | top-1 % | moved | smallest class |\n|---:|---:|---:|---:|---:|")
			for _, p := range pts {
				fmt.Fprintf(stdout, "| %d | %.2f | %.2f | %d | %d |\n", p.K, float64(p.K)/per, 100*p.Top1, p.Moved, p.MinCount)
			}
			if *out == "" {
				return nil
			}
		}
		var mth redistribute.Method
		if *method == redistribute.MethodSinkhorn {
			mth = redistribute.Sinkhorn{Power: *power, Iters: *iters, Tol: *tol}
		} else if mth, err = redistribute.NewMethod(*method, *k); err != nil {
			return err
		}
		labelsOut := mth.Labels(m)
		if *method != redistribute.MethodSinkhorn {
			fmt.Fprintf(stdout, "%s with K = %d (%.2f N/C)\n", *method, *k, float64(*k)/per)
		}
		report("after", labelsOut)
		m.Log()
		if err := m.Write(*out, labelsOut); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", *out)
		return nil
	}
}

// parseRange reads "A:B:STEP" into A, A+STEP, ..., B.
func parseRange(s string) ([]float64, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("want A:B:STEP")
	}
	var v [3]float64
	for i, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, err
		}
		v[i] = x
	}
	if v[0] <= 0 || v[1] < v[0] || v[2] <= 0 || (v[1]-v[0])/v[2] > 1000 {
		return nil, fmt.Errorf("want 0 < A <= B and a STEP > 0 giving at most 1000 points")
	}
	var out []float64
	for i := 0; ; i++ {
		x := v[0] + float64(i)*v[2]
		if x > v[1]+1e-9 {
			break
		}
		out = append(out, x)
	}
	return out, nil
}

// check returns an error made of format and args unless ok.
func check(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

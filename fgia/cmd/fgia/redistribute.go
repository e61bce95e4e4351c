package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fgia/fgia/fgia/predict"
	"github.com/fgia/fgia/fgia/redistribute"
	"github.com/fgia/fgia/fgia/score"
)

func redistributeCmd(fs *flag.FlagSet) func() error {
	pred := fs.String("pred", "", "prediction Parquet file of a uniform test split")
	method := fs.String("method", "onepass", "onepass (exclusive, every class >= K), champion (their script exactly) or sinkhorn (optimal transport to uniform)")
	k := fs.Int("k", 0, "one pass: classes predicted fewer than K times take their most probable images (default N/C - 1)")
	power := fs.Float64("power", 1, "sinkhorn: exponent of the probabilities (larger: harder, slower)")
	iters := fs.Int("iters", 200, "sinkhorn: maximum iterations")
	tol := fs.Float64("tol", 1e-3, "sinkhorn: stop when every class's mass is within this of N/C, relative")
	labels := fs.String("labels", "", "hidden labels (name label per line): report top-1 before and after")
	sweep := fs.String("sweep", "", "one pass: score these K against --labels, e.g. 8,9,10,11,12,13")
	out := fs.String("out", "", "re-distributed prediction Parquet file (optional with --sweep)")
	return func() error {
		if err := required("pred", *pred); err != nil {
			return err
		}
		if *out == "" && *sweep == "" {
			return fmt.Errorf("--out is required")
		}
		if *method != "onepass" && *method != "champion" && *method != "sinkhorn" {
			return fmt.Errorf("--method %q: onepass, champion or sinkhorn", *method)
		}
		m, err := predict.ReadMatrix(*pred)
		if err != nil {
			return err
		}
		if len(m.Images) == 0 {
			return fmt.Errorf("%s has no predictions", *pred)
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
		before := redistribute.Argmax(m)
		report := func(what string, labels []int32) {
			c := redistribute.Counts(labels, m.Classes)
			line := fmt.Sprintf("%-8s class counts %d..%d", what, slices.Min(c), slices.Max(c))
			if truth != nil {
				acc, n := redistribute.Accuracy(labels, truth)
				line += fmt.Sprintf(", top-1 %.4f on %d labelled images", acc, n)
			}
			fmt.Println(line)
		}
		report("argmax", before)
		if *k == 0 {
			*k = max(1, len(m.Images)/m.Classes-1)
		}
		if *sweep != "" {
			if truth == nil {
				return fmt.Errorf("--sweep needs --labels")
			}
			var ks []int
			for _, s := range strings.Split(*sweep, ",") {
				v, err := strconv.Atoi(strings.TrimSpace(s))
				if err != nil || v < 0 {
					return fmt.Errorf("--sweep %q: want K values like 8,9,10", s)
				}
				ks = append(ks, v)
			}
			pts, err := redistribute.SweepK(m, truth, ks, *method == "champion")
			if err != nil {
				return err
			}
			fmt.Println("| K | top-1 | moved | smallest class |\n|---:|---:|---:|---:|")
			for _, p := range pts {
				fmt.Printf("| %d | %.4f | %d | %d |\n", p.K, p.Top1, p.Moved, p.MinCount)
			}
			if *out == "" {
				return nil
			}
		}
		var labelsOut []int32
		switch *method {
		case "sinkhorn":
			res := redistribute.Sinkhorn{Power: *power, Iters: *iters, Tol: *tol}.Run(m)
			fmt.Printf("sinkhorn: %d iterations, class masses within %.2g of N/C, %d classes unreachable\n", res.Iters, res.MaxDev, res.Unreachable)
			labelsOut = res.Labels
		default:
			var moved int
			labelsOut, moved = redistribute.OnePass{K: *k, Champion: *method == "champion"}.Run(m)
			fmt.Printf("%s K=%d: %d images moved\n", *method, *k, moved)
		}
		report("after", labelsOut)
		m.Log()
		if err := m.Write(*out, labelsOut); err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", *out)
		return nil
	}
}

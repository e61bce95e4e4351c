package main

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/recipe"
	"github.com/fgia/fgia/fgia/reproduce"
)

func init() {
	register(command{name: "reproduce", group: "the whole recipe",
		summary: "run a recipe as an ablation table with intervals (resumable), or --plan it",
		doc: `Interprets a recipe (fgia/recipe: demo, quick, champion), step by step: training, pretraining,
predictions, soups, ensembles, pseudo-labels, distillation, logit adjustment, re-distribution; each
row changes one thing of the row it is compared with. With --seeds N every trained row is trained N
times. Writes ablation.parquet/.md (Test-B with its 95% bootstrap interval, each delta with a paired
interval), ablation_seeds.parquet, results.csv, provenance.json (versions, machine, SHA-256 of every
file), plots/ and the submissions. A row whose model collapsed stops the run (--allow-collapse
records it). --plan prints every step's commands and estimated GPU-hours without any data.`,
		usage: "--data DIR --labels-dir DIR --out DIR [--recipe NAME] [--budget NAME] [--seeds N] | --recipe NAME --plan",
		examples: []string{
			"fgia reproduce --data data/webfashion --labels-dir data/webfashion-labels --recipe demo --budget full --out build/reproduce",
			"fgia reproduce --recipe champion --plan",
		},
		setup: reproduceCmd})
}

func reproduceCmd(fs *flag.FlagSet) func() error {
	var o reproduce.Options
	fs.StringVar(&o.Data, "data", "", "data folder in the competition layout (cleaned first if meta/train_clean.txt is missing)")
	fs.StringVar(&o.Labels, "labels-dir", "", "hidden labels folder: testa.txt and testb.txt (used only to score and for choices on Test-A)")
	fs.StringVar(&o.Labels, "labels", "", "same as --labels-dir (a folder)")
	fs.StringVar(&o.Out, "out", "", "output folder: ablation.parquet/.md, ablation_seeds.parquet, results.csv, provenance.json, plots/, seed-N/")
	name := fs.String("recipe", "", "recipe: "+strings.Join(recipe.Names(), ", ")+" (default: demo with --budget full, else quick)")
	budget := fs.String("budget", "", "budget: "+strings.Join(recipe.BudgetNames(), ", ")+" (default: the recipe's)")
	fs.IntVar(&o.Seeds, "seeds", 1, "run the whole recipe this many times, seed s shifting every training seed by s-1; rows are means with intervals")
	fs.IntVar(&o.Geometry.Size, "size", reproduce.DemoGeometry.Size, "model input side in pixels (a multiple of 4)")
	fs.BoolVar(&o.Geometry.RGB, "rgb", false, "train on RGB (default gray, as the demo set)")
	fs.IntVar(&o.Workers, "workers", 0, "loader goroutines (default: one per CPU)")
	fs.BoolVar(&o.AllowCollapse, "allow-collapse", false, "record a row whose model collapsed (status collapsed) instead of stopping")
	compare := fs.String("compare", "", "after the run, compare its rows with this reference folder (e.g. reports/reproduce) and write compare.md")
	plan := fs.Bool("plan", false, "print every step, its commands and its estimated GPU-hours, without data, and exit")
	return func() error {
		if *name == "" {
			*name = "quick"
			if *budget == "full" {
				*name = "demo"
			}
		}
		r, err := recipe.Get(*name)
		if err != nil {
			return err
		}
		if *budget == "" {
			*budget = r.Budget
		}
		if o.Budget, err = recipe.GetBudget(*budget); err != nil {
			return err
		}
		o.Recipe = r
		if *plan {
			p, err := r.Plan(o.Budget, recipe.A100)
			if err != nil {
				return err
			}
			return p.Write(stdout)
		}
		if err := required("data", o.Data, "labels-dir", o.Labels, "out", o.Out); err != nil {
			return err
		}
		bi, err := newBackend()
		if err != nil {
			return err
		}
		o.Backend, o.Log = bi.b, stderr
		t0 := time.Now()
		rows, err := reproduce.Run(o)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "reproduced %d ablation rows in %s: %s\n", len(rows), time.Since(t0).Round(time.Second), filepath.Join(o.Out, reproduce.Markdown))
		if *compare == "" {
			return nil
		}
		diffs, err := reproduce.Compare(*compare, o.Out)
		var md string
		switch {
		case errors.Is(err, reproduce.ErrNoReference):
			md = fmt.Sprintf("Not compared: %v.\n", err)
		case err != nil:
			return err
		default:
			md = reproduce.CompareMarkdown(diffs, *compare)
		}
		fmt.Fprint(stdout, md)
		return atomicfile.WriteBytes(filepath.Join(o.Out, "compare.md"), []byte(md))
	}
}

package recipe

import (
	"fmt"
	"io"
	"strings"

	"github.com/fgia/fgia/fgia/model"
	"github.com/fgia/fgia/fgia/train"
)

// Device is the accelerator a plan's cost is stated for.
type Device struct {
	Name       string  // e.g. "A100-80GB"
	PeakTFLOPs float64 // dense bf16 peak
	MFU        float64 // assumed model FLOPs utilisation
}

// A100 is what the champion trained on, at an MFU a well-tuned ViT-L
// fine-tuning reaches.
var A100 = Device{Name: "A100-80GB", PeakTFLOPs: 312, MFU: 0.4}

// PlanStep is one step of a plan: the commands that run it and its cost.
type PlanStep struct {
	Step     Step
	Commands []string
	// FLOPs is the step's estimated floating-point work (0 for steps that
	// only read and write prediction files on the CPU).
	FLOPs  float64
	Detail string // what the estimate rests on
}

// Plan is a recipe's steps as commands with their cost, made without data.
type Plan struct {
	Recipe Recipe
	Budget Budget
	Device Device
	Steps  []PlanStep
}

// pseudoShare is the share of a test split a pseudo-label round keeps
// (the champion: 78,458 of 90,000 Test-B images at 0.45), for estimates.
const pseudoShare = 0.87

// Plan lays the recipe out for a budget on the recipe's data size. The
// commands name the folders $DATA, $LABELS (testa.txt, testb.txt) and
// $OUT as `fgia reproduce` lays them out.
func (r Recipe) Plan(b Budget, dev Device) (Plan, error) {
	p := Plan{Recipe: r, Budget: b, Device: dev}
	d := r.Data
	listImages := map[string]float64{"": float64(d.Train), CleanList: float64(d.Train), BaselineList: float64(d.Train)}
	fwd := map[string]float64{} // forward FLOPs an image of the step's model
	test := float64(d.TestA + d.TestB)
	for _, s := range r.Steps {
		ps := PlanStep{Step: s, Commands: commands(s, b)}
		switch s.Kind {
		case Pretrain:
			cfg, err := PretrainConfig(s, b, nil)
			if err != nil {
				return p, err
			}
			images := float64(d.Train + d.TestA + d.TestB)
			if strings.Contains(s.Note, "Test-A") && !strings.Contains(s.Note, "Test-B") {
				images = float64(d.Train + d.TestA)
			}
			f := cfg.FLOPsPerImage()
			ps.FLOPs = 3 * f * images * cfg.Epochs
			ps.Detail = fmt.Sprintf("%s: %.1f GFLOPs/img forward, %s images x %g epochs", cfg.Method, f/1e9, count(images), cfg.Epochs)
		case Finetune, Distill:
			cfg, err := TrainConfig(s, b, d.Classes, nil)
			if err != nil {
				return p, err
			}
			f, params, err := modelCost(cfg.Model)
			if err != nil {
				return p, err
			}
			fwd[s.Name] = f
			images := listImages[s.List]
			ps.FLOPs = 3*f*images*cfg.Epochs + f*test
			ps.Detail = fmt.Sprintf("%s params, %.0f GFLOPs/img forward at %d px, %s images x %g epochs", count(float64(params)), f/1e9, inputSize(cfg), count(images), cfg.Epochs)
		case Pseudo:
			n := float64(d.Train)
			for _, sp := range s.Splits {
				n += pseudoShare * float64(map[string]int{"testa": d.TestA, "testb": d.TestB}[sp])
			}
			listImages[s.Name] = n
			ps.Detail = fmt.Sprintf("about %s images (%.0f%% of the test images kept)", count(n), 100*pseudoShare)
		case TTA, Soup:
			fwd[s.Name] = fwd[s.From]
			ps.FLOPs = 2 * fwd[s.From] * test
		}
		p.Steps = append(p.Steps, ps)
	}
	return p, nil
}

// modelCost is a classifier's forward FLOPs an image and its parameters.
func modelCost(spec model.Spec) (float64, int, error) {
	bb, err := spec.Backbone()
	if err != nil {
		return 0, 0, err
	}
	k := max(spec.Head.SubCenters, 1)
	head := 2 * float64(bb.FeatureDim()*spec.Head.Classes*k)
	return bb.FLOPsPerImage() + head, bb.NumParams() + bb.FeatureDim()*spec.Head.Classes*k, nil
}

func inputSize(cfg train.Config) int {
	side, _ := cfg.Model.InputSize()
	return side
}

// GPUHours is the step's estimated device time.
func (ps PlanStep) GPUHours(dev Device) float64 {
	return ps.FLOPs / (dev.PeakTFLOPs * 1e12 * dev.MFU) / 3600
}

// TotalGPUHours sums the steps' estimates.
func (p Plan) TotalGPUHours() float64 {
	var t float64
	for _, s := range p.Steps {
		t += s.GPUHours(p.Device)
	}
	return t
}

// Write prints the plan: each step, its commands and its cost.
func (p Plan) Write(w io.Writer) error {
	fmt.Fprintf(w, "# recipe %s, budget %s: %d steps, %d rows\n", p.Recipe.Name, p.Budget.Name, len(p.Steps), len(p.Recipe.Rows()))
	fmt.Fprintf(w, "# data: %s train, %s Test-A, %s Test-B images, %d classes\n", count(float64(p.Recipe.Data.Train)),
		count(float64(p.Recipe.Data.TestA)), count(float64(p.Recipe.Data.TestB)), p.Recipe.Data.Classes)
	fmt.Fprintf(w, "# cost: FLOPs / (%s bf16 peak %g TFLOP/s x %.0f%% MFU)\n\n", p.Device.Name, p.Device.PeakTFLOPs, 100*p.Device.MFU)
	for i, s := range p.Steps {
		row := ""
		if s.Step.IsRow() {
			row = " [row"
			if s.Step.Base != "" {
				row += " vs " + s.Step.Base
			}
			row += "]"
		}
		fmt.Fprintf(w, "%d. %s (%s)%s", i+1, s.Step.Name, s.Step.Kind, row)
		if s.FLOPs > 0 {
			fmt.Fprintf(w, ": %.1f %s-hours", s.GPUHours(p.Device), p.Device.Name)
		}
		fmt.Fprintln(w)
		if s.Step.Note != "" {
			fmt.Fprintf(w, "   # %s\n", s.Step.Note)
		}
		if s.Detail != "" {
			fmt.Fprintf(w, "   # %s\n", s.Detail)
		}
		for _, c := range s.Commands {
			fmt.Fprintf(w, "   %s\n", c)
		}
	}
	_, err := fmt.Fprintf(w, "\ntotal: %.0f %s-hours (%.1f days on 8 devices)\n", p.TotalGPUHours(), p.Device.Name, p.TotalGPUHours()/8/24)
	return err
}

// count writes 830000 as 830K.
func count(n float64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.3gG", n/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.3gM", n/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.3gK", n/1e3)
	}
	return fmt.Sprintf("%.0f", n)
}

package demodata

import (
	"encoding/json"
	"fmt"
)

// Noise sets the rate of each injected defect, the same in every class, as
// a fraction of the class's clean training images: unreadable and tiny
// images are the class's own, broken; duplicates are copies of a
// confusable class's images filed under the class too; wrong labels and
// charts are extra files filed under it (wrong labels are images of
// confusable classes: shirt for T-shirt, sneaker for sandal).
type Noise struct {
	Unreadable float64 `json:"unreadable"`  // zero-byte, truncated or garbage files
	Duplicate  float64 `json:"duplicate"`   // copies filed under a second, wrong class
	Tiny       float64 `json:"tiny"`        // images shrunk below the minimum side
	Chart      float64 `json:"chart"`       // plots drawn with gonum/plot, filed under a class
	LabelNoise float64 `json:"label_noise"` // images filed under a wrong class
}

// Options describe a demo set.
type Options struct {
	Out          string  `json:"-"`
	Labels       string  `json:"-"`
	SourceDir    string  `json:"-"`              // Fashion-MNIST IDX files (fashionmnist.DefaultDir if empty)
	Seed         uint64  `json:"seed"`           // everything random derives from it
	Imbalance    float64 `json:"imbalance"`      // largest / smallest class count (1 = balanced)
	MaxPerClass  int     `json:"max_per_class"`  // images in the largest class (at most 6000)
	TestPerClass int     `json:"test_per_class"` // test images per class, split 40/60 into testa/testb (at most 1000)
	Noise        Noise   `json:"noise"`
	Workers      int     `json:"-"`
	Quiet        bool    `json:"-"`
}

// DefaultOptions is WebFashion-LT as documented: imbalance 100, all 6000
// images of the head class, all 1000 test images per class.
func DefaultOptions() Options {
	return Options{
		Seed: 1, Imbalance: 100, MaxPerClass: 6000, TestPerClass: 1000,
		Noise: Noise{Unreadable: 0.005, Duplicate: 0.01, Tiny: 0.005, Chart: 0.005, LabelNoise: 0.05},
	}
}

func (o Options) validate() error {
	switch {
	case o.Out == "" || o.Labels == "":
		return fmt.Errorf("demodata: both the data folder and the labels folder must be given")
	case o.Imbalance < 1:
		return fmt.Errorf("demodata: imbalance %g < 1", o.Imbalance)
	case o.MaxPerClass < 1 || o.MaxPerClass > 6000:
		return fmt.Errorf("demodata: max per class %d not in [1, 6000]", o.MaxPerClass)
	case o.TestPerClass < 0 || o.TestPerClass > 1000:
		return fmt.Errorf("demodata: test per class %d not in [0, 1000]", o.TestPerClass)
	}
	for _, r := range []float64{o.Noise.Unreadable, o.Noise.Duplicate, o.Noise.Tiny, o.Noise.Chart, o.Noise.LabelNoise} {
		if r < 0 || r > 0.2 {
			return fmt.Errorf("demodata: noise rate %g not in [0, 0.2]", r)
		}
	}
	return nil
}

// noiseModel versions how defects are planned: 2 gives every class the
// same rate of each defect and draws wrong labels from confusable classes
// (1 flipped labels uniformly over all images and classes).
const noiseModel = 2

// fingerprint identifies the content a set of options produces.
func (o Options) fingerprint() string {
	b, _ := json.Marshal(struct {
		Options
		NoiseModel int `json:"noise_model"`
	}{o, noiseModel})
	return string(b)
}

// QuickOptions is a small WebFashion-LT (about 1K training images, 50 test
// images per class) for tests and quick notebook budgets.
func QuickOptions(out, labels string) Options {
	o := DefaultOptions()
	o.Out, o.Labels = out, labels
	o.MaxPerClass, o.TestPerClass = 300, 50
	o.Noise.Unreadable, o.Noise.Tiny, o.Noise.Chart = 0.01, 0.01, 0.01
	o.Quiet = true
	return o
}

package longtail

import (
	"bytes"
	"fmt"
	"image/png"
	"reflect"
	"slices"
	"testing"

	"github.com/fgia/fgia/fgia/plotpng"
)

func TestBands(t *testing.T) {
	for _, tc := range []struct {
		counts []int
		want   []Band
	}{
		{[]int{5, 50, 500}, []Band{Tail, Medium, Head}},
		{[]int{1, 1, 1, 1, 1, 1}, []Band{Head, Head, Medium, Medium, Tail, Tail}},
		{[]int{9, 3, 7, 1}, []Band{Head, Medium, Head, Tail}},
		{nil, []Band{}},
	} {
		if got := Bands(tc.counts); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Bands(%v) = %v, want %v", tc.counts, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	s := Describe([]int{100, 10, 0, 40, 50, 200})
	if s.Images != 400 || s.Min != 0 || s.Max != 200 || s.Empty != 1 || s.Imbalance != 200 || s.Mean != 400.0/6 {
		t.Errorf("Describe = %+v", s)
	}
	var share float64
	for _, g := range s.Groups {
		share += g.Share
	}
	if s.Groups[0].Images != 300 || s.Groups[2].Images != 10 || share < 0.999 || share > 1.001 {
		t.Errorf("groups %+v", s.Groups)
	}
}

func TestFrequencyPlot(t *testing.T) {
	for _, c := range []struct {
		name   string
		names  []string
		series []Series
		texts  []string // written in the SVG in this order: x axis, y axis, legend
	}{
		{"named classes, most frequent first, log axis", []string{"rare", "common", "middle", "empty"},
			[]Series{{"listed", []int{10, 1000, 100, 0}}, {"kept", []int{9, 990, 90, 0}}},
			[]string{"common", "middle", "rare", "empty", "1", "10", "100", "1,000", "listed", "kept"}},
		{"ranks without names", nil, []Series{{"balanced", []int{5, 6, 5}}}, []string{"class rank (most frequent first)", "balanced"}},
		{"ranks beyond twenty classes", make([]string, 30), []Series{{"many", make([]int, 30)}}, []string{"class rank (most frequent first)", "many"}},
	} {
		f, err := FrequencyPlot("t", c.names, c.series...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, err := f.PNG()
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() != 2*7*plotpng.DPI {
			t.Fatalf("%s: not a 2x PNG: %v", c.name, err)
		}
		svg, err := f.SVG()
		if err != nil {
			t.Fatal(err)
		}
		texts, err := plotpng.SVGTexts(svg)
		if err != nil {
			t.Fatal(err)
		}
		at := 0
		for _, want := range c.texts {
			i := slices.Index(texts[at:], want)
			if i < 0 {
				t.Errorf("%s: the SVG does not write %q after %q", c.name, want, texts[:at])
				continue
			}
			at += i + 1
		}
	}
	if _, err := FrequencyPlot("t", nil, Series{"a", []int{1, 2}}, Series{"b", []int{1}}); err == nil {
		t.Error("series of different class counts were drawn")
	}
}

func ExampleDescribe() {
	s := Describe([]int{422, 300, 166, 90, 20, 3})
	fmt.Println(s)
	for _, g := range s.Groups {
		fmt.Printf("%s: %d classes, %.0f%% of images\n", g.Band, g.Classes, 100*g.Share)
	}
	// Output:
	// 1001 images in 6 classes (min 3, mean 166.8, max 422, imbalance 140.7)
	// head: 2 classes, 72% of images
	// medium: 2 classes, 26% of images
	// tail: 2 classes, 2% of images
}

func TestByFrequency(t *testing.T) {
	for _, c := range []struct {
		counts []int
		want   []int
	}{
		{[]int{5, 9, 1, 9}, []int{1, 3, 0, 2}}, // ties keep class order
		{[]int{1, 2, 3}, []int{2, 1, 0}},
		{nil, []int{}},
	} {
		if got := ByFrequency(c.counts); !slices.Equal(got, c.want) {
			t.Errorf("ByFrequency(%v) = %v, want %v", c.counts, got, c.want)
		}
	}
}

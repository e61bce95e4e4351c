package longtail

import (
	"bytes"
	"fmt"
	"image/png"
	"reflect"
	"testing"
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
	b, err := FrequencyPlotPNG("t", Series{"a", []int{1000, 100, 10, 1}}, Series{"b", []int{5, 0, 3}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() < 300 {
		t.Fatalf("plot is not a usable PNG: %v", err)
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

package plotpng

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// MaxNames is the most names an axis writes: beyond it (5000 classes) it
// falls back to numbered ticks.
const MaxNames = 20

// padding is the share of an axis range added at each end so that no point,
// glyph or line end sits on the frame.
const padding = 0.04

// Axis describes one axis of a panel.
type Axis struct {
	Label  string
	Format Format // tick labels
	Log    bool   // logarithmic scale (values must be positive)
	// Names label the integer positions 0, 1, ... (classes, steps) when
	// there are at most MaxNames of them; else the axis is numbered.
	Names []string
	// Min and Max fix the range when Min < Max; else it is the data's.
	Min, Max float64
	// Tight leaves the range unpadded: for heat maps, whose cells fill it.
	Tight bool
	// Ticks, when set, replaces the ticks Format, Log and Names choose.
	Ticks plot.Ticker
	// Hide draws no axis at all (the colour bar's width).
	Hide bool
}

// named reports whether the axis writes its names.
func (a Axis) named() bool { return len(a.Names) > 0 && len(a.Names) <= MaxNames }

// apply sets the label, scale, ticks and range of an axis whose plotters are
// already added (so that its range is the data's).
func (a Axis) apply(ax *plot.Axis) {
	ax.Label.Text = a.Label
	if ax.Min > ax.Max { // nothing to draw
		ax.Min, ax.Max = 0, 1
	}
	if a.Min < a.Max {
		ax.Min, ax.Max = a.Min, a.Max
	}
	switch {
	case a.named():
		ax.Tick.Marker = NamedTicks(a.Names)
		ax.Min, ax.Max = math.Min(ax.Min, 0), math.Max(ax.Max, float64(len(a.Names)-1))
	case a.Log:
		ax.Scale, ax.Tick.Marker = plot.LogScale{}, LogTicks{a.Format}
	default:
		ax.Tick.Marker = LinearTicks{a.Format}
	}
	if a.Ticks != nil {
		ax.Tick.Marker = a.Ticks
	}
	if a.Tight {
		return
	}
	lo, hi := ax.Min, ax.Max
	if a.Log && !a.named() {
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	pad := padding * (hi - lo)
	if pad == 0 {
		pad = 0.5
	}
	lo, hi = lo-pad, hi+pad
	if a.Log && !a.named() {
		lo, hi = math.Pow(10, lo), math.Pow(10, hi)
	}
	ax.Min, ax.Max = lo, hi
}

// rotateNames turns the names of a horizontal axis by 30 degrees when the
// widest would not fit in its share of the data width (the panel's width
// less about an inch for the y axis), with half a letter between names.
func (a Axis) rotateNames(ax *plot.Axis, width vg.Length) {
	if !a.named() {
		return
	}
	var widest vg.Length
	for _, n := range a.Names {
		widest = max(widest, ax.Tick.Label.Width(n))
	}
	if widest+ax.Tick.Label.Font.Size/2 <= (width-vg.Inch)/vg.Length(len(a.Names)) {
		return
	}
	ax.Tick.Label.Rotation = math.Pi / 6
	ax.Tick.Label.XAlign, ax.Tick.Label.YAlign = draw.XRight, draw.YTop
}

package plotpng

import (
	"slices"
	"testing"

	"gonum.org/v1/plot"
)

// labels lists the labelled ticks.
func labels(ticks []plot.Tick) []string {
	var out []string
	for _, t := range ticks {
		if !t.IsMinor() {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestLogTicks(t *testing.T) {
	for _, c := range []struct {
		name   string
		lo, hi float64
		want   []string // nil: only check that there are at least three labels
	}{
		{"one decade", 1, 10, []string{"1", "2", "5", "10"}},
		{"class counts", 150, 5800, []string{"200", "500", "1,000", "2,000", "5,000"}},
		{"five decades: powers of ten", 1, 1e5, []string{"1", "10", "100", "1,000", "10,000", "100,000"}},
		{"inside a decade", 20, 45, []string{"20", "30", "40"}},
		{"narrower than a digit", 21, 23, nil},
		{"fractions", 0.05, 0.6, []string{"0.05", "0.1", "0.2", "0.5"}},
	} {
		ticks := LogTicks{Format: Count}.Ticks(c.lo, c.hi)
		got := labels(ticks)
		if c.name == "fractions" {
			got = labels(LogTicks{Format: Number}.Ticks(c.lo, c.hi))
		}
		if len(got) < 3 {
			t.Errorf("%s: %d labelled ticks %q, want at least 3", c.name, len(got), got)
		}
		if c.want != nil && !slices.Equal(got, c.want) {
			t.Errorf("%s: labels %q, want %q", c.name, got, c.want)
		}
		for _, tk := range ticks {
			if tk.Value < c.lo*(1-1e-9) || tk.Value > c.hi*(1+1e-9) {
				t.Errorf("%s: tick %v outside [%v, %v]", c.name, tk.Value, c.lo, c.hi)
			}
		}
		if c.hi/c.lo >= 10 && len(ticks) <= len(got) {
			t.Errorf("%s: no minor ticks over a decade", c.name)
		}
	}
}

func TestLinearTicks(t *testing.T) {
	for _, c := range []struct {
		name   string
		format Format
		lo, hi float64
		want   []string
	}{
		{"accuracy near 74%", Percent, 0.727, 0.752, []string{"73%", "74%", "75%"}},
		{"accuracy 0 to 1", Percent, -0.04, 1.04, []string{"0%", "20%", "40%", "60%", "80%", "100%"}},
		{"accuracy within a percent", Percent, 0.7472, 0.7483, []string{"74.72%", "74.74%", "74.76%", "74.78%", "74.80%", "74.82%"}},
		{"counts", Count, -80, 2080, []string{"0", "500", "1,000", "1,500", "2,000"}},
		{"small counts stay whole", Count, 0, 3, []string{"0", "1", "2", "3"}},
		{"loss", Number, 0.1, 2.3, []string{"0.5", "1.0", "1.5", "2.0"}},
	} {
		got := labels(LinearTicks{c.format}.Ticks(c.lo, c.hi))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: labels %q, want %q", c.name, got, c.want)
		}
	}
}

func TestNamedTicks(t *testing.T) {
	got := labels(NamedTicks{"T-shirt/top", "Trouser", "Bag"}.Ticks(-0.2, 1.5))
	if want := []string{"T-shirt/top", "Trouser"}; !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q (only positions in range)", got, want)
	}
}

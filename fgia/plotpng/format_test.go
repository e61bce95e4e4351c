package plotpng

import "testing"

func TestFormatLabel(t *testing.T) {
	for _, c := range []struct {
		name   string
		format Format
		v      float64
		step   float64
		want   string
	}{
		{"count with separators", Count, 1234567, 1000, "1,234,567"},
		{"count below a thousand", Count, 999, 1, "999"},
		{"count never has decimals", Count, 2, 0.5, "2"},
		{"negative count", Count, -12000, 1000, "-12,000"},
		{"whole percent", Percent, 0.75, 0.01, "75%"},
		{"hundred percent", Percent, 1, 0.2, "100%"},
		{"half percent steps", Percent, 0.745, 0.005, "74.5%"},
		{"percent zero", Percent, 0, 0.1, "0%"},
		{"number by its step", Number, 0.25, 0.05, "0.25"},
		{"number, whole step", Number, 1500, 500, "1,500"},
		{"number, step no decimal writes", Number, 11.0 / 12, 1.0 / 12, "0.92"},
		{"negative zero from rounding", Number, -1e-12, 0.1, "0.0"},
	} {
		if got := c.format.Label(c.v, c.step); got != c.want {
			t.Errorf("%s: Label(%v, %v) = %q, want %q", c.name, c.v, c.step, got, c.want)
		}
	}
}

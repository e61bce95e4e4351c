package report

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/clean"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/longtail"
	"github.com/fgia/fgia/fgia/manifest"
	"github.com/fgia/fgia/fgia/plotpng"
	"github.com/fgia/fgia/fgia/table"
)

// Data is the report of the data stage: class distribution before and after
// cleaning, what cleaning dropped and why, and — when the hidden labels of a
// demo set are at hand — how much of the injected noise cleaning caught.
type Data struct {
	ClassNames          []string
	Before, After       []int // images per class, listed / kept
	BeforeStats         longtail.Stats
	AfterStats          longtail.Stats
	Rows, Kept, Dropped int
	Reasons             []Count
	Noise               []NoiseCatch // empty without a labels folder
	// Outliers dropped by the optional detector, and how many of them were
	// injected noise (known only with a labels folder).
	Outliers, OutliersNoise int
	// WrongLabels counts the injected wrong labels filed under each class
	// (known only with a labels folder).
	WrongLabels []int
}

// Count is a number of rows for a reason.
type Count struct {
	Reason string
	Rows   int
}

// NoiseCatch compares one kind of injected noise with what cleaning did.
type NoiseCatch struct {
	Kind     string
	Injected int
	Dropped  int    // dropped for any reason
	Expected string // the reason cleaning should give ("" when none can)
	AsExpect int    // dropped with the expected reason
}

// expectedReason maps injected noise kinds to the manifest reason that catches
// them. Label noise cannot be seen by cleaning; charts only by the optional
// outlier detector.
var expectedReason = map[string]string{
	"unreadable":                  "unreadable",
	"duplicate_conflicting_label": clean.ConflictingLabels,
	"tiny":                        clean.TooSmall,
	"chart":                       clean.Outlier,
	"label_noise":                 "",
}

// BuildData reads root's manifest (and labels/noise.txt when labels != "").
func BuildData(root, labels string) (*Data, error) {
	l := dataset.Layout{Root: root}
	rows, err := manifest.Read(l.Path(dataset.ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("report: %w (run `fgia clean --data %s` first)", err, root)
	}
	nc, _ := l.NumClasses()
	for _, r := range rows {
		nc = max(nc, int(r.Label)+1)
	}
	d := &Data{Rows: len(rows), Before: make([]int, nc), After: make([]int, nc), ClassNames: l.ClassNames(nc)}
	reasons := map[string]int{}
	for _, r := range rows {
		if r.Label >= 0 {
			d.Before[r.Label]++
		}
		if r.Status == manifest.Kept {
			d.Kept++
			d.After[r.Label]++
		} else {
			d.Dropped++
			reasons[r.Reason]++
			if r.Reason == clean.Outlier {
				d.Outliers++
			}
		}
	}
	for reason, n := range reasons {
		d.Reasons = append(d.Reasons, Count{reason, n})
	}
	sort.Slice(d.Reasons, func(i, j int) bool {
		if d.Reasons[i].Rows != d.Reasons[j].Rows {
			return d.Reasons[i].Rows > d.Reasons[j].Rows
		}
		return d.Reasons[i].Reason < d.Reasons[j].Reason
	})
	d.BeforeStats, d.AfterStats = longtail.Describe(d.Before), longtail.Describe(d.After)
	if labels != "" {
		d.WrongLabels = make([]int, nc)
		if d.Noise, d.OutliersNoise, err = catchNoise(filepath.Join(labels, "noise.txt"), rows, d.WrongLabels); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// catchNoise reads "path kind" lines and looks each path up in the manifest;
// it also counts the outlier drops that hit injected noise, and the wrong
// labels by the class they are filed under.
func catchNoise(file string, rows []manifest.Row, wrong []int) ([]NoiseCatch, int, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, 0, fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	byPath := map[string][]manifest.Row{}
	for _, r := range rows {
		byPath[r.Path] = append(byPath[r.Path], r)
	}
	byKind := map[string]*NoiseCatch{}
	outlierNoise := 0
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		p, kind, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			return nil, 0, fmt.Errorf("report: %s:%d: want \"path kind\"", file, line)
		}
		c := byKind[kind]
		if c == nil {
			c = &NoiseCatch{Kind: kind, Expected: expectedReason[kind]}
			byKind[kind] = c
		}
		c.Injected++
		for _, r := range byPath[p] {
			if kind == "label_noise" && r.Label >= 0 && int(r.Label) < len(wrong) {
				wrong[r.Label]++
			}
			if r.Reason == clean.Outlier {
				outlierNoise++
			}
			if r.Status == manifest.Dropped {
				c.Dropped++
				if r.Reason == c.Expected {
					c.AsExpect++
				}
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, err
	}
	var out []NoiseCatch
	for _, c := range byKind {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out, outlierNoise, nil
}

// Markdown renders the report as Markdown tables.
func (d *Data) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Cleaning\n\n%d manifest rows: %d kept, %d dropped.\n\n| reason | rows |\n|---|---:|\n", d.Rows, d.Kept, d.Dropped)
	for _, c := range d.Reasons {
		fmt.Fprintf(&b, "| %s | %d |\n", c.Reason, c.Rows)
	}
	fmt.Fprintf(&b, "\n### Long tail\n\n| | images | classes | min | mean | max | imbalance | head share | medium share | tail share |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range []struct {
		name string
		st   longtail.Stats
	}{{"listed", d.BeforeStats}, {"kept", d.AfterStats}} {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.1f | %d | %.1f |", s.name, s.st.Images, s.st.Classes, s.st.Min, s.st.Mean, s.st.Max, s.st.Imbalance)
		for _, g := range s.st.Groups {
			fmt.Fprintf(&b, " %.1f%% |", 100*g.Share)
		}
		b.WriteString("\n")
	}
	bands := longtail.Bands(d.After)
	if d.WrongLabels == nil {
		fmt.Fprintf(&b, "\n| class | name | listed | kept | band |\n|---:|---|---:|---:|---|\n")
	} else {
		fmt.Fprintf(&b, "\nWrong labels: injected wrong labels filed under the class, as a share of its listed images (undetectable by cleaning).\n")
		fmt.Fprintf(&b, "\n| class | name | listed | kept | band | wrong labels |\n|---:|---|---:|---:|---|---:|\n")
	}
	for c := range d.Before {
		fmt.Fprintf(&b, "| %d | %s | %d | %d | %s |", c, d.ClassNames[c], d.Before[c], d.After[c], bands[c])
		if d.WrongLabels != nil {
			fmt.Fprintf(&b, " %d (%.1f%%) |", d.WrongLabels[c], 100*float64(d.WrongLabels[c])/float64(max(d.Before[c], 1)))
		}
		b.WriteString("\n")
	}
	if len(d.Noise) > 0 {
		fmt.Fprintf(&b, "\n### Injected noise against cleaning\n\n| kind | injected | dropped | expected reason | dropped with it |\n|---|---:|---:|---|---:|\n")
		for _, n := range d.Noise {
			exp := n.Expected
			if exp == "" {
				exp = "(none: not detectable)"
			}
			fmt.Fprintf(&b, "| %s | %d | %d | %s | %d |\n", n.Kind, n.Injected, n.Dropped, exp, n.AsExpect)
		}
		if d.Outliers > 0 {
			fmt.Fprintf(&b, "\nThe outlier detector dropped %d images, %d of them injected noise (precision %.1f%%).\n",
				d.Outliers, d.OutliersNoise, 100*float64(d.OutliersNoise)/float64(d.Outliers))
		}
	}
	return b.String()
}

// ClassRow is one row of class_counts.parquet.
type ClassRow struct {
	Class  int32  `parquet:"class"`
	Name   string `parquet:"name"`
	Listed int32  `parquet:"listed"`
	Kept   int32  `parquet:"kept"`
	Band   string `parquet:"band"`
}

// FrequencyPlot draws the sorted class-frequency plot, listed vs kept.
func (d *Data) FrequencyPlot() (*plotpng.Figure, error) {
	return longtail.FrequencyPlot("Class frequency (sorted)", d.ClassNames,
		longtail.Series{Name: "listed", Counts: d.Before}, longtail.Series{Name: "kept after cleaning", Counts: d.After})
}

// FrequencyPlotFile is the base name of the class-frequency plot in a data
// report (written as .png and .svg).
const FrequencyPlotFile = "class_frequency"

// Write stores data_report.md, class_frequency.png and .svg, and
// class_counts.parquet in out.
func (d *Data) Write(out string) error {
	fig, err := d.FrequencyPlot()
	if err != nil {
		return err
	}
	if err := fig.Save(out, FrequencyPlotFile); err != nil {
		return err
	}
	md := "# Data report\n\n![class frequency](class_frequency.png)\n\n" + d.Markdown()
	if err := atomicfile.WriteBytes(filepath.Join(out, "data_report.md"), []byte(md)); err != nil {
		return err
	}
	bands := longtail.Bands(d.After)
	rows := make([]ClassRow, len(d.Before))
	for c := range rows {
		rows[c] = ClassRow{int32(c), d.ClassNames[c], int32(d.Before[c]), int32(d.After[c]), string(bands[c])}
	}
	return table.Write(filepath.Join(out, "class_counts.parquet"), rows)
}

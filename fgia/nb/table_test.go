package nb

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fgia/fgia/fgia/table"
)

func TestFormats(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		name string
		got  string
		want string
	}{
		{"percent", FormatPercent(0.6234), "62.34%"},
		{"percent rounds", FormatPercent(0.62345678), "62.35%"},
		{"percent zero", FormatPercent(0), "0.00%"},
		{"percent one", FormatPercent(1), "100.00%"},
		{"percent tiny negative is zero", FormatPercent(-0.00001), "0.00%"},
		{"percent NaN", FormatPercent(nan), "–"},
		{"points positive", FormatPoints(0.0123), "+1.23"},
		{"points negative", FormatPoints(-0.004), "-0.40"},
		{"points zero", FormatPoints(0), "+0.00"},
		{"points tiny negative is +0.00", FormatPoints(-0.000001), "+0.00"},
		{"points infinite", FormatPoints(math.Inf(1)), "–"},
		{"interval", FormatInterval(0.612, 0.631, false), "[61.20, 63.10%]"},
		{"interval points", FormatInterval(-0.005, 0.0125, true), "[-0.50, +1.25]"},
		{"interval NaN", FormatInterval(nan, 0.5, false), "–"},
		{"value float auto", FormatValue(0.123456, Auto), "0.1235"},
		{"value whole float auto", FormatValue(404.0, Auto), "404"},
		{"value int", FormatValue(int32(7), Auto), "7"},
		{"value int as percent", FormatValue(1, Percent), "100.00%"},
		{"value float32 percent", FormatValue(float32(0.5), Percent), "50.00%"},
		{"value bool", FormatValue(true, Auto), "yes"},
		{"value nil", FormatValue(nil, Percent), ""},
		{"value cell ignores format", FormatValue(Cell{Text: "x"}, Percent), "x"},
		{"value long slice", FormatValue(make([]float32, 10), Auto), "[10 values]"},
		{"value short slice", FormatValue([]int{1, 2}, Auto), "[1 2]"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

type inner struct {
	K    int     `parquet:"k"`
	Top1 float64 `parquet:"top1"`
}

type outer struct {
	Step   string `parquet:"step"`
	Note   string `json:"note_json"`
	Plain  bool
	hidden int
	inner
}

func TestRowsColumns(t *testing.T) {
	tb := Rows([]outer{{Step: "a<b", Note: "n", Plain: true, hidden: 3, inner: inner{K: 11, Top1: 0.5}}})
	var names []string
	for _, c := range tb.Columns {
		names = append(names, c.Name)
	}
	if got, want := strings.Join(names, ","), "step,note_json,Plain,k,top1"; got != want {
		t.Fatalf("columns %s, want %s", got, want)
	}
	if got := tb.Rows[0]; got[0] != "a<b" || got[3] != 11 || got[4] != 0.5 {
		t.Fatalf("row %v", got)
	}
}

func TestTableHTML(t *testing.T) {
	for _, c := range []struct {
		name    string
		build   func() *Table
		want    []string // substrings, in this order
		notWant []string
		err     string
	}{
		{
			name: "only and percent",
			build: func() *Table {
				return Rows([]outer{{Step: "a<b", inner: inner{K: 11, Top1: 0.6234}}}).Only("top1", "step").Percent("top1")
			},
			want:    []string{`<th style="text-align:right">top1</th><th style="text-align:left">step</th>`, `<td style="text-align:right">62.34%</td>`, `<td style="text-align:left">a&lt;b</td>`},
			notWant: []string{"note_json", "a<b"},
		},
		{
			name: "points, rename and caption",
			build: func() *Table {
				return Rows([]inner{{Top1: -0.015}}).Points("top1").Rename("top1", "Δ").WithCaption("x & y")
			},
			want: []string{"x &amp; y", ">Δ</th>", ">-1.50</td>"},
		},
		{
			name: "strong cell",
			build: func() *Table {
				return &Table{Columns: []Column{{Name: "d"}}, Rows: [][]any{{Cell{Text: "+2.00", Strong: true}}, {Cell{Text: "+0.10"}}}}
			},
			want:    []string{"<b>+2.00</b>", ">+0.10</td>"},
			notWant: []string{"<b>+0.10"},
		},
		{
			name: "filter",
			build: func() *Table {
				return Rows([]inner{{K: 1}, {K: 2}, {K: 3}}).Filter("k", func(v any) bool { return v.(int) != 2 })
			},
			want: []string{">1</td>", ">3</td>"}, notWant: []string{">2</td>"},
		},
		{
			name:  "numeric text is right-aligned",
			build: func() *Table { return &Table{Columns: []Column{{Name: "top1"}}, Rows: [][]any{{"62.000"}}} },
			want:  []string{`<td style="text-align:right">62.000</td>`},
		},
		{
			name:  "unknown column",
			build: func() *Table { return Rows([]inner{{}}).Percent("top5") },
			err:   `no column "top5" (it has k, top1)`,
		},
		{
			name:  "not structs",
			build: func() *Table { return Rows([]int{1}) },
			err:   "want a slice of structs",
		},
		{
			name:  "ragged row",
			build: func() *Table { return &Table{Columns: []Column{{Name: "a"}, {Name: "b"}}, Rows: [][]any{{1}}} },
			err:   "row 1 has 1 values for 2 columns",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.build().HTML()
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rest := got
			for _, w := range c.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("%q not found (in order) in\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range c.notWant {
				if strings.Contains(got, w) {
					t.Errorf("%q should not be in\n%s", w, got)
				}
			}
		})
	}
}

type parquetRow struct {
	Name   string    `parquet:"name"`
	Acc    float64   `parquet:"acc"`
	N      int32     `parquet:"n"`
	Big    int64     `parquet:"big"`
	OK     bool      `parquet:"ok"`
	Logits []float32 `parquet:"logits,list"`
}

func TestReadParquet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.parquet")
	in := []parquetRow{{"a", 0.25, 3, 1 << 40, true, []float32{1, 2}}, {"b", 0.5, -1, 0, false, nil}}
	if err := table.Write(path, in); err != nil {
		t.Fatal(err)
	}
	tb, err := ReadParquet(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tb.Columns {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "name,acc,n,big,ok,logits.list.element" {
		t.Fatalf("columns %s", got)
	}
	if len(tb.Rows) != 2 {
		t.Fatalf("%d rows", len(tb.Rows))
	}
	r0, r1 := tb.Rows[0], tb.Rows[1]
	if r0[0] != "a" || r0[1] != 0.25 || r0[2] != int32(3) || r0[3] != int64(1<<40) || r0[4] != true {
		t.Errorf("row 0 %#v", r0)
	}
	if l, ok := r0[5].([]any); !ok || len(l) != 2 || l[1] != float32(2) {
		t.Errorf("row 0 list %#v", r0[5])
	}
	if r1[0] != "b" || r1[2] != int32(-1) || r1[4] != false || len(r1[5].([]any)) != 0 {
		t.Errorf("row 1 %#v", r1)
	}
	html, err := tb.Percent("acc").HTML()
	if err != nil || !strings.Contains(html, ">25.00%</td>") {
		t.Errorf("HTML %v:\n%s", err, html)
	}
	if _, err := ReadParquet(filepath.Join(t.TempDir(), "none.parquet")); err == nil {
		t.Error("a missing file read without error")
	}
}

package nb

import (
	"fmt"
	"html"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Format is how a table column writes its values.
type Format int

const (
	// Auto writes integers as they are, other numbers with 4 significant
	// digits, and text as it is.
	Auto Format = iota
	// Percent writes a share (0.6234) as percent: 62.34%.
	Percent
	// Points writes a difference of shares as signed percentage points:
	// 0.0123 is +1.23.
	Points
)

// Column is a table column: its header and format.
type Column struct {
	Name   string
	Format Format
}

// Cell is a value already written, shown as it is (Strong: bold): for
// what a column's format cannot say, such as an interval or a mark.
type Cell struct {
	Text   string
	Strong bool
}

// Table is what a cell shows as an HTML table: columns and rows of values
// (numbers, strings, bools, Cells). Build one with Rows or ReadParquet,
// choose columns and formats with its methods, then Show it.
type Table struct {
	Columns []Column
	Rows    [][]any
	// Caption is shown above the table (Markdown is not rendered in it).
	Caption string
	err     error
}

// Rows makes a table of a slice of structs: one column per exported field
// (embedded structs' fields included), named by its `parquet` tag, else its
// `json` tag, else its name.
func Rows[T any](rows []T) *Table {
	t := &Table{}
	typ := reflect.TypeFor[T]()
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct {
		t.err = fmt.Errorf("nb: Rows of %s: want a slice of structs", typ)
		return t
	}
	var paths [][]int
	var walk func(typ reflect.Type, prefix []int)
	walk = func(typ reflect.Type, prefix []int) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			idx := append(slices.Clone(prefix), i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				walk(f.Type, idx)
				continue
			}
			if !f.IsExported() {
				continue
			}
			t.Columns = append(t.Columns, Column{Name: fieldName(f)})
			paths = append(paths, idx)
		}
	}
	walk(typ, nil)
	for _, r := range rows {
		v := reflect.ValueOf(r)
		for v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		row := make([]any, len(paths))
		for j, p := range paths {
			row[j] = v.FieldByIndex(p).Interface()
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// fieldName is a struct field's column name.
func fieldName(f reflect.StructField) string {
	for _, tag := range []string{"parquet", "json"} {
		if name, _, _ := strings.Cut(f.Tag.Get(tag), ","); name != "" && name != "-" {
			return name
		}
	}
	return f.Name
}

// index is the position of the column called name (-1 and an error
// remembered when there is none).
func (t *Table) index(name string) int {
	i := slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == name })
	if i < 0 && t.err == nil {
		var have []string
		for _, c := range t.Columns {
			have = append(have, c.Name)
		}
		t.err = fmt.Errorf("nb: the table has no column %q (it has %s)", name, strings.Join(have, ", "))
	}
	return i
}

// Only keeps the named columns, in that order.
func (t *Table) Only(names ...string) *Table {
	idx := make([]int, 0, len(names))
	for _, n := range names {
		if i := t.index(n); i >= 0 {
			idx = append(idx, i)
		}
	}
	if t.err != nil {
		return t
	}
	cols := make([]Column, len(idx))
	for j, i := range idx {
		cols[j] = t.Columns[i]
	}
	for r, row := range t.Rows {
		out := make([]any, len(idx))
		for j, i := range idx {
			out[j] = row[i]
		}
		t.Rows[r] = out
	}
	t.Columns = cols
	return t
}

// Filter keeps the rows for which keep, given a row's value of the column
// called by, says true: `.Filter("step", func(v any) bool { ... })`.
func (t *Table) Filter(by string, keep func(v any) bool) *Table {
	i := t.index(by)
	if i < 0 {
		return t
	}
	t.Rows = slices.DeleteFunc(t.Rows, func(row []any) bool { return !keep(row[i]) })
	return t
}

// Percent writes the named columns as percent.
func (t *Table) Percent(names ...string) *Table { return t.format(Percent, names) }

// Points writes the named columns as signed percentage points.
func (t *Table) Points(names ...string) *Table { return t.format(Points, names) }

func (t *Table) format(f Format, names []string) *Table {
	for _, n := range names {
		if i := t.index(n); i >= 0 {
			t.Columns[i].Format = f
		}
	}
	return t
}

// Rename gives a column a new header.
func (t *Table) Rename(name, to string) *Table {
	if i := t.index(name); i >= 0 {
		t.Columns[i].Name = to
	}
	return t
}

// WithCaption sets the caption.
func (t *Table) WithCaption(caption string) *Table {
	t.Caption = caption
	return t
}

// Err is the first error of building the table (an unknown column, ...).
func (t *Table) Err() error { return t.err }

// Show displays the table, or stops the cell on its error.
func (t *Table) Show() {
	HTML(Must(t.HTML()))
}

// HTML renders the table: numbers right-aligned, text escaped.
func (t *Table) HTML() (string, error) {
	if t.err != nil {
		return "", t.err
	}
	var b strings.Builder
	b.WriteString("<table>\n")
	if t.Caption != "" {
		fmt.Fprintf(&b, "<caption style=\"caption-side:top;text-align:left\">%s</caption>\n", html.EscapeString(t.Caption))
	}
	right := make([]bool, len(t.Columns))
	for j, c := range t.Columns {
		right[j] = c.Format != Auto
		for _, row := range t.Rows {
			if j < len(row) && isNumber(row[j]) {
				right[j] = true
			}
		}
	}
	b.WriteString("<thead><tr>")
	for j, c := range t.Columns {
		fmt.Fprintf(&b, "<th%s>%s</th>", align(right[j]), html.EscapeString(c.Name))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return "", fmt.Errorf("nb: table row %d has %d values for %d columns", i+1, len(row), len(t.Columns))
		}
		b.WriteString("<tr>")
		for j, v := range row {
			text := html.EscapeString(FormatValue(v, t.Columns[j].Format))
			if c, ok := v.(Cell); ok && c.Strong {
				text = "<b>" + text + "</b>"
			}
			fmt.Fprintf(&b, "<td%s>%s</td>", align(right[j]), text)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>")
	return b.String(), nil
}

func align(right bool) string {
	if right {
		return ` style="text-align:right"`
	}
	return ` style="text-align:left"`
}

// isNumber says whether a value is a number, or text that is one (a CSV
// field).
func isNumber(v any) bool {
	switch x := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	case string:
		_, err := strconv.ParseFloat(x, 64)
		return err == nil
	}
	return false
}

// FormatValue writes one value in a column's format. A number that is not
// finite (an interval a table could not compute) is written "–".
func FormatValue(v any, f Format) string {
	switch x := v.(type) {
	case nil:
		return ""
	case Cell:
		return x.Text
	case string:
		return x
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case float64:
		return formatFloat(x, f)
	case float32:
		return formatFloat(float64(x), f)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		if f != Auto {
			n, _ := strconv.ParseFloat(fmt.Sprint(x), 64)
			return formatFloat(n, f)
		}
		return fmt.Sprint(x)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.Len() > 8 {
		return fmt.Sprintf("[%d values]", rv.Len())
	}
	return fmt.Sprint(v)
}

func formatFloat(x float64, f Format) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	switch f {
	case Percent:
		return FormatPercent(x)
	case Points:
		return FormatPoints(x)
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

// FormatPercent writes a share as percent with two decimals: 0.6234 is
// "62.34%" (one number format for every table, as the ablation's).
func FormatPercent(share float64) string {
	if math.IsNaN(share) || math.IsInf(share, 0) {
		return "–"
	}
	return noNegZero(strconv.FormatFloat(100*share, 'f', 2, 64)) + "%"
}

// FormatPoints writes a difference of shares as signed percentage points
// with two decimals: 0.0123 is "+1.23", -0.004 is "-0.40".
func FormatPoints(diff float64) string {
	if math.IsNaN(diff) || math.IsInf(diff, 0) {
		return "–"
	}
	s := noNegZero(strconv.FormatFloat(100*diff, 'f', 2, 64))
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// FormatInterval writes an interval of shares in percent, "[61.20, 63.10]",
// or of differences in signed points when points is true; "–" when either
// end is not finite.
func FormatInterval(low, high float64, points bool) string {
	if math.IsNaN(low) || math.IsNaN(high) || math.IsInf(low, 0) || math.IsInf(high, 0) {
		return "–"
	}
	if points {
		return "[" + FormatPoints(low) + ", " + FormatPoints(high) + "]"
	}
	return "[" + strings.TrimSuffix(FormatPercent(low), "%") + ", " + FormatPercent(high) + "]"
}

// noNegZero drops the sign of a number that rounded to zero ("-0.00").
func noNegZero(s string) string {
	if strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0.") == "" {
		return s[1:]
	}
	return s
}

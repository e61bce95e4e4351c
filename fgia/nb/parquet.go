package nb

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// ReadParquet makes a table of any Parquet file: one column per leaf column
// (nested names joined with "."), a repeated column's values as a slice.
// It reads the whole file: for the kit's tables, not for prediction files
// of a large test set.
func ReadParquet(path string) (*Table, error) {
	f, pf, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	schema := pf.Schema()
	t := &Table{}
	var leaves []parquet.LeafColumn
	for _, p := range schema.Columns() {
		leaf, ok := schema.Lookup(p...)
		if !ok {
			return nil, fmt.Errorf("nb: %s: column %s not in its own schema", Rel(path), strings.Join(p, "."))
		}
		// Lookup's ColumnIndex is the index values carry (Value.Column).
		for len(leaves) <= leaf.ColumnIndex {
			leaves = append(leaves, parquet.LeafColumn{})
		}
		leaves[leaf.ColumnIndex] = leaf
		t.Columns = append(t.Columns, Column{Name: strings.Join(p, ".")})
	}
	r := parquet.NewReader(pf)
	defer r.Close()
	buf := make([]parquet.Row, 64)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			t.Rows = append(t.Rows, rowValues(row, leaves))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("nb: %s: %w", Rel(path), err)
		}
	}
	return t, nil
}

// rowValues turns a row's values into one Go value per leaf column.
func rowValues(row parquet.Row, leaves []parquet.LeafColumn) []any {
	out := make([]any, len(leaves))
	lists := make([][]any, len(leaves))
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(leaves) {
			continue
		}
		x := goValue(v, leaves[c].Node)
		if leaves[c].MaxRepetitionLevel > 0 {
			if x != nil {
				lists[c] = append(lists[c], x)
			}
			continue
		}
		out[c] = x
	}
	for c, l := range lists {
		if leaves[c].MaxRepetitionLevel > 0 {
			out[c] = l
		}
	}
	return out
}

// goValue is a value as Go holds it: strings for UTF-8 byte arrays.
func goValue(v parquet.Value, node parquet.Node) any {
	if v.IsNull() {
		return nil
	}
	switch v.Kind() {
	case parquet.Boolean:
		return v.Boolean()
	case parquet.Int32:
		return v.Int32()
	case parquet.Int64:
		return v.Int64()
	case parquet.Float:
		return v.Float()
	case parquet.Double:
		return v.Double()
	case parquet.ByteArray, parquet.FixedLenByteArray:
		if lt := node.Type().LogicalType(); lt != nil {
			switch lt.Value.(type) {
			case *format.StringType, *format.EnumType, *format.JsonType:
				return string(v.ByteArray())
			}
		}
		return fmt.Sprintf("%d bytes", len(v.ByteArray()))
	}
	return v.String()
}

// ParquetColumns lists the leaf columns of a Parquet file, to tell a table
// written by an older fgia (without some columns) from a current one.
func ParquetColumns(path string) ([]string, error) {
	f, pf, err := openParquet(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	for _, p := range pf.Schema().Columns() {
		out = append(out, strings.Join(p, "."))
	}
	return out, nil
}

// openParquet opens a Parquet file (the caller closes f).
func openParquet(path string) (f *os.File, pf *parquet.File, err error) {
	open()
	if f, err = os.Open(path); err != nil {
		return nil, nil, fmt.Errorf("nb: %w", err)
	}
	st, err := f.Stat()
	if err == nil {
		pf, err = parquet.OpenFile(f, st.Size())
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("nb: %s: %w", Rel(path), err)
	}
	return f, pf, nil
}

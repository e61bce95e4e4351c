package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fgia/fgia/fgia/predict"
)

// listFlag splits a comma-separated flag value, expanding each element as
// a glob when it has glob characters (so --parts 'shard-*.parquet' works).
func listFlag(v string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !strings.ContainsAny(p, "*?[") {
			out = append(out, p)
			continue
		}
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", p, err)
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%q matches no file", p)
		}
		out = append(out, m...)
	}
	return out, nil
}

func init() {
	register(command{name: "merge", group: "prediction",
		summary:  "merge the shard files of fgia predict --shard k/n into one prediction file",
		usage:    "--parts FILES --out FILE",
		required: []string{"parts", "out"},
		examples: []string{"fgia merge --parts 'pred-*-of-4.parquet' --out pred_testb.parquet"},
		setup:    mergeCmd})
}

func mergeCmd(fs *flag.FlagSet) func() error {
	parts := fs.String("parts", "", "prediction files to merge, comma-separated or a glob (e.g. 'pred-*-of-4.parquet')")
	out := fs.String("out", "", "merged prediction Parquet file")
	return func() error {
		files, err := listFlag(*parts)
		if err != nil {
			return err
		}
		if err := predict.Merge(*out, files); err != nil {
			return err
		}
		info, err := predict.Stat(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "merged %d files, %d predictions, into %s\n", len(files), info.Rows, *out)
		return nil
	}
}

package predict

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Merge concatenates the prediction files parts into out, streaming (one
// batch of rows in memory). Parts are taken in the order of their shard
// number when they carry MetaShard, else in the order of their first image;
// so the shards of one sharded prediction merge into the unsharded file.
// Merge refuses parts that share an image (naming both files), that differ
// in their number of classes, class counts or metadata (MetaShard aside),
// and an incomplete set of shards. The merged file keeps the parts'
// metadata, without MetaShard.
func Merge(out string, parts []string) error {
	if len(parts) == 0 {
		return fmt.Errorf("predict: merge: no parts")
	}
	type part struct {
		path          string
		info          *Info
		first         string
		shard, shards int
	}
	ps := make([]part, len(parts))
	for i, p := range parts {
		info, err := Stat(p)
		if err != nil {
			return err
		}
		ps[i] = part{path: p, info: info}
		if s, ok := info.Meta[MetaShard]; ok {
			if ps[i].shard, ps[i].shards, err = ParseShard(s); err != nil {
				return fmt.Errorf("%w (in %s)", err, p)
			}
		}
		if info.Rows > 0 {
			err := Each(p, func(rows []Row) error { ps[i].first = rows[0].Image; return errStop })
			if err != nil && err != errStop {
				return err
			}
		}
	}
	ref := ps[0]
	meta := maps.Clone(ref.info.Meta)
	delete(meta, MetaShard)
	classes := 0
	for _, p := range ps {
		if p.info.Classes != 0 {
			if classes != 0 && p.info.Classes != classes {
				return fmt.Errorf("predict: merge: %s has %d classes, other parts %d", p.path, p.info.Classes, classes)
			}
			classes = p.info.Classes
		}
		if !slices.Equal(p.info.Counts, ref.info.Counts) {
			return fmt.Errorf("predict: merge: %s and %s have different class counts", p.path, ref.path)
		}
		m := maps.Clone(p.info.Meta)
		delete(m, MetaShard)
		if !maps.Equal(m, meta) {
			return fmt.Errorf("predict: merge: %s and %s have different metadata (%v vs %v)", p.path, ref.path, m, meta)
		}
		if p.shards != ref.shards {
			return fmt.Errorf("predict: merge: %s is shard %d/%d, %s is shard %d/%d", p.path, p.shard, p.shards, ref.path, ref.shard, ref.shards)
		}
	}
	if ref.shards > 0 {
		sort.SliceStable(ps, func(a, b int) bool { return ps[a].shard < ps[b].shard })
		for i, p := range ps {
			if i > 0 && p.shard == ps[i-1].shard {
				return fmt.Errorf("predict: merge: %s and %s are both shard %d/%d", ps[i-1].path, p.path, p.shard, p.shards)
			}
		}
		if len(ps) != ref.shards {
			return fmt.Errorf("predict: merge: %d of %d shards given", len(ps), ref.shards)
		}
	} else {
		sort.SliceStable(ps, func(a, b int) bool { return ps[a].first < ps[b].first })
	}
	owner := map[string]string{} // image -> the part it came from
	return WriteEach(out, ref.info.Counts, meta, func(write func([]Row) error) error {
		for _, p := range ps {
			err := Each(p.path, func(rows []Row) error {
				for _, r := range rows {
					if len(r.Logits) != classes {
						return fmt.Errorf("predict: merge: %s: image %s has %d logits, want %d", p.path, r.Image, len(r.Logits), classes)
					}
					if prev, dup := owner[r.Image]; dup {
						return fmt.Errorf("predict: merge: image %s is in both %s and %s", r.Image, prev, p.path)
					}
					owner[r.Image] = p.path
				}
				return write(rows)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// ParseShard reads a shard as the command line and MetaShard write it:
// "k/n", 1-based.
func ParseShard(s string) (k, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		k, err = strconv.Atoi(a)
		if err == nil {
			n, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("predict: shard %q: want k/n with 1 <= k <= n", s)
	}
	return k, n, nil
}

package demodata

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/fgia/fgia/fgia/atomicfile"
	"github.com/fgia/fgia/fgia/dataset"
	"github.com/fgia/fgia/fgia/fashionmnist"
	"github.com/fgia/fgia/fgia/progress"
)

// Noise kinds written to noise.txt.
const (
	KindUnreadable = "unreadable"
	KindDuplicate  = "duplicate_conflicting_label"
	KindTiny       = "tiny"
	KindChart      = "chart"
	KindLabelNoise = "label_noise"
)

// stampFile records the options a folder was built with, so Ensure can reuse it.
const stampFile = "meta/demo.json"

// Result summarises a build.
type Result struct {
	Train, TestA, TestB int            // files written
	ClassCounts         []int          // clean images per class, before noise
	Noise               map[string]int // defects by kind
	Reused              bool
}

// Ensure builds the set unless opt.Out already holds one built with the same
// options, in which case it is reused as is.
func Ensure(opt Options) (*Result, error) {
	if b, err := os.ReadFile(filepath.Join(opt.Out, stampFile)); err == nil && string(b) == opt.fingerprint() {
		if _, err := os.Stat(filepath.Join(opt.Labels, "testb.txt")); err == nil {
			return &Result{Reused: true}, nil
		}
	}
	return Build(opt)
}

// Build writes a new demo set into opt.Out and its hidden labels into
// opt.Labels. Both folders must be empty or absent.
func Build(opt Options) (*Result, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	for _, d := range []string{opt.Out, opt.Labels} {
		if entries, err := os.ReadDir(d); err == nil && len(entries) > 0 {
			return nil, fmt.Errorf("demodata: %s is not empty; remove it or choose another folder", d)
		}
	}
	train, err := fashionmnist.Load(opt.SourceDir, "train")
	if err != nil {
		return nil, err
	}
	test, err := fashionmnist.Load(opt.SourceDir, "t10k")
	if err != nil {
		return nil, err
	}
	p := plan(opt, train, test)
	if err := p.write(opt); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(filepath.Join(opt.Out, stampFile), []byte(opt.fingerprint())); err != nil {
		return nil, err
	}
	return p.result, nil
}

// file is one file to write: its pixels, how to encode or break them, and
// where it goes.
type file struct {
	dir    string // "train/0003", "testa", ...
	name   string // set when the name is not the content hash
	pix    []uint8
	side   int
	label  int
	enc    encoding
	seed   uint64
	noise  string
	source int  // the true class of a wrong label
	listed bool // goes into train.txt
	rel    string
}

// plan makes every random decision up front, in one sequence, so that
// parallel encoding cannot change the result.
type buildPlan struct {
	files  []*file
	testA  [][2]string // name, label
	testB  [][2]string
	result *Result
}

func plan(opt Options, train, test *fashionmnist.Split) *buildPlan {
	rng := rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15))
	nc := len(fashionmnist.ClassNames)
	res := &Result{ClassCounts: make([]int, nc), Noise: map[string]int{}}
	p := &buildPlan{result: res}

	// Long-tailed counts, exponential in a random class rank so head and tail
	// are not tied to class ids.
	rank := rng.Perm(nc)
	byClass := make([][]int, nc)
	for _, i := range rng.Perm(len(train.Labels)) {
		byClass[train.Labels[i]] = append(byClass[train.Labels[i]], i)
	}
	// Every class gets each defect at the same rate, so the long tail
	// survives the noise (a tail class is not swamped by wrong labels).
	ownBy := make([][]*file, nc)
	var clean []*file
	spare := make([][]int, nc) // Fashion-MNIST images no clean file uses
	for c := 0; c < nc; c++ {
		n := opt.MaxPerClass
		if nc > 1 {
			n = int(math.Round(float64(opt.MaxPerClass) * math.Pow(opt.Imbalance, -float64(rank[c])/float64(nc-1))))
		}
		n = max(1, min(n, len(byClass[c])))
		res.ClassCounts[c] = n
		for _, i := range byClass[c][:n] {
			f := &file{pix: train.Images[i], side: fashionmnist.Side, label: c, listed: true}
			ownBy[c] = append(ownBy[c], f)
			clean = append(clean, f)
		}
		spare[c] = byClass[c][n:]
	}
	rng.Shuffle(len(clean), func(i, j int) { clean[i], clean[j] = clean[j], clean[i] })
	for _, f := range clean {
		f.enc = pickEncoding(rng)
		f.seed = rng.Uint64()
	}
	perClass := func(rate float64, c int) int { return int(math.Round(rate * float64(res.ClassCounts[c]))) }
	// pickDonor draws a class confusable with c, by weight, among those
	// with supply left; with bySupply the weight is scaled by the supply,
	// so that large classes give most copies and a small one is not
	// emptied. -1 when no class has supply.
	pickDonor := func(c int, supply func(d int) int, bySupply bool) int {
		weight := func(d int, w float64) float64 {
			n := supply(d)
			switch {
			case n <= 0:
				return 0
			case bySupply:
				return w * float64(n)
			}
			return w
		}
		var total float64
		ws := donors(c, nc)
		keys := make([]int, 0, len(ws))
		for d := range ws {
			keys = append(keys, d)
		}
		sort.Ints(keys)
		for _, d := range keys {
			total += weight(d, ws[d])
		}
		if total == 0 {
			return -1
		}
		x := rng.Float64() * total
		last := -1
		for _, d := range keys {
			if w := weight(d, ws[d]); w > 0 {
				if x -= w; x < 0 {
					return d
				}
				last = d
			}
		}
		return last
	}
	// A class's own images break (unreadable, tiny) at the class's rate,
	// each image at most once.
	used := map[*file]bool{}
	takeOwn := func(c, n int, kind string) {
		for _, f := range ownBy[c] {
			if n == 0 {
				return
			}
			if !used[f] {
				used[f], f.noise = true, kind
				n--
			}
		}
	}
	for c := 0; c < nc; c++ {
		takeOwn(c, perClass(opt.Noise.Unreadable, c), KindUnreadable)
		takeOwn(c, perClass(opt.Noise.Tiny, c), KindTiny)
	}
	for c := 0; c < nc; c++ {
		// Copies of a confusable class's listed images filed under c as
		// well: the same content under two labels.
		for k := perClass(opt.Noise.Duplicate, c); k > 0; k-- {
			d := pickDonor(c, func(d int) int {
				n := 0
				for _, f := range ownBy[d] {
					if !used[f] {
						n++
					}
				}
				return n
			}, true)
			if d < 0 {
				break
			}
			for _, f := range ownBy[d] {
				if !used[f] {
					used[f], f.noise = true, KindDuplicate
					dup := *f
					dup.label = c
					clean = append(clean, &dup)
					break
				}
			}
		}
		// Wrong labels: further images of confusable classes filed under c.
		for k := perClass(opt.Noise.LabelNoise, c); k > 0; k-- {
			d := pickDonor(c, func(d int) int { return len(spare[d]) }, false)
			if d < 0 {
				break
			}
			i := spare[d][0]
			spare[d] = spare[d][1:]
			clean = append(clean, &file{pix: train.Images[i], side: fashionmnist.Side, label: c, listed: true,
				enc: pickEncoding(rng), seed: rng.Uint64(), noise: KindLabelNoise, source: d})
		}
		for k := perClass(opt.Noise.Chart, c); k > 0; k-- {
			clean = append(clean, &file{label: c, enc: encPNG, seed: rng.Uint64(), noise: KindChart, listed: true})
		}
	}
	for _, f := range clean {
		f.dir = fmt.Sprintf("%s/%04d", dataset.TrainDir, f.label)
		if f.noise != "" {
			res.Noise[f.noise]++
		}
	}
	// Train.txt order is random, as a crawl's would be.
	rng.Shuffle(len(clean), func(i, j int) { clean[i], clean[j] = clean[j], clean[i] })
	p.files = clean

	// Uniform test splits, 40% testa and 60% testb of each class.
	testBy := make([][]int, nc)
	for _, i := range rng.Perm(len(test.Labels)) {
		testBy[test.Labels[i]] = append(testBy[test.Labels[i]], i)
	}
	for c := 0; c < nc; c++ {
		idx := testBy[c][:min(opt.TestPerClass, len(testBy[c]))]
		na := int(math.Round(0.4 * float64(len(idx))))
		for k, i := range idx {
			dir := dataset.TestADir
			if k >= na {
				dir = dataset.TestBDir
			}
			name := fmt.Sprintf("%016x.png", rng.Uint64())
			p.files = append(p.files, &file{dir: dir, name: name, pix: test.Images[i], side: fashionmnist.Side, label: c, enc: encPNG})
			entry := [2]string{name, fmt.Sprint(c)}
			if dir == dataset.TestADir {
				p.testA = append(p.testA, entry)
			} else {
				p.testB = append(p.testB, entry)
			}
		}
	}
	return p
}

// write encodes every planned file in parallel, then writes the lists.
func (p *buildPlan) write(opt Options) error {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	var bar *progress.Bar
	if !opt.Quiet {
		bar = progress.New(len(p.files), "demo-data")
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan *file)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				if err := f.materialize(opt.Out); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
				if bar != nil {
					bar.Add(1)
				}
			}
		}()
	}
	for _, f := range p.files {
		next <- f
	}
	close(next)
	wg.Wait()
	if bar != nil {
		bar.Finish()
	}
	if firstErr != nil {
		return firstErr
	}

	// Two planned files can hash to the same path (Fashion-MNIST has a few
	// exact duplicates within a class): list each path once.
	var list, noise strings.Builder
	seen := map[string]bool{}
	for _, f := range p.files {
		if !f.listed || seen[f.rel] {
			continue
		}
		seen[f.rel] = true
		fmt.Fprintf(&list, "%s %d\n", f.rel, f.label)
		if f.noise != "" {
			fmt.Fprintf(&noise, "%s %s\n", f.rel, f.noise)
		}
		if strings.HasPrefix(f.rel, dataset.TrainDir+"/") {
			p.result.Train++
		}
	}
	p.result.TestA, p.result.TestB = len(p.testA), len(p.testB)
	writes := []struct {
		path string
		data string
	}{
		{filepath.Join(opt.Out, filepath.FromSlash(dataset.TrainList)), list.String()},
		{filepath.Join(opt.Out, filepath.FromSlash(dataset.ClassNamesFile)), strings.Join(fashionmnist.ClassNames, "\n") + "\n"},
		{filepath.Join(opt.Labels, "noise.txt"), sortedLines(noise.String())},
		{filepath.Join(opt.Labels, "testa.txt"), pairs(p.testA)},
		{filepath.Join(opt.Labels, "testb.txt"), pairs(p.testB)},
	}
	for _, w := range writes {
		if err := atomicfile.WriteBytes(w.path, []byte(w.data)); err != nil {
			return err
		}
	}
	return nil
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func pairs(ps [][2]string) string {
	var b bytes.Buffer
	sorted := append([][2]string(nil), ps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i][0] < sorted[j][0] })
	for _, p := range sorted {
		fmt.Fprintf(&b, "%s %s\n", p[0], p[1])
	}
	return b.String()
}

// materialize encodes f (breaking it if its noise says so), names it and
// writes it under root.
func (f *file) materialize(root string) error {
	rng := rand.New(rand.NewPCG(f.seed, 1))
	var data []byte
	var err error
	switch f.noise {
	case KindChart:
		data, err = drawChart(rng)
		f.enc = encPNG
	case KindTiny:
		side := 6 + rng.IntN(7) // 6..12 px
		data, err = encode(shrink(f.pix, f.side, side), side, f.enc)
	default:
		data, err = encode(f.pix, f.side, f.enc)
	}
	if err != nil {
		return err
	}
	name := f.name
	if name == "" {
		name = contentName(data, f.enc)
	}
	if f.noise == KindUnreadable {
		// Named by the content it should have had, as a crawler names a
		// download before it fails.
		data = breakBytes(data, rng)
	}
	f.rel = f.dir + "/" + name
	path := filepath.Join(root, filepath.FromSlash(f.rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

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
	var clean []*file
	for c := 0; c < nc; c++ {
		n := opt.MaxPerClass
		if nc > 1 {
			n = int(math.Round(float64(opt.MaxPerClass) * math.Pow(opt.Imbalance, -float64(rank[c])/float64(nc-1))))
		}
		n = max(1, min(n, len(byClass[c])))
		res.ClassCounts[c] = n
		for _, i := range byClass[c][:n] {
			clean = append(clean, &file{pix: train.Images[i], side: fashionmnist.Side, label: c, listed: true})
		}
	}
	rng.Shuffle(len(clean), func(i, j int) { clean[i], clean[j] = clean[j], clean[i] })
	for _, f := range clean {
		f.enc = pickEncoding(rng)
		f.seed = rng.Uint64()
	}

	count := func(rate float64) int {
		if rate <= 0 {
			return 0
		}
		return max(1, int(math.Round(rate*float64(len(clean)))))
	}
	otherClass := func(c int) int { return (c + 1 + rng.IntN(nc-1)) % nc }
	next := 0 // defects take distinct images from the shuffled list
	take := func(n int) []*file {
		n = min(n, len(clean)-next)
		s := clean[next : next+n]
		next += n
		return s
	}
	for _, f := range take(count(opt.Noise.Unreadable)) {
		f.noise = KindUnreadable
	}
	for _, f := range take(count(opt.Noise.Duplicate)) {
		f.noise = KindDuplicate
		dup := *f
		dup.label = otherClass(f.label)
		clean = append(clean, &dup)
	}
	for _, f := range take(count(opt.Noise.Tiny)) {
		f.noise = KindTiny
	}
	for _, f := range take(count(opt.Noise.LabelNoise)) {
		f.noise = KindLabelNoise
		f.label = otherClass(f.label)
	}
	for i, n := 0, count(opt.Noise.Chart); i < n; i++ {
		clean = append(clean, &file{label: rng.IntN(nc), enc: encPNG, seed: rng.Uint64(), noise: KindChart, listed: true})
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

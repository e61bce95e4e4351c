// Package loader feeds training and prediction: it decodes the images of a
// list and runs them through an augmentation pipeline on parallel
// goroutines, assembling fixed-size batches in order, ahead of the model.
//
// Everything random is a function of (seed, epoch, position), so a run that
// resumes mid-epoch sees exactly the batches it would have seen.
package loader

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/fgia/fgia/fgia/augment"
	"github.com/fgia/fgia/fgia/imagefile"
)

// Item is one image to load: a path relative to the data root and its label
// (-1 when unlabelled).
type Item struct {
	Path  string
	Label int
}

// Batch is a batch of model-ready images.
type Batch struct {
	Index  int       // batch number within the stream
	Images []float32 // Size x H x W x C
	Labels []int32   // Size
	Soft   []float32 // Size x classes soft targets with Mixup/CutMix, else nil
	Items  []int     // the item index of each row; -1 for padding
	Valid  int       // rows that are real items (the rest pad the last batch)
	Err    error
	// Bad maps a row whose image could not be loaded to why, when the
	// loader is Tolerant (the row's pixels are zeros).
	Bad map[int]error
}

// Loader describes how to load a list.
type Loader struct {
	Root     string
	Items    []Item
	Pipeline *augment.Pipeline
	Size     int // batch size
	Workers  int // <= 0: one per CPU
	Seed     uint64
	// Mixup, when set, mixes each training batch and fills Batch.Soft.
	Mixup   *augment.Mixup
	Classes int
	// MaxPixels bounds decoding (imagefile.DefaultMaxPixels if 0).
	MaxPixels int
	// Tolerant keeps going past an image that cannot be loaded (prediction
	// on web images): its row is zeros and Batch.Bad says why. Training
	// is not tolerant: a cleaned list has only readable images.
	Tolerant bool
}

// Stream loads the items order[start*Size:] in batches, numbering them from
// start, and closes the channel at the end (or when stop is closed). The
// last batch is padded to Size with copies of its first row (Valid tells
// the real count), so the model sees one shape.
func (l *Loader) Stream(epoch int, order []int, start int, stop <-chan struct{}) <-chan Batch {
	workers := l.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	nBatches := (len(order) + l.Size - 1) / l.Size
	out := make(chan Batch, workers)
	jobs := make(chan int)
	results := make(chan Batch, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			aw := l.Pipeline.NewWorker()
			for b := range jobs {
				select {
				case results <- l.load(aw, epoch, order, b):
				case <-stop:
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for b := start; b < nBatches; b++ {
			select {
			case jobs <- b:
			case <-stop:
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()
	// Reorder: emit batches by index.
	go func() {
		defer close(out)
		pending := map[int]Batch{}
		next := start
		for r := range results {
			pending[r.Index] = r
			for {
				b, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				select {
				case out <- b:
				case <-stop:
					return
				}
				next++
			}
		}
	}()
	return out
}

// load assembles batch b.
func (l *Loader) load(aw *augment.Worker, epoch int, order []int, b int) Batch {
	h, w, c := l.Pipeline.Shape()
	per := h * w * c
	batch := Batch{Index: b, Images: make([]float32, l.Size*per), Labels: make([]int32, l.Size), Items: make([]int, l.Size)}
	first := b * l.Size
	for r := 0; r < l.Size; r++ {
		pos := first + r
		if pos >= len(order) {
			copy(batch.Images[r*per:(r+1)*per], batch.Images[:per])
			batch.Labels[r], batch.Items[r] = batch.Labels[0], -1
			continue
		}
		batch.Valid++
		it := l.Items[order[pos]]
		batch.Items[r] = order[pos]
		batch.Labels[r] = int32(max(it.Label, 0))
		data, err := imagefile.ReadFile(filepath.Join(l.Root, filepath.FromSlash(it.Path)), nil)
		if err == nil {
			var img *imagefile.RGB
			img, _, err = imagefile.DecodeRGB(data, l.MaxPixels)
			if err == nil {
				rng := rand.New(rand.NewPCG(l.Seed^uint64(epoch)*0x9e3779b97f4a7c15, uint64(pos)))
				err = aw.Apply(batch.Images[r*per:(r+1)*per], img, rng)
			}
		}
		if err != nil && l.Tolerant {
			clear(batch.Images[r*per : (r+1)*per])
			if batch.Bad == nil {
				batch.Bad = map[int]error{}
			}
			batch.Bad[r] = err
			continue
		}
		if err != nil {
			batch.Err = fmt.Errorf("loader: %s: %w", it.Path, err)
			return batch
		}
	}
	if l.Mixup != nil {
		labels := make([]int, l.Size)
		for i, v := range batch.Labels {
			labels[i] = int(v)
		}
		rng := rand.New(rand.NewPCG(l.Seed^uint64(epoch)*0x9e3779b97f4a7c15, uint64(b)|1<<62))
		soft, _, err := l.Mixup.Apply(nil, batch.Images, h, w, c, labels, l.Classes, rng)
		if err != nil {
			batch.Err = fmt.Errorf("loader: mixup: %w", err)
		}
		batch.Soft = soft
	}
	return batch
}

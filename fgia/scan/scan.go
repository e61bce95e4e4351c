// Package scan checks every file of a data set in parallel: it reads the
// bytes once, hashes them (SHA-1, the competition's file naming), reads the
// header, refuses decompression bombs and decodes the rest to prove they
// are usable (imagefile.Checker: PNG streams are inflated and validated
// without building images). Only the small per-file record is kept, never
// pixels.
package scan

import (
	"crypto/sha1"
	"encoding/hex"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/fgia/fgia/fgia/imagefile"
	"github.com/fgia/fgia/fgia/progress"
)

// File is what the scan learns about one file.
type File struct {
	Path          string // as given (relative to the data root)
	Bytes         int64
	SHA1          string // hex
	Width, Height int
	Format        string
	// Reason is empty for a usable image, else why it is not
	// (imagefile.Unreadable, imagefile.TooLarge, or "missing" when the file
	// cannot be read at all).
	Reason string
	Detail string // the error text behind Reason
	Thumb  []uint8
}

// Missing is the Reason for a path that cannot be read from disk.
const Missing = "missing"

// Options tune a scan. The zero value is usable.
type Options struct {
	Workers   int // <= 0: one per CPU
	MaxPixels int // <= 0: imagefile.DefaultMaxPixels
	ThumbSide int // > 0: keep a ThumbSide^2 x 3 thumbnail of each image
	Label     string
	Quiet     bool
}

// Files scans root/paths[i] for every i and returns the records in the same
// order.
func Files(root string, paths []string, opt Options) []File {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	label := opt.Label
	if label == "" {
		label = "scan"
	}
	out := make([]File, len(paths))
	var bar *progress.Bar
	if !opt.Quiet {
		bar = progress.New(len(paths), label)
	}
	// Decoding a small image allocates far more (zlib state, bufio) than it
	// keeps; the records kept are small, so trading heap headroom for fewer
	// collections is safe and makes the scan much faster.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	next := make(chan int, 4*workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := 0
			var buf []byte
			var checker imagefile.Checker
			for i := range next {
				out[i], buf = scanOne(root, paths[i], opt, buf, &checker)
				if done++; bar != nil && done == 64 {
					bar.Add(done)
					done = 0
				}
			}
			if bar != nil {
				bar.Add(done)
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	if bar != nil {
		bar.Finish()
	}
	return out
}

// One scans a single file.
func One(root, path string, opt Options) File {
	f, _ := scanOne(root, path, opt, nil, &imagefile.Checker{})
	return f
}

// scanOne scans a file, reading it into buf (grown as needed and returned
// for reuse by the next file). Without thumbnails the pixels are not
// needed: the checker validates the file without keeping them.
func scanOne(root, path string, opt Options, buf []byte, checker *imagefile.Checker) (File, []byte) {
	f := File{Path: path}
	data, err := imagefile.ReadFile(root+"/"+path, buf)
	if err != nil {
		f.Reason, f.Detail = Missing, err.Error()
		if r := imagefile.ReasonOf(err); r != "" {
			f.Reason = string(r) // not_regular: refused before reading
		}
		return f, buf
	}
	buf = data
	f.Bytes = int64(len(data))
	sum := sha1.Sum(data)
	f.SHA1 = hex.EncodeToString(sum[:])
	var h imagefile.Header
	if opt.ThumbSide > 0 {
		var img *imagefile.RGB
		if img, h, err = imagefile.DecodeRGB(data, opt.MaxPixels); err == nil {
			f.Thumb = img.Thumbnail(opt.ThumbSide)
		}
	} else {
		h, err = checker.Check(data, opt.MaxPixels)
	}
	f.Width, f.Height, f.Format = h.Width, h.Height, h.Format
	if err != nil {
		f.Reason, f.Detail = string(imagefile.ReasonOf(err)), err.Error()
	}
	return f, buf
}

// Package scan checks every file of a data set in parallel: it reads the
// bytes once, hashes them (SHA-1, the competition's file naming), reads the
// header, refuses decompression bombs and fully decodes the rest to prove
// they are usable. Only the small per-file record is kept, never pixels.
package scan

import (
	"crypto/sha1"
	"encoding/hex"
	"io"
	"os"
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
			for i := range next {
				out[i], buf = scanOne(root, paths[i], opt, buf)
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
	f, _ := scanOne(root, path, opt, nil)
	return f
}

// scanOne scans a file, reading it into buf (grown as needed and returned
// for reuse by the next file).
func scanOne(root, path string, opt Options, buf []byte) (File, []byte) {
	f := File{Path: path}
	data, err := readInto(root+"/"+path, buf)
	if err != nil {
		f.Reason, f.Detail = Missing, err.Error()
		return f, buf
	}
	buf = data
	f.Bytes = int64(len(data))
	sum := sha1.Sum(data)
	f.SHA1 = hex.EncodeToString(sum[:])
	img, h, err := imagefile.Decode(data, opt.MaxPixels)
	f.Width, f.Height, f.Format = h.Width, h.Height, h.Format
	if err != nil {
		f.Reason, f.Detail = string(imagefile.ReasonOf(err)), err.Error()
		return f, buf
	}
	if opt.ThumbSide > 0 {
		f.Thumb = imagefile.ToRGB(img).Thumbnail(opt.ThumbSide)
	}
	return f, buf
}

// readInto reads a whole file into buf's storage when it fits.
func readInto(path string, buf []byte) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if n := int(st.Size()) + 1; cap(buf) < n {
		buf = make([]byte, 0, max(n, 64<<10))
	}
	buf = buf[:0]
	for {
		n, err := fh.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) { // the file grew since Stat
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

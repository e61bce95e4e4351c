// Package fashionmnist reads the Fashion-MNIST data set in its original IDX
// files, as Debian's dataset-fashion-mnist package installs them. It is the
// real image source the demo data set is built from.
package fashionmnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir is where Debian's dataset-fashion-mnist package puts the files.
const DefaultDir = "/usr/share/datasets/fashion-mnist"

// Side is the width and height of every Fashion-MNIST image.
const Side = 28

// ClassNames are the ten Fashion-MNIST classes, by label.
var ClassNames = []string{
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
}

// Split is one split of the data set: N gray 28x28 images and their labels.
type Split struct {
	Images [][]uint8 // each Side*Side bytes, row-major, 0 = black
	Labels []int
}

// Load reads the "train" or "t10k" split from dir (DefaultDir if empty).
func Load(dir, split string) (*Split, error) {
	if dir == "" {
		dir = DefaultDir
	}
	if split != "train" && split != "t10k" {
		return nil, fmt.Errorf("fashionmnist: unknown split %q (want train or t10k)", split)
	}
	imgPath := filepath.Join(dir, split+"-images-idx3-ubyte.gz")
	lblPath := filepath.Join(dir, split+"-labels-idx1-ubyte.gz")
	pix, dims, err := readIDX(imgPath, 0x00000803)
	if err != nil {
		return nil, err
	}
	lbl, ldims, err := readIDX(lblPath, 0x00000801)
	if err != nil {
		return nil, err
	}
	if len(dims) != 3 || dims[1] != Side || dims[2] != Side || ldims[0] != dims[0] {
		return nil, fmt.Errorf("fashionmnist: %s: unexpected dimensions %v (labels %v)", imgPath, dims, ldims)
	}
	n := dims[0]
	s := &Split{Images: make([][]uint8, n), Labels: make([]int, n)}
	for i := 0; i < n; i++ {
		s.Images[i] = pix[i*Side*Side : (i+1)*Side*Side]
		s.Labels[i] = int(lbl[i])
	}
	return s, nil
}

// readIDX reads a gzip-compressed IDX file of unsigned bytes.
func readIDX(path string, magic uint32) ([]uint8, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, fmt.Errorf("fashionmnist: %s not found; install it with `apt-get install dataset-fashion-mnist`", path)
		}
		return nil, nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("fashionmnist: %s: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	var head [2]uint32
	if err := binary.Read(r, binary.BigEndian, &head[0]); err != nil {
		return nil, nil, fmt.Errorf("fashionmnist: %s: %w", path, err)
	}
	if head[0] != magic {
		return nil, nil, fmt.Errorf("fashionmnist: %s: magic %#x, want %#x", path, head[0], magic)
	}
	ndim := int(magic & 0xff)
	dims := make([]int, ndim)
	total := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(r, binary.BigEndian, &d); err != nil {
			return nil, nil, fmt.Errorf("fashionmnist: %s: %w", path, err)
		}
		dims[i] = int(d)
		total *= int(d)
	}
	data := make([]uint8, total)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, nil, fmt.Errorf("fashionmnist: %s: %w", path, err)
	}
	return data, dims, nil
}

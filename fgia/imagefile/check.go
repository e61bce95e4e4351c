package imagefile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Checker proves images decodable without keeping their pixels. For PNG —
// most of a scan's files, and the format whose decoder allocates most — it
// walks every chunk, checks every CRC, inflates the whole image stream
// through one reused zlib reader and checks its length and every row's
// filter byte: everything a decode verifies except the arithmetic of
// unfiltering. Other formats (and interlaced PNGs) are fully decoded.
//
// A Checker is not safe for concurrent use: give each goroutine its own.
type Checker struct {
	zr      io.ReadCloser
	scratch []byte
}

// Check validates data like Decode, without returning pixels.
func (c *Checker) Check(data []byte, maxPixels int) (Header, error) {
	h, codec, err := admit(data, maxPixels)
	if err != nil {
		return h, err
	}
	if codec.name == "png" {
		if done, err := c.checkPNG(data); done {
			if err != nil {
				return h, &Error{Unreadable, err}
			}
			return h, nil
		}
	}
	if _, err := codec.decode(bytes.NewReader(data)); err != nil {
		return h, &Error{Unreadable, err}
	}
	return h, nil
}

// pngChannels is the samples per pixel of each PNG colour type.
var pngChannels = map[byte]int{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

// checkPNG validates a PNG's chunks and image stream. done is false for
// PNGs it leaves to the full decoder (interlaced ones).
func (c *Checker) checkPNG(data []byte) (done bool, err error) {
	p := data[8:]
	var idat [][]byte
	var width, height, rowBytes int
	sawIHDR, sawIEND, sawPLTE := false, false, false
	var colorType byte
	for len(p) > 0 && !sawIEND {
		if len(p) < 12 {
			return true, errors.New("png: truncated chunk")
		}
		n := int(binary.BigEndian.Uint32(p))
		if n < 0 || n > len(p)-12 {
			return true, errors.New("png: truncated chunk")
		}
		typ, body := string(p[4:8]), p[8:8+n]
		if crc32.ChecksumIEEE(p[4:8+n]) != binary.BigEndian.Uint32(p[8+n:]) {
			return true, fmt.Errorf("png: bad CRC in %q chunk", typ)
		}
		switch typ {
		case "IHDR":
			if n != 13 {
				return true, errors.New("png: bad IHDR")
			}
			width, height = int(binary.BigEndian.Uint32(body)), int(binary.BigEndian.Uint32(body[4:]))
			depth, interlace := int(body[8]), body[12]
			colorType = body[9]
			ch, ok := pngChannels[colorType]
			if !ok || depth == 0 || depth > 16 || depth&(depth-1) != 0 || (colorType != 0 && colorType != 3 && depth < 8) || (colorType == 3 && depth > 8) {
				return true, fmt.Errorf("png: colour type %d with bit depth %d", colorType, depth)
			}
			if interlace != 0 {
				return false, nil
			}
			rowBytes = (width*ch*depth + 7) / 8
			sawIHDR = true
		case "PLTE":
			sawPLTE = true
		case "IDAT":
			if !sawIHDR {
				return true, errors.New("png: IDAT before IHDR")
			}
			idat = append(idat, body)
		case "IEND":
			sawIEND = true
		}
		p = p[12+n:]
	}
	switch {
	case !sawIHDR || !sawIEND:
		return true, errors.New("png: missing IHDR or IEND")
	case len(idat) == 0:
		return true, errors.New("png: no image data")
	case colorType == 3 && !sawPLTE:
		return true, errors.New("png: paletted image without a palette")
	}
	src := io.MultiReader(readers(idat)...)
	if c.zr == nil {
		if c.zr, err = zlib.NewReader(src); err != nil {
			return true, fmt.Errorf("png: %w", err)
		}
	} else if err := c.zr.(zlib.Resetter).Reset(src, nil); err != nil {
		return true, fmt.Errorf("png: %w", err)
	}
	// Inflate row by row: every row must be there and start with a filter
	// type 0-4; the stream must end right after the last row (checksum
	// verified by the zlib reader at EOF).
	if cap(c.scratch) < rowBytes+1 {
		c.scratch = make([]byte, rowBytes+1)
	}
	row := c.scratch[:rowBytes+1]
	for y := 0; y < height; y++ {
		if _, err := io.ReadFull(c.zr, row); err != nil {
			return true, fmt.Errorf("png: image data ends at row %d of %d: %w", y, height, err)
		}
		if row[0] > 4 {
			return true, fmt.Errorf("png: bad filter type %d in row %d", row[0], y)
		}
	}
	var one [1]byte
	switch n, err := io.ReadFull(c.zr, one[:]); {
	case n > 0:
		return true, errors.New("png: extra image data")
	case err != io.EOF: // a bad Adler-32 checksum shows here
		return true, fmt.Errorf("png: %w", err)
	}
	return true, nil
}

func readers(parts [][]byte) []io.Reader {
	out := make([]io.Reader, len(parts))
	for i, b := range parts {
		out[i] = bytes.NewReader(b)
	}
	return out
}

package imagefile

import (
	"bytes"
	"errors"
	"fmt"
	"image"

	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// DefaultMaxPixels is the largest width*height decoded by default. It matches
// the limit PIL applies before it warns of a decompression bomb (~179 Mpx);
// anything larger in a web crawl is an attack or an error, never a photo to
// learn from.
const DefaultMaxPixels = 178956970

// Reason says why an image cannot be used. The strings are the ones stored in
// the data manifest.
type Reason string

const (
	// Unreadable: the bytes are not a decodable image of a known format
	// (empty, truncated, garbage, unsupported).
	Unreadable Reason = "unreadable"
	// TooLarge: the header declares more pixels than the limit allows.
	TooLarge Reason = "too_large"
)

// Error is a decode failure with the reason the manifest records.
type Error struct {
	Reason Reason
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %v", e.Reason, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the Reason carried by err, or "" if err is not an *Error.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Header is what an image file declares about itself before decoding.
type Header struct {
	Width, Height int
	Format        string // "jpeg", "png", "gif" or "webp"
}

// codec is one supported format. Calling the codecs directly, rather than
// through image.Decode, skips the two bufio.Readers image.Decode wraps around
// a bytes.Reader: on small files those allocations dominate the scan.
type codec struct {
	name   string
	magic  string // '?' matches any byte
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = []codec{
	{"jpeg", "\xff\xd8", jpeg.DecodeConfig, jpeg.Decode},
	{"png", "\x89PNG\r\n\x1a\n", png.DecodeConfig, png.Decode},
	{"gif", "GIF8?a", gif.DecodeConfig, gif.Decode},
	{"webp", "RIFF????WEBPVP8", webp.DecodeConfig, webp.Decode},
}

func sniff(data []byte) *codec {
	for i := range codecs {
		m := codecs[i].magic
		if len(data) < len(m) {
			continue
		}
		ok := true
		for k := 0; k < len(m) && ok; k++ {
			ok = m[k] == '?' || m[k] == data[k]
		}
		if ok {
			return &codecs[i]
		}
	}
	return nil
}

// ReadHeader parses only the header of data.
func ReadHeader(data []byte) (Header, error) {
	h, _, err := readHeader(data)
	return h, err
}

func readHeader(data []byte) (Header, *codec, error) {
	if len(data) == 0 {
		return Header{}, nil, &Error{Unreadable, errors.New("empty file")}
	}
	c := sniff(data)
	if c == nil {
		return Header{}, nil, &Error{Unreadable, image.ErrFormat}
	}
	cfg, err := c.config(bytes.NewReader(data))
	if err != nil {
		return Header{Format: c.name}, nil, &Error{Unreadable, err}
	}
	return Header{Width: cfg.Width, Height: cfg.Height, Format: c.name}, c, nil
}

// admit reads the header of data and refuses empty declared sizes and
// images above maxPixels (<= 0 means DefaultMaxPixels) before any pixel is
// decoded.
func admit(data []byte, maxPixels int) (Header, *codec, error) {
	h, c, err := readHeader(data)
	if err != nil {
		return h, nil, err
	}
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if h.Width <= 0 || h.Height <= 0 {
		return h, nil, &Error{Unreadable, fmt.Errorf("declared size %dx%d", h.Width, h.Height)}
	}
	if int64(h.Width)*int64(h.Height) > int64(maxPixels) {
		return h, nil, &Error{TooLarge, fmt.Errorf("%dx%d exceeds %d pixels", h.Width, h.Height, maxPixels)}
	}
	return h, c, nil
}

// Decode checks the header of data against maxPixels (<= 0 means
// DefaultMaxPixels) and then decodes the whole image. Every failure is an
// *Error naming its Reason.
func Decode(data []byte, maxPixels int) (image.Image, Header, error) {
	h, c, err := admit(data, maxPixels)
	if err != nil {
		return nil, h, err
	}
	img, err := c.decode(bytes.NewReader(data))
	if err != nil {
		return nil, h, &Error{Unreadable, err}
	}
	return img, h, nil
}

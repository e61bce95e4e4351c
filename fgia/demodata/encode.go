package demodata

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// encoding is how a training image is stored; the mix exercises every decode
// path of the loader (gray and color PNG, JPEG, paletted GIF).
type encoding int

const (
	encPNG     encoding = iota // 8-bit gray PNG
	encPNGRGBA                 // 8-bit RGBA PNG with a colour tint
	encJPEG                    // colour JPEG (YCbCr)
	encGIF                     // paletted GIF
)

var extension = map[encoding]string{encPNG: ".png", encPNGRGBA: ".png", encJPEG: ".jpg", encGIF: ".gif"}

func pickEncoding(rng *rand.Rand) encoding {
	switch r := rng.Float64(); {
	case r < 0.6:
		return encPNG
	case r < 0.75:
		return encPNGRGBA
	case r < 0.9:
		return encJPEG
	default:
		return encGIF
	}
}

func contentName(data []byte, enc encoding) string {
	sum := sha1.Sum(data)
	return hex.EncodeToString(sum[:]) + extension[enc]
}

func encode(pix []uint8, side int, enc encoding) ([]byte, error) {
	gray := &image.Gray{Pix: pix, Stride: side, Rect: image.Rect(0, 0, side, side)}
	var b bytes.Buffer
	var err error
	switch enc {
	case encPNG:
		err = png.Encode(&b, gray)
	case encPNGRGBA:
		err = png.Encode(&b, tinted(gray))
	case encJPEG:
		err = jpeg.Encode(&b, tinted(gray), &jpeg.Options{Quality: 95})
	case encGIF:
		pal := image.NewPaletted(gray.Rect, palette.Plan9)
		draw.Draw(pal, gray.Rect, gray, image.Point{}, draw.Src)
		err = gif.Encode(&b, pal, nil)
	}
	return b.Bytes(), err
}

// tinted returns a slightly warm colour version of a gray image, as product
// photos on the web are seldom exactly gray.
func tinted(g *image.Gray) *image.NRGBA {
	out := image.NewNRGBA(g.Rect)
	for i, v := range g.Pix {
		out.Pix[4*i] = v
		out.Pix[4*i+1] = uint8(uint16(v) * 15 / 16)
		out.Pix[4*i+2] = uint8(uint16(v) * 7 / 8)
		out.Pix[4*i+3] = 255
	}
	return out
}

// shrink area-averages a side x side gray image down to to x to.
func shrink(pix []uint8, side, to int) []uint8 {
	out := make([]uint8, to*to)
	for y := 0; y < to; y++ {
		for x := 0; x < to; x++ {
			sum, n := 0, 0
			for sy := y * side / to; sy < (y+1)*side/to; sy++ {
				for sx := x * side / to; sx < (x+1)*side/to; sx++ {
					sum += int(pix[sy*side+sx])
					n++
				}
			}
			out[y*to+x] = uint8(sum / max(n, 1))
		}
	}
	return out
}

// breakBytes makes data unreadable the ways downloads break: empty, cut
// short, or replaced by an error page.
func breakBytes(data []byte, rng *rand.Rand) []byte {
	switch rng.IntN(3) {
	case 0:
		return nil
	case 1:
		return append([]byte(nil), data[:len(data)/2]...)
	default:
		junk := []byte("<html><body>403 Forbidden</body></html>\n")
		for i := 0; i < 64; i++ {
			junk = append(junk, byte(rng.IntN(256)))
		}
		return junk
	}
}

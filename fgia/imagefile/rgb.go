package imagefile

import (
	"image"
	"image/color"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// RGB is an 8-bit, 3-channel image stored row-major as H x W x 3 (HWC), the
// layout the augmentation and model input code expects.
type RGB struct {
	Width, Height int
	Pix           []uint8 // len = Width*Height*3
}

// ToRGB converts any decoded image to RGB. Alpha is composited over white,
// as browsers show transparent web images.
func ToRGB(img image.Image) *RGB {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := &RGB{Width: w, Height: h, Pix: make([]uint8, w*h*3)}
	i := 0
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+w]
			for _, v := range row {
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = v, v, v
				i += 3
			}
		}
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				yi, ci := src.YOffset(x, y), src.COffset(x, y)
				r, g, bb := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = r, g, bb
				i += 3
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+4*w]
			for x := 0; x < w; x++ {
				p := row[4*x : 4*x+4]
				out.Pix[i] = overWhite(p[0], p[3])
				out.Pix[i+1] = overWhite(p[1], p[3])
				out.Pix[i+2] = overWhite(p[2], p[3])
				i += 3
			}
		}
	default:
		// Paletted, CMYK, RGBA, 16-bit and the rest: the generic path through
		// premultiplied RGBA is exact for all of them.
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bb, a := img.At(x, y).RGBA()
				white := 0xffff - a // premultiplied: add the white showing through
				out.Pix[i] = uint8((r + white) >> 8)
				out.Pix[i+1] = uint8((g + white) >> 8)
				out.Pix[i+2] = uint8((bb + white) >> 8)
				i += 3
			}
		}
	}
	return out
}

func overWhite(c, a uint8) uint8 {
	return uint8((uint32(c)*uint32(a) + 255*(255-uint32(a)) + 127) / 255)
}

// Float32 returns the pixels scaled to [0, 1] in HWC order.
func (m *RGB) Float32() []float32 {
	out := make([]float32, len(m.Pix))
	for i, v := range m.Pix {
		out[i] = float32(v) * (1.0 / 255)
	}
	return out
}

// Tensor returns the image as a float32 tensor of shape [H, W, 3] in [0, 1].
func (m *RGB) Tensor() *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(m.Float32(), m.Height, m.Width, 3)
}

// DecodeRGB decodes data (see Decode) straight to RGB.
func DecodeRGB(data []byte, maxPixels int) (*RGB, Header, error) {
	img, h, err := Decode(data, maxPixels)
	if err != nil {
		return nil, h, err
	}
	return ToRGB(img), h, nil
}

// Thumbnail averages the image down to side x side x 3 bytes (area
// averaging), a small fingerprint for finding out-of-distribution images.
func (m *RGB) Thumbnail(side int) []uint8 {
	out := make([]uint8, side*side*3)
	for ty := 0; ty < side; ty++ {
		y0, y1 := ty*m.Height/side, max((ty+1)*m.Height/side, ty*m.Height/side+1)
		for tx := 0; tx < side; tx++ {
			x0, x1 := tx*m.Width/side, max((tx+1)*m.Width/side, tx*m.Width/side+1)
			var sum [3]int
			n := 0
			for y := y0; y < y1 && y < m.Height; y++ {
				row := m.Pix[(y*m.Width)*3:]
				for x := x0; x < x1 && x < m.Width; x++ {
					sum[0] += int(row[3*x])
					sum[1] += int(row[3*x+1])
					sum[2] += int(row[3*x+2])
					n++
				}
			}
			if n == 0 {
				continue
			}
			o := (ty*side + tx) * 3
			for c := 0; c < 3; c++ {
				out[o+c] = uint8((sum[c] + n/2) / n)
			}
		}
	}
	return out
}

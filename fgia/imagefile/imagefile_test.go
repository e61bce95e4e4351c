package imagefile

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"testing"
)

// card is the 4x3 test card of testdata/ (made with PIL), row-major.
var card = [][3]uint8{
	{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {255, 255, 255},
	{0, 0, 0}, {128, 128, 128}, {255, 255, 0}, {0, 255, 255},
	{10, 20, 30}, {200, 100, 50}, {60, 60, 60}, {250, 250, 250},
}

func cardImage() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for i, c := range card {
		m.Set(i%4, i/4, color.NRGBA{c[0], c[1], c[2], 255})
	}
	return m
}

func mustEncode(t *testing.T, enc func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestDecodeFormats decodes every format and color model a crawl yields and
// compares the pixels with the card they were made from.
func TestDecodeFormats(t *testing.T) {
	gray := image.NewGray(image.Rect(0, 0, 4, 3))
	draw.Draw(gray, gray.Rect, cardImage(), image.Point{}, draw.Src)
	pal := image.NewPaletted(image.Rect(0, 0, 4, 3), palette.WebSafe)
	draw.Draw(pal, pal.Rect, cardImage(), image.Point{}, draw.Src)
	rgba := image.NewRGBA(image.Rect(0, 0, 4, 3))
	draw.Draw(rgba, rgba.Rect, cardImage(), image.Point{}, draw.Src)

	grayCard := make([][3]uint8, len(card))
	for i := range card {
		v := gray.Pix[i]
		grayCard[i] = [3]uint8{v, v, v}
	}
	palCard := make([][3]uint8, len(card))
	for i := range card {
		r, g, b, _ := pal.At(i%4, i/4).RGBA()
		palCard[i] = [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		format string
		want   [][3]uint8
		tol    int // lossy formats
	}{
		{"png rgb", mustEncode(t, func(b *bytes.Buffer) error { return png.Encode(b, cardImage()) }), "png", card, 0},
		{"png rgba", mustEncode(t, func(b *bytes.Buffer) error { return png.Encode(b, rgba) }), "png", card, 0},
		{"png gray", mustEncode(t, func(b *bytes.Buffer) error { return png.Encode(b, gray) }), "png", grayCard, 0},
		{"png gray+alpha (PIL)", readFile(t, "card_gray_alpha.png"), "png", grayCardPIL(), 1},
		{"gif paletted", mustEncode(t, func(b *bytes.Buffer) error { return gif.Encode(b, pal, nil) }), "gif", palCard, 0},
		// Go's encoder subsamples chroma 4:2:0, which no 4x3 card of pure
		// colours survives: compare with the generic conversion instead.
		{"jpeg ycbcr", mustEncode(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, cardImage(), &jpeg.Options{Quality: 100}) }), "jpeg", nil, 0},
		{"jpeg gray", mustEncode(t, func(b *bytes.Buffer) error { return jpeg.Encode(b, gray, &jpeg.Options{Quality: 100}) }), "jpeg", grayCard, 3},
		{"jpeg cmyk (PIL)", readFile(t, "card_cmyk.jpg"), "jpeg", card, 60},
		{"webp lossless (PIL)", readFile(t, "card_lossless.webp"), "webp", card, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, h, err := DecodeRGB(tc.data, 0)
			if err != nil {
				t.Fatal(err)
			}
			if h.Format != tc.format || h.Width != 4 || h.Height != 3 || m.Width != 4 || m.Height != 3 {
				t.Fatalf("header %+v, image %dx%d; want %s 4x3", h, m.Width, m.Height, tc.format)
			}
			want := tc.want
			if want == nil {
				want = genericRGB(t, tc.data)
			}
			worst := 0
			for i, want := range want {
				for c := 0; c < 3; c++ {
					worst = max(worst, absDiff(m.Pix[3*i+c], want[c]))
				}
			}
			if worst > tc.tol {
				t.Errorf("largest pixel error %d > %d; got %v", worst, tc.tol, m.Pix)
			}
		})
	}
}

// genericRGB decodes data with the standard library alone and converts each
// pixel through color.RGBA, the reference for ToRGB's fast paths.
func genericRGB(t *testing.T, data []byte) [][3]uint8 {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	var out [][3]uint8
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			out = append(out, [3]uint8{c.R, c.G, c.B})
		}
	}
	return out
}

// grayCardPIL is the card as PIL converts it to gray (ITU-R 601-2 luma).
func grayCardPIL() [][3]uint8 {
	out := make([][3]uint8, len(card))
	for i, c := range card {
		v := uint8((299*int(c[0]) + 587*int(c[1]) + 114*int(c[2]) + 500) / 1000)
		out[i] = [3]uint8{v, v, v}
	}
	return out
}

func TestSixteenBitAndAlpha(t *testing.T) {
	m, _, err := DecodeRGB(readFile(t, "gray16.png"), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{0, 50, 100, 150, 200, 250, 25, 75, 125, 175, 225, 255}
	for i, v := range want {
		if m.Pix[3*i] != v || m.Pix[3*i+1] != v || m.Pix[3*i+2] != v {
			t.Fatalf("pixel %d = %v, want gray %d", i, m.Pix[3*i:3*i+3], v)
		}
	}
	// Transparent pixels are composited over white, half-transparent ones halfway.
	n := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	n.Set(0, 0, color.NRGBA{0, 0, 0, 0})
	n.Set(1, 0, color.NRGBA{0, 0, 0, 128})
	got := ToRGB(n).Pix
	if got[0] != 255 || got[3] < 126 || got[3] > 128 {
		t.Errorf("alpha over white: got %v", got)
	}
}

// pngHeaderOnly returns a valid PNG signature and IHDR declaring w x h and
// nothing else: a decompression bomb's header.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecodeRefusals(t *testing.T) {
	good := mustEncode(t, func(b *bytes.Buffer) error { return png.Encode(b, cardImage()) })
	for _, tc := range []struct {
		name      string
		data      []byte
		maxPixels int
		want      Reason
	}{
		{"empty", nil, 0, Unreadable},
		{"garbage", []byte("<html>403 Forbidden</html>"), 0, Unreadable},
		{"truncated", good[:len(good)/2], 0, Unreadable},
		{"bomb", pngHeaderOnly(100000, 100000), 0, TooLarge},
		{"over a small limit", good, 11, TooLarge},
		{"at the limit", good, 12, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(tc.data, tc.maxPixels)
			if got := ReasonOf(err); got != tc.want {
				t.Fatalf("reason %q (err %v), want %q", got, err, tc.want)
			}
		})
	}
}

func TestTensorAndThumbnail(t *testing.T) {
	m := ToRGB(cardImage())
	tt := m.Tensor()
	if dims := tt.Shape().Dimensions; len(dims) != 3 || dims[0] != 3 || dims[1] != 4 || dims[2] != 3 {
		t.Fatalf("tensor shape %v, want [3 4 3]", tt.Shape())
	}
	flat := tt.Value().([][][]float32)
	if flat[0][0][0] != 1 || flat[0][0][1] != 0 || math.Abs(float64(flat[2][1][0])-200.0/255) > 1e-6 {
		t.Errorf("tensor values: %v", flat[0][0])
	}
	th := m.Thumbnail(1)
	var want [3]int
	for _, c := range card {
		for k := 0; k < 3; k++ {
			want[k] += int(c[k])
		}
	}
	for k := 0; k < 3; k++ {
		if d := absDiff(th[k], uint8((want[k]+6)/12)); d > 0 {
			t.Errorf("1x1 thumbnail channel %d = %d, want %d", k, th[k], (want[k]+6)/12)
		}
	}
}

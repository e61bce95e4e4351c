package imagefile

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/png"
	"testing"
)

// pngCorpus encodes one picture in every PNG colour model Go writes.
func pngCorpus(t *testing.T) map[string][]byte {
	src := image.NewNRGBA(image.Rect(0, 0, 13, 7))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 37)
	}
	gray := image.NewGray(src.Rect)
	draw.Draw(gray, gray.Rect, src, image.Point{}, draw.Src)
	gray16 := image.NewGray16(src.Rect)
	draw.Draw(gray16, gray16.Rect, src, image.Point{}, draw.Src)
	pal := image.NewPaletted(src.Rect, palette.Plan9)
	draw.Draw(pal, pal.Rect, src, image.Point{}, draw.Src)
	bw := image.NewPaletted(src.Rect, color.Palette{color.Black, color.White}) // 1-bit
	draw.Draw(bw, bw.Rect, gray, image.Point{}, draw.Src)
	rgba64 := image.NewNRGBA64(src.Rect)
	draw.Draw(rgba64, rgba64.Rect, src, image.Point{}, draw.Src)
	out := map[string][]byte{}
	for name, img := range map[string]image.Image{"nrgba": src, "gray": gray, "gray16": gray16, "paletted": pal, "1-bit": bw, "nrgba64": rgba64} {
		out[name] = mustEncode(t, func(b *bytes.Buffer) error { return png.Encode(b, img) })
	}
	out["gray+alpha (PIL)"] = readFile(t, "card_gray_alpha.png")
	return out
}

// recrc fixes the CRC of the chunk holding offset i, so a corruption reaches
// the image stream instead of being caught by the CRC.
func recrc(data []byte, i int) {
	p := 8
	for p+12 <= len(data) {
		n := int(binary.BigEndian.Uint32(data[p:]))
		if n < 0 || p+12+n > len(data) {
			return // the flipped byte was a chunk length
		}
		if i >= p && i < p+12+n {
			binary.BigEndian.PutUint32(data[p+8+n:], crc32.ChecksumIEEE(data[p+4:p+8+n]))
			return
		}
		p += 12 + n
	}
}

// TestCheckAgreesWithDecode: on valid files, every truncation and single
// byte corruptions, Check fails exactly when Decode fails.
func TestCheckAgreesWithDecode(t *testing.T) {
	var c Checker
	agree := func(name string, data []byte) {
		_, _, errD := DecodeRGB(data, 0)
		_, errC := c.Check(data, 0)
		if (errD == nil) != (errC == nil) {
			t.Errorf("%s: Decode error %v, Check error %v", name, errD, errC)
		}
	}
	for name, data := range pngCorpus(t) {
		if _, err := c.Check(data, 0); err != nil {
			t.Errorf("%s: valid PNG rejected: %v", name, err)
		}
		for cut := 0; cut < len(data); cut++ {
			agree(name+" truncated", data[:cut])
		}
		for i := 33; i < len(data)-12; i++ { // after the signature and IHDR
			bad := append([]byte(nil), data...)
			bad[i] ^= 0x5a
			if _, err := c.Check(bad, 0); err == nil {
				// The CRC alone must catch a flipped byte.
				t.Errorf("%s: flipped byte %d passed the CRC check", name, i)
			}
			recrc(bad, i)
			agree(name+" corrupted", bad)
		}
	}
	for name, data := range map[string][]byte{"jpeg": readFile(t, "card_cmyk.jpg"), "webp": readFile(t, "card_lossless.webp"), "garbage": []byte("GIF89a nope")} {
		agree(name, data)
	}
	if _, err := c.Check(pngHeaderOnly(100000, 100000), 0); ReasonOf(err) != TooLarge {
		t.Errorf("bomb: %v", err)
	}
}

package scan

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fgia/fgia/fgia/imagefile"
)

func TestFiles(t *testing.T) {
	root := t.TempDir()
	var paths []string
	for i := 0; i < 50; i++ {
		m := image.NewGray(image.Rect(0, 0, 10+i, 20))
		var b bytes.Buffer
		png.Encode(&b, m)
		data := b.Bytes()
		if i%10 == 3 {
			data = data[:len(data)/2]
		}
		p := filepath.Join("d", string(rune('a'+i%26))+string(rune('a'+i/26))+".png")
		os.MkdirAll(filepath.Join(root, "d"), 0o755)
		os.WriteFile(filepath.Join(root, p), data, 0o644)
		paths = append(paths, p)
	}
	paths = append(paths, "d/absent.png")
	par := Files(root, paths, Options{Workers: 4, Quiet: true, ThumbSide: 2})
	seq := Files(root, paths, Options{Workers: 1, Quiet: true, ThumbSide: 2})
	if !reflect.DeepEqual(par, seq) {
		t.Fatal("parallel and sequential scans differ")
	}
	for i, f := range par {
		switch {
		case i == 50:
			if f.Reason != Missing {
				t.Errorf("%s: reason %q, want missing", f.Path, f.Reason)
			}
		case i%10 == 3:
			if f.Reason != string(imagefile.Unreadable) || f.SHA1 == "" {
				t.Errorf("%s: reason %q sha %q, want unreadable with a hash", f.Path, f.Reason, f.SHA1)
			}
		default:
			if f.Reason != "" || f.Width != 10+i || f.Height != 20 || f.Format != "png" || len(f.SHA1) != 40 || len(f.Thumb) != 12 {
				t.Errorf("%s: %+v", f.Path, f)
			}
		}
	}
}

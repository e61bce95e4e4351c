// Package imagefile decodes the images a web crawl produces — JPEG, PNG, GIF
// and WebP in any color model (gray, RGB, RGBA, CMYK, paletted) — into RGB
// pixels and tensors ready for a model.
//
// It reads the header first and refuses images above a pixel limit before any
// pixel memory is allocated, so a decompression bomb costs a few bytes of I/O.
package imagefile

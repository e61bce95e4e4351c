// Package dataset owns the competition's on-disk layout and its annotation
// lists:
//
//	DATA/train/<class>/<file>   labelled web images, one folder per class
//	DATA/meta/train.txt         "relative/path label" per line (mmcls style)
//	DATA/testa/, DATA/testb/    unlabelled test images
//
// Paths in lists are relative to DATA (for example "train/0003/ab12….jpg").
// Everything here streams: listing the 835K-file train set holds names, never
// pixels.
package dataset

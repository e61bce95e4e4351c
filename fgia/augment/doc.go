// Package augment owns the host-side image augmentation of fgia: it turns a
// decoded 8-bit RGB image (imagefile.RGB) into model-ready float32 HWC pixels,
// re-implementing in pure Go the timm training recipe the ACCV 2022
// fine-grained challenge winner used:
//
//	RandomResizedCrop (bicubic, antialiased) → horizontal flip →
//	RandAugment "rand-m9-mstd0.5-inc1" → normalize → RandomErasing
//
// plus the timm evaluation transform (resize the shorter side to
// Size/CropPct, center crop) and batch-level Mixup/CutMix with label
// smoothing.
//
// Everything runs on the CPU, before the batch reaches the accelerator,
// because PIL-style ops (histogram equalization, posterize, per-image
// geometry) are cheap per image on the host and awkward as tensor programs.
// A loader runs one Worker per goroutine; a Pipeline is immutable and shared.
// Randomness comes only from the *rand.Rand passed to each call, so a
// fixed seed per (epoch, sample) reproduces a batch exactly, whatever the
// goroutine scheduling.
//
// Ops follow PIL and timm semantics closely (coefficient computation,
// rounding of crop boxes with Python's round-half-to-even, LUTs of
// ImageOps); the deliberate differences are listed on the types that carry
// them.
package augment

// Package pretrained brings public pretrained weights into fgia and sends
// fgia's back: Import reads a timm model folder as the Hugging Face hub
// serves it (config.json + model.safetensors or pytorch_model.bin), or a
// single .safetensors / .pth / .bin file in timm's or MMPretrain's keys,
// and writes an ordinary run folder (config.json with the architecture and
// the model's preprocessing, one checkpoint) that `fgia predict` and
// `fgia train --init` use like any other run; Export writes a run back in
// timm's hub layout. InitSpec picks the architecture a fine-tuning run
// takes from an imported one.
//
// The formats live in their own packages (fgia/safetensors,
// fgia/torchfile), timm's architectures and key names in fgia/timm,
// MMPretrain's renames in fgia/mmpretrain, downloads in fgia/hub.
package pretrained

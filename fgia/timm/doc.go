// Package timm knows timm's side of pretrained weights: which timm
// architectures fgia builds (Arch, Registry: the vit_* and swinv2_* models,
// their sizes, patches, windows and pooling, from the name and the
// model_args of a hub config.json), the hub's config.json (HubConfig: the
// architecture, model_args and pretrained_cfg with the preprocessing), and
// the mapping between timm's state-dict keys and fgia's variables in both
// directions (ToFgia, FromFgia), with every shape checked.
//
// Key mapping, per family (timm key -> fgia variable under /backbone):
//
//	patch_embed.proj.weight [D, C, p, p]  -> patch_embed/weights [p*p*C, D] (ViT)
//	blocks.N.attn.qkv.weight [3D, D]      -> block_NN/attn/{q,k,v}/weights [D, heads, head dim]
//	blocks.N.attn.proj.weight [D, D]      -> block_NN/attn/proj/weights [heads, head dim, D]
//	blocks.N.mlp.fc1.weight [H, D]        -> block_NN/fc1/weights [D, H]
//	blocks.N.norm1.{weight,bias}          -> block_NN/norm1/{gain,offset}
//	layers.S.blocks.B.attn.q_bias [C]     -> stage_S/block_B/attn/q/biases [heads, head dim] (Swin-V2)
//	layers.S.blocks.B.attn.logit_scale [heads, 1, 1] -> .../attn/logit_scale [heads]
//	layers.S.downsample.reduction.weight [2C, 4C]    -> stage_S/downsample/reduction/weights [4C, 2C]
//	head.weight, head.fc.weight [classes, D]         -> /head/weights [D, classes]
//
// PyTorch's Linear weights are [out, in] and GoMLX's [in, out]; the
// patch-embedding convolution becomes a matrix over (row, column, channel)
// patch vectors; attention weights split per head. Buffers timm rebuilds
// from the configuration (Swin-V2's relative_position_index,
// relative_coords_table, attn_mask) are not weights: fgia computes them
// from the window sizes, so they are dropped on import and left out of
// exports.
package timm

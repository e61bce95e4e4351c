// Package swinv2 owns the Swin Transformer V2 backbone as a GoMLX graph: patch embedding, the
// hierarchical stages of shifted-window blocks (cosine attention, continuous relative position
// bias, res-post-norm), patch merging, the final norm, and the analytic parameter and FLOP counts
// used for reporting. Classification heads, losses and the SimMIM decoder live elsewhere; this
// package only offers the learned mask token SimMIM needs (see Config.Encode).
//
// The graph sticks to operations that GoMLX's pure-Go backend ("simplego", GOMLX_BACKEND=go)
// can differentiate: the cyclic shift of shifted windows is a Gather on precomputed token
// indices (fused with the window partition) instead of slice+concatenate, window partition,
// reverse and patch merging are Reshape/Transpose, and q, k and v are separate projections so
// nothing is ever sliced. Pad, Reverse and DynamicSlice are not used. Every matmul goes through
// fgia/gemm (via fgia/nn.Linear), whose gradients are matmuls rather than GoMLX v0.26's
// broadcast-multiply-reduce: 7x faster training steps on simplego.
//
// On simplego use "go:ops_sequential": with plain "go" a 2-core machine deadlocks in the first
// forward pass of any real-sized input (parallel ops hold every worker slot while their
// DotGenerals wait for one).
//
// Variables live under readable scopes, e.g.
//
//	/patch_embed/proj/weights
//	/stage_0/block_1/attn/q/weights
//	/stage_0/block_1/attn/cpb_mlp/fc1/weights
//	/stage_1/downsample/reduction/weights
//	/norm/gain
//
// None of them depends on the window size or the image size, so a checkpoint trained at one
// window (say 12, at 192 px) loads unchanged at another (24, at 384 px): the continuous position
// bias MLP is evaluated on the new window's coordinate table, which is how Swin-V2 transfers
// across window sizes.
package swinv2

package device

import (
	"github.com/nanospike/nanospike/internal/noasm"
	"golang.org/x/sys/cpu"
)

// useNoiseAsm selects the AVX2 kernel of addReadNoise; tests turn it off to compare, and so
// does NANOSPIKE_NOASM=noise (or all) for a measured A/B (the same bits either way).
var useNoiseAsm = cpu.X86.HasAVX2 && !noasm.Off("noise")

// readNoiseAVX2 runs addReadNoise's fast pass over blocks·8 columns (see noiseBlockGo):
// it advances the lanes once per block, stores the block's eight words in words and the
// rejected columns as one bit each in rej[block]. Implemented in readnoise_amd64.s.
//
//go:noescape
func readNoiseAVX2(x *noiseLanes, dst, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64)

// useScatterAsm selects the AVX2 kernel of ScatterRowVar; tests turn it off to compare, and
// so does NANOSPIKE_NOASM=scatter (or all).
var useScatterAsm = cpu.X86.HasAVX2 && !noasm.Off("scatter")

// scatterPairsAVX2 is ScatterRowVar's loop over n columns (a multiple of 4), adding each
// column's g to sums[j mod 4]; if an offset is outside [0, lim) it writes nothing and returns
// 0 (the caller finds the column), else −1. Implemented in scatter_amd64.s.
//
//go:noescape
func scatterPairsAVX2(ring *[2]float64, offs *int32, row *float64, n int, k *scatterConsts, lim int, sums *[4]float64) (bad int)

// drainNoiseAVX2 runs DrainReadNoise's fast pass over blocks·8 columns: the drain of the
// ring's two slots and readNoiseAVX2's operations in one pass, the variances left in variance
// for the slow path. Implemented in readnoise_amd64.s.
//
//go:noescape
func drainNoiseAVX2(x *noiseLanes, dst *float64, lo, hi *[2]float64, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64)

package device

import "github.com/nanospike/nanospike/internal/cpu"

// useNoiseAsm selects the AVX2 kernel of addReadNoise; tests turn it off to compare.
var useNoiseAsm = cpu.HasAVX2

// readNoiseAVX2 runs addReadNoise's fast pass over blocks·8 columns (see noiseBlockGo):
// it advances the lanes once per block, stores the block's eight words in words and the
// rejected columns as one bit each in rej[block]. Implemented in readnoise_amd64.s.
//
//go:noescape
func readNoiseAVX2(x *noiseLanes, dst, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64)

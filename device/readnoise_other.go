//go:build !amd64

package device

// useNoiseAsm is false: there is no kernel off amd64 (a var only so tests compile).
var useNoiseAsm = false

func readNoiseAVX2(x *noiseLanes, dst, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64) {
	panic("device: readNoiseAVX2 without amd64")
}

// useScatterAsm is false: there is no kernel off amd64.
var useScatterAsm = false

func scatterPairsAVX2(ring *[2]float64, offs *int32, row *float64, n int, k *scatterConsts, lim int, sums *[4]float64) int {
	panic("device: scatterPairsAVX2 without amd64")
}

func drainNoiseAVX2(x *noiseLanes, dst *float64, lo, hi *[2]float64, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64) {
	panic("device: drainNoiseAVX2 without amd64")
}

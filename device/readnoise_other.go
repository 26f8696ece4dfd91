//go:build !amd64

package device

// useNoiseAsm is false: there is no kernel off amd64 (a var only so tests compile).
var useNoiseAsm = false

func readNoiseAVX2(x *noiseLanes, dst, variance *float64, words *uint32, rej *uint8, blocks int, zk *uint32, zw *float64) {
	panic("device: readNoiseAVX2 without amd64")
}

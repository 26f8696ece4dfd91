//go:build !amd64

package cpu

// HasAVX2 is false off amd64: the kernels fall back to Go.
const HasAVX2 = false

package network

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKernelsMatchGo: the assembly kernels (where the CPU has them) give
// the same bits as the Go code, element for element and end to end.
func TestKernelsMatchGo(t *testing.T) {
	defer func() { useAsm = true }()
	rng := rand.New(rand.NewPCG(8, 9))
	c := newCondPop(DCExcParams(), 1, 0.5, false)
	k := newCondConsts(c)
	for _, n := range []int{1, 4, 7, 103} {
		v, ge, gi := make([]float64, n), make([]float64, n), make([]float64, n)
		for j := range v {
			v[j] = -100 + 60*rng.Float64()
			ge[j] = 3 * rng.Float64()
			gi[j] = 20 * rng.Float64() * float64(j%2)
		}
		run := func(asm bool) [][]float64 {
			useAsm = asm
			out := [][]float64{append([]float64(nil), ge...), append([]float64(nil), gi...),
				make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)}
			condArith(k, v, out[0], out[1], out[2], out[3], out[4], out[5])
			return out
		}
		a, g := run(true), run(false)
		for q := range a {
			for j := range a[q] {
				require.Equal(t, math.Float64bits(g[q][j]), math.Float64bits(a[q][j]), "n %d array %d elem %d", n, q, j)
			}
		}

		ring := make([]float64, 3*n)
		offs := make([]int32, n)
		src := make([]float64, n)
		for j := range offs {
			offs[j] = int32(rng.IntN(3 * n))
			src[j] = rng.NormFloat64()
		}
		r1 := append([]float64(nil), ring...)
		r2 := append([]float64(nil), ring...)
		useAsm = true
		scatterRow(r1, offs, src, int32(3*n-1))
		useAsm = false
		scatterRow(r2, offs, src, int32(3*n-1))
		assert.Equal(t, r2, r1)
	}
	useAsm = true
	h1 := runHash(t, 100)
	useAsm = false
	h2 := runHash(t, 100)
	assert.Equal(t, h1, h2, "whole network, assembly vs Go")
}

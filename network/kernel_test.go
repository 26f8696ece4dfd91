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
	for _, euler := range []bool{false, true} {
		c := newCondPop(DCExcParams(), 1, 0.5, false, euler)
		k := newCondConsts(c)
		require.Equal(t, euler, k.euler)
		kernelsMatchGo(t, rng, k)
	}
	useAsm = true
	h1 := runHash(t, 100)
	useAsm = false
	h2 := runHash(t, 100)
	assert.Equal(t, h1, h2, "whole network, assembly vs Go")
}

// kernelsMatchGo compares the kernels with the Go code on random data for the constants k.
func kernelsMatchGo(t *testing.T, rng *rand.Rand, k *condConsts) {
	for _, n := range []int{1, 4, 7, 103} {
		v, ge, gi := make([]float64, n), make([]float64, n), make([]float64, n)
		for j := range v {
			v[j] = -70 + 25*rng.Float64()
			ge[j] = 3 * rng.Float64()
			gi[j] = 20 * rng.Float64() * float64(j%2)
		}
		u := make([]float64, n)
		ref := make([]int32, n)
		for j := range u {
			u[j] = 20 + 10*rng.Float64()
			if rng.IntN(5) == 0 {
				ref[j] = 3
			}
		}
		k.ths = x4(0.9)
		run := func(asm bool) ([][]float64, []uint8) {
			useAsm = asm
			out := [][]float64{append([]float64(nil), v...), append([]float64(nil), ge...), append([]float64(nil), gi...),
				make([]float64, n), make([]float64, n), make([]float64, n)}
			flags := make([]uint8, (n+3)/4)
			condStep(k, out[0], out[1], out[2], u, ref, out[3], out[4], out[5], flags)
			return out, flags
		}
		a, fa := run(true)
		g, fg := run(false)
		for q := range a {
			for j := range a[q] {
				require.Equal(t, math.Float64bits(g[q][j]), math.Float64bits(a[q][j]), "n %d array %d elem %d", n, q, j)
			}
		}
		require.Equal(t, fg, fa, "flags, n %d", n)
		flagged := 0
		for j := range n {
			if fa[j/4]&(1<<(j%4)) != 0 {
				flagged++
			}
		}
		if n > 4 {
			require.Greater(t, flagged, 0, "n %d", n)
			require.Less(t, flagged, n, "n %d", n)
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

		dst1, lo1, hi1 := append([]float64(nil), v...), append([]float64(nil), ge...), append([]float64(nil), gi...)
		dst2, lo2, hi2 := append([]float64(nil), v...), append([]float64(nil), ge...), append([]float64(nil), gi...)
		useAsm = true
		drain(dst1, lo1, hi1)
		useAsm = false
		drain(dst2, lo2, hi2)
		assert.Equal(t, dst2, dst1)
		assert.Equal(t, make([]float64, n), lo1)
		assert.Equal(t, make([]float64, n), hi1)

	}
}

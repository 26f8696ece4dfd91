package device

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"
)

// TestReadNoiseKernelMatchesGo: the AVX2 pass of AddReadNoise gives the bits of the Go one —
// sums, zeroed variances and the states of both streams — for every length (full blocks and
// tails) and with zero variances mixed in. Skipped where there is no kernel.
func TestReadNoiseKernelMatchesGo(t *testing.T) {
	if !useNoiseAsm {
		t.Skip("no AVX2 kernel on this machine")
	}
	defer func() { useNoiseAsm = true }()
	p := testParams()
	p.ReadNoise = 0.05
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 7, 8, 9, 16, 100, 101, 400} {
		a0, err := NewArray(p, 1, n, 7)
		require.NoError(t, err)
		a, b := a0.Clone(3), a0.Clone(3)
		for step := range 300 {
			dst := make([]float64, n)
			v := make([]float64, n)
			for j := range n {
				dst[j] = r.NormFloat64()
				if r.IntN(5) > 0 { // a fifth of the columns receive nothing
					v[j] = r.ExpFloat64() * 1e-3
				}
			}
			if step == 0 {
				dst[0] = math.Copysign(0, -1) // a −0 that must stay −0 where nothing is added
				v[0] = 0
			}
			dA, vA := append([]float64(nil), dst...), append([]float64(nil), v...)
			useNoiseAsm = true
			a.AddReadNoise(dA, vA)
			useNoiseAsm = false
			b.AddReadNoise(dst, v)
			for j := range n {
				require.Equal(t, math.Float64bits(dst[j]), math.Float64bits(dA[j]), "n=%d step %d column %d", n, step, j)
				require.Zero(t, vA[j], "variance reset")
			}
		}
		assert.Equal(t, b.lanes, a.lanes, "n=%d: lanes", n)
		assert.Equal(t, b.src, a.src, "n=%d: PCG (slow path)", n)
	}
}

// TestDrainReadNoiseMatchesTwoPasses: DrainReadNoise (the fused drain and noise, AVX2 or Go)
// gives the bits of draining the pairs and calling AddReadNoise — sums, zeroed slots and the
// states of both streams — for every length (full blocks, tails, padded rows of zeros), with
// empty columns and a −0 that must survive. It fails if the fused kernel adds in another order,
// misses the zeroing of a slot, or consumes the words differently.
func TestDrainReadNoiseMatchesTwoPasses(t *testing.T) {
	defer func() { useNoiseAsm = cpu.X86.HasAVX2 }()
	p := testParams()
	p.ReadNoise = 0.05
	r := rand.New(rand.NewPCG(1, 2))
	for _, asm := range []bool{true, false} {
		if asm && !cpu.X86.HasAVX2 {
			continue
		}
		for _, n := range []int{1, 4, 7, 8, 9, 16, 100, 104, 400} {
			a0, err := NewArray(p, 1, n, 7)
			require.NoError(t, err)
			a, b := a0.Clone(3), a0.Clone(3)
			for step := range 300 {
				dst := make([]float64, n)
				lo, hi := make([][2]float64, n), make([][2]float64, n)
				for j := range n {
					dst[j] = r.NormFloat64()
					if r.IntN(5) > 0 { // a fifth of the columns receive nothing
						lo[j] = [2]float64{r.NormFloat64(), r.ExpFloat64() * 1e-3}
					}
					if r.IntN(2) > 0 {
						hi[j] = [2]float64{r.NormFloat64(), r.ExpFloat64() * 1e-3}
					}
				}
				if step == 0 {
					dst[0] = math.Copysign(0, -1)
					lo[0], hi[0] = [2]float64{math.Copysign(0, -1), 0}, [2]float64{math.Copysign(0, -1), 0}
				}
				if n == 104 {
					for j := 100; j < n; j++ { // a padded row: nothing there
						dst[j], lo[j], hi[j] = 0, [2]float64{}, [2]float64{}
					}
				}
				want, v := append([]float64(nil), dst...), make([]float64, n)
				useNoiseAsm = cpu.X86.HasAVX2
				drainPairsGo(want, v, append([][2]float64(nil), lo...), append([][2]float64(nil), hi...))
				b.AddReadNoise(want, v)
				useNoiseAsm = asm
				a.DrainReadNoise(dst, lo, hi)
				for j := range n {
					require.Equal(t, math.Float64bits(want[j]), math.Float64bits(dst[j]), "asm=%v n=%d step %d column %d", asm, n, step, j)
					require.Equal(t, [2]float64{}, lo[j], "lo zeroed")
					require.Equal(t, [2]float64{}, hi[j], "hi zeroed")
				}
			}
			assert.Equal(t, b.lanes, a.lanes, "n=%d: lanes", n)
			assert.Equal(t, b.src, a.src, "n=%d: PCG (slow path)", n)
		}
	}
}

// TestAddReadNoiseDistribution: what AddReadNoise adds is √V·N(0, 1): mean, variance, fourth
// moment and tail fractions over many columns and passes, with varied V.
func TestAddReadNoiseDistribution(t *testing.T) {
	p := testParams()
	p.ReadNoise = 0.05
	const cols, passes = 101, 20000
	a, err := NewArray(p, 1, cols, 11)
	require.NoError(t, err)
	dst, v := make([]float64, cols), make([]float64, cols)
	zs := make([]float64, 0, cols*passes)
	for range passes {
		for j := range cols {
			dst[j] = 0
			v[j] = float64(j%5+1) * 0.01
		}
		a.AddReadNoise(dst, v)
		for j, x := range dst {
			zs = append(zs, x/math.Sqrt(float64(j%5+1)*0.01))
		}
	}
	assertStandardNormal(t, zs)
	// Neighbouring columns come from different lanes and halves of a word: uncorrelated.
	a2, err := NewArray(p, 1, 8, 12)
	require.NoError(t, err)
	var c01, c12 float64
	d8, v8 := make([]float64, 8), make([]float64, 8)
	for range passes {
		clear(d8)
		for j := range v8 {
			v8[j] = 1
		}
		a2.AddReadNoise(d8, v8)
		c01 += d8[0] * d8[1]
		c12 += d8[1] * d8[2]
	}
	assert.InDelta(t, 0, c01/passes, 5/math.Sqrt(passes), "corr(column 0, 1)")
	assert.InDelta(t, 0, c12/passes, 5/math.Sqrt(passes), "corr(column 1, 2)")
}

// TestScatterRowVarKernel: the AVX2 loop of ScatterRowVar gives the bits of the Go loop — ring
// pairs and read counters — for row lengths around the blocks of four, and both panic on an
// offset outside the ring.
func TestScatterRowVarKernel(t *testing.T) {
	if !useScatterAsm {
		t.Skip("no AVX2 kernel on this machine")
	}
	defer func() { useScatterAsm = true }()
	p, err := Preset("si-nc-phototransistor") // read noise and facilitation
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(2, 2))
	for _, cols := range []int{1, 3, 4, 5, 8, 13, 100} {
		const rows, slots = 9, 6
		a0, err := NewArray(p, rows, cols, 5)
		require.NoError(t, err)
		storm(a0, 3, 300)
		a, b := a0.Clone(1), a0.Clone(1)
		offs := make([]int32, rows*cols)
		for k := range offs {
			offs[k] = int32(r.IntN(slots)*cols + k%cols)
		}
		ringA, ringB := make([][2]float64, slots*cols), make([][2]float64, slots*cols)
		for s := range 80 {
			i := r.IntN(rows)
			tm := float64(s) * 2e-3
			useScatterAsm = true
			a.ScatterRowVar(ringA, offs[i*cols:(i+1)*cols], i, tm)
			useScatterAsm = false
			b.ScatterRowVar(ringB, offs[i*cols:(i+1)*cols], i, tm)
		}
		require.Equal(t, ringB, ringA, "cols=%d", cols)
		require.Equal(t, b.Counters(), a.Counters(), "cols=%d", cols)
		bad := append([]int32(nil), offs[:cols]...)
		bad[cols-1] = int32(len(ringA))
		for _, asm := range []bool{true, false} {
			useScatterAsm = asm
			assert.Panics(t, func() { a.ScatterRowVar(ringA, bad, 0, 1) }, "cols=%d asm=%v: offset past the ring", cols, asm)
		}
		// The kernel checks every offset before it writes: a bad one anywhere leaves the
		// ring as it was (its part; the Go tail after it is checked by Go).
		useScatterAsm = true
		for _, at := range []int{0, cols / 2, cols&^3 - 1} {
			if at < 0 {
				continue
			}
			bad := append([]int32(nil), offs[:cols]...)
			bad[at] = -1
			before := append([][2]float64(nil), ringA...)
			assert.Panics(t, func() { a.ScatterRowVar(ringA, bad, 0, 1) }, "cols=%d: negative offset at %d", cols, at)
			if at < cols&^3 {
				assert.Equal(t, before, ringA, "cols=%d: nothing written before the panic (bad offset at %d)", cols, at)
			}
			copy(ringA, before)
		}
	}
}

// TestSlowNoiseIgnoresStaleBlocks: the slow pass reads the rejection flags eight blocks at a
// time, past the current call's blocks; flags left there by an earlier, wider call must not
// draw anything. An array that made a wide call first and one with fresh scratch give the
// same bits and streams.
func TestSlowNoiseIgnoresStaleBlocks(t *testing.T) {
	p := testParams()
	p.ReadNoise = 0.05
	a0, err := NewArray(p, 1, 400, 7)
	require.NoError(t, err)
	a, b := a0.Clone(3), a0.Clone(3)
	wide := func(x *Array) {
		d, v := make([]float64, 400), make([]float64, 400)
		for j := range v {
			v[j] = 1
		}
		x.AddReadNoise(d, v)
	}
	wide(a)
	wide(b)
	rejected := 0
	for _, r := range a.nrej[2:] {
		rejected += bits.OnesCount8(r)
	}
	require.Positive(t, rejected, "the wide call should leave flags past the narrow one's blocks")
	b.nbits, b.nrej, b.nvar = nil, nil, nil
	for range 50 {
		da, va := make([]float64, 9), make([]float64, 9)
		db, vb := make([]float64, 9), make([]float64, 9)
		for j := range va {
			va[j], vb[j] = 1, 1
		}
		a.AddReadNoise(da, va)
		b.AddReadNoise(db, vb)
		require.Equal(t, db, da)
	}
	assert.Equal(t, b.src, a.src, "PCG (slow path)")
}

package network

import "golang.org/x/sys/cpu"

// Implemented in kernel_amd64.s.

//go:noescape
func condStepAVX2(k *condConsts, v, ge, gi, u *float64, ref *int32, vold, as, bs *float64, flags *uint8, n int)

//go:noescape
func condStepEulerAVX2(k *condConsts, v, ge, gi, u *float64, ref *int32, vold, as, bs *float64, flags *uint8, n int)

//go:noescape
func drainAVX2(dst, lo, hi *float64, n int)

//go:noescape
func scatterAdd(ring *float64, offs *int32, src *float64, n int)

// condStep runs the first pass of a dense population's step (see
// condStepGo), four neurons at a time with AVX2 when available; the results
// are bit-identical either way (no fused multiply-add).
func condStep(k *condConsts, v, ge, gi, u []float64, ref []int32, vold, as, bs []float64, flags []uint8) {
	n := len(v)
	if n == 0 {
		return
	}
	_, _, _, _, _, _, _ = ge[n-1], gi[n-1], u[n-1], ref[n-1], vold[n-1], as[n-1], bs[n-1]
	_ = flags[(n-1)/4]
	m := 0
	if cpu.X86.HasAVX2 && useAsm {
		m = n &^ 3
		if m > 0 {
			if k.euler {
				condStepEulerAVX2(k, &v[0], &ge[0], &gi[0], &u[0], &ref[0], &vold[0], &as[0], &bs[0], &flags[0], m)
			} else {
				condStepAVX2(k, &v[0], &ge[0], &gi[0], &u[0], &ref[0], &vold[0], &as[0], &bs[0], &flags[0], m)
			}
		}
	}
	condStepGo(k, v, ge, gi, u, ref, vold, as, bs, flags, m)
}

// scatterRow adds src[j] to ring[offs[j]] for every j (the delay scatter).
// The caller guarantees 0 ≤ offs[j] ≤ maxOff; the bound is checked against
// len(ring) here once per call instead of once per element.
func scatterRow(ring []float64, offs []int32, src []float64, maxOff int32) {
	n := len(offs)
	if n == 0 {
		return
	}
	_ = src[n-1]
	if !useAsm {
		for j, o := range offs {
			ring[o] += src[j]
		}
		return
	}
	if maxOff < 0 || int(maxOff) >= len(ring) {
		panic("network: delay offset out of range")
	}
	scatterAdd(&ring[0], &offs[0], &src[0], n)
}

// drain adds lo[j] + hi[j] to dst[j] and zeroes lo and hi (the delay
// ring's slot of the current step).
func drain(dst, lo, hi []float64) {
	n := len(dst)
	if n == 0 {
		return
	}
	_, _ = lo[n-1], hi[n-1]
	m := 0
	if cpu.X86.HasAVX2 && useAsm {
		m = n &^ 3
		if m > 0 {
			drainAVX2(&dst[0], &lo[0], &hi[0], m)
		}
	}
	drainGo(dst[m:], lo[m:n], hi[m:n])
}

// prefetch asks for the cache line at p to be brought in, without waiting for it.
//
//go:noescape
func prefetch(p *int64)

//go:build !amd64

package network

func condStep(k *condConsts, v, ge, gi, u []float64, ref []int32, vold, as, bs []float64, flags []uint8) {
	condStepGo(k, v, ge, gi, u, ref, vold, as, bs, flags, 0)
}

func scatterRow(ring []float64, offs []int32, src []float64, _ int32) {
	src = src[:len(offs)]
	for j, o := range offs {
		ring[o] += src[j]
	}
}

func drain(dst, lo, hi []float64) { drainGo(dst, lo[:len(dst)], hi[:len(dst)]) }

func prefetch(*int64) {}

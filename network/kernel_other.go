//go:build !amd64

package network

func condArith(k *condConsts, v, ge, gi, vn, xs, as, bs []float64) {
	condArithGo(k, v, ge, gi, vn, xs, as, bs, 0)
}

func scatterRow(ring []float64, offs []int32, src []float64, _ int32) {
	src = src[:len(offs)]
	for j, o := range offs {
		ring[o] += src[j]
	}
}

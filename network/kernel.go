package network

import "github.com/nanospike/nanospike/internal/noasm"

// condConsts are the per-step constants of a dense conductance population,
// laid out for the assembly kernel (kernel_amd64.s reads them by offset).
// Each constant is stored four times (one AVX2 register's worth).
type condConsts struct {
	ce, ci, de, di, dtTau, vrest, ee, ei [4]float64 // offsets 0, 32, …, 224
	one, c2, c3, c4, c5                  [4]float64 // 256 … 384: 1, 1/2, 1/6, 1/24, 1/120
	thr, ths, xmax                       [4]float64 // 416, 448, 480: threshold base, θ scale, 0.1
	// euler: forward Euler (ce = ci = 1, c2 … c5 = 0): v' = v + dtTau·(num − g·v), with
	// no division (condStepGo, condStepEulerAVX2).
	euler bool
}

// useAsm can be turned off by tests to compare the assembly kernels with the Go code, and
// by NANOSPIKE_NOASM=neuron (or all) for a measured A/B of the kernel: the results are the same
// bits either way.
var useAsm = !noasm.Off("neuron")

func x4(x float64) [4]float64 { return [4]float64{x, x, x, x} }

func newCondConsts(c *condPop) *condConsts {
	k := &condConsts{
		ce: x4(c.ce), ci: x4(c.ci), de: x4(c.de), di: x4(c.di), dtTau: x4(c.dtTau),
		vrest: x4(c.p.VRest), ee: x4(c.p.EExc), ei: x4(c.p.EInh),
		one: x4(1), c2: x4(0.5), c3: x4(1.0 / 6), c4: x4(1.0 / 24), c5: x4(1.0 / 120),
		thr: x4(c.thrBase), ths: x4(c.thScale), xmax: x4(c.xmax),
	}
	if c.euler {
		// With the higher Taylor terms zero the kernel's e(x) is 1 − x:
		// a forward-Euler step (and xmax = +Inf never defers to math.Exp).
		k.c2, k.c3, k.c4, k.c5 = x4(0), x4(0), x4(0), x4(0)
		k.euler = c.ce == 1 && c.ci == 1
	}
	return k
}

// condStepGo is the first pass of a dense population's step for neurons
// [lo, len(v)), lo a multiple of 4. For every neuron it decays ge and gi,
// stores the step-mean conductances (as, bs) and the old potential (vold),
// and computes the new potential for the step-mean conductances with the
// Taylor series of e^(−x). It writes that potential to v unless the neuron
// is refractory or x ≥ xmax (then v keeps its old value), and sets bit l of
// flags[j/4] (l = j mod 4) when the neuron is refractory, x ≥ xmax, or the
// new potential is above the threshold thr + ths·u: the second pass looks
// only at flagged neurons. The float64 conversions keep the compiler from
// fusing multiply-adds, so that this code and the assembly kernel give
// identical bits.
func condStepGo(k *condConsts, v, ge, gi, u []float64, ref []int32, vold, as, bs []float64, flags []uint8, lo int) {
	n := len(v)
	ge, gi, u, ref, vold, as, bs = ge[:n], gi[:n], u[:n], ref[:n], vold[:n], as[:n], bs[:n]
	for j := lo; j < n; j++ {
		if j%4 == 0 {
			flags[j/4] = 0
		}
		a := float64(k.ce[0] * ge[j])
		b := float64(k.ci[0] * gi[j])
		ge[j] = float64(ge[j] * k.de[0])
		gi[j] = float64(gi[j] * k.di[0])
		g := (k.one[0] + a) + b
		x := float64(k.dtTau[0] * g)
		x2 := float64(x * x)
		t1 := k.one[0] - x
		t2 := k.c2[0] - float64(x*k.c3[0])
		t3 := k.c4[0] - float64(x*k.c5[0])
		t2 += float64(x2 * t3)
		e := t1 + float64(x2*t2)
		num := (k.vrest[0] + float64(a*k.ee[0])) + float64(b*k.ei[0])
		vo := v[j]
		var vn float64
		if k.euler {
			vn = vo + float64(k.dtTau[0]*(num-float64(g*vo)))
		} else {
			vinf := num / g
			vn = vinf + float64((vo-vinf)*e)
		}
		vold[j], as[j], bs[j] = vo, a, b
		hold := ref[j] > 0 || x >= k.xmax[0]
		if !hold {
			v[j] = vn
		}
		if hold || vn > k.thr[0]+float64(k.ths[0]*u[j]) {
			flags[j/4] |= 1 << (j % 4)
		}
	}
}

func drainGo(dst, lo, hi []float64) {
	lo, hi = lo[:len(dst)], hi[:len(dst)]
	for j := range dst {
		dst[j] += lo[j] + hi[j]
	}
	clear(lo)
	clear(hi)
}

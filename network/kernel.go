package network

// condConsts are the per-step constants of a dense conductance population,
// laid out for the assembly kernel (kernel_amd64.s reads them by offset).
// Each constant is stored four times (one AVX2 register's worth).
type condConsts struct {
	ce, ci, de, di, dtTau, vrest, ee, ei [4]float64 // offsets 0, 32, …, 224
	one, c2, c3, c4, c5                  [4]float64 // 256 … 384: 1, 1/2, 1/6, 1/24, 1/120
}

// useAsm can be turned off by tests to compare the assembly kernels with
// the Go code.
var useAsm = true

func newCondConsts(c *condPop) *condConsts {
	x4 := func(x float64) [4]float64 { return [4]float64{x, x, x, x} }
	return &condConsts{
		ce: x4(c.ce), ci: x4(c.ci), de: x4(c.de), di: x4(c.di), dtTau: x4(c.dtTau),
		vrest: x4(c.p.VRest), ee: x4(c.p.EExc), ei: x4(c.p.EInh),
		one: x4(1), c2: x4(0.5), c3: x4(1.0 / 6), c4: x4(1.0 / 24), c5: x4(1.0 / 120),
	}
}

// condArithGo is the arithmetic pass of a dense population's step, for
// neurons [lo, len(v)): it decays ge and gi and writes the step-mean
// conductances (as, bs), x = g·dt/τm (xs) and the candidate new potential
// (vn) of every neuron, ignoring refractoriness and the x < 0.1 bound of
// the series, which the second pass applies. The float64 conversions keep
// the compiler from fusing multiply-adds, so that this code and the
// assembly kernel give identical bits.
func condArithGo(k *condConsts, v, ge, gi, vn, xs, as, bs []float64, lo int) {
	n := len(v)
	ge, gi, vn, xs, as, bs = ge[:n], gi[:n], vn[:n], xs[:n], as[:n], bs[:n]
	for j := lo; j < n; j++ {
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
		vinf := num / g
		vn[j] = vinf + float64((v[j]-vinf)*e)
		xs[j] = x
		as[j] = a
		bs[j] = b
	}
}

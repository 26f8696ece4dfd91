package learning

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas/gonum"

	"github.com/nanospike/nanospike/internal/pad"
)

// bpWork is the per-sample workspace of forward and backward passes: the state of every layer
// at every step, kept for BPTT.
type bpWork struct {
	src *rand.PCG
	rng *rand.Rand

	// Input encoding. Rate coding draws s_t,i ~ Bernoulli(p_i). Rather than summing the rows
	// of the ~100 active inputs at every step, the first layer's current is split as
	// W·s_t = W·m + W·(s_t − m) with m_i = [p_i > 0.5]: W·m is computed once per image and only
	// the inputs whose spike differs from m_i ("flips", Σ min(p, 1−p) ≈ 21 per step on MNIST
	// instead of Σ p ≈ 102) are added at each step. The same split serves the gradient
	// Σ_t s_t ⊗ δ_t = m ⊗ Σ_t δ_t + Σ_t (s_t − m) ⊗ δ_t. It is exact (up to summation order).
	on     []int32   // inputs with m_i = 1 (rate) or p_i > 0 (direct)
	onP    []float32 // direct: the pixel values of on
	stoch  []int32   // rate: inputs with 0 < p < 1 (they may flip)
	stochP []float64
	flips  []int32 // per step, flipped inputs: i ≥ 0 for +1 (spike, m = 0), −1−i for −1
	flipAt []int   // flips of step t are flips[flipAt[t]:flipAt[t+1]]
	base   []float32

	u      [][]float32 // per layer: membrane after each step, T×size
	s      [][]float32 // per layer: spikes (0 or 1) of each step, T×size
	spk    [][]int32   // per layer (all but the output): spiking neurons of all steps
	spkAt  [][]int     // spk of step t: spk[l][spkAt[l][t]:spkAt[l][t+1]]
	cur    []float32
	gu     [][]float32 // per layer: dL/dU, T×size
	ds     []float32
	dsum   []float32
	counts []int // output spike counts
	prob   []float64
}

func (n *Backprop) workspace() *bpWork {
	if n.ws == nil {
		n.ws = n.newWorkspace()
	}
	return n.ws
}

// newWorkspace returns a workspace for one image at a time.
func (n *Backprop) newWorkspace() *bpWork {
	sz := n.cfg.sizes()
	T := n.cfg.Steps
	// The generator's state and the small slices written at every step are padded to
	// cache lines of their own: workspaces of different cores are allocated side by side,
	// and a line shared by two cores' hot writes costs both of them (false sharing).
	ws := &new(pad.Padded[bpWork]).V
	ws.src = &new(pad.Padded[rand.PCG]).V
	ws.rng = rand.New(ws.src)
	ws.spk = pad.Lines[[]int32](len(sz) - 1)[:0]
	maxN := 0
	for l := 1; l < len(sz); l++ {
		ws.u = append(ws.u, make([]float32, T*sz[l]))
		ws.s = append(ws.s, make([]float32, T*sz[l]))
		ws.gu = append(ws.gu, make([]float32, T*sz[l]))
		ws.spkAt = append(ws.spkAt, pad.Lines[int](T+1))
		ws.spk = append(ws.spk, nil)
		maxN = max(maxN, sz[l])
	}
	ws.cur = make([]float32, maxN)
	ws.ds = make([]float32, maxN)
	ws.dsum = make([]float32, maxN)
	ws.base = make([]float32, sz[1])
	ws.flipAt = pad.Lines[int](T + 1)
	ws.counts = pad.Lines[int](n.cfg.Classes)
	ws.prob = pad.Lines[float64](n.cfg.Classes)
	return ws
}

// bpBLAS is gonum's pure-Go BLAS, whose float32 axpy is SSE assembly on amd64.
var bpBLAS gonum.Implementation

// add does y += x; addScaled y += a·x (len(y) ≥ len(x)).
func bpAdd(y, x []float32)                            { bpBLAS.Saxpy(len(x), 1, x, 1, y, 1) }
func bpAddScaled(y []float32, a float32, x []float32) { bpBLAS.Saxpy(len(x), a, x, 1, y, 1) }

// forward runs one image through the network for T steps and returns the predicted class (most
// output spikes, lowest index on ties). With keep it stores every step's state for backward;
// without, the hidden layers' membranes and spikes live in two slots (the step and the one
// before), which keeps an evaluation's working set small and its weight rows in cache. The pass
// runs in float32, as PyTorch's does; weights come from each layer's float32 copy, the first
// layer's from w0 (that copy, or a copy of it: Evaluate gives each core its own).
func (n *Backprop) forward(ws *bpWork, w0 []float32, img []uint8, st *BackpropCounters, keep bool) int {
	c := &n.cfg
	T := c.Steps
	beta, thr := float32(c.Beta), float32(c.Threshold)
	L := len(n.layers)
	rate := c.Encoding == EncodingRate

	// Encode.
	ws.on, ws.onP, ws.stoch, ws.stochP = ws.on[:0], ws.onP[:0], ws.stoch[:0], ws.stochP[:0]
	for i, v := range img {
		if v == 0 {
			continue
		}
		if !rate {
			ws.on = append(ws.on, int32(i))
			ws.onP = append(ws.onP, float32(v)/255)
			continue
		}
		p := float64(v) / 255
		if v > 127 { // p > 0.5
			ws.on = append(ws.on, int32(i))
		}
		if v < 255 {
			ws.stoch = append(ws.stoch, int32(i))
			ws.stochP = append(ws.stochP, p)
		}
	}
	l0 := n.layers[0]
	H0 := l0.out
	base := ws.base[:H0]
	copy(base, l0.b32)
	for k, i := range ws.on {
		row := w0[int(i)*H0 : int(i+1)*H0]
		if rate {
			bpAdd(base, row)
		} else {
			bpAddScaled(base, ws.onP[k], row)
		}
	}
	ws.flips = ws.flips[:0]
	var inSpikes int
	for l := range L - 1 {
		ws.spk[l] = ws.spk[l][:0]
	}
	clear(ws.counts)
	// slot is where step t of layer l lives: t, or t mod 2 for a hidden layer without keep.
	slot := func(l, t int) int {
		if keep || l == L-1 {
			return t
		}
		return t & 1
	}
	for t := range T {
		// Layer 0 input current.
		cur := ws.cur[:H0]
		copy(cur, base)
		if rate {
			f0 := len(ws.flips)
			ws.flipAt[t] = f0
			neg := 0
			for k, i := range ws.stoch {
				p := ws.stochP[k]
				s := ws.rng.Float64() < p
				if s != (p > 0.5) {
					row := w0[int(i)*H0 : int(i+1)*H0]
					if s {
						ws.flips = append(ws.flips, i)
						bpAdd(cur, row)
					} else {
						ws.flips = append(ws.flips, -1-i)
						bpAddScaled(cur, -1, row)
						neg++
					}
				}
			}
			inSpikes += len(ws.on) + len(ws.flips) - f0 - 2*neg
		}
		for l, ly := range n.layers {
			N := ly.out
			ts := slot(l, t)
			u := ws.u[l][ts*N : (ts+1)*N]
			s := ws.s[l][ts*N : (ts+1)*N]
			cur := ws.cur[:N]
			if l > 0 {
				M := ly.in
				if ly.narrow() {
					// Few outputs: N dense dot products with the layer below's spike vector
					// beat one short row addition per spike.
					tb := slot(l-1, t)
					sb := ws.s[l-1][tb*M : (tb+1)*M]
					for q := range cur {
						cur[q] = ly.b32[q] + bpBLAS.Sdot(M, ly.wt32[q*M:(q+1)*M], 1, sb, 1)
					}
				} else {
					copy(cur, ly.b32)
					for _, j := range ws.spk[l-1][ws.spkAt[l-1][t]:] {
						bpAdd(cur, ly.w32[int(j)*N:int(j+1)*N])
					}
				}
			}
			if t == 0 {
				copy(u, cur)
			} else {
				// Reset by subtraction, from the previous membrane (snntorch.Leaky): the
				// reset at t is the spike at t−1.
				tp := slot(l, t-1)
				pu := ws.u[l][tp*N : (tp+1)*N]
				ps := ws.s[l][tp*N : (tp+1)*N]
				pu, ps, cur = pu[:len(u)], ps[:len(u)], cur[:len(u)]
				for j, pv := range pu {
					u[j] = beta*pv - thr*ps[j] + cur[j]
				}
			}
			// Spikes without data-dependent branches: the sign bit of θ − u.
			s = s[:len(u)]
			if l == L-1 {
				for j, v := range u {
					b := math.Float32bits(thr-v) >> 31
					s[j] = float32(b)
					ws.counts[j] += int(b)
				}
			} else {
				ws.spkAt[l][t] = len(ws.spk[l])
				sp := slices.Grow(ws.spk[l], N)
				m := len(sp)
				sp = sp[:m+N]
				for j, v := range u {
					b := math.Float32bits(thr-v) >> 31
					s[j] = float32(b)
					sp[m] = int32(j)
					m += int(b)
				}
				ws.spk[l] = sp[:m]
			}
		}
	}
	if rate {
		ws.flipAt[T] = len(ws.flips)
	}
	for l := range L - 1 {
		ws.spkAt[l][T] = len(ws.spk[l])
	}
	// BackpropCounters: synaptic events (spikes × fan-out; analog inputs count once per image) and spikes.
	if rate {
		st.InputSpikes += int64(inSpikes)
		st.SynEvents += int64(inSpikes) * int64(H0)
	} else {
		st.SynEvents += int64(len(ws.on)) * int64(H0)
	}
	for l := range L - 1 {
		s := int64(len(ws.spk[l]))
		st.HiddenSpikes += s
		st.SynEvents += s * int64(n.layers[l+1].out)
	}
	pred := 0
	for k, v := range ws.counts {
		st.OutputSpikes += int64(v)
		if v > ws.counts[pred] {
			pred = k
		}
	}
	if c.Readout == ReadoutCountMembrane {
		// Break ties of the spike count by the summed output membrane.
		uo := ws.u[L-1]
		C := len(ws.counts)
		best, bestU := pred, math.Inf(-1)
		for k, v := range ws.counts {
			if v != ws.counts[pred] {
				continue
			}
			var su float64
			for t := range T {
				su += float64(uo[t*C+k])
			}
			if su > bestU {
				best, bestU = k, su
			}
		}
		pred = best
	}
	return pred
}

// surrogate is the fast-sigmoid derivative 1/(k|x|+1)².
func fastSigmoidGrad(x, k float32) float32 {
	if x < 0 {
		x = -x
	}
	d := k*x + 1
	return 1 / (d * d)
}

// backward back-propagates Σ_t CE(U_out,t, label) through time after forward, adds the
// gradients to the layers' float32 sums and returns the loss.
//
// With the reset detached (as snnTorch does), U_t = βU_{t−1} + I_t − θ·[U_{t−1} > θ] gives
// ∂U_t/∂U_{t−1} = β, so with g_t = ∂L/∂U_t:
//
//	output:  g_t = softmax(U_t) − onehot(label) + β·g_{t+1}
//	hidden:  g_t = (W_next g_next,t)·σ'(U_t − θ) + β·g_{t+1}
//	∂L/∂W = Σ_t x_t ⊗ g_t,  ∂L/∂b = Σ_t g_t
func (n *Backprop) backward(ws *bpWork, gr *bpGrad, label int) float64 {
	c := &n.cfg
	T := c.Steps
	beta, thr, k := float32(c.Beta), float32(c.Threshold), float32(c.Slope)
	L := len(n.layers)
	// Output layer.
	out := n.layers[L-1]
	C := out.out
	g := ws.gu[L-1]
	uo := ws.u[L-1]
	var loss float64
	for t := T - 1; t >= 0; t-- {
		u := uo[t*C : (t+1)*C]
		gt := g[t*C : (t+1)*C]
		mx := float64(u[0])
		for _, v := range u {
			mx = max(mx, float64(v))
		}
		var z float64
		for j, v := range u {
			e := math.Exp(float64(v) - mx)
			ws.prob[j] = e
			z += e
		}
		loss += math.Log(z) + mx - float64(u[label])
		for j := range gt {
			p := ws.prob[j] / z
			if j == label {
				p--
			}
			gj := float32(p)
			if t < T-1 {
				gj += beta * g[(t+1)*C+j]
			}
			gt[j] = gj
		}
	}
	for l := L - 1; l >= 0; l-- {
		ly := n.layers[l]
		N := ly.out
		g := ws.gu[l]
		// Bias and weight gradients.
		dsum := ws.dsum[:N]
		copy(dsum, g[:N])
		for t := 1; t < T; t++ {
			bpAdd(dsum, g[t*N:(t+1)*N])
		}
		bpAdd(gr.gb[l], dsum)
		if l == 0 {
			if c.Encoding == EncodingRate {
				for _, i := range ws.on {
					gr.touch(0, i)
					bpAdd(gr.gw[l][int(i)*N:int(i+1)*N], dsum)
				}
				for t := range T {
					gt := g[t*N : (t+1)*N]
					for _, f := range ws.flips[ws.flipAt[t]:ws.flipAt[t+1]] {
						if f >= 0 {
							gr.touch(0, f)
							bpAdd(gr.gw[l][int(f)*N:int(f+1)*N], gt)
						} else {
							i := -1 - f
							gr.touch(0, i)
							bpAddScaled(gr.gw[l][int(i)*N:int(i+1)*N], -1, gt)
						}
					}
				}
			} else {
				for kk, i := range ws.on {
					gr.touch(0, i)
					bpAddScaled(gr.gw[l][int(i)*N:int(i+1)*N], ws.onP[kk], dsum)
				}
			}
			break
		}
		if ly.narrow() {
			// Transposed gradient (out×in): N row updates with the spike vector per step.
			M := ly.in
			for t := range T {
				sb := ws.s[l-1][t*M : (t+1)*M]
				for q, v := range g[t*N : (t+1)*N] {
					bpAddScaled(gr.gwt[l][q*M:(q+1)*M], v, sb)
				}
			}
		} else {
			sp, at := ws.spk[l-1], ws.spkAt[l-1]
			for t := range T {
				gt := g[t*N : (t+1)*N]
				for _, j := range sp[at[t]:at[t+1]] {
					gr.touch(l, j)
					bpAdd(gr.gw[l][int(j)*N:int(j+1)*N], gt)
				}
			}
		}
		// Into the layer below: g_below,t = (W g_t)·σ'(U_below,t − θ) + β g_below,t+1.
		M := ly.in
		gb := ws.gu[l-1]
		ub := ws.u[l-1]
		ds := ws.ds[:M]
		for t := T - 1; t >= 0; t-- {
			clear(ds)
			gt := g[t*N : (t+1)*N]
			for q, v := range gt {
				if v != 0 {
					bpAddScaled(ds, v, ly.wt32[q*M:(q+1)*M])
				}
			}
			gbt := gb[t*M : (t+1)*M]
			ubt := ub[t*M : (t+1)*M]
			ubt = ubt[:len(gbt)]
			ds = ds[:len(gbt)]
			if t == T-1 {
				for j, u := range ubt {
					gbt[j] = ds[j] * fastSigmoidGrad(u-thr, k)
				}
			} else {
				nx := gb[(t+1)*M : (t+2)*M]
				nx = nx[:len(gbt)]
				for j, u := range ubt {
					gbt[j] = ds[j]*fastSigmoidGrad(u-thr, k) + beta*nx[j]
				}
			}
		}
	}
	return loss
}

// optimize takes one optimizer step with the mean gradient over bs images: Adam (as
// torch.optim.Adam) or SGD with momentum. In ideal and ex-situ mode the step changes the float
// weights; in in-situ mode it is handed to the devices (updateDevices).
func (n *Backprop) optimize(bs int) {
	c := &n.cfg
	n.step++
	lr := c.LR
	if c.LRDecay != 1 {
		lr *= math.Pow(c.LRDecay, float64(n.epoch))
	}
	insitu := c.Device.Mode == ModeInSitu
	if insitu {
		lr *= c.Device.LRScale
	}
	scale := 1 / float64(bs)
	wd := c.WeightDecay
	b1, b2, eps := c.Adam1, c.Adam2, c.AdamEps
	bc1 := 1 - math.Pow(b1, float64(n.step))
	bc2s := math.Sqrt(1 - math.Pow(b2, float64(n.step)))
	stepSize := lr / bc1
	// upd computes the step of one parameter tensor: into w itself (digital) or into dw, the
	// change the devices must make (w then holds the last read, used by the decay).
	upd := func(w []float64, g []float32, m, v, dw []float64, digital bool) {
		switch c.Optimizer {
		case OptimizerAdam:
			for k, g32 := range g {
				gk := float64(g32) * scale
				mk := b1*m[k] + (1-b1)*gk
				vk := b2*v[k] + (1-b2)*gk*gk
				m[k], v[k] = mk, vk
				d := -stepSize * mk / (math.Sqrt(vk)/bc2s + eps)
				if wd != 0 && w != nil {
					d -= lr * wd * w[k]
				}
				if digital {
					w[k] += d
				} else {
					dw[k] = d
				}
			}
		case OptimizerSGD:
			mu := c.Momentum
			for k, g32 := range g {
				gk := float64(g32) * scale
				mk := mu*m[k] + gk
				m[k] = mk
				d := -lr * mk
				if wd != 0 && w != nil {
					d -= lr * wd * w[k]
				}
				if digital {
					w[k] += d
				} else {
					dw[k] = d
				}
			}
		}
	}
	for _, ly := range n.layers {
		wd = 0 // biases are not decayed
		upd(ly.b, ly.gb, ly.mb, ly.vb, nil, true)
		wd = c.WeightDecay
		if insitu && ly.dw == nil {
			ly.dw = make([]float64, len(ly.w))
		}
		// Element by element: cut over the cores, the same result however cut.
		forRanges(len(ly.w), 1<<14, func(lo, hi int) {
			if insitu {
				upd(ly.w[lo:hi], ly.gw[lo:hi], ly.mw[lo:hi], ly.vw[lo:hi], ly.dw[lo:hi], false) // w: the last read, for the decay
			} else {
				upd(ly.w[lo:hi], ly.gw[lo:hi], ly.mw[lo:hi], ly.vw[lo:hi], nil, true)
			}
		})
	}
	if insitu {
		n.updateDevices()
	}
	n.syncTranspose() // in-situ: the biases changed; the weights are read again before use

}

package network

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// DCState is the dynamic state of a DC network, everything but the weights
// (which live in, and are saved by, the Synapses array) and the delays
// (which are drawn from the seed at construction). It is JSON-serialisable.
type DCState struct {
	Step        int       `json:"step"`
	ExcV        []float64 `json:"exc_v"`
	ExcGe       []float64 `json:"exc_ge"`
	ExcGi       []float64 `json:"exc_gi"`
	ExcRef      []int32   `json:"exc_ref"`
	Theta       []float64 `json:"theta"`       // θ_j = ThetaScale·Theta[j] (mV)
	ThetaScale  float64   `json:"theta_scale"` // common decay factor of θ
	ThetaFrozen bool      `json:"theta_frozen"`
	InhV        []float64 `json:"inh_v"`
	InhGe       []float64 `json:"inh_ge"`
	InhGi       []float64 `json:"inh_gi"`
	InhRef      []int32   `json:"inh_ref"`
	InhLast     []int     `json:"inh_last"`   // step at which an idle inhibitory neuron's InhV is current
	InhActive   []int32   `json:"inh_active"` // inhibitory neurons updated every step
	Ring        []float64 `json:"ring,omitempty"`
	BusyUntil   int       `json:"busy_until"`
	LastExc     []int32   `json:"last_exc"`
	LastInh     []int32   `json:"last_inh"`
	InputRNG    []byte    `json:"input_rng"`
	Counters    Counters  `json:"counters"`
}

// ringState returns a copy of the delay ring, a noisy array's pairs
// flattened, slot by slot of N columns (without the padding of stride).
func (d *DC) ringState() []float64 {
	n := d.cfg.Neurons
	r := make([]float64, 0, d.ringStateLen())
	for base := 0; base < len(d.ring); base += d.stride {
		r = append(r, d.ring[base:base+n]...)
	}
	for base := 0; base < len(d.pring); base += d.stride {
		for _, p := range d.pring[base : base+n] {
			r = append(r, p[0], p[1])
		}
	}
	return r
}

// ringStateLen is the length of ringState's result.
func (d *DC) ringStateLen() int {
	return (len(d.ring) + 2*len(d.pring)) / d.stride * d.cfg.Neurons
}

// State returns a deep copy of the network's state.
func (d *DC) State() (*DCState, error) {
	rng, err := d.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("network: DC.State: %w", err)
	}
	cp := func(x []float64) []float64 { return append([]float64(nil), x...) }
	ci := func(x []int32) []int32 { return append([]int32{}, x...) }
	return &DCState{
		Step: d.step, ExcV: cp(d.exc.v), ExcGe: cp(d.exc.ge), ExcGi: cp(d.exc.gi), ExcRef: ci(d.exc.ref),
		Theta: cp(d.exc.u), ThetaScale: d.exc.thScale, ThetaFrozen: d.exc.frozen,
		InhLast: append([]int(nil), d.inh.last...), InhActive: ci(d.inh.act),
		InhV: cp(d.inh.v), InhGe: cp(d.inh.ge), InhGi: cp(d.inh.gi), InhRef: ci(d.inh.ref),
		Ring: d.ringState(), BusyUntil: d.busyUntil, LastExc: ci(d.lastExc), LastInh: ci(d.lastInh),
		InputRNG: rng, Counters: d.Counters(),
	}, nil
}

// SetState restores a state saved by State from a network of the same
// configuration. It returns an error naming the first field whose size does
// not match. The weights are not part of it: restore the array too (a
// *device.Array also holds short-term state whose spike times must not go
// backwards; restore it with the matching checkpoint).
func (d *DC) SetState(s *DCState) error {
	n := d.cfg.Neurons
	for _, f := range []struct {
		name string
		got  int
		want int
	}{
		{"exc_v", len(s.ExcV), n}, {"exc_ge", len(s.ExcGe), n}, {"exc_gi", len(s.ExcGi), n},
		{"exc_ref", len(s.ExcRef), n}, {"theta", len(s.Theta), n},
		{"inh_v", len(s.InhV), n}, {"inh_ge", len(s.InhGe), n}, {"inh_gi", len(s.InhGi), n},
		{"inh_ref", len(s.InhRef), n}, {"inh_last", len(s.InhLast), n}, {"ring", len(s.Ring), d.ringStateLen()},
	} {
		if f.got != f.want {
			return fmt.Errorf("network: DC.SetState: %s has %d values, want %d", f.name, f.got, f.want)
		}
	}
	if !(s.ThetaScale > 0) {
		return fmt.Errorf("network: DC.SetState: theta_scale must be positive, got %v", s.ThetaScale)
	}
	if len(s.LastExc) > n || len(s.LastInh) > n || len(s.InhActive) > n {
		return fmt.Errorf("network: DC.SetState: more spikes in flight than neurons")
	}
	for _, j := range append(append(append([]int32(nil), s.LastExc...), s.LastInh...), s.InhActive...) {
		if j < 0 || int(j) >= n {
			return fmt.Errorf("network: DC.SetState: spike of neuron %d out of range", j)
		}
	}
	if err := d.src.UnmarshalBinary(s.InputRNG); err != nil {
		return fmt.Errorf("network: DC.SetState: input_rng: %w", err)
	}
	d.step = s.Step
	copy(d.exc.v, s.ExcV)
	copy(d.exc.ge, s.ExcGe)
	copy(d.exc.gi, s.ExcGi)
	copy(d.exc.ref, s.ExcRef)
	copy(d.exc.u, s.Theta)
	d.exc.thScale = s.ThetaScale
	d.exc.frozen = s.ThetaFrozen
	copy(d.inh.v, s.InhV)
	copy(d.inh.ge, s.InhGe)
	copy(d.inh.gi, s.InhGi)
	copy(d.inh.ref, s.InhRef)
	copy(d.inh.last, s.InhLast)
	clear(d.inh.isAct)
	d.inh.act = d.inh.act[:0]
	for _, j := range s.InhActive {
		if !d.inh.isAct[j] {
			d.inh.isAct[j] = true
			d.inh.act = append(d.inh.act, j)
		}
	}
	d.inh.actDirty = true
	n, src := d.cfg.Neurons, s.Ring
	for base := 0; base < len(d.ring); base += d.stride {
		copy(d.ring[base:base+n], src)
		src = src[n:]
	}
	for base := 0; base < len(d.pring); base += d.stride {
		for j := range n {
			d.pring[base+j] = [2]float64{src[2*j], src[2*j+1]}
		}
		src = src[2*n:]
	}
	d.busyUntil = s.BusyUntil
	d.lastExc = append(d.lastExc[:0], s.LastExc...)
	d.lastInh = append(d.lastInh[:0], s.LastInh...)
	d.cnt = s.Counters
	d.cnt.Spikes = append(make([]uint64, 0, 3), s.Counters.Spikes...)
	for len(d.cnt.Spikes) < 3 {
		d.cnt.Spikes = append(d.cnt.Spikes, 0)
	}
	return nil
}

// Replica returns a copy of d that uses syn (typically a clone of d's array)
// and draws its input from (cfg.Seed, stream). The copy has d's neuron state
// and delays, no plasticity, and a frozen θ: it is meant for evaluation.
func (d *DC) Replica(syn Synapses, stream uint64) (*DC, error) {
	if syn.Rows() != d.cfg.Inputs || syn.Cols() != d.cfg.Neurons {
		return nil, fmt.Errorf("network: DC.Replica: synapses are %d×%d, want %d×%d",
			syn.Rows(), syn.Cols(), d.cfg.Inputs, d.cfg.Neurons)
	}
	st, err := d.State()
	if err != nil {
		return nil, err
	}
	r := *d
	r.syn = syn
	r.plast = nil
	r.split, r.workers = nil, 0 // a replica steps on its own goroutine
	r.exc = newCondPop(d.cfg.Exc, d.cfg.Neurons, d.cfg.Dt, false, d.cfg.euler())
	r.inh = newCondPop(d.cfg.Inh, d.cfg.Neurons, d.cfg.Dt, true, d.cfg.euler())
	r.src = NewPoisson(d.cfg.Inputs, d.cfg.Dt, d.cfg.Seed, 1)
	r.lastExc = make([]int32, 0, d.cfg.Neurons)
	r.lastInh = make([]int32, 0, d.cfg.Neurons)
	r.initNoise() // allocates r's own ring and buffers
	r.gain, r.gsave = nil, nil
	r.SetInputGain(d.gain)
	r.excCount = make([]int32, d.cfg.Neurons)
	r.inhCount = make([]int32, d.cfg.Neurons)
	r.rates = make([]float64, d.cfg.Inputs)
	if err := r.SetState(st); err != nil {
		return nil, err
	}
	r.src = NewPoisson(d.cfg.Inputs, d.cfg.Dt, d.cfg.Seed, stream)
	r.cnt = Counters{Spikes: make([]uint64, 3)}
	r.exc.frozen = true
	r.pipe = r.newPipe()
	return &r, nil
}

// EvalConfig configures DC.Evaluate.
type EvalConfig struct {
	// Workers is the number of replicas run at once; 0 means GOMAXPROCS.
	// It does not change the results. (learning.STDPModel.Train also steps its
	// network on this many cores, 0 as DC.SetWorkers(0) does: every core, the
	// whole on one goroutine while the split stalls.)
	Workers int `json:"workers"`
	// Chunk is the number of consecutive images one replica presents, one
	// after the other, before the next replica is cloned; 0 means 64. The
	// results depend on it (a replica's state carries over between images).
	Chunk int `json:"chunk"`
}

// evalStreamBase keeps the replicas' input streams clear of the network's
// own (0: delays, 1: input).
const evalStreamBase = 1 << 32

// Evaluate presents images (pixels, as PresentImage) to replicas of the
// frozen network, Workers at a time, and returns their results in image
// order. Images are cut into chunks of Chunk; chunk c is presented by a
// fresh replica built from the state of d, on synapses clone(seed) with seed
// derived from (cfg.Seed, c), drawing its input from stream 2^32 + c — so the
// results are the same whatever Workers and GOMAXPROCS. d itself is not
// changed. The first error cancels the other replicas; Evaluate returns when
// all have stopped.
func (d *DC) Evaluate(ctx context.Context, images [][]float64, ec EvalConfig, clone func(seed uint64) (Synapses, error)) ([]Result, error) {
	return d.EvaluateGroups(ctx, len(images), len(images),
		func(k int, _ []float64) []float64 { return images[k] }, ec,
		func(_ int, seed uint64) (Synapses, error) { return clone(seed) }, nil)
}

// EvaluateGroups is Evaluate over n images cut into groups of group images, each group
// evaluated as a call of Evaluate on its images alone would (its chunk c on synapses
// clone(g, seed) with the seed of chunk c, drawing from stream 2^32 + c), but with the chunks
// of all groups in one queue: a worker that ends a group takes the next group's chunks
// instead of waiting for the other workers to end theirs. image(k, buf) returns image k; it
// may fill and return buf, a buffer of the worker that asks. progress, if not nil, is called
// with the number of images done after each chunk, one call at a time.
func (d *DC) EvaluateGroups(ctx context.Context, n, group int, image func(k int, buf []float64) []float64, ec EvalConfig,
	clone func(g int, seed uint64) (Synapses, error), progress func(done int)) ([]Result, error) {
	res := make([]Result, n)
	if n == 0 {
		return res, nil
	}
	if group <= 0 || group > n {
		group = n
	}
	workers := ec.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunk := ec.Chunk
	if chunk <= 0 {
		chunk = 64
	}
	perGroup := (group + chunk - 1) / chunk
	groups := (n + group - 1) / group
	items := groups * perGroup // some chunks of a short last group may be empty
	workers = min(workers, items)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
		mu      sync.Mutex
		done    int
	)
	fail := func(err error) { errOnce.Do(func() { first = err }); cancel(err) }
	seeds := rand.New(rand.NewPCG(d.cfg.Seed, 2))
	cloneSeeds := make([]uint64, perGroup)
	for c := range cloneSeeds {
		cloneSeeds[c] = seeds.Uint64()
	}
	for range workers {
		wg.Go(func() {
			buf := make([]float64, d.cfg.Inputs)
			for {
				it := int(next.Add(1) - 1)
				if it >= items || ctx.Err() != nil {
					return
				}
				g, c := it/perGroup, it%perGroup
				lo := g*group + c*chunk
				hi := min(lo+chunk, (g+1)*group, n)
				if lo >= hi {
					continue
				}
				syn, err := clone(g, cloneSeeds[c])
				if err != nil {
					fail(fmt.Errorf("network: Evaluate: clone for images %d–%d: %w", lo, hi-1, err))
					return
				}
				r, err := d.Replica(syn, evalStreamBase+uint64(c))
				if err != nil {
					fail(err)
					return
				}
				for k := lo; k < hi; k++ {
					out, err := r.PresentImage(ctx, image(k, buf))
					if err != nil {
						fail(fmt.Errorf("network: Evaluate: image %d: %w", k, err))
						return
					}
					res[k] = out
				}
				if progress != nil {
					mu.Lock()
					done += hi - lo
					progress(done)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return res, nil
}

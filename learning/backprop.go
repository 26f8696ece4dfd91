package learning

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/nanospike/nanospike/device"
)

// Samples is a labelled image set: what training and evaluation read. *datasets.Set satisfies
// it. Images are row-major bytes (0…255), all of the same length.
type Samples interface {
	Len() int
	Image(i int) []uint8
	Label(i int) int
}

// Input encodings.
const (
	EncodingRate   = "rate"   // Bernoulli spikes, P(spike) = pixel/255 at every step (snntorch.spikegen.rate)
	EncodingDirect = "direct" // the static image as an analog input current at every step
)

// Readouts: how the output layer's activity becomes a class.
const (
	ReadoutCount         = "count"          // most output spikes, the lowest index on ties (torch_baselines.py)
	ReadoutCountMembrane = "count-membrane" // most output spikes, ties broken by the largest Σ_t U_out
)

// Optimizers.
const (
	OptimizerAdam = "adam"
	OptimizerSGD  = "sgd"
)

// Device modes.
const (
	ModeIdeal  = "ideal"  // floating-point weights, no devices
	ModeInSitu = "insitu" // train on the devices: noisy reads forward, pulses for every update
	ModeExSitu = "exsitu" // train in float, then program the devices by write-and-verify
)

// Update rules of in-situ training: how the optimizer's Δw becomes pulses.
const (
	// UpdateRound is NeuroSim's rule: round(Δw/WMax·Pmax) pulses now; the rest is lost.
	UpdateRound = "round"
	// UpdateStochastic applies the fractional pulse count by stochastic rounding, so small
	// updates survive on average.
	UpdateStochastic = "stochastic"
	// UpdateAccumulate adds Δw (in pulses) to a digital buffer per weight and fires the whole
	// pulses of the buffer once |buffer| ≥ Threshold pulses, keeping the remainder.
	UpdateAccumulate = "accumulate"
	// UpdateExact applies fractional pulses continuously (an analog pulse amplitude, which no
	// real driver offers): with the ideal linear device it reproduces float training.
	UpdateExact = "exact"
)

// BackpropConfig is the whole configuration of a surrogate-gradient training run. The zero value is
// not valid; start from DefaultBackpropConfig.
type BackpropConfig struct {
	Inputs  int   `json:"inputs"`  // input size (784 for MNIST)
	Hidden  []int `json:"hidden"`  // sizes of the hidden LIF layers, in order (default [1000])
	Classes int   `json:"classes"` // output neurons (10)

	Steps     int     `json:"steps"`           // time steps T per image (25)
	Beta      float64 `json:"beta"`            // membrane decay per step β (0.95)
	Threshold float64 `json:"threshold"`       // firing threshold θ (1)
	Slope     float64 `json:"surrogate_slope"` // fast-sigmoid surrogate slope k: σ'(x) = 1/(k|x|+1)² (25)
	Encoding  string  `json:"encoding"`        // "rate" (default) or "direct"
	Readout   string  `json:"readout"`         // "count" (default) or "count-membrane"

	Optimizer string  `json:"optimizer"`  // "adam" (default) or "sgd"
	LR        float64 `json:"lr"`         // learning rate (5e-4)
	LRDecay   float64 `json:"lr_decay"`   // the learning rate of epoch e is LR·LRDecay^e (1: constant)
	Adam1     float64 `json:"adam_beta1"` // Adam β1 (0.9)
	Adam2     float64 `json:"adam_beta2"` // Adam β2 (0.999)
	AdamEps   float64 `json:"adam_eps"`   // Adam ε (1e-8)
	Momentum  float64 `json:"momentum"`   // SGD momentum (0)
	// WeightDecay is decoupled weight decay (AdamW; for SGD the same shrink): every step also
	// moves each weight by −lr·WeightDecay·w (0: off; biases are not decayed).
	WeightDecay float64 `json:"weight_decay"`
	BatchSize   int     `json:"batch_size"` // images per mini-batch (128)
	Seed        uint64  `json:"seed"`       // master seed of initialisation, shuffling, encoding and devices

	Device BackpropDevice `json:"device"`
}

// BackpropDevice says how weights live on devices. The device parameters themselves are passed
// to New (a preset or a user's file), so that BackpropConfig stays small; they are saved in checkpoints.
type BackpropDevice struct {
	Mode   string `json:"mode"`   // "ideal" (default), "insitu" or "exsitu"
	Update string `json:"update"` // in-situ rule: "round", "stochastic", "accumulate" (default) or "exact"
	Scheme string `json:"scheme"` // pair scheme: "unipolar" (default) or "sign-magnitude"
	// WMaxScale sets each layer's weight range: WMax = WMaxScale/√fan_in (the initial weights
	// are U(−1/√fan_in, 1/√fan_in)) for in-situ training.
	WMaxScale float64 `json:"wmax_scale"` // 4
	// ExSituQuantile sets the ex-situ range instead: WMax is this quantile of the trained |w|
	// of the layer (1: the largest, so nothing clips; less trades a few clipped outliers for
	// finer steps).
	ExSituQuantile float64 `json:"exsitu_quantile"` // 1
	// Threshold of UpdateAccumulate, in pulses (1).
	Threshold float64 `json:"threshold_pulses"`
	// LRScale multiplies LR for in-situ training (3): NeuroSim-style rounding needs Adam steps
	// of about one pulse (WMax/Pmax), larger than the float run's.
	LRScale float64 `json:"lr_scale"`
	// RefreshEvery: every this many mini-batches, unipolar pairs with a device above
	// RefreshLevel of its window are refreshed (0: never).
	RefreshEvery int     `json:"refresh_every"` // 100
	RefreshLevel float64 `json:"refresh_level"` // 0.85
	// CarryEvery > 0 adds a second, finer pair per weight (periodic carry, Agarwal et al. 2017):
	// w = w_M + w_L, where the L pair has WMax/CarryGain and receives every in-situ update, and
	// every CarryEvery mini-batches each L weight is read, the whole M pulses it holds are
	// applied to the M pair, and the L pair is reset and rewritten with the remainder.
	CarryEvery int     `json:"carry_every"` // 0: off
	CarryGain  float64 `json:"carry_gain"`  // 8
	// Write-and-verify (initial programming, refresh, ex-situ): tolerance in pulses (nominal
	// steps of WMax/Pmax; never below the C2C σ of one pulse) and the most pulses per device.
	VerifyTol       float64 `json:"verify_tol_pulses"` // 0.5
	VerifyMaxPulses int     `json:"verify_max_pulses"` // 0: 3·Pmax
}

// DefaultBackpropConfig returns the network and training of snnTorch's tutorial 5 as
// ../shared/peers/torch_baselines.py runs it: 784-1000-10, 25 steps, β 0.95, θ 1, reset by
// subtraction, fast-sigmoid(25), rate-coded input, Σ_t CE(output membrane), Adam 5e-4, batch
// 128; ideal (floating-point) weights.
func DefaultBackpropConfig() BackpropConfig {
	return BackpropConfig{
		Inputs: 784, Hidden: []int{1000}, Classes: 10,
		Steps: 25, Beta: 0.95, Threshold: 1, Slope: 25, Encoding: EncodingRate, Readout: ReadoutCount,
		Optimizer: OptimizerAdam, LR: 5e-4, LRDecay: 1, Adam1: 0.9, Adam2: 0.999, AdamEps: 1e-8,
		BatchSize: 128, Seed: 1,
		Device: BackpropDevice{
			Mode: ModeIdeal, Update: UpdateAccumulate, Scheme: "unipolar",
			WMaxScale: 4, ExSituQuantile: 1, Threshold: 1, LRScale: 3,
			RefreshEvery: 100, RefreshLevel: 0.85, CarryGain: 8,
			VerifyTol: 0.5, VerifyMaxPulses: 0,
		},
	}
}

// Validate reports the first invalid field, naming it.
func (c *BackpropConfig) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("learning: config %s: %s", field, fmt.Sprintf(format, args...))
	}
	fin := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case c.Inputs < 1:
		return bad("inputs", "must be ≥ 1, got %d", c.Inputs)
	case len(c.Hidden) == 0:
		return bad("hidden", "needs at least one hidden layer")
	case c.Classes < 2:
		return bad("classes", "must be ≥ 2, got %d", c.Classes)
	case c.Steps < 1:
		return bad("steps", "must be ≥ 1, got %d", c.Steps)
	case !fin(c.Beta) || c.Beta < 0 || c.Beta > 1:
		return bad("beta", "must be in [0, 1], got %g", c.Beta)
	case !fin(c.Threshold) || c.Threshold <= 0:
		return bad("threshold", "must be > 0, got %g", c.Threshold)
	case !fin(c.Slope) || c.Slope <= 0:
		return bad("surrogate_slope", "must be > 0, got %g", c.Slope)
	case c.Encoding != EncodingRate && c.Encoding != EncodingDirect:
		return bad("encoding", "must be %q or %q, got %q", EncodingRate, EncodingDirect, c.Encoding)
	case c.Readout != ReadoutCount && c.Readout != ReadoutCountMembrane:
		return bad("readout", "must be %q or %q, got %q", ReadoutCount, ReadoutCountMembrane, c.Readout)
	case c.Optimizer != OptimizerAdam && c.Optimizer != OptimizerSGD:
		return bad("optimizer", "must be %q or %q, got %q", OptimizerAdam, OptimizerSGD, c.Optimizer)
	case !fin(c.LR) || c.LR <= 0:
		return bad("lr", "must be > 0, got %g", c.LR)
	case !fin(c.LRDecay) || c.LRDecay <= 0 || c.LRDecay > 1:
		return bad("lr_decay", "must be in (0, 1], got %g", c.LRDecay)
	case !fin(c.Adam1) || c.Adam1 < 0 || c.Adam1 >= 1:
		return bad("adam_beta1", "must be in [0, 1), got %g", c.Adam1)
	case !fin(c.Adam2) || c.Adam2 < 0 || c.Adam2 >= 1:
		return bad("adam_beta2", "must be in [0, 1), got %g", c.Adam2)
	case !fin(c.AdamEps) || c.AdamEps <= 0:
		return bad("adam_eps", "must be > 0, got %g", c.AdamEps)
	case !fin(c.Momentum) || c.Momentum < 0 || c.Momentum >= 1:
		return bad("momentum", "must be in [0, 1), got %g", c.Momentum)
	case !fin(c.WeightDecay) || c.WeightDecay < 0:
		return bad("weight_decay", "must be ≥ 0, got %g", c.WeightDecay)
	case c.BatchSize < 1:
		return bad("batch_size", "must be ≥ 1, got %d", c.BatchSize)
	}
	for l, h := range c.Hidden {
		if h < 1 {
			return bad("hidden", "layer %d has %d neurons, must be ≥ 1", l, h)
		}
	}
	d := &c.Device
	switch d.Mode {
	case ModeIdeal, ModeInSitu, ModeExSitu:
	default:
		return bad("device.mode", "must be %q, %q or %q, got %q", ModeIdeal, ModeInSitu, ModeExSitu, d.Mode)
	}
	switch d.Update {
	case UpdateRound, UpdateStochastic, UpdateAccumulate, UpdateExact:
	default:
		return bad("device.update", "must be round, stochastic, accumulate or exact, got %q", d.Update)
	}
	if _, err := device.ParsePairScheme(d.Scheme); err != nil {
		return bad("device.scheme", "%v", err)
	}
	switch {
	case !fin(d.WMaxScale) || d.WMaxScale <= 0:
		return bad("device.wmax_scale", "must be > 0, got %g", d.WMaxScale)
	case !fin(d.ExSituQuantile) || d.ExSituQuantile <= 0 || d.ExSituQuantile > 1:
		return bad("device.exsitu_quantile", "must be in (0, 1], got %g", d.ExSituQuantile)
	case !fin(d.Threshold) || d.Threshold <= 0:
		return bad("device.threshold_pulses", "must be > 0, got %g", d.Threshold)
	case !fin(d.LRScale) || d.LRScale <= 0:
		return bad("device.lr_scale", "must be > 0, got %g", d.LRScale)
	case d.CarryEvery < 0:
		return bad("device.carry_every", "must be ≥ 0, got %d", d.CarryEvery)
	case d.CarryEvery > 0 && (!fin(d.CarryGain) || d.CarryGain < 1):
		return bad("device.carry_gain", "must be ≥ 1, got %g", d.CarryGain)
	case d.RefreshEvery < 0:
		return bad("device.refresh_every", "must be ≥ 0, got %d", d.RefreshEvery)
	case !fin(d.RefreshLevel) || d.RefreshLevel <= 0 || d.RefreshLevel > 1:
		return bad("device.refresh_level", "must be in (0, 1], got %g", d.RefreshLevel)
	case !fin(d.VerifyTol) || d.VerifyTol <= 0:
		return bad("device.verify_tol_pulses", "must be > 0, got %g", d.VerifyTol)
	case d.VerifyMaxPulses < 0:
		return bad("device.verify_max_pulses", "must be ≥ 0, got %d", d.VerifyMaxPulses)
	}
	return nil
}

// sizes returns the layer sizes from the input to the output.
func (c *BackpropConfig) sizes() []int {
	s := []int{c.Inputs}
	s = append(s, c.Hidden...)
	return append(s, c.Classes)
}

// bpLayer is one fully connected LIF layer: weights from in presynaptic to out postsynaptic
// neurons, row-major with rows = presynaptic (the layout of device.Array).
type bpLayer struct {
	in, out  int
	w        []float64 // weights: float master (ideal, ex-situ training) or the last device read (in-situ)
	b        []float64 // biases (digital, never on devices)
	w32      []float32 // float32 copy of w used by the forward and backward passes
	wt32     []float32 // out×in transpose of w32, for the backward pass of layers above the first
	b32      []float32
	gw, gb   []float32 // gradient sums of the current mini-batch
	gwt      []float32 // narrow layers: the weight gradient sums transposed (out×in), moved to gw before the step
	mw, vw   []float64 // optimizer state (Adam m, v; SGD momentum in mw)
	mb, vb   []float64
	dw       []float64    // the optimizer's Δw of the last step (in-situ)
	acc      []float64    // UpdateAccumulate: pending pulses per weight
	pair     *device.Pair // nil in ideal mode and before ex-situ programming
	lsb      *device.Pair // the fine pair of the periodic carry (nil without)
	scratch  []float64    // G⁻ reads
	scratch2 []float64    // fine-pair reads
}

// Backprop is a spiking network trained by surrogate-gradient BPTT: LIF layers, reset by
// subtraction, a fast-sigmoid surrogate, cross-entropy on the output membrane at every step.
// It is not safe for concurrent use.
type Backprop struct {
	cfg    BackpropConfig
	dev    *device.Params // nil in ideal mode
	layers []*bpLayer

	epoch int    // completed epochs
	batch int    // next mini-batch of the current epoch
	step  uint64 // optimizer steps taken
	stats BackpropCounters

	ws    *bpWork   // sample workspace (Predict)
	parts []*bpGrad // chunk workspaces and gradient sums of a batch (backprop_parallel.go)
}

// Random streams derived from the master seed.
const (
	bpStreamInit   uint64 = 0x626b7031 // weight initialisation
	bpStreamPerm   uint64 = 0x626b7032 // per-epoch shuffles (+ epoch)
	bpStreamTrain  uint64 = 0x626b7033 // per-sample input encoding in training
	bpStreamEval   uint64 = 0x626b7034 // per-sample input encoding in evaluation
	bpStreamDevice uint64 = 0x626b7035 // device arrays (+ layer)
	bpStreamCarry  uint64 = 0x626b7036 // fine (carry) device arrays (+ layer)
)

// New returns an initialised network. dev gives the devices' parameters; it must be non-nil
// unless cfg.Device.Mode is "ideal" (where it is ignored). Weights and biases start as PyTorch's
// nn.Linear does, U(−1/√fan_in, 1/√fan_in); in in-situ mode the initial weights are written onto
// the devices by write-and-verify (counted in BackpropCounters().Program).
func NewBackprop(cfg BackpropConfig, dev *device.Params) (*Backprop, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Hidden = append([]int(nil), cfg.Hidden...)
	n := &Backprop{cfg: cfg}
	if cfg.Device.Mode != ModeIdeal {
		if dev == nil {
			return nil, fmt.Errorf("learning: device mode %q needs device parameters", cfg.Device.Mode)
		}
		if err := dev.Validate(); err != nil {
			return nil, fmt.Errorf("learning: %w", err)
		}
		d := *dev
		n.dev = &d
	}
	sz := cfg.sizes()
	rng := rand.New(rand.NewPCG(cfg.Seed, bpStreamInit))
	for l := 0; l+1 < len(sz); l++ {
		ly := newBPLayer(sz[l], sz[l+1])
		bound := 1 / math.Sqrt(float64(ly.in))
		for k := range ly.w {
			ly.w[k] = bound * (2*rng.Float64() - 1)
		}
		for k := range ly.b {
			ly.b[k] = bound * (2*rng.Float64() - 1)
		}
		n.layers = append(n.layers, ly)
	}
	if cfg.Device.Mode == ModeInSitu {
		if err := n.attachDevices(false); err != nil {
			return nil, err
		}
	}
	n.syncTranspose()
	return n, nil
}

// narrow reports whether the layer has so few outputs that dense products with the spike
// vector beat per-spike row additions (the output layer).
func (ly *bpLayer) narrow() bool { return ly.out < 64 && ly.in > 0 }

func newBPLayer(in, out int) *bpLayer {
	return &bpLayer{
		in: in, out: out,
		w: make([]float64, in*out), b: make([]float64, out),
		w32: make([]float32, in*out), b32: make([]float32, out),
		gw: make([]float32, in*out), gb: make([]float32, out),
		mw: make([]float64, in*out), vw: make([]float64, in*out),
		mb: make([]float64, out), vb: make([]float64, out),
	}
}

// BackpropConfig returns the network's configuration.
func (n *Backprop) Config() BackpropConfig {
	c := n.cfg
	c.Hidden = append([]int(nil), c.Hidden...)
	return c
}

// SetReadout changes how predictions are made (ReadoutCount or ReadoutCountMembrane); it
// affects evaluation and the training accuracy reported, not training itself.
func (n *Backprop) SetReadout(r string) error {
	if r != ReadoutCount && r != ReadoutCountMembrane {
		return fmt.Errorf("learning: unknown readout %q", r)
	}
	n.cfg.Readout = r
	return nil
}

// Device returns the device parameters (nil in ideal mode); do not modify.
func (n *Backprop) Device() *device.Params { return n.dev }

// Epoch returns the number of completed epochs.
func (n *Backprop) Epoch() int { return n.epoch }

// Batch returns the number of mini-batches of the current epoch already trained (non-zero
// in an epoch interrupted and saved).
func (n *Backprop) Batch() int { return n.batch }

// Weights returns a copy of layer l's weights as the forward pass last used them (row-major,
// rows = presynaptic) and its biases. It panics if l is out of range.
func (n *Backprop) Weights(l int) (w, b []float64) {
	ly := n.layers[l]
	return append([]float64(nil), ly.w...), append([]float64(nil), ly.b...)
}

// syncTranspose refreshes every layer's float32 copies of w and b and, for layers above the
// first, the transpose used by the backward pass.
func (n *Backprop) syncTranspose() {
	for l, ly := range n.layers {
		// Element by element: cut over the cores, the same result however cut.
		forRanges(len(ly.w), 1<<14, func(lo, hi int) {
			for k, v := range ly.w[lo:hi] {
				ly.w32[lo+k] = float32(v)
			}
		})
		for k, v := range ly.b {
			ly.b32[k] = float32(v)
		}
		if l == 0 {
			continue
		}
		if ly.wt32 == nil {
			ly.wt32 = make([]float32, len(ly.w))
		}
		for i := range ly.in {
			row := ly.w32[i*ly.out : (i+1)*ly.out]
			for j, v := range row {
				ly.wt32[j*ly.in+i] = v
			}
		}
	}
}

// BackpropProgress is reported after every mini-batch.
type BackpropProgress struct {
	Epoch   int           // epoch in progress (0-based)
	Batch   int           // mini-batches done in this epoch
	Batches int           // mini-batches per epoch
	Images  int           // images trained in this epoch
	Loss    float64       // mean loss of the last mini-batch (Σ_t CE, as snnTorch's tutorial reports)
	Acc     float64       // training accuracy of the images of this epoch so far
	Elapsed time.Duration // wall time of this epoch so far (this call)
}

// BackpropEpoch summarises one training epoch.
type BackpropEpoch struct {
	Epoch    int           `json:"epoch"`
	Images   int           `json:"images"`
	Loss     float64       `json:"loss"`      // mean mini-batch loss
	TrainAcc float64       `json:"train_acc"` // accuracy on the training images as they were trained
	Seconds  float64       `json:"seconds"`
	Elapsed  time.Duration `json:"-"`
}

// TrainEpoch trains one epoch of data (shuffled by a permutation drawn from the seed and the
// epoch number), continuing from the mini-batch where an interrupted epoch stopped. progress,
// if non-nil, is called after every mini-batch; the network is then in a consistent state and
// may be saved (Save) from inside it. ctx is checked between mini-batches: on cancellation
// TrainEpoch returns ctx.Err() and a later call resumes at the next mini-batch. Results are
// the same for the same seed whatever GOMAXPROCS is.
func (n *Backprop) TrainEpoch(ctx context.Context, data Samples, progress func(BackpropProgress)) (BackpropEpoch, error) {
	N := data.Len()
	if N == 0 {
		return BackpropEpoch{}, errors.New("learning: empty training set")
	}
	if err := n.checkData(data); err != nil {
		return BackpropEpoch{}, err
	}
	perm := rand.New(rand.NewPCG(n.cfg.Seed, bpStreamPerm+uint64(n.epoch))).Perm(N)
	bs := n.cfg.BatchSize
	batches := (N + bs - 1) / bs
	start := time.Now()
	var res BackpropEpoch
	res.Epoch = n.epoch
	correct, seen := 0, 0
	var lossSum float64
	done := 0
	for n.batch < batches {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		lo := n.batch * bs
		hi := min(lo+bs, N)
		loss, c := n.trainBatch(data, perm[lo:hi])
		correct += c
		seen += hi - lo
		lossSum += loss
		done++
		n.batch++
		if progress != nil {
			progress(BackpropProgress{Epoch: n.epoch, Batch: n.batch, Batches: batches, Images: hi,
				Loss: loss, Acc: float64(correct) / float64(seen), Elapsed: time.Since(start)})
		}
	}
	n.epoch++
	n.batch = 0
	res.Images = seen
	if done > 0 {
		res.Loss = lossSum / float64(done)
	}
	if seen > 0 {
		res.TrainAcc = float64(correct) / float64(seen)
	}
	res.Elapsed = time.Since(start)
	res.Seconds = res.Elapsed.Seconds()
	return res, nil
}

// Train runs epochs more epochs of TrainEpoch; in ex-situ mode it then programs the devices
// (ProgramDevices). It returns the result of each epoch trained.
func (n *Backprop) Train(ctx context.Context, data Samples, epochs int, progress func(BackpropProgress)) ([]BackpropEpoch, error) {
	var out []BackpropEpoch
	for range epochs {
		r, err := n.TrainEpoch(ctx, data, progress)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	if n.cfg.Device.Mode == ModeExSitu {
		if err := n.ProgramDevices(); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (n *Backprop) checkData(data Samples) error {
	if data.Len() == 0 {
		return nil
	}
	if got := len(data.Image(0)); got != n.cfg.Inputs {
		return fmt.Errorf("learning: images have %d pixels, the network %d inputs", got, n.cfg.Inputs)
	}
	return nil
}

// trainBatch runs forward and backward passes over the images idx, takes one optimizer step and
// returns the mean loss and the number of correct predictions.
func (n *Backprop) trainBatch(data Samples, idx []int) (float64, int) {
	if n.cfg.Device.Mode == ModeInSitu {
		n.readDevices()
	}
	for _, i := range idx {
		if label := data.Label(i); label < 0 || label >= n.cfg.Classes {
			panic(fmt.Sprintf("learning: label %d of image %d out of range [0, %d)", label, i, n.cfg.Classes))
		}
	}
	ps := n.chunks((len(idx)+bpChunk-1)/bpChunk, true)
	forChunks(len(idx), func(c, lo, hi int) {
		p := ps[c]
		p.reset(n.layers)
		for _, i := range idx[lo:hi] {
			label := data.Label(i)
			p.ws.src.Seed(n.cfg.Seed^bpStreamTrain, uint64(n.epoch)<<40|uint64(i))
			pred := n.forward(p.ws, n.layers[0].w32, data.Image(i), &p.stats, true)
			p.loss += n.backward(p.ws, p, label)
			if pred == label {
				p.correct++
			}
			p.stats.Samples++
		}
	})
	loss, correct := n.reduce(ps)
	n.optimize(len(idx))
	return loss / float64(len(idx)), correct
}

// BackpropResult is an evaluation.
type BackpropResult struct {
	Images    int     `json:"images"`
	Correct   int     `json:"correct"`
	Accuracy  float64 `json:"accuracy"`
	Confusion [][]int `json:"confusion"` // [label][prediction]
}

// Evaluate classifies every image of data (prediction: the output neuron with most spikes over
// the T steps; ties as Config.Readout says) and returns the accuracy. With devices (in-situ, or
// ex-situ after ProgramDevices) the weights are read from the devices with their read noise once
// per BatchSize images, as in training. Input spikes are drawn from the seed and the image index,
// so an evaluation is reproducible; it does not change the training state except the devices'
// noise streams and read counters.
func (n *Backprop) Evaluate(data Samples) (BackpropResult, error) {
	if err := n.checkData(data); err != nil {
		return BackpropResult{}, err
	}
	C := n.cfg.Classes
	res := BackpropResult{Images: data.Len(), Confusion: make([][]int, C)}
	for c := range res.Confusion {
		res.Confusion[c] = make([]int, C)
	}
	onDevices := n.layers[0].pair != nil
	var saved [][]float64
	if onDevices && n.cfg.Device.Mode == ModeExSitu {
		// keep the float master weights; the devices are read into w
		for _, ly := range n.layers {
			saved = append(saved, append([]float64(nil), ly.w...))
		}
	}
	// Batch by batch (the devices are read once per batch; float weights make one batch of
	// all), the images in chunks of bpChunk on the cores, each core with a workspace and
	// sums of its own. The sums are counts, so the result does not depend on which core
	// took which chunk.
	bs := n.cfg.BatchSize
	if !onDevices {
		bs = max(data.Len(), 1)
	}
	for b0 := 0; b0 < data.Len(); b0 += bs {
		if onDevices {
			n.readDevices()
		}
		m := min(bs, data.Len()-b0)
		ps := n.chunks(bpWorkers(m), false)
		for _, p := range ps {
			p.stats, p.correct = BackpropCounters{}, 0
			if p.conf == nil {
				p.conf = make([][]int, C)
				for k := range p.conf {
					p.conf[k] = make([]int, C)
				}
			}
			for _, row := range p.conf {
				clear(row)
			}
		}
		// Every core but the first reads the first layer's weights from a copy of its own:
		// two cores that read one matrix (3 MB at 784-1000) each lose ~4 % to it, which
		// copies avoid (eval of 784-1000-10 on 2 cores: 1.88× → 1.97× one core's).
		// Each copy is made by the core that reads it, in parallel.
		for _, p := range ps {
			p.w0 = p.w0[:0]
		}
		forWorkers(len(ps), m, func(w, _, lo, hi int) {
			p := ps[w]
			w0 := n.layers[0].w32
			if w > 0 {
				if len(p.w0) == 0 {
					p.w0 = append(p.w0, w0...)
				}
				w0 = p.w0
			}
			for i := b0 + lo; i < b0+hi; i++ {
				label := data.Label(i)
				p.ws.src.Seed(n.cfg.Seed^bpStreamEval, uint64(i))
				pred := n.forward(p.ws, w0, data.Image(i), &p.stats, false)
				if label >= 0 && label < C {
					p.conf[label][pred]++
				}
				if pred == label {
					p.correct++
				}
			}
		})
		for _, p := range ps {
			res.Correct += p.correct
			n.stats = n.stats.addEvents(p.stats)
			for k, row := range p.conf {
				for j, v := range row {
					res.Confusion[k][j] += v
				}
			}
		}
	}
	if saved != nil {
		for l, ly := range n.layers {
			copy(ly.w, saved[l])
		}
		n.syncTranspose()
	}
	if res.Images > 0 {
		res.Accuracy = float64(res.Correct) / float64(res.Images)
	}
	return res, nil
}

// Predict returns the predicted class of one image and the output spike counts.
func (n *Backprop) Predict(img []uint8, seed uint64) (int, []int) {
	if len(img) != n.cfg.Inputs {
		panic(fmt.Sprintf("learning: Predict: image has %d pixels, want %d", len(img), n.cfg.Inputs))
	}
	ws := n.workspace()
	ws.src.Seed(n.cfg.Seed^bpStreamEval, seed)
	p := n.forward(ws, n.layers[0].w32, img, &n.stats, false)
	return p, append([]int(nil), ws.counts...)
}

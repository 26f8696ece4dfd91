package learning

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/internal/sealed"
	"github.com/nanospike/nanospike/network"
)

// STDPConfig configures unsupervised training of a Diehl & Cook network.
type STDPConfig struct {
	Neurons      int `json:"neurons"`       // excitatory (and inhibitory) neurons; default 100
	TrainSamples int `json:"train_samples"` // training images per epoch; 0: all
	Epochs       int `json:"epochs"`        // default 1
	// LabelSamples is the number of training images (the first ones) shown
	// to the frozen network to assign each neuron its class; 0: min(TrainSamples, 10000).
	LabelSamples int    `json:"label_samples"`
	TestSamples  int    `json:"test_samples"` // 0: all
	Seed         uint64 `json:"seed"`
	// Float selects the exact float rule (Float weights) instead of a
	// device array: the reference the devices are compared with.
	Float bool             `json:"float"`
	Rule  STDPRule         `json:"rule"`
	Net   network.DCConfig `json:"network"` // Inputs, Neurons and Seed are set from the fields above
	// InitW is the scale of the initial weights 0.3·(U[0,1) + 0.01): Diehl & Cook's 0.3.
	InitW float64 `json:"init_w"`
	// Eval sets the replicas of labelling and testing; its Workers are also the cores that
	// training's one network steps its columns on (0: network.DC.SetWorkers(0)).
	Eval network.EvalConfig `json:"eval"`
}

// DefaultSTDPConfig returns Diehl & Cook's setting with 100 neurons.
func DefaultSTDPConfig() STDPConfig {
	return STDPConfig{Neurons: 100, Epochs: 1, Rule: DefaultSTDPRule(), Net: network.DefaultDCConfig(784, 100), InitW: 0.3}
}

// Validate reports the first invalid field.
func (c *STDPConfig) Validate() error {
	switch {
	case c.Neurons < 1:
		return fmt.Errorf("learning: neurons must be ≥ 1, got %d", c.Neurons)
	case c.TrainSamples < 0 || c.TestSamples < 0 || c.LabelSamples < 0:
		return fmt.Errorf("learning: sample counts must be ≥ 0")
	case c.Epochs < 1:
		return fmt.Errorf("learning: epochs must be ≥ 1, got %d", c.Epochs)
	case !(c.InitW >= 0 && c.InitW <= 1):
		return fmt.Errorf("learning: init_w must be in [0, 1], got %v", c.InitW)
	}
	if err := c.Rule.Validate(); err != nil {
		return err
	}
	net := c.netConfig(784)
	return net.Validate()
}

func (c *STDPConfig) netConfig(inputs int) network.DCConfig {
	n := c.Net
	n.Inputs, n.Neurons, n.Seed = inputs, c.Neurons, c.Seed
	return n
}

// Seed streams of STDP training, derived from the master seed.
const (
	stdpStreamInit   uint64 = 0x73746470_01 // initial weights
	stdpStreamDevice uint64 = 0x73746470_02 // device array: D2D, stuck devices, programming noise
)

// STDPModel is a Diehl & Cook network being trained or evaluated on a
// device (or the float rule), with its training position, so that a saved
// model resumes exactly.
type STDPModel struct {
	Config STDPConfig
	Device *device.Params // nil with Config.Float
	Net    *network.DC
	Syn    Synapses
	Rule   *STDP
	Labels []int // class of each neuron, −1 if unassigned; nil before labelling

	Epoch, Next int // training position: next image of epoch Epoch
	// Training totals: network events, training wall time and images.
	TrainCounters network.Counters
	TrainSeconds  float64
	TrainImages   int
	InitPulses    device.Counters // pulses spent writing the initial weights
	// Wins[j] counts the training images neuron j won (fired most; ties
	// to the lower index; images without a spike count for none): the
	// record of Diagnose's "neurons that ever won".
	Wins []int64
	// run is the running accuracy's window while training is under way (kept in
	// checkpoints, so a resumed run reports what an uninterrupted one does); nil after it.
	run *runningAcc
}

// NewSTDPModel builds the network of cfg on devices p (ignored with
// cfg.Float) for images of `inputs` pixels, and writes its initial weights by
// programming pulses from Gmin, as a chip would.
func NewSTDPModel(cfg STDPConfig, p *device.Params, inputs int) (*STDPModel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Net = cfg.netConfig(inputs)
	m := &STDPModel{Config: cfg, Wins: make([]int64, cfg.Neurons)}
	n := cfg.Neurons
	w0 := make([]float64, inputs*n)
	network.DCInitWeights(w0, cfg.Seed, stdpStreamInit)
	for k := range w0 {
		w0[k] *= cfg.InitW / 0.3
	}
	if cfg.Float {
		f := NewFloat(inputs, n, 1)
		copy(f.W, w0)
		m.Syn = f
	} else {
		if p == nil {
			return nil, errors.New("learning: no device given (and not the float rule)")
		}
		a, err := device.NewArray(p, inputs, n, seedFor(cfg.Seed, stdpStreamDevice))
		if err != nil {
			return nil, err
		}
		// Each device alone, by its initial weight as a Δw from Gmin: a seed's
		// initial state is that of programming the devices one by one (a row
		// batch may differ where a survival product of the stochastic rounding
		// lies within rounding error of its threshold).
		b := device.Batch{Index: []int32{0}, DW: []float64{0}}
		for k, w := range w0 {
			b.Index[0], b.DW[0] = int32(k), w
			a.Program(&b)
		}
		m.InitPulses = a.Counters()
		a.ResetCounters()
		m.Syn = a
		m.Device = a.Params()
	}
	return m, m.build(inputs)
}

// seedFor derives a seed for one purpose from the master seed.
func seedFor(master, stream uint64) uint64 {
	return rand.New(rand.NewPCG(master, stream)).Uint64()
}

func (m *STDPModel) build(inputs int) error {
	net, err := network.NewDC(m.Config.netConfig(inputs), m.Syn)
	if err != nil {
		return err
	}
	m.Net = net
	m.Rule = NewSTDP(m.Config.Rule, m.Syn, m.Config.Net.Dt)
	m.Rule.SetDelays(net.Delays())
	net.SetPlasticity(m.Rule)
	if m.Config.Rule.Normalise == NormaliseGain {
		m.Rule.SetGainSink(net.SetInputGain)
		// The gains are a function of the weights (a loaded model's are those of its
		// weights); setting them here is not a normalisation read of the run.
		reads, sum := m.Rule.NormReads, m.Rule.NormWSum
		m.Rule.UpdateGain()
		m.Rule.NormReads, m.Rule.NormWSum = reads, sum
	}
	return nil
}

// STDPProgress reports training or evaluation progress: phase is "train",
// "label" or "test"; acc is the running accuracy (NaN when unknown).
type STDPProgress func(phase string, done, total int, acc float64)

// TrainHooks are called by Train. Any may be nil.
type TrainHooks struct {
	Progress STDPProgress
	// Checkpoint is called every CheckpointEvery images and when Train
	// stops early, with the model in a consistent state.
	Checkpoint      func(m *STDPModel) error
	CheckpointEvery int
}

// Train continues training from (Epoch, Next) until Config.Epochs epochs of
// TrainSamples images, with plasticity on and adaptive thresholds running.
// It checks ctx between images: on cancellation it calls the checkpoint
// hook and returns ctx's error, so no completed image is lost.
func (m *STDPModel) Train(ctx context.Context, train Samples, h TrainHooks) error {
	k := m.Config.TrainSamples
	if k == 0 || k > train.Len() {
		k = train.Len()
	}
	total := k * m.Config.Epochs
	m.Net.FreezeTheta(false)
	m.Rule.Enabled = true
	// One network on the run's cores (Eval.Workers; 0: every core, while the split pays),
	// where it can step its columns at once; the spikes and the model are the same for any
	// number of cores.
	m.Net.SetWorkers(max(m.Config.Eval.Workers, 0))
	defer m.Net.SetWorkers(1)
	pixels := make([]float64, m.Config.Net.Inputs)
	if m.run == nil {
		m.run = newRunningAcc(m.Config.Neurons, 1000)
	}
	run := m.run
	start := time.Now()
	done := m.Epoch*k + m.Next
	trained := false // an image was trained in this call
	defer func() { m.TrainSeconds += time.Since(start).Seconds() }()
	for ; m.Epoch < m.Config.Epochs; m.Epoch, m.Next = m.Epoch+1, 0 {
		for ; m.Next < k; m.Next++ {
			if err := ctx.Err(); err != nil {
				if h.Checkpoint != nil {
					m.TrainSeconds += time.Since(start).Seconds()
					start = time.Now()
					if cerr := h.Checkpoint(m); cerr != nil {
						return errors.Join(err, cerr)
					}
				}
				return err
			}
			img := train.Image(m.Next)
			toFloat(pixels, img)
			r, err := m.Net.PresentImage(context.Background(), pixels)
			if err != nil {
				return fmt.Errorf("learning: training image %d: %w", m.Next, err)
			}
			m.TrainCounters = m.TrainCounters.Add(r.Counters)
			m.TrainImages++
			trained = true
			if w := winner(r.Counts); w >= 0 {
				m.Wins[w]++
			}
			run.add(r.Counts, train.Label(m.Next))
			done++
			if h.Progress != nil {
				h.Progress("train", done, total, run.accuracy())
			}
			if h.CheckpointEvery > 0 && done%h.CheckpointEvery == 0 && h.Checkpoint != nil && done < total {
				m.Next++ // the checkpoint records the position after this image
				m.TrainSeconds += time.Since(start).Seconds()
				start = time.Now()
				err := h.Checkpoint(m)
				m.Next--
				if err != nil {
					return err
				}
			}
		}
	}
	m.Net.SetWorkers(1) // the rule's parts join it
	if trained {
		m.Rule.Freeze() // the next presentation's normalisation, before the network is frozen
	}
	m.run = nil // training is over: the window is no part of the model
	return nil
}

// winner returns the neuron with the most spikes in counts (the lower
// index on a tie), or −1 if none fired.
func winner(counts []int32) int {
	best, bestV := -1, int32(0)
	for j, x := range counts {
		if x > bestV {
			best, bestV = j, x
		}
	}
	return best
}

func toFloat(dst []float64, img []uint8) {
	for i, v := range img {
		dst[i] = float64(v)
	}
}

// runningAcc estimates accuracy during training: each image is classified
// with labels assigned from the window of the previous images' responses.
type runningAcc struct {
	n, size int
	counts  [][]int32
	labels  []int
	hits    []bool
	assign  []int
	// The window's spike counts summed per class and neuron, and its images per class,
	// kept as images enter and leave it (nil: to be summed from counts).
	sum []int64
	num []int
}

func newRunningAcc(neurons, size int) *runningAcc {
	return &runningAcc{n: neurons, size: size}
}

func (r *runningAcc) add(c []int32, label int) {
	if r.sum == nil {
		r.sum, r.num = classSums(r.counts, r.labels, 10, r.n)
	}
	if len(r.counts) >= 100 && len(r.counts)%100 == 0 {
		r.assign = assignSums(r.sum, r.num)
	}
	if r.assign != nil {
		hit := Classify(c, r.assign, 10) == label
		r.hits = append(r.hits, hit)
		if len(r.hits) > r.size {
			r.hits = r.hits[1:]
		}
	}
	r.counts = append(r.counts, append([]int32(nil), c...))
	r.labels = append(r.labels, label)
	r.count(c, label, 1)
	if len(r.counts) > r.size {
		r.count(r.counts[0], r.labels[0], -1)
		r.counts, r.labels = r.counts[1:], r.labels[1:]
	}
}

// count adds (sign 1) or removes (−1) one image's counts to or from the class sums.
func (r *runningAcc) count(c []int32, label int, sign int64) {
	if label < 0 || label >= len(r.num) {
		return
	}
	r.num[label] += int(sign)
	row := r.sum[label*len(c) : (label+1)*len(c)]
	for j, x := range c {
		row[j] += sign * int64(x)
	}
}

func (r *runningAcc) accuracy() float64 {
	if len(r.hits) == 0 {
		return math.NaN()
	}
	h := 0
	for _, x := range r.hits {
		if x {
			h++
		}
	}
	return float64(h) / float64(len(r.hits))
}

// Assign gives each neuron the class to which it responded most on average
// (Diehl & Cook's labelling): counts[k] are the spike counts of image k,
// labels[k] its class. A neuron that never fired gets −1.
func Assign(counts [][]int32, labels []int, classes int) []int {
	if len(counts) == 0 {
		return nil
	}
	n := len(counts[0])
	return assignSums(classSums(counts, labels, classes, n))
}

// classSums sums the counts of n neurons per class (labels out of [0, classes) are left
// out), and counts the images per class.
func classSums(counts [][]int32, labels []int, classes, n int) (sum []int64, num []int) {
	sum, num = make([]int64, classes*n), make([]int, classes)
	for k, c := range counts {
		l := labels[k]
		if l < 0 || l >= classes {
			continue
		}
		num[l]++
		row := sum[l*n : (l+1)*n]
		for j, x := range c {
			row[j] += int64(x)
		}
	}
	return sum, num
}

// assignSums is Assign from the class sums and image counts: each neuron's class is the one
// of the highest mean, −1 where it never fired. (An integer sum is the float sum of its
// counts exactly, below 2⁵³.)
func assignSums(sum []int64, num []int) []int {
	classes := len(num)
	n := len(sum) / classes
	out := make([]int, n)
	for j := range out {
		best, bestV := -1, 0.0
		for l := range classes {
			if num[l] == 0 || sum[l*n+j] == 0 {
				continue // a mean of 0 is never the best
			}
			if v := float64(sum[l*n+j]) / float64(num[l]); v > bestV {
				best, bestV = l, v
			}
		}
		out[j] = best
	}
	return out
}

// Classify returns the class whose assigned neurons fired most on average
// for one image's counts, or −1 if none fired.
func Classify(counts []int32, assign []int, classes int) int {
	sum := make([]float64, classes)
	num := make([]int, classes)
	for j, l := range assign {
		if l >= 0 {
			sum[l] += float64(counts[j])
			num[l]++
		}
	}
	best, bestV := -1, 0.0
	for l := range classes {
		if num[l] > 0 {
			if v := sum[l] / float64(num[l]); v > bestV {
				best, bestV = l, v
			}
		}
	}
	return best
}

// EvalResult is what one frozen pass over a set gives.
type EvalResult struct {
	Counts    [][]int32
	Labels    []int
	Net       network.Counters // summed over images
	Dev       device.Counters  // reads of the device array, summed over replicas
	Seconds   float64
	Images    int
	Predicted []int // filled by Test
}

// SelfLabelledAccuracy is the accuracy of r's pass when the neurons are
// labelled by the same pass's responses (Assign on r itself) rather than by
// a separate labelling pass over training images. It is not a held-out
// figure: the labels of the tested images choose the neurons' classes. It
// exists to compare with numbers obtained that way: the reference's
// published evaluation script (peter-u-diehl/stdp-mnist,
// Diehl&Cook_MNIST_evaluation.py) loads the same test-set activity file
// (resultPopVecs10000) both for the assignments and for the test; the
// repository's issue #3 asks why.
func (r *EvalResult) SelfLabelledAccuracy() float64 {
	if len(r.Counts) == 0 {
		return 0
	}
	assign := Assign(r.Counts, r.Labels, 10)
	hits := 0
	for k, c := range r.Counts {
		if Classify(c, assign, 10) == r.Labels[k] {
			hits++
		}
	}
	return float64(hits) / float64(len(r.Counts))
}

// respond shows the first n images of set to frozen replicas of the
// network and returns their spike counts. The model itself is not changed.
func (m *STDPModel) respond(ctx context.Context, set Samples, n int, phase string, prog STDPProgress) (*EvalResult, error) {
	if n == 0 || n > set.Len() {
		n = set.Len()
	}
	res := &EvalResult{Counts: make([][]int32, 0, n), Labels: make([]int, 0, n), Images: n}
	start := time.Now()
	var mu sync.Mutex
	// Each replica's device counters are summed in (batch, seed) order: a float sum in the
	// order the replicas finished would vary in its last bits from run to run, and every
	// batch's Evaluate uses the same sequence of seeds.
	type devCount struct {
		batch int
		seed  uint64
		c     device.Counters
	}
	var clones []func() devCount
	// Replicas are seeded per batch of 512 images, as when each batch was its own
	// evaluation; the batches' chunks now share one queue, so no core waits at the end
	// of a batch (with 8 chunks of 64 per batch, 16 cores had kept at most 8 busy).
	const batch = 512
	clone := func(b int, seed uint64) (network.Synapses, error) {
		switch s := m.Syn.(type) {
		case *device.Array:
			c := s.Clone(seed)
			mu.Lock()
			clones = append(clones, func() devCount { return devCount{b, seed, c.Counters()} })
			mu.Unlock()
			return c, nil
		case *Float:
			return s.Clone(seed), nil
		}
		return nil, fmt.Errorf("learning: cannot clone synapses of type %T", m.Syn)
	}
	image := func(k int, buf []float64) []float64 {
		toFloat(buf, set.Image(k))
		return buf
	}
	var progress func(int)
	if prog != nil {
		progress = func(done int) { prog(phase, done, n, math.NaN()) }
	}
	rs, err := m.Net.EvaluateGroups(ctx, n, batch, image, m.Config.Eval, clone, progress)
	if err != nil {
		return nil, err
	}
	for k, r := range rs {
		res.Counts = append(res.Counts, r.Counts)
		res.Labels = append(res.Labels, set.Label(k))
		res.Net = res.Net.Add(r.Counters)
	}
	dc := make([]devCount, len(clones))
	for i, f := range clones {
		dc[i] = f()
	}
	slices.SortFunc(dc, func(a, b devCount) int {
		if c := cmp.Compare(a.batch, b.batch); c != 0 {
			return c
		}
		return cmp.Compare(a.seed, b.seed)
	})
	for _, d := range dc {
		res.Dev = res.Dev.Add(d.c)
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// Label shows the first LabelSamples training images to the frozen network
// and assigns each neuron its class.
func (m *STDPModel) Label(ctx context.Context, train Samples, prog STDPProgress) error {
	n := m.Config.LabelSamples
	if n == 0 {
		n = min(10000, train.Len())
		if m.Config.TrainSamples > 0 {
			n = min(n, m.Config.TrainSamples)
		}
	}
	r, err := m.respond(ctx, train, n, "label", prog)
	if err != nil {
		return err
	}
	m.Labels = Assign(r.Counts, r.Labels, 10)
	return nil
}

// Test classifies the first TestSamples images of test with the frozen,
// labelled network and returns the accuracy and the pass's counts.
func (m *STDPModel) Test(ctx context.Context, test Samples, prog STDPProgress) (float64, *EvalResult, error) {
	if m.Labels == nil {
		return 0, nil, errors.New("learning: Test before Label")
	}
	r, err := m.respond(ctx, test, m.Config.TestSamples, "test", prog)
	if err != nil {
		return 0, nil, err
	}
	hits := 0
	r.Predicted = make([]int, len(r.Counts))
	for k, c := range r.Counts {
		r.Predicted[k] = Classify(c, m.Labels, 10)
		if r.Predicted[k] == r.Labels[k] {
			hits++
		}
	}
	return float64(hits) / float64(len(r.Counts)), r, nil
}

// Energy returns the per-image energy breakdown of an evaluation pass (an
// inference) of this model.
func (m *STDPModel) Energy(cfg energy.Config, r *EvalResult) energy.Breakdown {
	return m.breakdown(cfg, r.Net, r.Dev, r.Images)
}

// DeviceCounters returns the counters of the model's device array since the
// initial weights were written: training's reads and programming pulses
// (zero for the float rule).
func (m *STDPModel) DeviceCounters() device.Counters {
	if a, ok := m.Syn.(*device.Array); ok {
		return a.Counters()
	}
	return device.Counters{}
}

// TrainDeviceCounters returns the device counters of training including the
// stored-weight reads of normalisation.
func (m *STDPModel) TrainDeviceCounters() device.Counters {
	dc := m.DeviceCounters()
	if p := m.Device; p != nil {
		dc.Reads += m.Rule.NormReads
		dc.ReadGSum += float64(m.Rule.NormReads)*p.Gmin + m.Rule.NormWSum*(p.Gmax-p.Gmin)
	}
	return dc
}

// TrainEnergy returns the energy per training image: the network events of
// training, the device reads and programming pulses, and the stored-weight
// reads of normalisation.
func (m *STDPModel) TrainEnergy(cfg energy.Config) energy.Breakdown {
	return m.breakdown(cfg, m.TrainCounters, m.TrainDeviceCounters(), max(m.TrainImages, 1))
}

func (m *STDPModel) breakdown(cfg energy.Config, c network.Counters, dev device.Counters, images int) energy.Breakdown {
	return STDPEnergy(cfg, m.Device, m.Config.Net.Inputs, m.Config.Neurons, c, dev, images)
}

// STDPEnergy returns the per-image energy of a Diehl & Cook network of `in` inputs and n
// excitatory neurons on devices p (nil: digital float synapses) from the totals of a run over
// `images` images. The input→exc devices form an in × n crossbar whose rows the input spikes
// drive and whose columns are the excitatory neurons (dev: the devices' reads and pulses);
// the fixed exc→inh and inh→exc pathways are digital synaptic operations; the inhibitory
// neurons, off the crossbar, integrate their one excitatory partner's spikes. cfg must be
// valid (energy.Config.Current of a stored one).
func STDPEnergy(cfg energy.Config, p *device.Params, in, n int, c network.Counters, dev device.Counters, images int) energy.Breakdown {
	var inSpikes, excSpikes, inhSpikes float64
	if len(c.Spikes) == 3 {
		inSpikes, excSpikes, inhSpikes = float64(c.Spikes[0]), float64(c.Spikes[1]), float64(c.Spikes[2])
	}
	syn := energy.Layer{Name: "input→exc", In: in, Out: n, Cells: 1, Rows: inSpikes, SOPs: float64(c.DeviceReads)}
	exc := energy.Population{Name: "exc", N: n, Updates: float64(c.NeuronUpdates) / 2, Spikes: excSpikes}
	if p != nil {
		syn.Device, syn.Dev, exc.Columns = p, dev, true
	} else {
		exc.Inputs = float64(c.DeviceReads)
	}
	net := energy.Network{
		Steps: float64(c.Steps),
		Layers: []energy.Layer{syn,
			{Name: "exc→inh", SOPs: excSpikes},
			{Name: "inh→exc", SOPs: inhSpikes * float64(n-1)},
		},
		Pops: []energy.Population{exc,
			{Name: "inh", N: n, Updates: float64(c.NeuronUpdates) / 2, Spikes: inhSpikes, Inputs: excSpikes},
		},
	}
	return cfg.Current().Cost(net).Per(float64(max(images, 1)))
}

// stdpCheckpointVersion is the version of the stdpCheckpoint format: 1 added the version and the
// sorted device sources (DeviceSources); files without a version (0) still load.
const stdpCheckpointVersion = 1

// stdpCheckpoint is the serialised form of an STDPModel.
type stdpCheckpoint struct {
	Version       int
	Config        STDPConfig
	Device        *device.Params    // without its Source (see DeviceSources)
	DeviceSources device.SourceList // Device.Source, sorted: the same model gives the same bytes
	Syn           []byte
	FloatW        []float64
	Net           *network.DCState
	Rule          stdpState
	Labels        []int
	Epoch, Next   int
	TrainCounters network.Counters
	TrainSeconds  float64
	TrainImages   int
	InitPulses    device.Counters
	Wins          []int64       // absent (nil) in files written before it existed
	Running       *runningState // the running accuracy's window mid-training; nil otherwise
}

// runningState is the serialised form of a runningAcc.
type runningState struct {
	Size   int
	Counts [][]int32
	Labels []int
	Hits   []bool
	Assign []int
}

// MarshalBinary encodes the whole model (weights and device state included).
func (m *STDPModel) MarshalBinary() ([]byte, error) {
	st, err := m.Net.State()
	if err != nil {
		return nil, err
	}
	c := stdpCheckpoint{Version: stdpCheckpointVersion, Config: m.Config, Net: st, Rule: m.Rule.state(), Labels: m.Labels,
		Epoch: m.Epoch, Next: m.Next, TrainCounters: m.TrainCounters, TrainSeconds: m.TrainSeconds,
		TrainImages: m.TrainImages, InitPulses: m.InitPulses, Wins: m.Wins}
	if r := m.run; r != nil {
		c.Running = &runningState{Size: r.size, Counts: r.counts, Labels: r.labels, Hits: r.hits, Assign: r.assign}
	}
	if m.Device != nil {
		p, src := m.Device.WithoutSources()
		c.Device, c.DeviceSources = &p, src
	}
	switch s := m.Syn.(type) {
	case *device.Array:
		if c.Syn, err = s.MarshalBinary(); err != nil {
			return nil, err
		}
	case *Float:
		c.FloatW = s.W
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&c); err != nil {
		return nil, fmt.Errorf("learning: encoding model: %w", err)
	}
	return sealed.Seal(buf.Bytes()), nil
}

// UnmarshalSTDPModel decodes a model written by MarshalBinary: a checksum mismatch (a flipped
// or missing byte) is an error; a file from before the checksum loads unverified.
func UnmarshalSTDPModel(data []byte) (*STDPModel, error) {
	data, _, err := sealed.Open(data)
	if err != nil {
		return nil, fmt.Errorf("learning: %w", err)
	}
	var c stdpCheckpoint
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return nil, fmt.Errorf("learning: decoding model: %w", err)
	}
	if c.Version < 0 || c.Version > stdpCheckpointVersion {
		return nil, fmt.Errorf("learning: decoding model: version %d, want 0 to %d", c.Version, stdpCheckpointVersion)
	}
	if err := c.Config.Validate(); err != nil {
		return nil, err
	}
	if c.Device != nil && c.DeviceSources != nil {
		c.Device.Source = c.DeviceSources.Map()
	}
	m := &STDPModel{Config: c.Config, Labels: c.Labels, Epoch: c.Epoch, Next: c.Next,
		TrainCounters: c.TrainCounters, TrainSeconds: c.TrainSeconds, TrainImages: c.TrainImages, InitPulses: c.InitPulses, Wins: c.Wins}
	switch {
	case m.Wins == nil: // a model from before the record: its wins are unknown
		m.Wins = make([]int64, c.Config.Neurons)
	case len(m.Wins) != c.Config.Neurons:
		return nil, fmt.Errorf("learning: model has wins of %d neurons, want %d", len(m.Wins), c.Config.Neurons)
	}
	if r := c.Running; r != nil {
		ok := r.Size > 0 && len(r.Counts) == len(r.Labels) && len(r.Counts) <= r.Size && len(r.Hits) <= r.Size &&
			(r.Assign == nil || len(r.Assign) == c.Config.Neurons)
		for _, row := range r.Counts {
			ok = ok && len(row) == c.Config.Neurons
		}
		if !ok {
			return nil, errors.New("learning: model has a malformed running-accuracy window")
		}
		m.run = &runningAcc{n: c.Config.Neurons, size: r.Size, counts: r.Counts, labels: r.Labels, hits: r.Hits, assign: r.Assign}
	}
	inputs := c.Config.Net.Inputs
	if inputs == 0 {
		inputs = 784
	}
	if c.Config.Float {
		f := NewFloat(inputs, c.Config.Neurons, 1)
		if len(c.FloatW) != len(f.W) {
			return nil, fmt.Errorf("learning: model has %d weights, want %d", len(c.FloatW), len(f.W))
		}
		copy(f.W, c.FloatW)
		m.Syn = f
	} else {
		if c.Device == nil {
			return nil, errors.New("learning: model has no device parameters")
		}
		a, err := device.NewArray(c.Device, inputs, c.Config.Neurons, 0)
		if err != nil {
			return nil, err
		}
		if err := a.UnmarshalBinary(c.Syn); err != nil {
			return nil, fmt.Errorf("learning: device array: %w", err)
		}
		m.Syn = a
		m.Device = a.Params()
	}
	if err := m.build(inputs); err != nil {
		return nil, err
	}
	if err := m.Net.SetState(c.Net); err != nil {
		return nil, err
	}
	return m, m.Rule.setState(c.Rule)
}

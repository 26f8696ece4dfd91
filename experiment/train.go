package experiment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/internal/plots"
	"github.com/nanospike/nanospike/learning"
	"github.com/nanospike/nanospike/network"
)

// FloatDevice names the exact float rule in --device.
const FloatDevice = "float"

// Options are the flags of `train`; config.json stores them so that a
// run can be repeated or resumed.
type Options struct {
	Rule            string          `json:"rule"`
	Device          string          `json:"device"`
	Neurons         int             `json:"neurons"`
	TrainSamples    int             `json:"train_samples"`
	TestSamples     int             `json:"test_samples"`
	LabelSamples    int             `json:"label_samples"`
	Epochs          int             `json:"epochs"`
	Seed            uint64          `json:"seed"`
	Out             string          `json:"out"`
	Data            string          `json:"data"`
	CheckpointEvery int             `json:"checkpoint_every"`
	Workers         int             `json:"workers"`
	Programming     string          `json:"programming,omitempty"` // STDP: nominal or model
	Normalise       string          `json:"normalise,omitempty"`   // STDP: program or gain
	Backprop        BackpropOptions `json:"backprop"`
	// Model holds the model settings of a --config file (nil: the defaults); the fields
	// above override the ones they name.
	Model *ModelSettings `json:"-"`
}

// RunConfig is DIR/config.json.
type RunConfig struct {
	Command  string                   `json:"command"`
	Options  Options                  `json:"options"`
	Device   *device.Params           `json:"device_params,omitempty"`
	STDP     *learning.STDPConfig     `json:"stdp,omitempty"`
	Backprop *learning.BackpropConfig `json:"backprop,omitempty"`
	Energy   energy.Config            `json:"energy"`
}

// LoadDevice resolves --device: a preset name, else a JSON file.
func LoadDevice(name string) (*device.Params, error) {
	if name == FloatDevice {
		return nil, nil
	}
	if p, err := device.Preset(name); err == nil {
		return p, nil
	} else if _, serr := os.Stat(name); serr != nil {
		return nil, fmt.Errorf("--device: %w", err)
	}
	return device.LoadParams(name)
}

func DeviceLabel(name string) string {
	base := filepath.Base(name)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

func (o *Options) STDPConfig() learning.STDPConfig {
	c := learning.DefaultSTDPConfig()
	if o.Model != nil && o.Model.STDP != nil {
		c = *o.Model.STDP
	}
	c.Neurons, c.TrainSamples, c.TestSamples, c.LabelSamples = o.Neurons, o.TrainSamples, o.TestSamples, o.LabelSamples
	c.Epochs, c.Seed, c.Float = o.Epochs, o.Seed, o.Device == FloatDevice
	c.Net.Neurons, c.Net.Seed = o.Neurons, o.Seed
	c.Eval.Workers = o.Workers
	c.Rule.Programming = o.Programming
	if o.Normalise != "" || c.Rule.Normalise == "" {
		c.Rule.Normalise = o.Normalise
	}
	return c
}

const (
	CheckpointFile = "checkpoint.gob"
	ModelFile      = "model.gob"
)

// Train trains and tests the network of cfg.Options.Rule in
// cfg.Options.Out, writes the run's files (config.json, metrics.json,
// checkpoints, model) and returns its metrics. It holds the folder's lock
// throughout; a new run into a folder holding one needs replace.
func Train(ctx context.Context, e *Log, cfg *RunConfig, data *datasets.Dataset, resuming, replace bool) (Metrics, error) {
	unlock, err := LockRun(cfg.Options.Out)
	if err != nil {
		return Metrics{}, err
	}
	defer unlock()
	if !resuming {
		if err := checkOverwrite(cfg.Options.Out, replace); err != nil {
			return Metrics{}, err
		}
	}
	switch cfg.Options.Rule {
	case "stdp":
		return trainSTDP(ctx, e, cfg, data, resuming)
	case "backprop":
		return trainBackprop(ctx, e, cfg, data, resuming)
	}
	return Metrics{}, fmt.Errorf("unknown rule %q", cfg.Options.Rule)
}

// trainSTDP trains, labels and tests the STDP network of cfg in
// cfg.Options.Out (resuming from its checkpoint if asked), writes the run's
// files and returns its metrics. Progress goes to e.W.
func trainSTDP(ctx context.Context, e *Log, cfg *RunConfig, data *datasets.Dataset, resuming bool) (Metrics, error) {
	o := cfg.Options
	dir := o.Out
	var m *learning.STDPModel
	if resuming {
		b, err := os.ReadFile(filepath.Join(dir, CheckpointFile))
		if err != nil {
			return Metrics{}, fmt.Errorf("--resume: %w", err)
		}
		if m, err = learning.UnmarshalSTDPModel(b); err != nil {
			if _, berr := learning.LoadBackprop(bytes.NewReader(b)); berr == nil {
				return Metrics{}, fmt.Errorf("--resume: %s holds a backprop run but %s says rule stdp (edited?)", filepath.Join(dir, CheckpointFile), filepath.Join(dir, ConfigFile))
			}
			return Metrics{}, fmt.Errorf("--resume: %s: %w", filepath.Join(dir, CheckpointFile), err)
		}
		if want := o.STDPConfig(); want.Neurons != m.Config.Neurons || want.TrainSamples != m.Config.TrainSamples ||
			want.Epochs != m.Config.Epochs || want.Seed != m.Config.Seed || want.LabelSamples != m.Config.LabelSamples || want.Float != m.Config.Float {
			return Metrics{}, fmt.Errorf("--resume: %s and %s disagree (config.json edited?): neurons %d/%d, train samples %d/%d, label samples %d/%d, epochs %d/%d, seed %d/%d",
				filepath.Join(dir, ConfigFile), filepath.Join(dir, CheckpointFile), want.Neurons, m.Config.Neurons,
				want.TrainSamples, m.Config.TrainSamples, want.LabelSamples, m.Config.LabelSamples, want.Epochs, m.Config.Epochs, want.Seed, m.Config.Seed)
		}
		fmt.Fprintf(e.W, "resuming %s at epoch %d, image %d\n", dir, m.Epoch+1, m.Next)
	} else {
		sc := o.STDPConfig()
		if err := sc.Validate(); err != nil {
			return Metrics{}, err
		}
		var err error // dir exists: Train's LockRun made it
		if m, err = learning.NewSTDPModel(sc, cfg.Device, datasets.Pixels); err != nil {
			return Metrics{}, err
		}
		cfg.STDP = &m.Config
		if err := WriteJSON(filepath.Join(dir, ConfigFile), cfg); err != nil {
			return Metrics{}, err
		}
	}
	k := m.Config.TrainSamples
	if k == 0 || k > data.Train.N {
		k = data.Train.N
	}
	total := k * m.Config.Epochs
	// The learning curve: the running accuracy every few images, kept in progress.json
	// beside each checkpoint so that a resumed run continues it.
	var entries ProgressEntries
	var prog runProgress
	if resuming {
		var warn string
		if entries, prog, warn = readProgress(dir, m.Epoch*k+m.Next); warn != "" {
			fmt.Fprintf(e.W, "warning: %s\n", warn)
		}
	}
	every := curveEvery(total)
	save := func(name string) func(*learning.STDPModel) error {
		return func(m *learning.STDPModel) error {
			b, err := m.MarshalBinary()
			if err != nil {
				return err
			}
			if name == CheckpointFile {
				prog.Images, prog.TrainSeconds = m.Epoch*k+m.Next, m.TrainSeconds
				if err := writeProgress(dir, &entries, prog); err != nil {
					return err
				}
			}
			return WriteFileAtomic(filepath.Join(dir, name), b)
		}
	}
	bar := e.NewBar(total, "train", "img")
	_ = bar.Set(m.Epoch*k + m.Next)
	lines := e.newProgressLog("train", m.Epoch*k+m.Next)
	lines.decile = 10 * lines.first / max(total, 1)
	err := m.Train(ctx, data.Train, learning.TrainHooks{
		Progress: func(_ string, done, _ int, acc float64) {
			extra := ""
			if !math.IsNaN(acc) {
				extra = fmt.Sprintf(", running accuracy %.1f%%", 100*acc)
			}
			lines.report(done, total, extra)
			if done%every == 0 || done == total {
				prog.History = append(prog.History, curvePoint{Images: done, Epoch: (done-1)/k + 1, TrainAccuracy: ptr(acc)})
			}
			if done%10 == 0 || done == total {
				if !math.IsNaN(acc) {
					bar.Describe(fmt.Sprintf("train (running acc %.1f%%)", 100*acc))
				}
				_ = bar.Set(done)
			}
		},
		Checkpoint:      save(CheckpointFile),
		CheckpointEvery: o.CheckpointEvery,
	})
	_ = bar.Finish()
	if errors.Is(err, context.Canceled) {
		return Metrics{}, fmt.Errorf("interrupted after %d training images; checkpoint written to %s; continue with: nanospike train --resume %s",
			m.Epoch*k+m.Next, filepath.Join(dir, CheckpointFile), dir)
	}
	if err != nil {
		return Metrics{}, err
	}
	if err := save(CheckpointFile)(m); err != nil {
		return Metrics{}, err
	}
	if err := m.Label(ctx, data.Train, e.phaseBar("label")); err != nil {
		return Metrics{}, fmt.Errorf("labelling: %w (training is saved; rerun with --resume %s)", err, dir)
	}
	// The model is saved before the test, so that eval --model repeats this very test.
	if err := save(ModelFile)(m); err != nil {
		return Metrics{}, err
	}
	acc, res, err := m.Test(ctx, data.Test, e.phaseBar("test"))
	if err != nil {
		return Metrics{}, fmt.Errorf("testing: %w (training is saved; rerun with --resume %s)", err, dir)
	}
	met := stdpMetrics(m, cfg, acc, res)
	met.History = prog.History
	if err := WriteJSON(filepath.Join(dir, MetricsFile), met); err != nil {
		return Metrics{}, err
	}
	if err := saveReceptiveFields(filepath.Join(dir, "weights.png"), runTitle(cfg), m); err != nil {
		return Metrics{}, err
	}
	if err := writeCurves(dir, runTitle(cfg)+": running accuracy", met.History); err != nil {
		return Metrics{}, err
	}
	return met, nil
}

// phaseBar returns a progress callback drawing a bar for one phase.
func (e *Log) phaseBar(phase string) learning.STDPProgress {
	var bar interface {
		Set(int) error
		Finish() error
	}
	plog := e.newProgressLog(phase, 0)
	return func(_ string, done, total int, _ float64) {
		plog.report(done, total, "")
		if bar == nil {
			bar = e.NewBar(total, phase, "img")
		}
		_ = bar.Set(done)
		if done == total {
			_ = bar.Finish()
		}
	}
}

// Metrics is DIR/metrics.json.
type Metrics struct {
	Rule     string  `json:"rule"`
	Device   string  `json:"device"`
	Neurons  int     `json:"neurons"`
	Seed     uint64  `json:"seed"`
	Accuracy float64 `json:"accuracy"`
	// AccuracySelfLabelled (STDP): the test pass labelled by its own
	// responses, as the reference's evaluation script does; not held out.
	AccuracySelfLabelled float64          `json:"accuracy_self_labelled,omitempty"`
	TrainImages          int              `json:"train_images"`
	TrainSeconds         float64          `json:"train_seconds"`
	TrainImagesPerS      float64          `json:"train_images_per_s"`
	TestImages           int              `json:"test_images"`
	TestSeconds          float64          `json:"test_seconds"`
	TestImagesPerS       float64          `json:"test_images_per_s"`
	SOPsPerInference     float64          `json:"sops_per_inference"`
	EnergyPerInference   float64          `json:"energy_per_inference_j"`
	EnergyPerTrainImage  float64          `json:"energy_per_training_image_j"`
	PulsesPerTrainImage  float64          `json:"pulses_per_training_image"`
	Inference            energy.Breakdown `json:"inference_energy"`
	Training             energy.Breakdown `json:"training_energy"`
	Confusion            [][]int          `json:"confusion"`
	// Diagnosis (STDP): who won the images, labels over neurons, θ and
	// weights at the end, and whether learning collapsed.
	Diagnosis *learning.Diagnosis `json:"diagnosis,omitempty"`
	// Raw totals, so `nanospike energy` can recompute with other constants.
	Counts RunCounts `json:"counts"`
	// History is the learning curve (curves.png).
	History []curvePoint `json:"history,omitempty"`
}

// RunCounts are the event totals behind the energy figures.
type RunCounts struct {
	TestImages  int              `json:"test_images"`
	Test        network.Counters `json:"test_network"`
	TestDevice  device.Counters  `json:"test_device"`
	TrainImages int              `json:"train_images"`
	Train       network.Counters `json:"train_network"`
	TrainDevice device.Counters  `json:"train_device"` // incl. normalisation reads
	// Backprop: the network's counters before and after the test pass, and of training.
	BackpropTest  *[2]learning.BackpropCounters `json:"backprop_test,omitempty"`
	BackpropTrain *learning.BackpropCounters    `json:"backprop_train,omitempty"`
}

func stdpMetrics(m *learning.STDPModel, cfg *RunConfig, acc float64, r *learning.EvalResult) Metrics {
	inf := m.Energy(cfg.Energy, r)
	tr := m.TrainEnergy(cfg.Energy)
	conf := make([][]int, 10)
	for i := range conf {
		conf[i] = make([]int, 11) // column 10: no neuron fired
	}
	for k, p := range r.Predicted {
		if p < 0 {
			p = 10
		}
		conf[r.Labels[k]][p]++
	}
	name := cfg.Options.Device
	diag := m.Diagnose(r)
	met := Metrics{
		Rule: "stdp", Device: name, Neurons: m.Config.Neurons, Seed: m.Config.Seed, Accuracy: acc,
		AccuracySelfLabelled: r.SelfLabelledAccuracy(),
		TrainImages:          m.TrainImages, TrainSeconds: m.TrainSeconds,
		TestImages: r.Images, TestSeconds: r.Seconds,
		SOPsPerInference: inf.SOPs, EnergyPerInference: inf.Inference,
		EnergyPerTrainImage: tr.Training, Inference: inf, Training: tr, Confusion: conf, Diagnosis: &diag,
		Counts: RunCounts{TestImages: r.Images, Test: r.Net, TestDevice: r.Dev,
			TrainImages: m.TrainImages, Train: m.TrainCounters, TrainDevice: m.TrainDeviceCounters()},
	}
	if m.TrainSeconds > 0 {
		met.TrainImagesPerS = float64(m.TrainImages) / m.TrainSeconds
	}
	if r.Seconds > 0 {
		met.TestImagesPerS = float64(r.Images) / r.Seconds
	}
	if m.TrainImages > 0 {
		c := m.DeviceCounters()
		met.PulsesPerTrainImage = float64(c.PotPulses+c.DepPulses) / float64(m.TrainImages)
	}
	return met
}

// Joules formats an energy with an SI prefix.
func Joules(j float64) string {
	if j == 0 {
		return "0 J"
	}
	for _, u := range []struct {
		f float64
		s string
	}{{1, "J"}, {1e-3, "mJ"}, {1e-6, "µJ"}, {1e-9, "nJ"}, {1e-12, "pJ"}, {1e-15, "fJ"}} {
		if math.Abs(j) >= u.f {
			return fmt.Sprintf("%.3g %s", j/u.f, u.s)
		}
	}
	return fmt.Sprintf("%.3g J", j)
}

// saveReceptiveFields writes the input weights of every excitatory neuron
// as a grid of 28×28 tiles.
func saveReceptiveFields(path, title string, m *learning.STDPModel) error {
	rows, cols := m.Syn.Rows(), m.Syn.Cols()
	w := m.Syn.WeightsTo(nil)
	t := make([]float64, len(w))
	for i := range rows {
		for j := range cols {
			t[j*rows+i] = w[i*cols+j]
		}
	}
	side := int(math.Ceil(math.Sqrt(float64(cols))))
	var labels []string
	if m.Labels != nil {
		labels = make([]string, cols)
		for j := range labels {
			labels[j] = fmt.Sprintf("n%d: %d", j, m.Labels[j])
			if m.Labels[j] < 0 {
				labels[j] = fmt.Sprintf("n%d: –", j)
			}
		}
	}
	f := plots.Figure{Title: "receptive fields: " + title, YLabel: "weight (normalised conductance)",
		Caption: "nK: d above a field: excitatory neuron K, labelled with digit d (the class it responded to most in labelling; –: never fired)."}
	return f.Fields(path, t, (cols+side-1)/side, side, datasets.Height, datasets.Width, labels)
}

// checkOverwrite refuses to train into a folder holding a run (config.json or metrics.json)
// unless force, and with force removes that run's files first, so nothing of it (a weights.png
// of another rule) is left beside the new one.
func checkOverwrite(dir string, force bool) error {
	held := ""
	for _, f := range []string{MetricsFile, ConfigFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			held = f
			break
		}
	}
	if held == "" {
		return nil
	}
	if !force {
		return &UsageError{Msg: fmt.Sprintf("%s holds a run (%s): --resume %s to continue it, --force to replace it, or another --out", dir, held, dir)}
	}
	for _, f := range runFiles {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// Finished reports whether dir holds a finished run (its model and metrics), with the
// metrics; a metrics.json that does not read is an error.
func Finished(dir string) (Metrics, bool, error) {
	var met Metrics
	if _, err := os.Stat(filepath.Join(dir, MetricsFile)); err != nil {
		return met, false, nil
	}
	if _, err := os.Stat(filepath.Join(dir, ModelFile)); err != nil {
		return met, false, nil
	}
	if err := ReadJSON(filepath.Join(dir, MetricsFile), &met); err != nil {
		return met, false, err
	}
	if met.Rule == "" || met.TestImages <= 0 {
		return met, false, fmt.Errorf("%s: not the metrics of a finished run (rule %q, %d test images)", filepath.Join(dir, MetricsFile), met.Rule, met.TestImages)
	}
	return met, true, nil
}

// Eval tests the trained model of the run in dir (its config.json read into cfg) again on
// d's test images: testSamples of them (< 0: as many as the run tested, 0: all) with
// workers replicas (0: one per core). It writes dir/eval.json and returns its metrics; the
// run's own test is repeated exactly. A backprop run's test uses GOMAXPROCS cores and reports
// no progress: ctx, lg and workers serve STDP's.
func Eval(ctx context.Context, lg *Log, cfg *RunConfig, dir string, d *datasets.Dataset, testSamples, workers int) (Metrics, error) {
	if cfg.Options.Rule == "backprop" {
		return evalBackprop(cfg, dir, d, testSamples)
	}
	b, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil {
		return Metrics{}, err
	}
	m, err := learning.UnmarshalSTDPModel(b)
	if err != nil {
		return Metrics{}, fmt.Errorf("%s: %w", filepath.Join(dir, ModelFile), err)
	}
	if testSamples >= 0 {
		m.Config.TestSamples = testSamples
	}
	m.Config.Eval.Workers = workers
	acc, res, err := m.Test(ctx, d.Test, lg.phaseBar("test"))
	if err != nil {
		return Metrics{}, err
	}
	met := stdpMetrics(m, cfg, acc, res)
	if err := WriteJSON(filepath.Join(dir, "eval.json"), met); err != nil {
		return Metrics{}, err
	}
	return met, nil
}

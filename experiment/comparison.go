package experiment

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/internal/plots"
	"github.com/nanospike/nanospike/learning"
)

// compareFileName and the other names are the outputs of compare and merge
// in --out.
const (
	CompareJSON = "compare.json"
	CompareCSV  = "compare.csv"
	CompareMD   = "compare.md"
	SummaryCSV  = "summary.csv"
	MetricsFile = "metrics.json"
	ConfigFile  = "config.json"
)

// SweepParams are the device parameters --sweep accepts, in the order of
// the usage text.
var SweepParams = []string{"states", "nl", "c2c", "d2d", "stuck", "read_noise"}

// applySweep sets the parameter param of p to v. A value that does not fit
// the parameter (a fractional state count) is an error; physical range
// checks are left to device.Params.Validate.
func applySweep(p *device.Params, param string, v float64) error {
	switch param {
	case "states":
		if v != math.Trunc(v) || v < 2 || v > math.MaxInt32 {
			return fmt.Errorf("states must be an integer ≥ 2, got %v", v)
		}
		p.States = int(v)
	case "nl":
		// NeuroSim's sign convention: a potentiation curve that saturates
		// has a positive label, the matching depression curve a negative one.
		p.NLLTP, p.NLLTD = v, -v
	case "c2c":
		p.C2C = v
	case "d2d":
		// One knob for both device-to-device spreads: σ of the NL labels
		// (absolute) and of Gmin/Gmax (fraction).
		p.D2DNL, p.D2DG = v, v
	case "stuck":
		// v is the fraction of faulty devices, split evenly between stuck
		// at Gmin (open) and stuck at Gmax (short).
		p.StuckMin, p.StuckMax = v/2, v/2
	case "read_noise":
		p.ReadNoise = v
	default:
		return fmt.Errorf("unknown sweep parameter %q (want one of %s)", param, strings.Join(SweepParams, ", "))
	}
	// The value is the user's now, not the preset's assumption: --uncertainty must not draw it.
	p.Ranges = maps.Clone(p.Ranges)
	for _, f := range sweepFields[param] {
		delete(p.Ranges, f)
	}
	return nil
}

// sweepFields are the device fields (JSON names) each sweep parameter sets.
var sweepFields = map[string][]string{
	"states": {"states"}, "nl": {"nl_ltp", "nl_ltd"}, "c2c": {"c2c_sigma"}, "d2d": {"d2d_nl_sigma", "d2d_g_sigma"},
	"stuck": {"stuck_min_frac", "stuck_max_frac"}, "read_noise": {"read_noise"},
}

// Item is one run of a compare or sweep.
type Item struct {
	Index        int     // position in the full (unsharded) list
	Label        string  // folder under --out: <group>-s<seed>
	Group        string  // the device's label, or for a sweep <device>-<param>-<value>
	Seed         uint64  // master seed of the run
	Device       string  // --device value of the run: a preset name, a file or "float"
	Param        string  // swept parameter ("" for a device comparison)
	Value        float64 // its value
	Draw         int     // uncertainty draw of the device's assumed parameters (1…K), 0 for its nominal values
	DeviceParams *device.Params
}

// compareVersion is the format of compare.json: 2 added the seeds, the
// groups, the per-group summary and the collapse diagnosis. A file of
// another version is refused by name.
const compareVersion = 2

// Comparison is DIR/compare.json: the settings, the full list of items
// (all shards), the rows of the finished ones and their summary over the
// seeds. It is the record the tables of README and docs are generated from.
type Comparison struct {
	Version int      `json:"version"`
	Kind    string   `json:"kind"`    // "nanospike compare": what wrote it
	Command string   `json:"command"` // the command line that made it
	Rule    string   `json:"rule"`
	Sweep   string   `json:"sweep,omitempty"`  // swept parameter
	Preset  string   `json:"preset,omitempty"` // device of a sweep
	Set     []string `json:"set,omitempty"`    // --set param=v applied to every device
	Options Options  `json:"options"`          // training settings (device, out and workers cleared)
	Shard   string   `json:"shard,omitempty"`  // "i/n" of a sharded run; empty for a whole or merged one
	Items   []string `json:"items"`            // every item's label, in order, whatever the shard
	Seeds   []uint64 `json:"seeds"`            // master seeds, one run per group and seed
	Groups  []string `json:"groups"`           // devices (or sweep values), in order
	// Energy is the energy model every row is costed with (--energy-config); nil: each run's own.
	Energy *energy.Config `json:"energy,omitempty"`
	// Commit and Machine are where the rows were computed (the binary's
	// VCS revision, "+dirty" if modified; CPU model and cores).
	Commit  string `json:"commit,omitempty"`
	Machine string `json:"machine,omitempty"`
	Rows    []Row  `json:"rows"`
	// Summary, Ranking and SplitHalf are computed from Rows (see package
	// experiment): per group mean, sd and 95 % intervals, the paired
	// difference to the ideal device, and the statements the intervals allow.
	Summary      []Summary `json:"summary"`
	Ranking      []string  `json:"ranking,omitempty"`
	SplitHalf    *float64  `json:"rank_split_half_spearman,omitempty"`
	SplitHalfMin *float64  `json:"rank_split_half_spearman_min,omitempty"`
	// Uncertainty is the number of parameter draws per device (--uncertainty; 0: none).
	// Spreads gives each device's accuracy and energy over its draws, Robust which
	// statements of Ranking survive them (see Draws, Spreads, Robust).
	Uncertainty int      `json:"uncertainty_draws,omitempty"`
	Spreads     []Spread `json:"uncertainty,omitempty"`
	Robust      []string `json:"robust_ranking,omitempty"`
}

// compareKind marks compare.json as written by compare or merge.
const compareKind = "nanospike compare"

// Row is one line of the comparison table.
type Row struct {
	Index  int      `json:"index"`
	Label  string   `json:"label"`
	Group  string   `json:"group"`
	Device string   `json:"device"`
	Param  string   `json:"param,omitempty"`
	Value  *float64 `json:"value,omitempty"` // of Param
	Draw   int      `json:"draw,omitempty"`  // uncertainty draw (0: the device's nominal values)

	Accuracy float64 `json:"accuracy"`
	// AccuracyLoss is the ideal device's accuracy with the same seed minus
	// this one's, when the ideal preset is in the comparison.
	AccuracyLoss *float64 `json:"accuracy_loss_vs_ideal,omitempty"`
	// STDP's collapse diagnosis (see learning.Diagnosis): a collapsed run's
	// accuracy measures the collapse, not the device.
	Collapsed      bool     `json:"collapsed"`
	CollapseReason string   `json:"collapse_reason,omitempty"`
	TrainWinners   *int     `json:"train_winners,omitempty"`
	TestWinners    *int     `json:"test_winners,omitempty"`
	Top2Share      *float64 `json:"top2_test_win_share,omitempty"`
	Dominant       *int     `json:"dominant_neurons,omitempty"`
	Dead           *int     `json:"dead_neurons,omitempty"`

	EnergyPerInference  float64 `json:"energy_per_inference_j"`
	EnergyPerTrainImage float64 `json:"energy_per_training_image_j"`
	PulsesPerTrainImage float64 `json:"pulses_per_training_image"`
	SOPsPerInference    float64 `json:"sops_per_inference"`
	// The crossbar model's parts (energy.Breakdown): of an inference, and the programming of
	// a training image; the device-decided shares; the per-cycle view.
	CellsPerInference     float64 `json:"cells_per_inference_j"`
	WiresPerInference     float64 `json:"wires_per_inference_j"`
	PeripheryPerInference float64 `json:"periphery_per_inference_j"`
	NeuronsPerInference   float64 `json:"neurons_per_inference_j"`
	RoutingPerInference   float64 `json:"routing_per_inference_j"` // spike routing and digital synapses
	LeakagePerInference   float64 `json:"leakage_per_inference_j"`
	ClockedPerInference   float64 `json:"clocked_per_inference_j"`
	ProgramCells          float64 `json:"program_cells_per_training_image_j"`
	ProgramWires          float64 `json:"program_wires_per_training_image_j"`
	ProgramLight          float64 `json:"program_light_per_training_image_j"`
	DeviceShare           float64 `json:"device_share_inference"`
	DeviceShareTraining   float64 `json:"device_share_training"`
	TrueNorth             float64 `json:"truenorth_per_inference_j"`
	Loihi                 float64 `json:"loihi_per_inference_j"`

	States   int     `json:"states"`
	NLLTP    float64 `json:"nl_ltp"`
	NLLTD    float64 `json:"nl_ltd"`
	OnOff    float64 `json:"on_off"`
	C2C      float64 `json:"c2c_sigma"`
	D2DNL    float64 `json:"d2d_nl_sigma"`
	D2DG     float64 `json:"d2d_g_sigma"`
	ReadN    float64 `json:"read_noise"`
	StuckMin float64 `json:"stuck_min_frac"`
	StuckMax float64 `json:"stuck_max_frac"`

	// Recounted: the energy figures were recomputed from the raw counts with
	// the test pass's device reads taken from the network's counters (see
	// stdpEnergyFromCounts).
	Recounted bool `json:"inference_reads_recounted,omitempty"`

	// History is the run's learning curve (metrics.json's).
	History []curvePoint `json:"history,omitempty"`

	Rule        string `json:"rule"`
	Neurons     int    `json:"neurons"`
	Seed        uint64 `json:"seed"`
	TrainImages int    `json:"train_images"`
	TestImages  int    `json:"test_images"`

	// Wall-clock figures: they depend on the machine and its load.
	TrainSeconds    float64 `json:"train_seconds"`
	TestSeconds     float64 `json:"test_seconds"`
	TrainImagesPerS float64 `json:"train_images_per_s"`
	TestImagesPerS  float64 `json:"test_images_per_s"`
}

// runItems trains and tests the runs of items, jobs at a time, each in o.Out/<label> (skipped
// when finished, resumed from its checkpoint), and returns the failures. Each run's stderr
// lines carry its label; the lines of concurrent runs interleave whole.
func runItems(ctx context.Context, e *Log, o Options, items []Item, data *datasets.Dataset, ec *energy.Config, jobs int) []string {
	stderr := &syncWriter{w: e.W}
	var (
		mu      sync.Mutex
		failed  []string
		done    int
		trained int // runs trained or resumed here (not skipped): the ETA's pace
		start   = time.Now()
	)
	// progress is "(done/total)" and, once a run has trained, the time left at this pace.
	progress := func() string {
		p := fmt.Sprintf("(%d/%d", done, len(items))
		if left := len(items) - done; trained > 0 && left > 0 {
			eta := time.Duration(float64(time.Since(start)) / float64(trained) * float64(left))
			p += ", about " + eta.Round(time.Second).String() + " left"
		}
		return p + ")"
	}
	work := make(chan Item)
	var wg sync.WaitGroup
	for range min(jobs, max(len(items), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				pw := &prefixWriter{w: stderr, prefix: "[" + it.Label + "] "}
				sub := &Log{W: pw}
				status, err := runCompareItem(ctx, sub, o, it, data, ec)
				pw.flush()
				mu.Lock()
				done++
				if err == nil && !strings.HasPrefix(status, alreadyFinished) {
					trained++
				}
				if err != nil {
					failed = append(failed, fmt.Sprintf("%s: %v", it.Label, err))
					fmt.Fprintf(stderr, "[%s] failed: %v %s\n", it.Label, err, progress())
				} else {
					fmt.Fprintf(stderr, "[%s] %s %s\n", it.Label, status, progress())
				}
				mu.Unlock()
			}
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		work <- it
	}
	close(work)
	wg.Wait()
	return failed
}

// STDP comparisons train on CompareSTDPTrain images, label the neurons with
// CompareSTDPLabel and test on the whole test set unless told otherwise: the
// shortest length at which the length study of docs/compare.md ("How long a
// comparison must be") found no collapsed run and the same ranking from two
// disjoint sets of seeds. Backprop keeps train's defaults (one epoch of
// 60,000 images, the whole test set).
const (
	CompareSTDPTrain = 10000
	CompareSTDPLabel = 1000
)

// DefaultSeeds is compare's --seeds: three seeds give an interval (t with
// two degrees of freedom); a ranking needs them.
const (
	DefaultSeeds = 3
	MaxSeeds     = 1000
)

// WithSeeds returns one item per group and seed, group by group, labelled
// <group>-s<seed>.
func WithSeeds(groups []Item, seeds []uint64) []Item {
	var out []Item
	for _, g := range groups {
		for _, sd := range seeds {
			it := g
			it.Index, it.Group, it.Seed = len(out), g.Label, sd
			it.Label = fmt.Sprintf("%s-s%d", g.Label, sd)
			out = append(out, it)
		}
	}
	return out
}

// MaxDraws bounds --uncertainty.
const MaxDraws = 100

// WithDraws appends to items, for each device of groups with assumed ranges, k runs of
// parameter sets drawn from them (Draws, seeded by seed), labelled
// <device>-u<draw>; draw j runs with seeds[(j−1) mod len(seeds)].
func WithDraws(items, groups []Item, k int, seeds []uint64, seed uint64) ([]Item, error) {
	if k == 0 {
		return items, nil
	}
	for _, g := range groups {
		if g.DeviceParams == nil {
			continue
		}
		ds, err := Draws(g.DeviceParams, k, seed)
		if err != nil {
			return nil, err
		}
		for j, q := range ds {
			items = append(items, Item{Index: len(items), Label: fmt.Sprintf("%s-u%d", g.Label, j+1), Group: g.Label,
				Seed: seeds[j%len(seeds)], Device: g.Device, Draw: j + 1, DeviceParams: q})
		}
	}
	return items, nil
}

// ParseShard parses "i/n"; empty means the whole run (0/1).
func ParseShard(s string) (i, n int, err error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(strings.TrimSpace(a))
		if err == nil {
			n, err = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	if !ok || err != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("want i/n with 0 ≤ i < n, got %q", s)
	}
	return i, n, nil
}

// parseFinite parses a parameter value of --sweep or --set.
func parseFinite(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return v, err == nil && !math.IsNaN(v) && !math.IsInf(v, 0)
}

// applySets applies "param=v" settings to p.
func applySets(p *device.Params, sets []string) error {
	for _, kv := range sets {
		param, val, ok := strings.Cut(kv, "=")
		param = strings.TrimSpace(param)
		if !ok || !slices.Contains(SweepParams, param) {
			return fmt.Errorf("--set: want param=v with param one of %s, got %q", strings.Join(SweepParams, ", "), kv)
		}
		v, ok := parseFinite(val)
		if !ok {
			return fmt.Errorf("--set %s: %q is not a finite number", param, val)
		}
		if err := applySweep(p, param, v); err != nil {
			return fmt.Errorf("--set: %w", err)
		}
	}
	return nil
}

// CompareItems lists the runs of a comparison of devices, or of a sweep
// of one device's parameter, with the --set parameters applied to each.
func CompareItems(devices, sweep string, sets ...string) ([]Item, string, error) {
	var names []string
	if strings.TrimSpace(devices) == "all" {
		names = device.PresetNames()
	} else {
		names = SplitList(devices)
	}
	if len(names) == 0 {
		return nil, "", errors.New("--devices names no device")
	}
	var items []Item
	seen := map[string]bool{}
	for _, n := range names {
		p, err := LoadDevice(n)
		if err != nil {
			return nil, "", err
		}
		label := FloatDevice
		if p != nil {
			label = p.Name
			if _, err := device.Preset(n); err != nil { // a file: name it after the file
				label = DeviceLabel(n)
			}
		}
		if seen[label] {
			return nil, "", fmt.Errorf("--devices names %q twice", label)
		}
		seen[label] = true
		if len(sets) > 0 {
			if p == nil {
				return nil, "", fmt.Errorf("--set applies to devices, not to the float rule (%q)", n)
			}
			q := *p
			if err := applySets(&q, sets); err != nil {
				return nil, "", err
			}
			if err := q.Validate(); err != nil {
				return nil, "", fmt.Errorf("--set on %s: %w", label, err)
			}
			p = &q
		}
		items = append(items, Item{Index: len(items), Label: label, Device: n, DeviceParams: p})
	}
	if sweep == "" {
		return items, "", nil
	}
	if len(items) != 1 {
		return nil, "", fmt.Errorf("--sweep needs exactly one device in --devices, got %d", len(items))
	}
	base := items[0]
	if base.DeviceParams == nil {
		return nil, "", errors.New("--sweep needs a device, not the float rule")
	}
	param, list, ok := strings.Cut(sweep, "=")
	param = strings.TrimSpace(param)
	if !ok {
		return nil, "", fmt.Errorf("--sweep: want param=v1,v2,…, got %q", sweep)
	}
	if !slices.Contains(SweepParams, param) {
		return nil, "", fmt.Errorf("--sweep: unknown parameter %q (want one of %s)", param, strings.Join(SweepParams, ", "))
	}
	vals := SplitList(list)
	if len(vals) == 0 {
		return nil, "", fmt.Errorf("--sweep %s: no values", param)
	}
	items = items[:0]
	seenV := map[float64]bool{}
	for _, s := range vals {
		v, ok := parseFinite(s)
		if !ok {
			return nil, "", fmt.Errorf("--sweep %s: %q is not a finite number", param, s)
		}
		if seenV[v] {
			return nil, "", fmt.Errorf("--sweep %s: value %v given twice", param, v)
		}
		seenV[v] = true
		p := *base.DeviceParams
		p.Source = nil // not needed by training; keeps config.json short
		if err := applySweep(&p, param, v); err != nil {
			return nil, "", fmt.Errorf("--sweep: %w", err)
		}
		if err := p.Validate(); err != nil {
			return nil, "", fmt.Errorf("--sweep %s=%v: %w", param, v, err)
		}
		label := fmt.Sprintf("%s-%s-%s", base.Label, param, strconv.FormatFloat(v, 'g', -1, 64))
		items = append(items, Item{Index: len(items), Label: label, Device: base.Device, Param: param, Value: v, DeviceParams: &p})
	}
	return items, param, nil
}

// alreadyFinished starts the status of a run skipped because it had finished.
const alreadyFinished = "already finished"

// runCompareItem trains and tests one run in out/<label>: skipped when
// metrics.json is there, resumed when a checkpoint is. It returns a one-line
// status.
func runCompareItem(ctx context.Context, e *Log, o Options, it Item, data *datasets.Dataset, ec *energy.Config) (string, error) {
	dir := filepath.Join(o.Out, it.Label)
	o.Device, o.Out, o.Workers, o.Seed = it.Device, dir, 1, it.Seed
	want := RunConfig{Command: "nanospike " + strings.Join(os.Args[1:], " "), Options: o, Device: it.DeviceParams, Energy: energy.DefaultConfig()}
	if ec != nil {
		want.Energy = *ec
	}
	var have RunConfig
	haveCfg := ReadJSON(filepath.Join(dir, ConfigFile), &have) == nil
	if haveCfg {
		if err := sameRun(&have, &want); err != nil {
			return "", fmt.Errorf("%s holds a run with other settings (%v): delete it or use another --out", dir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, MetricsFile)); err == nil && haveCfg {
		var m Metrics
		if err := ReadJSON(filepath.Join(dir, MetricsFile), &m); err != nil {
			return "", err
		}
		return fmt.Sprintf(alreadyFinished+": accuracy %.2f %%, %s per inference (skipped)", 100*m.Accuracy, Joules(m.EnergyPerInference)), nil
	}
	resuming := false
	cfg := &want
	if _, err := os.Stat(filepath.Join(dir, CheckpointFile)); err == nil && haveCfg {
		resuming = true
		have.Options.Out, have.Options.Workers = dir, 1
		cfg = &have
	}
	start := time.Now()
	m, err := Train(ctx, e, cfg, data, resuming, true) // a run of these settings (sameRun), unfinished
	if err != nil {
		return "", err
	}
	verb := "done"
	if resuming {
		verb = "resumed and done"
	}
	return fmt.Sprintf("%s in %.0f s: accuracy %.2f %%, %s per inference, %s per training image",
		verb, time.Since(start).Seconds(), 100*m.Accuracy, Joules(m.EnergyPerInference), Joules(m.EnergyPerTrainImage)), nil
}

// sameRun reports how a stored run's settings differ from the wanted ones
// (nil: none), ignoring the folder, the evaluation workers and the command
// line.
func sameRun(have, want *RunConfig) error {
	a, b := comparableOptions(have.Options), comparableOptions(want.Options)
	if a != b {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return fmt.Errorf("options %s, wanted %s", ja, jb)
	}
	pa, _ := json.Marshal(deviceForCompare(have.Device))
	pb, _ := json.Marshal(deviceForCompare(want.Device))
	if !bytes.Equal(pa, pb) {
		return errors.New("device parameters differ")
	}
	return sameModel(have, want)
}

// sameModel reports how a stored run's model settings (the stdp or backprop section of its
// config.json) differ from those the wanted options give: defaults, or a --config file's.
func sameModel(have, want *RunConfig) error {
	var got, wanted any = have.Backprop, nil
	if want.Options.Rule == "stdp" {
		wc := want.Options.STDPConfig()
		if have.STDP != nil {
			c := *have.STDP
			c.Eval.Workers = wc.Eval.Workers // the replicas do not change a run
			got = &c
		} else {
			got = (*learning.STDPConfig)(nil)
		}
		wanted = wc
	} else if bc, err := want.Options.BackpropConfig(); err == nil {
		wanted = bc
	}
	ja, _ := json.Marshal(got)
	jb, _ := json.Marshal(wanted)
	if bytes.Equal(ja, jb) {
		return nil
	}
	if err := agreesAt(jsonTree(ja), jsonTree(jb), want.Options.Rule); err != nil {
		return err
	}
	return fmt.Errorf("%s settings differ", want.Options.Rule)
}

// comparableOptions clears the options that do not change a run's result
// (folder, evaluation workers) and those of the other rule, so runs stored
// before a rule gained options still match.
func comparableOptions(o Options) Options {
	o.Out, o.Workers, o.Model = "", 0, nil
	o.Backprop.CurveEvery, o.Backprop.CurveTest = 0, false // the curve, not the run
	if o.Rule != "backprop" {
		o.Backprop = BackpropOptions{}
	}
	return o
}

// deviceForCompare drops the fields of p that do not change a run (the
// sources of the values).
func deviceForCompare(p *device.Params) *device.Params {
	if p == nil {
		return nil
	}
	q := *p
	q.Source = nil
	return &q
}

// readCompareRow builds the table row of the finished run in dir, its energy costed with ec
// (nil: the run's own constants).
func readCompareRow(dir string, it Item, ec *energy.Config) (Row, error) {
	var m Metrics
	if err := ReadJSON(filepath.Join(dir, MetricsFile), &m); err != nil {
		return Row{}, err
	}
	var cfg RunConfig
	if err := ReadJSON(filepath.Join(dir, ConfigFile), &cfg); err != nil {
		return Row{}, err
	}
	r := Row{
		Index: it.Index, Label: it.Label, Group: it.Group, Device: it.Device, Param: it.Param, Draw: it.Draw,
		Accuracy: m.Accuracy, EnergyPerInference: m.EnergyPerInference, EnergyPerTrainImage: m.EnergyPerTrainImage,
		PulsesPerTrainImage: m.PulsesPerTrainImage, SOPsPerInference: m.SOPsPerInference,
		TrueNorth: m.Inference.TrueNorth, Loihi: m.Inference.Loihi,
		Rule: m.Rule, Neurons: m.Neurons, Seed: m.Seed, TrainImages: m.TrainImages, TestImages: m.TestImages,
		TrainSeconds: m.TrainSeconds, TestSeconds: m.TestSeconds, TrainImagesPerS: m.TrainImagesPerS, TestImagesPerS: m.TestImagesPerS,
		History: m.History,
	}
	// The figures of the run's counts costed by the present model (a run stored before it
	// keeps its own figures and has no parts).
	costs := cfg.Energy.Current()
	if ec != nil {
		costs = *ec
	}
	if inf, tr, src, ok := RecomputeEnergy(costs, &cfg, &m); ok {
		r.Recounted = src != "raw counts"
		r.setEnergy(inf, tr)
	}
	if it.Param != "" {
		v := it.Value
		r.Value = &v
	}
	if d := m.Diagnosis; d != nil {
		r.Collapsed, r.CollapseReason = d.Collapsed, d.Reason
		r.TrainWinners, r.TestWinners, r.Top2Share = &d.TrainWinners, &d.TestWinners, &d.TopShare
		r.Dominant, r.Dead = &d.Dominant, &d.Dead
	}
	if p := cfg.Device; p != nil {
		r.Device = p.Name
		r.States, r.NLLTP, r.NLLTD, r.OnOff = p.States, p.NLLTP, p.NLLTD, p.OnOff()
		r.C2C, r.D2DNL, r.D2DG, r.ReadN, r.StuckMin, r.StuckMax = p.C2C, p.D2DNL, p.D2DG, p.ReadNoise, p.StuckMin, p.StuckMax
	} else {
		r.Device = FloatDevice
	}
	return r, nil
}

// setEnergy fills r's energy figures from the per-image breakdowns of an inference and of a
// training image.
func (r *Row) setEnergy(inf, tr energy.Breakdown) {
	r.EnergyPerInference, r.EnergyPerTrainImage = inf.Inference, tr.Training
	r.SOPsPerInference, r.TrueNorth, r.Loihi = inf.SOPs, inf.TrueNorth, inf.Loihi
	r.CellsPerInference, r.WiresPerInference, r.PeripheryPerInference = inf.Cells, inf.Wires, inf.Periphery
	r.NeuronsPerInference, r.RoutingPerInference, r.LeakagePerInference = inf.Neurons, inf.Routing+inf.Digital, inf.Leakage
	r.ClockedPerInference = inf.Clocked
	r.ProgramCells, r.ProgramWires, r.ProgramLight = tr.ProgramCells, tr.ProgramWires, tr.ProgramLight
	r.DeviceShare, r.DeviceShareTraining = inf.DeviceShare, tr.DeviceShareTraining
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// prefixWriter writes whole lines to w, each starting with prefix. It is
// used by one goroutine.
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexAny(p.buf, "\n\r")
		if i < 0 {
			return len(b), nil
		}
		if i > 0 {
			line := append([]byte(p.prefix), p.buf[:i]...)
			if _, err := p.w.Write(append(line, '\n')); err != nil {
				return len(b), err
			}
		}
		p.buf = p.buf[i+1:]
	}
}

// flush writes a last unterminated line.
func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		_, _ = p.Write([]byte{'\n'})
	}
}

// compareColumns are the columns of compare.csv: the JSON names of
// compareRow's fields.
var compareColumns = []string{
	"label", "group", "device", "param", "value", "seed",
	"accuracy", "accuracy_loss_vs_ideal", "collapsed", "collapse_reason",
	"train_winners", "test_winners", "top2_test_win_share", "dominant_neurons", "dead_neurons",
	"energy_per_inference_j", "energy_per_training_image_j", "pulses_per_training_image", "sops_per_inference",
	"cells_per_inference_j", "wires_per_inference_j", "periphery_per_inference_j", "neurons_per_inference_j",
	"routing_per_inference_j", "leakage_per_inference_j", "clocked_per_inference_j",
	"program_cells_per_training_image_j", "program_wires_per_training_image_j", "program_light_per_training_image_j",
	"device_share_inference", "device_share_training",
	"truenorth_per_inference_j", "loihi_per_inference_j",
	"states", "nl_ltp", "nl_ltd", "on_off", "c2c_sigma", "d2d_nl_sigma", "d2d_g_sigma", "read_noise", "stuck_min_frac", "stuck_max_frac",
	"inference_reads_recounted", "rule", "neurons", "train_images", "test_images",
	"train_seconds", "test_seconds", "train_images_per_s", "test_images_per_s",
}

// summaryColumns are the columns of summary.csv, one line per device (or
// sweep value) over its seeds.
var summaryColumns = []string{
	"group", "device", "param", "value", "seeds", "collapsed_runs", "collapse_reason",
	"accuracy_mean", "accuracy_sd", "accuracy_ci95_lo", "accuracy_ci95_hi",
	"diff_vs_ideal_mean", "diff_vs_ideal_ci95_lo", "diff_vs_ideal_ci95_hi", "verdict_vs_ideal",
	"energy_per_inference_mean_j", "energy_per_inference_sd_j", "energy_per_training_image_mean_j", "pulses_per_training_image_mean",
	"states", "nl_ltp", "nl_ltd", "on_off", "c2c_sigma",
}

// WallColumns depend on the machine and its load, not on the seed.
var WallColumns = []string{"train_seconds", "test_seconds", "train_images_per_s", "test_images_per_s"}

// finishRows orders the rows, fills the accuracy lost against the ideal
// preset with the same seed, and summarises the groups over the seeds.
func finishRows(cf *Comparison) {
	slices.SortFunc(cf.Rows, func(a, b Row) int { return a.Index - b.Index })
	ideal := map[uint64]float64{}
	for _, r := range cf.Rows {
		if r.Device == "ideal" && r.Param == "" && r.Draw == 0 {
			ideal[r.Seed] = r.Accuracy
		}
	}
	var runs, drawn []Run
	for i, r := range cf.Rows {
		cf.Rows[i].AccuracyLoss = nil
		if a, ok := ideal[r.Seed]; ok {
			d := a - r.Accuracy
			cf.Rows[i].AccuracyLoss = &d
		}
		run := Run{Group: r.Group, Seed: r.Seed, Accuracy: r.Accuracy, Energy: r.EnergyPerInference,
			Collapsed: r.Collapsed, Reason: r.CollapseReason}
		if r.Draw > 0 {
			drawn = append(drawn, run)
		} else {
			runs = append(runs, run)
		}
	}
	ref := ""
	if cf.Sweep == "" && len(ideal) > 0 {
		ref = idealGroup(cf)
	}
	cf.Summary = Summarize(runs, cf.Groups, ref)
	cf.Ranking = nil
	if cf.Sweep == "" {
		cf.Ranking = Ranking(cf.Summary, runs)
	}
	cf.SplitHalf, cf.SplitHalfMin = nil, nil
	if r, lo := SplitHalf(runs, cf.Groups); !math.IsNaN(r) {
		cf.SplitHalf, cf.SplitHalfMin = &r, &lo
	}
	cf.Spreads, cf.Robust = nil, nil
	if len(drawn) > 0 {
		cf.Spreads = Spreads(drawn, runs, cf.Summary, cf.Groups, ref)
		cf.Robust = Robust(cf.Summary, cf.Spreads, cf.Ranking)
	}
}

// idealGroup is the group of the ideal preset in cf ("" if none).
func idealGroup(cf *Comparison) string {
	for _, r := range cf.Rows {
		if r.Device == "ideal" && r.Param == "" && r.Draw == 0 {
			return r.Group
		}
	}
	return ""
}

// groupRows returns the rows of group g at its nominal values (no uncertainty draws).
func groupRows(cf *Comparison, g string) []Row {
	var out []Row
	for _, r := range cf.Rows {
		if r.Group == g && r.Draw == 0 {
			out = append(out, r)
		}
	}
	return out
}

// WriteCompareOutputs writes compare.json, compare.csv, summary.csv,
// compare.md and the plots of cf into dir.
func WriteCompareOutputs(dir string, cf *Comparison) error {
	finishRows(cf)
	if err := WriteJSON(filepath.Join(dir, CompareJSON), cf); err != nil {
		return err
	}
	table, err := compareTable(cf.Rows)
	if err != nil {
		return err
	}
	if err := writeCSVAtomic(filepath.Join(dir, CompareCSV), table); err != nil {
		return err
	}
	if err := writeCSVAtomic(filepath.Join(dir, SummaryCSV), summaryTable(cf)); err != nil {
		return err
	}
	md := compareMarkdown(cf)
	if t := energyTable(cf); t != "" {
		md += "\nEnergy by part (per image, mean over seeds; docs/energy.md says what each part is):\n\n" + t
	}
	if err := WriteFileAtomic(filepath.Join(dir, CompareMD), []byte(md)); err != nil {
		return err
	}
	return comparePlots(dir, cf)
}

// compareTable returns the rows as strings under the header compareColumns;
// numbers in the shortest form that reads back exactly, absent values empty.
func compareTable(rows []Row) ([][]string, error) {
	out := [][]string{compareColumns}
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, err
		}
		line := make([]string, len(compareColumns))
		for j, c := range compareColumns {
			switch v := m[c].(type) {
			case nil:
			case json.Number:
				line[j] = v.String()
			case string:
				line[j] = v
			case bool:
				line[j] = strconv.FormatBool(v)
			default:
				panic(fmt.Sprintf("nanospike: compare column %s has type %T", c, v))
			}
		}
		out = append(out, line)
	}
	return out, nil
}

// num formats v in the shortest form that reads back exactly; NaN empty.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// summaryTable returns summary.csv: one line per group.
func summaryTable(cf *Comparison) [][]string {
	out := [][]string{summaryColumns}
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		r := rows[0]
		var seeds []string
		for _, k := range s.Seeds {
			seeds = append(seeds, strconv.FormatUint(k, 10))
		}
		d := Stat{Mean: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
		if s.VsRef != nil {
			d = *s.VsRef
		}
		var eTrain, pulses []float64
		for _, x := range rows {
			eTrain = append(eTrain, x.EnergyPerTrainImage)
			pulses = append(pulses, x.PulsesPerTrainImage)
		}
		val := ""
		if r.Value != nil {
			val = num(*r.Value)
		}
		line := []string{s.Group, r.Device, r.Param, val, strings.Join(seeds, " "), strconv.Itoa(s.Collapsed), s.Reason,
			num(s.Accuracy.Mean), num(s.Accuracy.SD), num(s.Accuracy.Lo), num(s.Accuracy.Hi),
			num(d.Mean), num(d.Lo), num(d.Hi), s.Verdict,
			num(s.Energy.Mean), num(s.Energy.SD), num(Describe(eTrain).Mean), num(Describe(pulses).Mean)}
		if r.Device == FloatDevice {
			line = append(line, "", "", "", "", "")
		} else {
			line = append(line, strconv.Itoa(r.States), num(r.NLLTP), num(r.NLLTD), num(r.OnOff), num(r.C2C))
		}
		out = append(out, line)
	}
	return out
}

// writeCSVAtomic writes rows as CSV to path, atomically.
func writeCSVAtomic(path string, rows [][]string) error {
	var b bytes.Buffer
	if err := plots.WriteTable(&b, rows); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFileAtomic(path, b.Bytes())
}

// schemeLine names how the runs program their devices: what a reader
// must know to interpret every table.
func schemeLine(cf *Comparison) string {
	if cf.Rule == "backprop" {
		b := cf.Options.Backprop
		u := b.Update
		what := map[string]string{
			"accumulate": "a digital buffer accumulates the gradient and the device is programmed only when it reaches a whole pulse",
			"round":      "NeuroSim's direct rule: each update rounded to whole pulses",
			"stochastic": "each update a whole number of pulses, the fraction applied with its probability",
			"exact":      "the exact update, no pulses",
		}[u]
		if what != "" {
			what = ": " + what
		}
		return fmt.Sprintf("update %s%s", u, what)
	}
	switch cmp.Or(cf.Options.Programming, learning.ProgrammingNominal) {
	case learning.ProgrammingModel:
		return "programming model: the pulse count that moves the device's own curve by Δw"
	default:
		return "programming nominal: NeuroSim's open loop, Δw/Wmax·Pmax pulses"
	}
}

// seedsText lists seeds compactly ("1–3" for a run of consecutive ones).
func seedsText(seeds []uint64) string {
	if len(seeds) == 0 {
		return "none"
	}
	consecutive := true
	for i := 1; i < len(seeds); i++ {
		consecutive = consecutive && seeds[i] == seeds[i-1]+1
	}
	if consecutive && len(seeds) > 2 {
		return fmt.Sprintf("%d–%d", seeds[0], seeds[len(seeds)-1])
	}
	var s []string
	for _, k := range seeds {
		s = append(s, strconv.FormatUint(k, 10))
	}
	return strings.Join(s, ", ")
}

// settingsLine describes the training settings of cf in words.
func settingsLine(cf *Comparison) string {
	o := cf.Options
	imgs := func(n int, all string) string {
		if n == 0 {
			return all
		}
		return strconv.Itoa(n)
	}
	label := o.LabelSamples
	if label == 0 {
		label = min(o.TrainSamples, 10000)
		if o.TrainSamples == 0 {
			label = 10000
		}
	}
	s := fmt.Sprintf("stdp, %d neurons, %s training images × %d epoch(s), %d labelling images, %s test images, %s, seeds %s",
		o.Neurons, imgs(o.TrainSamples, "60000"), o.Epochs, label, imgs(o.TestSamples, "10000"), schemeLine(cf), seedsText(cf.Seeds))
	if cf.Rule == "backprop" {
		b := o.Backprop
		s = fmt.Sprintf("backprop, 784-%s-10, T = %d, %s training images × %d epoch(s), %s test images, mode %s, %s, seeds %s",
			strings.ReplaceAll(b.Hidden, ",", "-"), b.Steps, imgs(o.TrainSamples, "60000"), o.Epochs,
			imgs(o.TestSamples, "10000"), cmp.Or(b.Mode, "insitu"), schemeLine(cf), seedsText(cf.Seeds))
	}
	if len(cf.Set) > 0 {
		s += "; " + strings.Join(cf.Set, ", ") + " for every device"
	}
	if cf.Sweep != "" {
		s += fmt.Sprintf("; sweep of %s on %s", cf.Sweep, cf.Preset)
	}
	return s
}

// pct formats a fraction as a percentage with two decimals.
func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", 100*v)
}

// accuracyCell is a group's accuracy: mean ± sd, or marked collapsed.
func accuracyCell(s Summary) string {
	c := pct(s.Accuracy.Mean)
	if !math.IsNaN(s.Accuracy.SD) {
		c += " ± " + pct(s.Accuracy.SD)
	}
	if s.Collapsed > 0 {
		c = fmt.Sprintf("collapsed %d/%d (%s)", s.Collapsed, s.Accuracy.N, c)
	}
	return c
}

// intervalCell is "[lo, hi]" in percent, signed if signed.
func intervalCell(st Stat, signed bool) string {
	if math.IsNaN(st.Lo) {
		return "–"
	}
	f := "[%.2f, %.2f]"
	if signed {
		f = "[%+.2f, %+.2f]"
	}
	return fmt.Sprintf(f, 100*st.Lo, 100*st.Hi)
}

// verdictCell words a verdict against the ideal device.
func verdictCell(v string) string {
	switch v {
	case VerdictAbove:
		return "above ideal"
	case VerdictBelow:
		return "below ideal"
	case VerdictReference:
		return "reference"
	case "":
		return "–"
	}
	return v
}

// compareMarkdown returns compare.md: the settings, the table over the
// seeds, the ranking the intervals allow and the collapses, as markdown.
// It depends on cf alone: `nanospike report` regenerates it from records.
func compareMarkdown(cf *Comparison) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n\n", settingsLine(cf))
	hasRef := false
	for _, s := range cf.Summary {
		hasRef = hasRef || s.Verdict != ""
	}
	first := "device"
	if cf.Sweep != "" {
		first = cf.Sweep
	}
	head := []string{first, "accuracy (%), mean ± sd", "95 % CI"}
	if hasRef {
		head = append(head, "Δ vs ideal (pp, paired)", "95 % CI", "vs ideal")
	}
	head = append(head, "energy / inference", "pulses / training image", "states", "NL LTP/LTD", "on/off", "C2C σ")
	fmt.Fprintf(&b, "| %s |\n| :--- |%s\n", strings.Join(head, " | "), strings.Repeat(" ---: |", len(head)-1))
	var collapsed []string
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		r := rows[0]
		name := s.Group
		if r.Value != nil {
			name = strconv.FormatFloat(*r.Value, 'g', -1, 64)
		}
		cells := []string{name, accuracyCell(s), intervalCell(s.Accuracy, false)}
		if hasRef {
			if s.VsRef != nil {
				cells = append(cells, fmt.Sprintf("%+.2f", 100*s.VsRef.Mean), intervalCell(*s.VsRef, true))
			} else {
				cells = append(cells, "–", "–")
			}
			cells = append(cells, verdictCell(s.Verdict))
		}
		var pulses []float64
		for _, x := range rows {
			pulses = append(pulses, x.PulsesPerTrainImage)
		}
		cells = append(cells, Joules(s.Energy.Mean), fmt.Sprintf("%.0f", Describe(pulses).Mean))
		if r.Device == FloatDevice {
			cells = append(cells, "–", "–", "–", "–")
		} else {
			cells = append(cells, strconv.Itoa(r.States), fmt.Sprintf("%.2f/%.2f", r.NLLTP, r.NLLTD), fmt.Sprintf("%.3g", r.OnOff), fmt.Sprintf("%.3g", r.C2C))
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		if s.Collapsed > 0 {
			collapsed = append(collapsed, fmt.Sprintf("%s (%d of %d seeds: %s)", name, s.Collapsed, s.Accuracy.N, s.Reason))
		}
	}
	if len(collapsed) > 0 {
		fmt.Fprintf(&b, "\nCollapsed (learning did not form a code; the accuracy measures the collapse, not the device): %s.\n", strings.Join(collapsed, "; "))
	}
	if len(cf.Ranking) > 0 {
		fmt.Fprintf(&b, "\nRanking by mean accuracy, neighbours compared by their paired difference over the seeds (95 %% intervals, not corrected for multiple comparisons):\n\n")
		for _, l := range cf.Ranking {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	if cf.SplitHalf != nil {
		fmt.Fprintf(&b, "\nRank stability: Spearman correlation %.2f (lowest %.2f) between the devices' mean accuracies over one half of the seeds and the other, averaged over every split of the seeds in two.\n", *cf.SplitHalf, *cf.SplitHalfMin)
	}
	if n := recounted(cf.Rows); n > 0 {
		fmt.Fprintf(&b, "\nEnergy of %d of %d runs recomputed from their raw counts%s.\n", n, len(cf.Rows), RecountNote)
	}
	b.WriteString(uncertaintyMarkdown(cf))
	return b.String()
}

// uncertaintyMarkdown is compare.md's section on the parameter draws ("" without them).
func uncertaintyMarkdown(cf *Comparison) string {
	if len(cf.Spreads) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nUncertainty of the presets: %d draws per device of its assumed learning parameters from their plausible ranges "+
		"(Latin hypercube; draw k trains with the k-th seed, so a draw's spread holds seed noise too). "+
		"Devices whose parameters are all sourced have no draws.\n\n", cf.Uncertainty)
	b.WriteString("| device | accuracy over draws (%), min – max | mean | Δ vs ideal (pp), min – max | verdict under the draws | energy / inference, min – max | collapsed draws |\n")
	b.WriteString("| :--- | ---: | ---: | ---: | :--- | ---: | ---: |\n")
	for _, s := range cf.Spreads {
		d, v := "–", s.Verdict
		if s.VsRefMin != nil {
			d = fmt.Sprintf("%+.2f – %+.2f", 100**s.VsRefMin, 100**s.VsRefMax)
		}
		if v == "" {
			v = "–"
		}
		fmt.Fprintf(&b, "| %s | %.2f – %.2f | %.2f | %s | %s | %s – %s | %d |\n", s.Group, 100*s.AccuracyMin, 100*s.AccuracyMax,
			100*s.AccuracyMean, d, v, Joules(s.EnergyMin), Joules(s.EnergyMax), s.Collapsed)
	}
	if len(cf.Robust) > 0 {
		b.WriteString("\nThe ranking's separations under the draws (a device with no draws counts at its nominal mean):\n\n")
		for _, l := range cf.Robust {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	return b.String()
}

// recounted returns the number of rows whose energy was recomputed.
func recounted(rows []Row) int {
	n := 0
	for _, r := range rows {
		if r.Recounted {
			n++
		}
	}
	return n
}

// plotTitle is the title of cf's plots: the settings, shortened.
func plotTitle(cf *Comparison) string {
	title := settingsLine(cf)
	if len(title) <= 90 {
		return title
	}
	title = fmt.Sprintf("stdp, %d neurons, %s", cf.Options.Neurons, cmp.Or(cf.Options.Programming, learning.ProgrammingNominal)+" programming")
	if cf.Rule == "backprop" {
		title = "backprop, 784-" + strings.ReplaceAll(cf.Options.Backprop.Hidden, ",", "-") + "-10, update " + cf.Options.Backprop.Update
	}
	title += fmt.Sprintf(", %d seeds", len(cf.Seeds))
	if len(cf.Set) > 0 {
		title += ", " + strings.Join(cf.Set, ", ")
	}
	if cf.Sweep != "" {
		title += ", " + cf.Preset
	}
	return title
}

// comparePlots writes accuracy per device (bars with 95 % intervals,
// collapsed devices in red), accuracy against energy per inference
// (scatter, log x, intervals, collapsed as red crosses) and, for a sweep,
// accuracy against the swept parameter, each as PNG and SVG.
func comparePlots(dir string, cf *Comparison) error {
	title := plotTitle(cf)
	var bars []plots.Bar
	var pts []plots.Point
	var xs, ys []float64
	for _, s := range cf.Summary {
		r := groupRows(cf, s.Group)[0]
		name := s.Group
		if r.Value != nil {
			name = strconv.FormatFloat(*r.Value, 'g', -1, 64)
			xs = append(xs, *r.Value)
			ys = append(ys, 100*s.Accuracy.Mean)
		}
		flag := s.Collapsed > 0
		label := name
		if flag {
			label += " (collapsed)"
		}
		bars = append(bars, plots.Bar{Label: label, Value: 100 * s.Accuracy.Mean, Lo: 100 * s.Accuracy.Lo, Hi: 100 * s.Accuracy.Hi, Flagged: flag})
		pts = append(pts, plots.Point{X: s.Energy.Mean, Y: 100 * s.Accuracy.Mean, Label: label, Lo: 100 * s.Accuracy.Lo, Hi: 100 * s.Accuracy.Hi, Flagged: flag})
	}
	// Scatter labels the points in order where there is room (coincident points share one
	// label, named in its caption): the most accurate first.
	slices.SortStableFunc(pts, func(a, b plots.Point) int { return cmp.Compare(b.Y, a.Y) })
	infParts, infStacks, trParts, trStacks := energyStacks(cf)
	curves := groupCurves(cf)
	for _, ext := range []string{".png", ".svg"} {
		if len(curves) > 0 {
			ylabel := "running training accuracy (%), mean over seeds"
			if cf.Rule == "backprop" {
				ylabel = "test accuracy after each epoch (%), mean over seeds"
			}
			f := plots.Figure{Title: title, XLabel: "training images", YLabel: ylabel}
			if err := f.Lines(filepath.Join(dir, "curves"+ext), curves...); err != nil {
				return err
			}
		}
		if len(infStacks) > 0 {
			f := plots.Figure{Title: title, YLabel: "energy per inference (µJ), mean over seeds"}
			if err := f.Stacked(filepath.Join(dir, "energy-inference"+ext), infParts, infStacks...); err != nil {
				return err
			}
			f.YLabel = "share of the energy per training image (%)"
			if err := f.Stacked(filepath.Join(dir, "energy-training"+ext), trParts, trStacks...); err != nil {
				return err
			}
		}
		f := plots.Figure{Title: title, YLabel: "test accuracy (%), mean and 95 % CI"}
		if err := f.Bars(filepath.Join(dir, "accuracy"+ext), bars...); err != nil {
			return err
		}
		f.XLabel, f.LogX = "energy per inference (J)", true
		if err := f.Scatter(filepath.Join(dir, "accuracy-vs-energy"+ext), pts...); err != nil {
			return err
		}
		if cf.Sweep != "" {
			f.XLabel, f.LogX = cf.Sweep, cf.Sweep == "states"
			s := plots.Series{Name: cf.Preset, X: xs, Y: ys, Style: plots.LinePoints}
			if err := f.Lines(filepath.Join(dir, "accuracy-vs-"+cf.Sweep+ext), s); err != nil {
				return err
			}
		}
	}
	return nil
}

// energyStacks returns the stacked bars of the energy breakdown per group (mean over its
// seeds): of an inference by part (µJ), and of a training image as shares (%) of the
// network's part, the programming of the cells and bit lines, and the light. Runs stored before the crossbar model
// have no parts; then there are no stacks.
func energyStacks(cf *Comparison) (infParts []string, inf []plots.Stack, trParts []string, tr []plots.Stack) {
	infParts = []string{"device: cells + word lines", "periphery", "neuron circuits", "spike routing + digital synapses", "leakage"}
	trParts = []string{"network (as an inference)", "programming: cells + bit lines", "programming: light"}
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		var a [8]float64
		for _, r := range rows {
			if r.CellsPerInference+r.PeripheryPerInference+r.NeuronsPerInference+r.LeakagePerInference == 0 {
				return nil, nil, nil, nil
			}
			prog := r.ProgramCells + r.ProgramWires + r.ProgramLight
			for k, v := range []float64{r.CellsPerInference + r.WiresPerInference, r.PeripheryPerInference, r.NeuronsPerInference,
				r.RoutingPerInference, r.LeakagePerInference,
				r.EnergyPerTrainImage - prog, r.ProgramCells + r.ProgramWires, r.ProgramLight} {
				a[k] += 1e6 * v / float64(len(rows))
			}
		}
		label := s.Group
		if r := rows[0]; r.Value != nil {
			label = strconv.FormatFloat(*r.Value, 'g', -1, 64)
		}
		inf = append(inf, plots.Stack{Label: label, Values: append([]float64(nil), a[:5]...)})
		// Training energies span orders of magnitude between devices (programming): shares,
		// with the total in the label.
		total := a[5] + a[6] + a[7]
		shares := []float64{a[5], a[6], a[7]}
		for k := range shares {
			if total > 0 {
				shares[k] *= 100 / total
			}
		}
		tr = append(tr, plots.Stack{Label: label + " (" + Joules(total*1e-6) + ")", Values: shares})
	}
	return infParts, inf, trParts, tr
}

// groupCurves returns each group's learning curve, the mean over its seeds at each point:
// backprop's test accuracy per epoch where the runs have it, else the training curve (STDP's
// running accuracy). A group whose runs' points differ is left out.
func groupCurves(cf *Comparison) []plots.Series {
	var out []plots.Series
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		var mean plots.Series
		ok := true
		for _, r := range rows {
			ser := curveSeries(r.History)
			if len(ser) == 0 {
				ok = false
				break
			}
			c := ser[len(ser)-1] // the test curve where there is one
			if mean.X == nil {
				mean.X, mean.Y = slices.Clone(c.X), make([]float64, len(c.X))
			}
			if !slices.Equal(mean.X, c.X) {
				ok = false
				break
			}
			for i, y := range c.Y {
				mean.Y[i] += y / float64(len(rows))
			}
		}
		if ok && len(mean.X) > 0 {
			mean.Name = s.Group
			if len(mean.X) < 8 {
				mean.Style = plots.LinePoints
			}
			out = append(out, mean)
		}
	}
	return out
}

// CompareSpec is a comparison of devices, or a sweep of one device's parameter: its runs
// (CompareItems, WithSeeds, WithDraws), and how to run them.
type CompareSpec struct {
	Options Options        // the training settings; Out is the folder of the runs and tables
	Groups  []Item         // the devices (or sweep values) compared
	Items   []Item         // every run of every shard, in order
	Param   string         // the swept parameter ("" for a comparison of devices)
	Sets    []string       // --set param=v applied to every device
	Seeds   []uint64       // master seeds, one run per group and seed
	Draws   int            // uncertainty draws per device
	Energy  *energy.Config // the constants every row is costed with; nil: each run's own
	Shard   string         // "i/n": run only the items k with k mod n = i ("": all)
	Jobs    int            // runs trained at once
	Commit  string         // where the record is computed
	Machine string
}

// Compare trains the runs of spec's shard that are not finished, Jobs at a time, and returns
// the record of the shard's finished runs (those found finished included). When it holds
// rows, compare.json/csv/md, summary.csv and the plots are written to spec.Options.Out. The
// record comes with an error when runs failed or ctx was cancelled.
func Compare(ctx context.Context, lg *Log, spec CompareSpec, data *datasets.Dataset) (*Comparison, error) {
	o, ec, groups, items, param, sets, seedList, draws, jobs, out := spec.Options, spec.Energy, spec.Groups, spec.Items, spec.Param, spec.Sets, spec.Seeds, spec.Draws, spec.Jobs, spec.Options.Out
	si, sn, err := ParseShard(spec.Shard)
	if err != nil {
		return nil, usagef("--shard: %v", err)
	}
	cf := Comparison{Version: compareVersion, Kind: compareKind, Energy: ec, Rule: o.Rule, Sweep: param, Set: sets, Options: o, Seeds: seedList,
		Uncertainty: draws}
	for _, g := range groups {
		cf.Groups = append(cf.Groups, g.Label)
	}
	cf.Commit, cf.Machine = spec.Commit, spec.Machine
	cf.Command = commandLine()
	cf.Options.Device, cf.Options.Out, cf.Options.Workers = "", "", 0
	if param != "" {
		cf.Preset = items[0].Device
	}
	if sn > 1 {
		cf.Shard = spec.Shard
	}
	for _, it := range items {
		cf.Items = append(cf.Items, it.Label)
	}
	var mine []Item
	for _, it := range items {
		if it.Index%sn == si {
			mine = append(mine, it)
		}
	}
	fmt.Fprintf(lg.W, "compare: %d of %d runs in %s, %d at a time\n", len(mine), len(items), out, jobs)

	failed := runItems(ctx, lg, o, mine, data, ec, jobs)

	// The table holds this shard's finished runs, those skipped included.
	for _, it := range mine {
		row, err := readCompareRow(filepath.Join(out, it.Label), it, ec)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		cf.Rows = append(cf.Rows, row)
	}
	if len(cf.Rows) > 0 {
		if err := WriteCompareOutputs(out, &cf); err != nil {
			return nil, err
		}
	}
	if ctx.Err() != nil {
		return &cf, fmt.Errorf("interrupted: finished runs are kept, unfinished ones have checkpoints; rerun the same command to continue")
	}
	if len(failed) > 0 {
		return &cf, fmt.Errorf("%d of %d runs failed:\n  %s", len(failed), len(mine), strings.Join(failed, "\n  "))
	}
	return &cf, nil
}

// PrintTable prints the summary table to w.
func PrintTable(w io.Writer, cf *Comparison) {
	fmt.Fprintln(w, settingsLine(cf))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "device\taccuracy % (mean ± sd)\t95% CI\tΔ vs ideal (paired)\tvs ideal\tE/inference\tstates\tNL LTP/LTD\ton/off\t")
	for _, s := range cf.Summary {
		r := groupRows(cf, s.Group)[0]
		d := "–"
		if s.VsRef != nil {
			d = fmt.Sprintf("%+.2f pp %s", 100*s.VsRef.Mean, intervalCell(*s.VsRef, true))
		}
		dev := "–\t–\t–"
		if r.Device != FloatDevice {
			dev = fmt.Sprintf("%d\t%.2f/%.2f\t%.3g", r.States, r.NLLTP, r.NLLTD, r.OnOff)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Group, accuracyCell(s), intervalCell(s.Accuracy, false), d,
			verdictCell(s.Verdict), Joules(s.Energy.Mean), dev)
	}
	tw.Flush()
	for _, s := range cf.Spreads {
		d := ""
		if s.VsRefMin != nil {
			d = fmt.Sprintf(", Δ vs ideal %+.2f…%+.2f pp: %s", 100**s.VsRefMin, 100**s.VsRefMax, s.Verdict)
		}
		fmt.Fprintf(w, "uncertainty: %s over %d draws %.2f–%.2f %%%s\n", s.Group, s.Draws, 100*s.AccuracyMin, 100*s.AccuracyMax, d)
	}
	for _, s := range cf.Summary {
		if s.Collapsed > 0 {
			fmt.Fprintf(w, "collapsed: %s, %d of %d seeds (%s)\n", s.Group, s.Collapsed, s.Accuracy.N, s.Reason)
		}
	}
	for _, l := range cf.Ranking {
		fmt.Fprintln(w, "ranking: "+l)
	}
	if n := recounted(cf.Rows); n > 0 {
		fmt.Fprintf(w, "energy of %d of %d runs recomputed from their raw counts%s\n", n, len(cf.Rows), RecountNote)
	}
}

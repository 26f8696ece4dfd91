package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
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
)

func init() {
	register(&command{name: "compare", summary: "train and test several devices (or one device's parameter sweep) and tabulate accuracy and energy", run: runCompare})
}

// compareFileName and the other names are the outputs of compare and merge
// in --out.
const (
	compareJSON = "compare.json"
	compareCSV  = "compare.csv"
	compareMD   = "compare.md"
	metricsFile = "metrics.json"
	configFile  = "config.json"
)

// sweepParams are the device parameters --sweep accepts, in the order of
// the usage text.
var sweepParams = []string{"states", "nl", "c2c", "d2d", "stuck", "read_noise"}

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
		return fmt.Errorf("unknown sweep parameter %q (want one of %s)", param, strings.Join(sweepParams, ", "))
	}
	return nil
}

// compareItem is one run of a compare or sweep.
type compareItem struct {
	Index  int     // position in the full (unsharded) list
	Label  string  // folder under --out
	Device string  // --device value of the run: a preset name, a file or "float"
	Param  string  // swept parameter ("" for a device comparison)
	Value  float64 // its value
	params *device.Params
}

// compareFile is DIR/compare.json: the settings, the full list of items
// (all shards) and the rows of the finished ones.
type compareFile struct {
	Rule    string       `json:"rule"`
	Sweep   string       `json:"sweep,omitempty"`  // swept parameter
	Preset  string       `json:"preset,omitempty"` // device of a sweep
	Set     []string     `json:"set,omitempty"`    // --set param=v applied to every device
	Options trainOptions `json:"options"`          // training settings (device, out and workers cleared)
	Shard   string       `json:"shard,omitempty"`  // "i/n" of a sharded run; empty for a whole or merged one
	Items   []string     `json:"items"`            // every item's label, in order, whatever the shard
	Rows    []compareRow `json:"rows"`
}

// compareRow is one line of the comparison table.
type compareRow struct {
	Index  int      `json:"index"`
	Label  string   `json:"label"`
	Device string   `json:"device"`
	Param  string   `json:"param,omitempty"`
	Value  *float64 `json:"value,omitempty"` // of Param

	Accuracy float64 `json:"accuracy"`
	// AccuracyLoss is the ideal device's accuracy minus this one's, when the
	// ideal preset is in the comparison.
	AccuracyLoss        *float64 `json:"accuracy_loss_vs_ideal,omitempty"`
	EnergyPerInference  float64  `json:"energy_per_inference_j"`
	EnergyPerTrainImage float64  `json:"energy_per_training_image_j"`
	PulsesPerTrainImage float64  `json:"pulses_per_training_image"`
	SOPsPerInference    float64  `json:"sops_per_inference"`
	ReadPerInference    float64  `json:"read_per_inference_j"`
	NeuronPerInference  float64  `json:"neuron_per_inference_j"`
	ProgramPerTrainImg  float64  `json:"program_per_training_image_j"`
	TrueNorth           float64  `json:"truenorth_per_inference_j"`
	Loihi               float64  `json:"loihi_per_inference_j"`

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

func runCompare(ctx context.Context, e *env, args []string) error {
	fs := e.flags("compare", "compare [--rule stdp|backprop] --devices all|a,b,c [--sweep param=v1,v2,…] [--shard i/n] [--jobs J] [training flags] [--out DIR]")
	var o trainOptions
	registerTrainFlags(fs, &o)
	var devices, sweep, shard string
	var sets setList
	var jobs int
	fs.StringVar(&devices, "devices", "all", "devices to compare: \"all\" (every preset), or a comma-separated list of preset names, device JSON files and \"float\"")
	fs.StringVar(&sweep, "sweep", "", "sweep one parameter of the one device in --devices: param=v1,v2,… with param one of "+strings.Join(sweepParams, ", ")+
		" (nl sets nl_ltp=v, nl_ltd=−v; d2d sets both device-to-device σ; stuck=f puts f/2 at Gmin and f/2 at Gmax)")
	fs.Var(&sets, "set", "fix a device parameter for every run, param=v (repeatable; the parameters of --sweep), e.g. --set c2c=0 to see quantisation alone")
	fs.StringVar(&shard, "shard", "", "run only part i of n (0 ≤ i < n): item k belongs to part k mod n; join the parts with nanospike merge")
	fs.IntVar(&jobs, "jobs", 0, "runs trained at once, each on one core (0: GOMAXPROCS)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usagef("unexpected argument %q", fs.Arg(0))
	}
	si, sn, err := parseShard(shard)
	if err != nil {
		return e.usagef("--shard: %v", err)
	}
	if jobs < 0 {
		return e.usagef("--jobs must be ≥ 0, got %d", jobs)
	}
	if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	items, param, err := compareItems(devices, sweep, sets...)
	if err != nil {
		return e.usagef("%v", err)
	}
	o.Device = items[0].Device
	if err := o.validate(e); err != nil {
		return err
	}
	if o.Out == "" {
		if param != "" {
			o.Out = filepath.Join("runs", fmt.Sprintf("sweep-%s-%s-%s-n%d", o.Rule, deviceLabel(items[0].Device), param, o.Neurons))
		} else {
			o.Out = filepath.Join("runs", fmt.Sprintf("compare-%s-n%d", o.Rule, o.Neurons))
		}
	}
	out := o.Out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	cf := compareFile{Rule: o.Rule, Sweep: param, Set: sets, Options: o}
	cf.Options.Device, cf.Options.Out, cf.Options.Workers = "", "", 0
	if param != "" {
		cf.Preset = items[0].Device
	}
	if sn > 1 {
		cf.Shard = shard
	}
	for _, it := range items {
		cf.Items = append(cf.Items, it.Label)
	}
	var mine []compareItem
	for _, it := range items {
		if it.Index%sn == si {
			mine = append(mine, it)
		}
	}
	data, err := loadData(o.Data)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "compare: %d of %d runs in %s, %d at a time\n", len(mine), len(items), out, jobs)

	// Each run gets its own stderr that prefixes its lines with its label;
	// the lines of concurrent runs interleave whole.
	stderr := &syncWriter{w: e.stderr}
	var (
		mu     sync.Mutex
		failed []string
		done   int
	)
	work := make(chan compareItem)
	var wg sync.WaitGroup
	for range min(jobs, max(len(mine), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				pw := &prefixWriter{w: stderr, prefix: "[" + it.Label + "] "}
				sub := &env{stdout: io.Discard, stderr: pw, tty: false}
				status, err := runCompareItem(ctx, sub, o, it, data)
				pw.flush()
				mu.Lock()
				done++
				if err != nil {
					failed = append(failed, fmt.Sprintf("%s: %v", it.Label, err))
					fmt.Fprintf(stderr, "[%s] failed: %v (%d/%d)\n", it.Label, err, done, len(mine))
				} else {
					fmt.Fprintf(stderr, "[%s] %s (%d/%d)\n", it.Label, status, done, len(mine))
				}
				mu.Unlock()
			}
		}()
	}
	for _, it := range mine {
		if ctx.Err() != nil {
			break
		}
		work <- it
	}
	close(work)
	wg.Wait()

	// The table holds this shard's finished runs, those skipped included.
	for _, it := range mine {
		row, err := readCompareRow(filepath.Join(out, it.Label), it)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		cf.Rows = append(cf.Rows, row)
	}
	if len(cf.Rows) > 0 {
		if err := writeCompareOutputs(out, &cf); err != nil {
			return err
		}
		printCompareTable(e.stdout, &cf)
		fmt.Fprintf(e.stdout, "\nresults in %s (%s, %s, %s, plots)\n", out, compareCSV, compareJSON, compareMD)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: finished runs are kept, unfinished ones have checkpoints; rerun the same command to continue")
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d runs failed:\n  %s", len(failed), len(mine), strings.Join(failed, "\n  "))
	}
	return nil
}

// registerTrainFlags adds train's flags to fs except --device (compare has
// --devices) and --workers (each run evaluates on one core).
func registerTrainFlags(fs *flag.FlagSet, o *trainOptions) {
	scratch := flag.NewFlagSet("train", flag.ContinueOnError)
	o.register(scratch)
	scratch.VisitAll(func(f *flag.Flag) {
		switch f.Name {
		case "device", "workers":
			return
		case "out":
			f.Usage = "output folder: one sub-folder per run plus the tables and plots (default runs/compare-<rule>-n<neurons> or runs/sweep-…)"
		}
		fs.Var(f.Value, f.Name, f.Usage)
	})
}

// parseShard parses "i/n"; empty means the whole run (0/1).
func parseShard(s string) (i, n int, err error) {
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

// compareItems lists the runs of a comparison of devices, or of a sweep,
// in their fixed order.
// setList is the value of the repeatable --set flag.
type setList []string

func (s *setList) String() string { return strings.Join(*s, " ") }
func (s *setList) Set(v string) error {
	*s = append(*s, strings.TrimSpace(v))
	return nil
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
		if !ok || !slices.Contains(sweepParams, param) {
			return fmt.Errorf("--set: want param=v with param one of %s, got %q", strings.Join(sweepParams, ", "), kv)
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

// compareItems lists the runs of a comparison of devices, or of a sweep
// of one device's parameter, with the --set parameters applied to each.
func compareItems(devices, sweep string, sets ...string) ([]compareItem, string, error) {
	var names []string
	if strings.TrimSpace(devices) == "all" {
		names = device.PresetNames()
	} else {
		names = splitList(devices)
	}
	if len(names) == 0 {
		return nil, "", errors.New("--devices names no device")
	}
	var items []compareItem
	seen := map[string]bool{}
	for _, n := range names {
		p, err := loadDevice(n)
		if err != nil {
			return nil, "", err
		}
		label := floatDevice
		if p != nil {
			label = p.Name
			if _, err := device.Preset(n); err != nil { // a file: name it after the file
				label = deviceLabel(n)
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
		items = append(items, compareItem{Index: len(items), Label: label, Device: n, params: p})
	}
	if sweep == "" {
		return items, "", nil
	}
	if len(items) != 1 {
		return nil, "", fmt.Errorf("--sweep needs exactly one device in --devices, got %d", len(items))
	}
	base := items[0]
	if base.params == nil {
		return nil, "", errors.New("--sweep needs a device, not the float rule")
	}
	param, list, ok := strings.Cut(sweep, "=")
	param = strings.TrimSpace(param)
	if !ok {
		return nil, "", fmt.Errorf("--sweep: want param=v1,v2,…, got %q", sweep)
	}
	if !slices.Contains(sweepParams, param) {
		return nil, "", fmt.Errorf("--sweep: unknown parameter %q (want one of %s)", param, strings.Join(sweepParams, ", "))
	}
	vals := splitList(list)
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
		p := *base.params
		p.Source = nil // not needed by training; keeps config.json short
		if err := applySweep(&p, param, v); err != nil {
			return nil, "", fmt.Errorf("--sweep: %w", err)
		}
		if err := p.Validate(); err != nil {
			return nil, "", fmt.Errorf("--sweep %s=%v: %w", param, v, err)
		}
		label := fmt.Sprintf("%s-%s-%s", base.Label, param, strconv.FormatFloat(v, 'g', -1, 64))
		items = append(items, compareItem{Index: len(items), Label: label, Device: base.Device, Param: param, Value: v, params: &p})
	}
	return items, param, nil
}

// runCompareItem trains and tests one run in out/<label>: skipped when
// metrics.json is there, resumed when a checkpoint is. It returns a one-line
// status.
func runCompareItem(ctx context.Context, e *env, o trainOptions, it compareItem, data *datasets.Dataset) (string, error) {
	dir := filepath.Join(o.Out, it.Label)
	o.Device, o.Out, o.Workers = it.Device, dir, 1
	want := runConfig{Command: "nanospike " + strings.Join(os.Args[1:], " "), Options: o, Device: it.params, Energy: energy.DefaultConfig()}
	var have runConfig
	haveCfg := readJSON(filepath.Join(dir, configFile), &have) == nil
	if haveCfg {
		if err := sameRun(&have, &want); err != nil {
			return "", fmt.Errorf("%s holds a run with other settings (%v): delete it or use another --out", dir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, metricsFile)); err == nil && haveCfg {
		var m metrics
		if err := readJSON(filepath.Join(dir, metricsFile), &m); err != nil {
			return "", err
		}
		return fmt.Sprintf("already finished: accuracy %.2f %%, %s per inference (skipped)", 100*m.Accuracy, joules(m.EnergyPerInference)), nil
	}
	resuming := false
	cfg := &want
	if _, err := os.Stat(filepath.Join(dir, checkpointFile)); err == nil && haveCfg {
		resuming = true
		have.Options.Out, have.Options.Workers = dir, 1
		cfg = &have
	}
	start := time.Now()
	m, err := trainRule(ctx, e, cfg, data, resuming)
	if err != nil {
		return "", err
	}
	verb := "done"
	if resuming {
		verb = "resumed and done"
	}
	return fmt.Sprintf("%s in %.0f s: accuracy %.2f %%, %s per inference, %s per training image",
		verb, time.Since(start).Seconds(), 100*m.Accuracy, joules(m.EnergyPerInference), joules(m.EnergyPerTrainImage)), nil
}

// sameRun reports how a stored run's settings differ from the wanted ones
// (nil: none), ignoring the folder, the evaluation workers and the command
// line.
func sameRun(have, want *runConfig) error {
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
	return nil
}

// comparableOptions clears the options that do not change a run's result
// (folder, evaluation workers) and those of the other rule, so runs stored
// before a rule gained options still match.
func comparableOptions(o trainOptions) trainOptions {
	o.Out, o.Workers = "", 0
	if o.Rule != "backprop" {
		o.Backprop = backpropOptions{}
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

// readCompareRow builds the table row of the finished run in dir.
func readCompareRow(dir string, it compareItem) (compareRow, error) {
	var m metrics
	if err := readJSON(filepath.Join(dir, metricsFile), &m); err != nil {
		return compareRow{}, err
	}
	var cfg runConfig
	if err := readJSON(filepath.Join(dir, configFile), &cfg); err != nil {
		return compareRow{}, err
	}
	r := compareRow{
		Index: it.Index, Label: it.Label, Device: it.Device, Param: it.Param,
		Accuracy: m.Accuracy, EnergyPerInference: m.EnergyPerInference, EnergyPerTrainImage: m.EnergyPerTrainImage,
		PulsesPerTrainImage: m.PulsesPerTrainImage, SOPsPerInference: m.SOPsPerInference,
		ReadPerInference: m.Inference.Read, NeuronPerInference: m.Inference.Neuron + m.Inference.Spike + m.Inference.Digital,
		ProgramPerTrainImg: m.Training.Program, TrueNorth: m.Inference.TrueNorth, Loihi: m.Inference.Loihi,
		Rule: m.Rule, Neurons: m.Neurons, Seed: m.Seed, TrainImages: m.TrainImages, TestImages: m.TestImages,
		TrainSeconds: m.TrainSeconds, TestSeconds: m.TestSeconds, TrainImagesPerS: m.TrainImagesPerS, TestImagesPerS: m.TestImagesPerS,
	}
	ec := cfg.Energy
	if ec == (energy.Config{}) {
		ec = energy.DefaultConfig()
	}
	if inf, tr, recount, ok := stdpEnergyFromCounts(ec, &cfg, &m); ok && recount {
		r.Recounted = true
		r.EnergyPerInference, r.EnergyPerTrainImage = inf.Inference, tr.Training
		r.SOPsPerInference, r.ReadPerInference = inf.SOPs, inf.Read
		r.NeuronPerInference = inf.Neuron + inf.Spike + inf.Digital
		r.ProgramPerTrainImg, r.TrueNorth, r.Loihi = tr.Program, inf.TrueNorth, inf.Loihi
	}
	if it.Param != "" {
		v := it.Value
		r.Value = &v
	}
	if p := cfg.Device; p != nil {
		r.Device = p.Name
		r.States, r.NLLTP, r.NLLTD, r.OnOff = p.States, p.NLLTP, p.NLLTD, p.OnOff()
		r.C2C, r.D2DNL, r.D2DG, r.ReadN, r.StuckMin, r.StuckMax = p.C2C, p.D2DNL, p.D2DG, p.ReadNoise, p.StuckMin, p.StuckMax
	} else {
		r.Device = floatDevice
	}
	return r, nil
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
	"label", "device", "param", "value",
	"accuracy", "accuracy_loss_vs_ideal",
	"energy_per_inference_j", "energy_per_training_image_j", "pulses_per_training_image", "sops_per_inference",
	"read_per_inference_j", "neuron_per_inference_j", "program_per_training_image_j",
	"truenorth_per_inference_j", "loihi_per_inference_j",
	"states", "nl_ltp", "nl_ltd", "on_off", "c2c_sigma", "d2d_nl_sigma", "d2d_g_sigma", "read_noise", "stuck_min_frac", "stuck_max_frac",
	"inference_reads_recounted", "rule", "neurons", "seed", "train_images", "test_images",
	"train_seconds", "test_seconds", "train_images_per_s", "test_images_per_s",
}

// wallColumns depend on the machine and its load, not on the seed.
var wallColumns = []string{"train_seconds", "test_seconds", "train_images_per_s", "test_images_per_s"}

// finishRows orders the rows and fills the accuracy lost against the ideal
// preset when it is in the comparison.
func finishRows(cf *compareFile) {
	slices.SortFunc(cf.Rows, func(a, b compareRow) int { return a.Index - b.Index })
	ideal := -1
	for i, r := range cf.Rows {
		if r.Device == "ideal" && r.Param == "" {
			ideal = i
		}
	}
	for i := range cf.Rows {
		cf.Rows[i].AccuracyLoss = nil
		if ideal >= 0 {
			d := cf.Rows[ideal].Accuracy - cf.Rows[i].Accuracy
			cf.Rows[i].AccuracyLoss = &d
		}
	}
}

// writeCompareOutputs writes compare.json, compare.csv, compare.md and the
// plots of cf into dir.
func writeCompareOutputs(dir string, cf *compareFile) error {
	finishRows(cf)
	if err := writeJSON(filepath.Join(dir, compareJSON), cf); err != nil {
		return err
	}
	table, err := compareTable(cf.Rows)
	if err != nil {
		return err
	}
	if err := writeCSVAtomic(filepath.Join(dir, compareCSV), table); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, compareMD), []byte(compareMarkdown(cf))); err != nil {
		return err
	}
	return comparePlots(dir, cf)
}

// compareTable returns the rows as strings under the header compareColumns;
// numbers in the shortest form that reads back exactly, absent values empty.
func compareTable(rows []compareRow) ([][]string, error) {
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

// writeCSVAtomic writes rows as CSV to path, atomically.
func writeCSVAtomic(path string, rows [][]string) error {
	var b bytes.Buffer
	if err := plots.WriteTable(&b, rows); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return writeFileAtomic(path, b.Bytes())
}

// settingsLine describes the training settings of cf in words.
func settingsLine(cf *compareFile) string {
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
	s := fmt.Sprintf("%s, %d neurons, %s training images × %d epoch(s), %d labelling images, %s test images, seed %d",
		cf.Rule, o.Neurons, imgs(o.TrainSamples, "60000"), o.Epochs, label, imgs(o.TestSamples, "10000"), o.Seed)
	if cf.Rule == "backprop" {
		b := o.Backprop
		s = fmt.Sprintf("backprop, 784-%s-10, T = %d, %s training images × %d epoch(s), %s test images, mode %s, update %s, seed %d",
			strings.ReplaceAll(b.Hidden, ",", "-"), b.Steps, imgs(o.TrainSamples, "60000"), o.Epochs,
			imgs(o.TestSamples, "10000"), cmp.Or(b.Mode, "insitu"), b.Update, o.Seed)
	}
	if cf.Sweep != "" {
		s += fmt.Sprintf("; sweep of %s on %s", cf.Sweep, cf.Preset)
	}
	return s
}

// compareMarkdown returns compare.md: the table as markdown for a README.
func compareMarkdown(cf *compareFile) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s.\n\n", settingsLine(cf))
	hasLoss := len(cf.Rows) > 0 && cf.Rows[0].AccuracyLoss != nil
	first := "device"
	if cf.Sweep != "" {
		first = cf.Sweep
	}
	head := []string{first, "accuracy (%)"}
	if hasLoss {
		head = append(head, "loss vs ideal (pp)")
	}
	head = append(head, "energy / inference", "energy / training image", "pulses / training image", "SOPs / inference", "states", "NL LTP/LTD", "on/off", "C2C σ")
	fmt.Fprintf(&b, "| %s |\n| :--- |%s\n", strings.Join(head, " | "), strings.Repeat(" ---: |", len(head)-1))
	for _, r := range cf.Rows {
		name := r.Label
		if r.Value != nil {
			name = strconv.FormatFloat(*r.Value, 'g', -1, 64)
		}
		cells := []string{name, fmt.Sprintf("%.2f", 100*r.Accuracy)}
		if hasLoss {
			cells = append(cells, fmt.Sprintf("%+.2f", 100**r.AccuracyLoss))
		}
		cells = append(cells, joules(r.EnergyPerInference), joules(r.EnergyPerTrainImage),
			fmt.Sprintf("%.0f", r.PulsesPerTrainImage), fmt.Sprintf("%.3g", r.SOPsPerInference))
		if r.Device == floatDevice {
			cells = append(cells, "–", "–", "–", "–")
		} else {
			cells = append(cells, strconv.Itoa(r.States), fmt.Sprintf("%.2f/%.2f", r.NLLTP, r.NLLTD), fmt.Sprintf("%.3g", r.OnOff), fmt.Sprintf("%.3g", r.C2C))
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	if n := recounted(cf.Rows); n > 0 {
		fmt.Fprintf(&b, "\nEnergy of %d of %d runs recomputed from their raw counts%s.\n", n, len(cf.Rows), recountNote)
	}
	return b.String()
}

// printCompareTable prints the table to w.
func printCompareTable(w io.Writer, cf *compareFile) {
	fmt.Fprintln(w, settingsLine(cf))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\taccuracy\tloss vs ideal\tE/inference\tE/train image\tpulses/train image\tstates\tNL LTP/LTD\ton/off\t")
	for _, r := range cf.Rows {
		loss := "–"
		if r.AccuracyLoss != nil {
			loss = fmt.Sprintf("%+.2f pp", 100**r.AccuracyLoss)
		}
		dev := "–\t–\t–"
		if r.Device != floatDevice {
			dev = fmt.Sprintf("%d\t%.2f/%.2f\t%.3g", r.States, r.NLLTP, r.NLLTD, r.OnOff)
		}
		fmt.Fprintf(tw, "%s\t%.2f %%\t%s\t%s\t%s\t%.0f\t%s\t\n", r.Label, 100*r.Accuracy, loss,
			joules(r.EnergyPerInference), joules(r.EnergyPerTrainImage), r.PulsesPerTrainImage, dev)
	}
	tw.Flush()
	if n := recounted(cf.Rows); n > 0 {
		fmt.Fprintf(w, "energy of %d of %d runs recomputed from their raw counts%s\n", n, len(cf.Rows), recountNote)
	}
}

// recounted returns the number of rows whose energy was recomputed.
func recounted(rows []compareRow) int {
	n := 0
	for _, r := range rows {
		if r.Recounted {
			n++
		}
	}
	return n
}

// comparePlots writes accuracy per run (bars), accuracy against energy per
// inference (scatter, log x) and, for a sweep, accuracy against the swept
// parameter, each as PNG and SVG.
func comparePlots(dir string, cf *compareFile) error {
	title := settingsLine(cf)
	if len(title) > 90 {
		title = cf.Rule + fmt.Sprintf(", %d neurons", cf.Options.Neurons)
		if cf.Rule == "backprop" {
			title = "backprop, 784-" + strings.ReplaceAll(cf.Options.Backprop.Hidden, ",", "-") + "-10"
		}
		if len(cf.Set) > 0 {
			title += ", " + strings.Join(cf.Set, ", ")
		}
		if cf.Sweep != "" {
			title += ", " + cf.Preset
		}
	}
	var bars []plots.Bar
	var pts []plots.Point
	var xs, ys []float64
	for _, r := range cf.Rows {
		name := r.Label
		if r.Value != nil {
			name = strconv.FormatFloat(*r.Value, 'g', -1, 64)
			xs = append(xs, *r.Value)
			ys = append(ys, 100*r.Accuracy)
		}
		bars = append(bars, plots.Bar{Label: name, Value: 100 * r.Accuracy})
		pts = append(pts, plots.Point{X: r.EnergyPerInference, Y: 100 * r.Accuracy, Label: name})
	}
	pts = groupPoints(pts)
	for _, ext := range []string{".png", ".svg"} {
		f := plots.Figure{Title: title, YLabel: "test accuracy (%)"}
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

// groupPoints merges points that would be drawn on top of each other (same
// accuracy, energy within 2 %) into one labelled "first (+k)": devices with
// the same normalised parameters train identically and differ only in
// energy, and a pile of overprinted labels is unreadable.
func groupPoints(pts []plots.Point) []plots.Point {
	var out []plots.Point
	count := []int{}
	for _, p := range pts {
		merged := false
		for i, q := range out {
			if p.Y == q.Y && math.Abs(p.X-q.X) <= 0.02*math.Max(math.Abs(p.X), math.Abs(q.X)) {
				count[i]++
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, p)
			count = append(count, 0)
		}
	}
	for i := range out {
		if count[i] > 0 {
			out[i].Label = fmt.Sprintf("%s (+%d)", out[i].Label, count[i])
		}
	}
	return out
}

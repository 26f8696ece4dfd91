package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/learning"
)

// CompareJSON and the others are the files of a comparison's folder (compare and merge) and of
// each run's folder.
const (
	CompareJSON = "compare.json"
	CompareCSV  = "compare.csv"
	CompareMD   = "compare.md"
	SummaryCSV  = "summary.csv"
	MetricsFile = "metrics.json"
	ConfigFile  = "config.json"
)

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

// targetsKind is the kind of a targets record (TargetsFile).
const targetsKind = "nanospike targets"

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
func runItems(ctx context.Context, e *Log, command string, o Options, items []Item, data *datasets.Dataset, ec *energy.Config, jobs int) []string {
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
				status, err := runCompareItem(ctx, sub, command, o, it, data, ec)
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

// alreadyFinished starts the status of a run skipped because it had finished.
const alreadyFinished = "already finished"

// runCompareItem trains and tests one run in out/<label>: skipped when
// metrics.json is there, resumed when a checkpoint is. It returns a one-line
// status.
func runCompareItem(ctx context.Context, e *Log, command string, o Options, it Item, data *datasets.Dataset, ec *energy.Config) (string, error) {
	dir := filepath.Join(o.Out, it.Label)
	o.Device, o.Out, o.Workers, o.Seed = it.Device, dir, 1, it.Seed
	want := RunConfig{Command: command, Options: o, Device: it.DeviceParams, Energy: energy.DefaultConfig()}
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
	Command string         // the command line, as records give it
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
	cf.Command = spec.Command
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
	mine, runErr := runShard(ctx, lg, "compare", spec.Command, o, items, si, sn, data, ec, jobs)

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
	return &cf, runErr
}

// runShard trains the items k of shard si of sn (k mod sn = si), jobs at a time (runItems),
// announced on the log as what. It returns the shard's items, and an error when runs failed
// or ctx was cancelled.
func runShard(ctx context.Context, lg *Log, what, command string, o Options, items []Item, si, sn int, data *datasets.Dataset, ec *energy.Config, jobs int) ([]Item, error) {
	var mine []Item
	for _, it := range items {
		if it.Index%sn == si {
			mine = append(mine, it)
		}
	}
	fmt.Fprintf(lg.W, "%s: %d of %d runs in %s, %d at a time\n", what, len(mine), len(items), o.Out, jobs)
	failed := runItems(ctx, lg, command, o, mine, data, ec, jobs)
	if ctx.Err() != nil {
		return mine, errors.New("interrupted: finished runs are kept, unfinished ones have checkpoints; rerun the same command to continue")
	}
	if len(failed) > 0 {
		return mine, fmt.Errorf("%d of %d runs failed:\n  %s", len(failed), len(mine), strings.Join(failed, "\n  "))
	}
	return mine, nil
}

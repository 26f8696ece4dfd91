package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/learning"
)

func init() {
	register(&command{name: "energy", summary: "energy per inference and per training image of a trained model, by pathway and component", run: runEnergy})
}

// energyReport is the output of `energy --json`.
type energyReport struct {
	Model    string  `json:"model"`
	Rule     string  `json:"rule"`
	Device   string  `json:"device"`
	Neurons  int     `json:"neurons"`
	Accuracy float64 `json:"accuracy"`
	// Constants are the peripheral energies used; Overridden tells whether
	// they differ from the run's (then the figures are recomputed).
	Constants  energy.Config `json:"constants"`
	Overridden bool          `json:"overridden"`
	// Source says where the figures come from: "metrics.json" (as stored),
	// "raw counts…" (recomputed from the run's event totals) or
	// "breakdown items" (per-image counts of the stored breakdown times the
	// new constants).
	Source      string           `json:"source"`
	TestImages  int              `json:"test_images"`
	TrainImages int              `json:"train_images"`
	Inference   energy.Breakdown `json:"inference"`
	Training    energy.Breakdown `json:"training"`
}

func runEnergy(ctx context.Context, e *env, args []string) error {
	fs := e.flags("energy", "energy --model DIR [--json] [--e-neuron J] [--e-spike J] [--e-digital-sop J]")
	var dir string
	var asJSON bool
	var c energy.Config
	def := energy.DefaultConfig()
	fs.StringVar(&dir, "model", "", "folder of a trained run (holding config.json and metrics.json)")
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of tables")
	fs.Float64Var(&c.NeuronUpdate, "e-neuron", def.NeuronUpdate, "energy of one neuron state update, J (default: the run's constant)")
	fs.Float64Var(&c.Spike, "e-spike", def.Spike, "energy of emitting one spike, J (default: the run's constant)")
	fs.Float64Var(&c.DigitalSOP, "e-digital-sop", def.DigitalSOP, "energy of one digital synaptic operation, J (default: the run's constant)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usagef("unexpected argument %q", fs.Arg(0))
	}
	if dir == "" {
		return e.usagef("--model DIR is required")
	}
	// Overrides are checked before any file is read, as flags.
	override := func(c0 energy.Config) energy.Config {
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "e-neuron":
				c0.NeuronUpdate = c.NeuronUpdate
			case "e-spike":
				c0.Spike = c.Spike
			case "e-digital-sop":
				c0.DigitalSOP = c.DigitalSOP
			}
		})
		return c0
	}
	if err := override(def).Validate(); err != nil {
		return e.usagef("%v", err)
	}
	var cfg runConfig
	if err := readJSON(filepath.Join(dir, configFile), &cfg); err != nil {
		return err
	}
	var met metrics
	if err := readJSON(filepath.Join(dir, metricsFile), &met); err != nil {
		return err
	}
	stored := cfg.Energy
	if stored == (energy.Config{}) { // a run from before the constants were stored
		stored = def
	}
	consts := override(stored)
	rep := energyReport{Model: dir, Rule: met.Rule, Device: met.Device, Neurons: met.Neurons, Accuracy: met.Accuracy,
		Constants: consts, Overridden: consts != stored, Source: "metrics.json",
		TestImages: met.TestImages, TrainImages: met.TrainImages, Inference: met.Inference, Training: met.Training}
	// Recompute whenever the raw counts allow it, so a stored figure that
	// disagrees with them (see stdpEnergyFromCounts) is not shown.
	if _, _, _, ok := stdpEnergyFromCounts(consts, &cfg, &met); ok || rep.Overridden {
		rep.Inference, rep.Training, rep.Source = recomputeEnergy(consts, &cfg, &met)
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printEnergy(e.stdout, &rep)
	return nil
}

// recomputeEnergy returns the per-image breakdowns of a run with the
// peripheral constants c. An STDP run with its raw event totals is
// recomputed from them by the function used at the end of training (see
// stdpEnergyFromCounts); otherwise (a backprop run, an older metrics.json)
// the per-image counts of the stored items are costed anew: neuron updates,
// spikes and digital synaptic operations scale with the constants, and the
// device reads and pulses, costed by the device model, are kept.
func recomputeEnergy(c energy.Config, cfg *runConfig, met *metrics) (inf, tr energy.Breakdown, source string) {
	if inf, tr, recount, ok := stdpEnergyFromCounts(c, cfg, met); ok {
		source = "raw counts"
		if recount {
			source += recountNote
		}
		return inf, tr, source
	}
	return recostItems(c, met.Inference), recostItems(c, met.Training), "breakdown items"
}

// recountNote explains stdpEnergyFromCounts' recount.
const recountNote = " (test-pass device reads taken from the network's counters: in runs made before commit 0782dff, " +
	"metrics.json's test_device counters also hold the counters the evaluation copies of the array inherited from training)"

// stdpEnergyFromCounts recomputes an STDP run's per-image breakdowns from
// its raw counts with the constants c; ok is false when the run is not STDP
// or has no counts.
//
// The test pass's device counters in metrics.json are the sum of the
// evaluation replicas' array counters. Before commit 0782dff a replica
// (device.Array.Clone) started from the trained array's counters instead of
// zero, so runs of that time count training's reads and pulses once per
// replica; newer runs agree with the network's counters. The network's own counters
// of the test pass are differences of snapshots and hold only the test's
// reads, pulses (none) and conductance sum; when the two disagree the
// network's are used and recount is true.
func stdpEnergyFromCounts(c energy.Config, cfg *runConfig, met *metrics) (inf, tr energy.Breakdown, recount, ok bool) {
	n := met.Counts
	if met.Rule != "stdp" || n.TestImages == 0 || n.TrainImages == 0 {
		return inf, tr, false, false
	}
	dev := n.TestDevice
	if cfg.Device != nil && dev.Reads != n.Test.DeviceReads {
		dev = device.Counters{Reads: n.Test.DeviceReads, PotPulses: n.Test.PotPulses, DepPulses: n.Test.DepPulses, ReadGSum: n.Test.ReadGSum}
		recount = true
	}
	inf = learning.STDPEnergy(c, cfg.Device, met.Neurons, n.Test, dev, n.TestImages)
	tr = learning.STDPEnergy(c, cfg.Device, met.Neurons, n.Train, n.TrainDevice, n.TrainImages)
	return inf, tr, recount, true
}

// recostItems returns b with its neuron, spike and digital synaptic
// operation items costed by c and the totals summed again.
func recostItems(c energy.Config, b energy.Breakdown) energy.Breakdown {
	r := b
	r.Items = make([]energy.Item, len(b.Items))
	r.Read, r.Digital, r.Neuron, r.Spike, r.Program = 0, 0, 0, 0, 0
	for i, it := range b.Items {
		switch it.Component {
		case "neuron":
			it.Joules = it.Count * c.NeuronUpdate
			r.Neuron += it.Joules
		case "spike":
			it.Joules = it.Count * c.Spike
			r.Spike += it.Joules
		case "digital-sop":
			it.Joules = it.Count * c.DigitalSOP
			r.Digital += it.Joules
		case "read":
			r.Read += it.Joules
		case "potentiation", "depression":
			r.Program += it.Joules
		}
		r.Items[i] = it
	}
	r.Inference = r.Read + r.Digital + r.Neuron + r.Spike
	r.Training = r.Inference + r.Program
	return r
}

func printEnergy(w io.Writer, r *energyReport) {
	fmt.Fprintf(w, "model %s: %s, device %s, %d neurons, test accuracy %.2f %%\n", r.Model, r.Rule, r.Device, r.Neurons, 100*r.Accuracy)
	how := "the run's"
	if r.Overridden {
		how = "overridden"
	}
	fmt.Fprintf(w, "constants: neuron update %s, spike %s, digital SOP %s (%s)\n",
		joules(r.Constants.NeuronUpdate), joules(r.Constants.Spike), joules(r.Constants.DigitalSOP), how)
	fmt.Fprintf(w, "figures from: %s\n", r.Source)
	printBreakdown(w, fmt.Sprintf("per inference (mean over %d test images)", r.TestImages), r.Inference, false)
	printBreakdown(w, fmt.Sprintf("per training image (mean over %d training images; programming included)", r.TrainImages), r.Training, true)
}

// printBreakdown prints one breakdown: a line per pathway or population and
// component, the totals per component, and the same synaptic operations at
// TrueNorth's and Loihi's per-SOP energy.
func printBreakdown(w io.Writer, title string, b energy.Breakdown, training bool) {
	total := b.Inference
	if training {
		total = b.Training
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  pathway/population\tcomponent\tcount\tenergy\tshare\t")
	share := func(j float64) string {
		if total <= 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f %%", 100*j/total)
	}
	for _, it := range b.Items {
		fmt.Fprintf(tw, "  %s\t%s\t%.4g\t%s\t%s\t\n", it.Name, it.Component, it.Count, joules(it.Joules), share(it.Joules))
	}
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  device reads\t%s\t%s\t\n", joules(b.Read), share(b.Read))
	fmt.Fprintf(tw, "  digital synaptic operations\t%s\t%s\t\n", joules(b.Digital), share(b.Digital))
	fmt.Fprintf(tw, "  neuron updates\t%s\t%s\t\n", joules(b.Neuron), share(b.Neuron))
	fmt.Fprintf(tw, "  spikes\t%s\t%s\t\n", joules(b.Spike), share(b.Spike))
	if training {
		fmt.Fprintf(tw, "  programming pulses\t%s\t%s\t\n", joules(b.Program), share(b.Program))
	}
	fmt.Fprintf(tw, "  total\t%s\t\t\n", joules(total))
	tw.Flush()
	ratio := func(j float64) string {
		if total <= 0 {
			return ""
		}
		return fmt.Sprintf(", %.3g× this", j/total)
	}
	fmt.Fprintf(w, "  %.4g synaptic operations: at TrueNorth's %s/SOP %s%s; at Loihi's %s/SOP %s%s\n",
		b.SOPs, joules(energy.TrueNorthSOP), joules(b.TrueNorth), ratio(b.TrueNorth),
		joules(energy.LoihiSOP), joules(b.Loihi), ratio(b.Loihi))
}

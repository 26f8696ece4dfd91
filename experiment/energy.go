package experiment

import (
	"fmt"
	"os"
	"strings"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/learning"
)

// ReadEnergyConfig reads an energy configuration file (energy.ParseConfig: the fields it
// gives over the defaults); an error names the file and the field.
func ReadEnergyConfig(path string) (energy.Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return energy.Config{}, err
	}
	c, err := energy.ParseConfig(b)
	if err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// RecomputeEnergy returns the per-image breakdowns of a run costed with c from its raw event
// counts; ok is false when metrics.json has none.
func RecomputeEnergy(c energy.Config, cfg *RunConfig, met *Metrics) (inf, tr energy.Breakdown, source string, ok bool) {
	if inf, tr, recount, ok := stdpEnergyFromCounts(c, cfg, met); ok {
		source = "raw counts"
		if recount {
			source += RecountNote
		}
		return inf, tr, source, true
	}
	if inf, tr, ok := backpropEnergyFromCounts(c, cfg, met); ok {
		return inf, tr, "raw counts", true
	}
	return inf, tr, "", false
}

// RecountNote explains stdpEnergyFromCounts' recount.
const RecountNote = " (test-pass device reads taken from the network's counters: in runs made before commit 0782dff, " +
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
func stdpEnergyFromCounts(c energy.Config, cfg *RunConfig, met *Metrics) (inf, tr energy.Breakdown, recount, ok bool) {
	n := met.Counts
	if met.Rule != "stdp" || n.TestImages == 0 || n.TrainImages == 0 {
		return inf, tr, false, false
	}
	dev := n.TestDevice
	if cfg.Device != nil && dev.Reads != n.Test.DeviceReads {
		dev = device.Counters{Reads: n.Test.DeviceReads, PotPulses: n.Test.PotPulses, DepPulses: n.Test.DepPulses, ReadGSum: n.Test.ReadGSum}
		recount = true
	}
	inf = learning.STDPEnergy(c, cfg.Device, mnistInputs, met.Neurons, n.Test, dev, n.TestImages)
	tr = learning.STDPEnergy(c, cfg.Device, mnistInputs, met.Neurons, n.Train, n.TrainDevice, n.TrainImages)
	return inf, tr, recount, true
}

// backpropEnergyFromCounts recomputes a backprop run's per-image breakdowns from its stored
// counters; ok is false when the run is not backprop or has none.
func backpropEnergyFromCounts(c energy.Config, cfg *RunConfig, met *Metrics) (inf, tr energy.Breakdown, ok bool) {
	n := met.Counts
	if met.Rule != "backprop" || n.BackpropTest == nil || n.BackpropTrain == nil {
		return inf, tr, false
	}
	bc, err := cfg.Options.BackpropConfig()
	if err != nil {
		return inf, tr, false
	}
	inf = backpropEnergy(c, bc, cfg.Device, n.BackpropTest[0], n.BackpropTest[1], n.TestImages)
	tr = backpropEnergy(c, bc, cfg.Device, learning.BackpropCounters{}, *n.BackpropTrain, n.TrainImages)
	return inf, tr, true
}

// SplitList splits a comma-separated flag value, dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

package device_test

import (
	"fmt"

	"github.com/nanospike/nanospike/device"
)

// A noise-free linear device: each pulse moves the weight by WMax/States = 0.1, so the weight
// changes +0.4 and −0.1 are four potentiation pulses and one depression pulse.
func ExampleArray_Program() {
	p := &device.Params{Name: "linear", Gmin: 1e-9, Gmax: 11e-9, States: 10, VRead: 0.5, TRead: 1e-8}
	a, err := device.NewArray(p, 2, 3, 1)
	if err != nil {
		panic(err)
	}
	a.Program(&device.Batch{Shape: device.InColumn, Line: 1, Index: []int32{0}, DW: []float64{0.4}})
	a.Program(&device.Batch{Index: []int32{1}, DW: []float64{-0.1}}) // device (0, 1), row-major
	fmt.Printf("w = %.2f\n", a.WeightsTo(nil)[1])
	c := a.Counters()
	fmt.Printf("%d potentiation pulses at %.1f nS on average, %d depression\n", c.PotPulses, c.PotGSum/float64(c.PotPulses)*1e9, c.DepPulses)
	// Output:
	// w = 0.30
	// 4 potentiation pulses at 3.0 nS on average, 1 depression
}

// NeuroSim's label → normalised A: Ag:a-Si's potentiation and depression (NeuroSim's
// documents/Nonlinearity-NormA.htm lists 0.4992 for NL 2.40 and 0.2003 for NL 4.88).
func ExampleNormalizedA() {
	fmt.Printf("%.4f %.4f\n", device.NormalizedA(2.40), device.NormalizedA(-4.88))
	// Output: 0.4992 -0.2003
}

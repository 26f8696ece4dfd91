package benchmarks

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/nanospike/nanospike/device"
)

// benchDevice is NeuroSim's Ag:a-Si cell (window, states, NL labels, C2C 3.5 %) with read noise,
// device-to-device spread and a short-term part switched on or off per case.
func benchDevice(c2c, read, d2d float64, stp bool) *device.Params {
	p := &device.Params{
		Name: "bench", Gmin: 3.0769e-9, Gmax: 38.462e-9, States: 97, NLLTP: 2.40, NLLTD: -4.88,
		C2C: c2c, ReadNoise: read, D2DNL: d2d, D2DG: d2d / 10,
		VRead: 0.5, TRead: 5e-9, EPot: 1e-12, EDep: 1e-12,
	}
	if stp {
		p.PPFC1, p.PPFTau1, p.PPFC2, p.PPFTau2 = 0.5, 0.05, 0.2, 1
	}
	return p
}

const benchRows, benchCols = 784, 400

// deviceCPUTime returns the process's user+system CPU time. On a shared machine the wall-clock
// rate (b.Elapsed) drops when other processes compete for the cores; the rate per CPU-second
// does not (cache contention aside), so the benchmarks report both.
func deviceCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRate reports ops per wall second and per CPU second since cpu0.
func reportRate(b *testing.B, ops float64, unit string, cpu0 time.Duration) {
	b.ReportMetric(ops/b.Elapsed().Seconds(), unit+"/s")
	if cpu := (deviceCPUTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(ops/cpu, unit+"/cpu-s")
	}
}

func newBenchArray(b *testing.B, p *device.Params) *device.Array {
	a, err := device.NewArray(p, benchRows, benchCols, 1)
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkDeviceProgram programs every device of a 784×400 array once per iteration with one
// signed pulse (alternating by column, and by iteration, so the array stays mid-window), a row
// batch at a time.
func BenchmarkDeviceProgram(b *testing.B) {
	cases := []struct {
		name string
		p    *device.Params
	}{
		{"ideal", benchDevice(0, 0, 0, false)},
		{"c2c", benchDevice(0.035, 0, 0, false)},
		{"c2c+d2d", benchDevice(0.035, 0, 0.5, false)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			a := newBenchArray(b, c.p)
			dw := make([][]float64, 2) // ±1/Pmax: ±1 pulse
			for s := range dw {
				dw[s] = make([]float64, benchCols)
				for j := range dw[s] {
					dw[s][j] = 1 / float64(c.p.States)
					if (j+s)%2 == 1 {
						dw[s][j] = -dw[s][j]
					}
				}
			}
			batch := device.Batch{Shape: device.InRow}
			it := 0
			cpu0 := deviceCPUTime()
			for b.Loop() {
				batch.DW = dw[it%2]
				for i := range benchRows {
					batch.Line = i
					a.Program(&batch)
				}
				it++
			}
			reportRate(b, float64(it)*benchRows*benchCols, "pulses", cpu0)
		})
	}
}

// BenchmarkDeviceProgramFractional programs every device with ±0.4 pulses: the stochastic
// rounding path of learning rules.
func BenchmarkDeviceProgramFractional(b *testing.B) {
	p := benchDevice(0.035, 0, 0, false)
	a := newBenchArray(b, p)
	batch := device.Batch{Shape: device.InRow, DW: make([]float64, benchCols)}
	for j := range batch.DW {
		batch.DW[j] = 0.4 / float64(p.States)
		if j%2 == 1 {
			batch.DW[j] = -batch.DW[j]
		}
	}
	it := 0
	cpu0 := deviceCPUTime()
	for b.Loop() {
		for i := range benchRows {
			batch.Line = i
			a.Program(&batch)
		}
		it++
	}
	reportRate(b, float64(it)*benchRows*benchCols, "updates", cpu0)
}

// BenchmarkDeviceProgramCol programs one column's active inputs with the small sub-pulse
// counts of an STDP potentiation (0.002–0.05 pulses): the rule's commonest update.
func BenchmarkDeviceProgramCol(b *testing.B) {
	p := benchDevice(0.035, 0, 0, false)
	a := newBenchArray(b, p)
	batch := device.Batch{Shape: device.InColumn}
	for i := 0; i < benchRows; i += 2 {
		batch.Index = append(batch.Index, int32(i))
		batch.DW = append(batch.DW, (0.002+0.048*float64(i%97)/96)/float64(p.States))
	}
	it := 0
	cpu0 := deviceCPUTime()
	for b.Loop() {
		batch.Line = it % benchCols
		a.Program(&batch)
		it++
	}
	reportRate(b, float64(it*len(batch.Index)), "updates", cpu0)
}

// BenchmarkDeviceAccumulateRow reads every row of a 784×400 array once per iteration through
// the event-driven path (one input spike per row).
func BenchmarkDeviceAccumulateRow(b *testing.B) {
	cases := []struct {
		name string
		p    *device.Params
	}{
		{"noiseless", benchDevice(0, 0, 0, false)},
		{"read-noise", benchDevice(0, 0.02, 0, false)},
		{"read-noise+stp", benchDevice(0, 0.02, 0, true)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			a := newBenchArray(b, c.p)
			dst := make([]float64, benchCols)
			it := 0
			cpu0 := deviceCPUTime()
			for b.Loop() {
				t := float64(it) * 0.001
				for i := range benchRows {
					a.AccumulateRow(dst, i, t)
				}
				it++
			}
			reportRate(b, float64(it)*benchRows*benchCols, "reads", cpu0)
		})
	}
}

// BenchmarkDeviceAccumulateRowVar is the read-noise path with deferred noise: AccumulateRowVar
// per row and AddReadNoise once per "step" of k input spikes. A Poisson-coded MNIST image
// (Diehl & Cook rates, mean ≈ 8 Hz over 784 pixels) at dt = 0.5 ms gives k ≈ 3 spikes per step;
// k = 40 shows the gain when steps are longer or inputs busier.
func BenchmarkDeviceAccumulateRowVar(b *testing.B) {
	for _, stp := range []bool{false, true} {
		for _, k := range []int{3, 40} {
			name := fmt.Sprintf("read-noise/k=%d", k)
			if stp {
				name = fmt.Sprintf("read-noise+stp/k=%d", k)
			}
			b.Run(name, func(b *testing.B) {
				a := newBenchArray(b, benchDevice(0, 0.02, 0, stp))
				dst := make([]float64, benchCols)
				v := make([]float64, benchCols)
				it := 0
				cpu0 := deviceCPUTime()
				for b.Loop() {
					t := float64(it) * 0.001
					for i := range benchRows {
						a.AccumulateRowVar(dst, v, i, t)
						if i%k == k-1 {
							a.AddReadNoise(dst, v)
						}
					}
					a.AddReadNoise(dst, v)
					it++
				}
				reportRate(b, float64(it)*benchRows*benchCols, "reads", cpu0)
			})
		}
	}
}

// BenchmarkDeviceReadTo reads the whole matrix of a differential pair with read noise, both
// arrays (a dense forward pass, as backprop's).
func BenchmarkDeviceReadTo(b *testing.B) {
	q, err := device.NewPair(benchDevice(0, 0.02, 0, false), benchRows, benchCols, 1)
	if err != nil {
		b.Fatal(err)
	}
	dst, scratch := make([]float64, benchRows*benchCols), make([]float64, benchRows*benchCols)
	it := 0
	cpu0 := deviceCPUTime()
	for b.Loop() {
		dst = q.ReadTo(dst, scratch)
		it++
	}
	reportRate(b, 2*float64(it)*benchRows*benchCols, "reads", cpu0)
}

package benchmarks

import (
	"context"
	"testing"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/learning"
)

// benchBackpropTrain trains 784-H-10 (T = 25, rate coding, Adam, batch 128) on the first 1024
// MNIST training images per iteration and reports µs per image; dev nil is the float path.
func benchBackpropTrain(b *testing.B, hidden int, enc string, dev string, update, scheme string) {
	d, err := datasets.Load("")
	if err != nil {
		b.Skipf("MNIST not available: %v", err)
	}
	train := d.Train.Subset(1024)
	cfg := learning.DefaultBackpropConfig()
	cfg.Hidden = []int{hidden}
	cfg.Encoding = enc
	var p *device.Params
	if dev != "" {
		p, err = device.Preset(dev)
		if err != nil {
			b.Fatal(err)
		}
		cfg.Device.Mode = learning.ModeInSitu
		cfg.Device.Update, cfg.Device.Scheme = update, scheme
	}
	net, err := learning.NewBackprop(cfg, p)
	if err != nil {
		b.Fatal(err)
	}
	images := 0
	for b.Loop() {
		if _, err := net.TrainEpoch(context.Background(), train, nil); err != nil {
			b.Fatal(err)
		}
		images += train.Len()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(images), "µs/img")
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "img/s")
}

// BenchmarkBackpropTrain: the float path against in-situ device paths of the same network; the
// ratio device/float is the cost of the device model (target ≤ 1.5).
func BenchmarkBackpropTrain(b *testing.B) {
	cases := []struct {
		name, enc, dev, update, scheme string
		hidden                         int
	}{
		{"784-1000-10/rate/float", learning.EncodingRate, "", "", "", 1000},
		{"784-1000-10/rate/ideal-device", learning.EncodingRate, "ideal", learning.UpdateAccumulate, "unipolar", 1000},
		{"784-1000-10/rate/ag-a-si-stochastic", learning.EncodingRate, "ag-a-si", learning.UpdateStochastic, "unipolar", 1000},
		{"784-1000-10/rate/si-nc-phototransistor-accumulate", learning.EncodingRate, "si-nc-phototransistor", learning.UpdateAccumulate, "unipolar", 1000},
		{"784-1000-10/direct/float", learning.EncodingDirect, "", "", "", 1000},
		{"784-200-10/rate/float", learning.EncodingRate, "", "", "", 200},
		{"784-200-10/rate/ag-a-si-accumulate", learning.EncodingRate, "ag-a-si", learning.UpdateAccumulate, "unipolar", 200},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { benchBackpropTrain(b, c.hidden, c.enc, c.dev, c.update, c.scheme) })
	}
}

// BenchmarkBackpropEvaluate: inference of 784-1000-10 (T = 25) on 1000 test images.
func BenchmarkBackpropEvaluate(b *testing.B) {
	d, err := datasets.Load("")
	if err != nil {
		b.Skipf("MNIST not available: %v", err)
	}
	test := d.Test.Subset(1000)
	net, err := learning.NewBackprop(learning.DefaultBackpropConfig(), nil)
	if err != nil {
		b.Fatal(err)
	}
	images := 0
	for b.Loop() {
		if _, err := net.Evaluate(test); err != nil {
			b.Fatal(err)
		}
		images += test.Len()
	}
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "img/s")
}

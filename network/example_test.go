package network_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/nanospike/nanospike/network"
)

// Example shows what a learning rule needs from package network: build a
// Diehl & Cook network on a weight array, present images with plasticity
// on (PresentImage raises the intensity while fewer than 5 spikes come
// out), read the per-neuron spike counts, freeze θ, checkpoint and restore
// the state, and evaluate many images on parallel replicas.
func Example() {
	const inputs, neurons = 784, 100
	cfg := network.DefaultDCConfig(inputs, neurons)
	cfg.Seed = 42
	// Any Synapses works: a *device.Array from package device, or an ideal
	// float matrix.
	w := network.NewDense(inputs, neurons)
	network.DCInitWeights(w.W, cfg.Seed, 7)
	d, err := network.NewDC(cfg, w)
	if err != nil {
		panic(err)
	}

	// A learning rule is a Plasticity (plus, optionally, PresentationHooks
	// to normalise the weights before each presentation). It runs on the
	// layer's goroutine and may program w directly.
	pre, post := 0, 0
	d.SetPlasticity(network.PlasticityFunc(func(step int, in, out []int32) {
		pre += len(in)
		post += len(out)
	}))

	img := make([]float64, inputs) // pixel values 0–255
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img {
		if rng.Float64() < 0.19 {
			img[i] = 255 * rng.Float64()
		}
	}
	ctx := context.Background()
	res, err := d.PresentImage(ctx, img)
	if err != nil {
		panic(err)
	}
	fmt.Println("counts per neuron:", len(res.Counts))
	fmt.Println("at least 5 spikes:", res.Total() >= 5)
	fmt.Println("input spikes seen by the rule:", uint64(pre) == res.Counters.Spikes[0])

	// Checkpoint: the network state (θ, membrane, RNG…) and, separately,
	// the weights (here a copy of the matrix; device arrays marshal
	// themselves).
	st, err := d.State()
	if err != nil {
		panic(err)
	}
	saved := w.Clone(0)

	// Test time: θ frozen, no learning, images on replicas (one per core),
	// results in image order.
	d.SetPlasticity(nil)
	d.FreezeTheta(true)
	images := [][]float64{img, img, img}
	results, err := d.Evaluate(ctx, images, network.EvalConfig{Chunk: 1},
		func(seed uint64) (network.Synapses, error) { return w.Clone(seed), nil })
	if err != nil {
		panic(err)
	}
	fmt.Println("evaluated:", len(results))

	// Restore the checkpoint into a new network.
	d2, err := network.NewDC(cfg, saved)
	if err != nil {
		panic(err)
	}
	if err := d2.SetState(st); err != nil {
		panic(err)
	}
	fmt.Println("restored at step:", d2.Step() == d.Step())
	// Output:
	// counts per neuron: 100
	// at least 5 spikes: true
	// input spikes seen by the rule: true
	// evaluated: 3
	// restored at step: true
}

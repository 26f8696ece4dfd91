// Package network is nanospike's spiking-network engine: neuron populations
// with their state in flat slices, synapses read event by event from arrays
// behind the small Synapses interface (implemented by *device.Array and by
// Dense), and a pipeline that runs one goroutine per stage (the Diehl & Cook network:
// input and excitatory/inhibitory populations).
//
// # Neurons
//
// Conductance-based LIF (Diehl & Cook 2015; CondParams), potentials in mV,
// times in ms, conductances in units of the leak conductance:
//
//	τm·dv/dt = (v_rest − v) + ge·(E_exc − v) + gi·(E_inh − v)
//	dge/dt = −ge/τge,   dgi/dt = −gi/τgi,   dθ/dt = −θ/τθ
//	spike when v > v_thresh + θ − θ_offset;  then v = v_reset, θ += θ+ (unless θ is frozen)
//
// While refractory, v is held at v_reset, or (RefractoryIntegrates, the
// default of DCExcParams) keeps integrating with spikes suppressed until
// Refractory after the spike — what Brian 1 does with Diehl & Cook's
// multi-statement reset, which is not a clamping Refractoriness.
//
// Two integrations (DCConfig.Integration). Euler, the default for DC
// networks: forward Euler on every variable, as Brian integrates Diehl &
// Cook's (nonlinear) equations; the step uses the conductances at its start
// (which then decay by 1 − dt/τ), v ← v + dt/τm·(…). With τge = 1 ms and
// dt = 0.5 ms its Σ ge·dt equals the exact ∫ge dt; the visible difference is
// in the one-step responses, e.g. an exc→inh spike (w 10.4) lifts an
// inhibitory neuron from −60 to −28.8 mV in one Euler step (it fires at
// once) but only to −40.3 mV exactly (it fires a step later). The kernel
// computes the Euler step as v + dt/τm·(num − g·v) with num = v_rest +
// ge·E_exc + gi·E_inh and g = 1 + ge + gi (no division). Where x = g·dt/τm ≥ 1 (a volley
// of ≥ 12 simultaneous inhibitory spikes) Euler would overshoot v∞, and
// beyond x = 2 diverge — v oscillating past any threshold, which at N = 400
// set off a runaway in which every neuron fired every refractory period —
// so there the step is the exact exponential one for the step-start
// conductances, v ← v∞ + (v − v∞)·e^(−x); below 1 it is Euler bit for bit.
// Exact:
//
// Per step of length dt the conductances and θ decay exactly (one
// multiplication); v is advanced by the exact solution for the step-mean
// conductances a = ge·τge/dt·(1 − e^(−dt/τge)) (likewise b for gi):
//
//	g = 1 + a + b,  v∞ = (v_rest + a·E_exc + b·E_inh)/g,  v ← v∞ + (v − v∞)·e^(−g·dt/τm)
//
// which is exact when the conductances are zero or constant and second
// order in dt otherwise (a test checks it against RK4 at dt/100: max error
// 0.003 mV). e^(−x) is its Taylor series to x⁵ for x < 0.1 (relative error
// < 1.4e-9; math.Exp above). Conductances below 1e-12 are set to zero. On
// amd64 with AVX2 the arithmetic of the excitatory population runs four
// neurons at a time in assembly (kernel_amd64.s) and only flagged neurons
// (refractory, above threshold, large x) get a scalar second pass; the
// result is bit-identical to the Go code (tested), so the seed alone fixes
// the spikes.
//
// # Diehl & Cook network (DC)
//
// Poisson inputs (event-driven: one exponential draw per spike, per-input
// random streams) → N excitatory neurons (Synapses array read one row per
// input spike, optional per-synapse delays U[0, 10] ms held in a ring buffer
// of future conductance increments) ↔ N inhibitory neurons: exc j → inh j (w 10.4), inh k → every
// exc but k (w 17, computed once per step as the total minus self, O(N)).
// Recurrent spikes of step n act from step n+1. Defaults:
// DefaultDCConfig. PresentImage runs Diehl & Cook's protocol (350 ms
// presentation, 150 ms rest, intensity raised while fewer than 5 spikes).
//
// The 150 ms rest is simulated step by step only until the network is quiet
// (delay line empty, conductances ≤ 1e-6, nobody refractory); the remaining
// input-free relaxation of v and θ is then applied in closed form. A test
// checks that the next image sees the same state and gives the same spikes
// as with the rest simulated step by step (DCConfig.SimulateRest).
//
// # Engine
//
// A network is a chain of stages, one goroutine each: an input generator
// and then one stage per layer (for DC the excitatory and inhibitory
// populations form one stage, being mutually recurrent). The last stage runs
// on the caller's goroutine, which the scheduler keeps on its core, so the
// state it holds (a DC's neurons, delay line and device array) stays in that
// core's caches from one presentation to the next. Stages pass frames
// of spikes that carry a block of consecutive steps (DCConfig.BlockSteps,
// default 100 steps), so layer l works on block b while layer l−1 works on
// block b+1; a block rather than a single step per frame keeps the channel
// operations (~100–200 ns each) far below the cost of the simulation. Frames
// are recycled through per-stage pools: a run allocates its channels and
// goroutines, never anything per step. Run-style methods return when every
// stage has exited; the first error cancels the others. A layer owns its
// Synapses, and its Plasticity is called on its goroutine, so learning
// rules program weights without locks.
//
// # Determinism
//
// All randomness comes from math/rand/v2 PCG streams derived from the
// configured seed (DC: stream 0 delays, 1 input, 2 replica seeds, 2³²+c
// replica c's input). Stages communicate only through ordered channels, so
// spikes and weights are bit-identical for a given seed whatever GOMAXPROCS
// and scheduling. DC.Evaluate cuts the images into fixed chunks, each run by
// a fresh replica, so its results do not depend on the number of workers.
//
// # Counters
//
// Counters holds synaptic operations (spikes × fan-out over every pathway),
// neuron updates (neurons × simulated steps, the count of a clock-driven
// implementation, even though idle inhibitory neurons are updated lazily
// here), spikes per population, array reads and, for *device.Array, the
// array's own pulse counts and read-conductance sum — the inputs of the
// energy report. DC.PresentImage returns them per image.
//
// # Device arrays
//
// A *device.Array with read noise is read through AccumulateRowVar: the
// Gaussian read noise of all the reads arriving at a neuron in one step is
// drawn once (the sum of independent Gaussians, same distribution), with
// the variances travelling through the delay ring with the weights, as
// (weight, variance) pairs. A slot arrives through DrainReadNoise, which adds
// the weights and draws the noise of the summed variances in one pass; the
// ring's slots are padded to a multiple of eight columns so that the pass
// runs in whole AVX2 blocks (a saved state holds the ring without padding).
package network

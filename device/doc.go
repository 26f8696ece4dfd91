// Package device models semiconductor-nanocrystal (NC) synaptic devices and crossbar arrays of
// them: a stored, non-volatile conductance programmed by pulses, a volatile short-term part
// driven by input spikes, their noise and variation, retention and energy.
//
// # Stored conductance
//
// Each device's conductance G lies in its window [Gmin, Gmax] and moves by programming pulses
// along NeuroSim's nonlinear curve (MLP_NeuroSim V3.0, formula.cpp; aihwkit's
// SoftBoundsPmaxDevice): after p potentiation pulses from Gmin
//
//	G(p) = B·(1 − e^(−p/A)) + Gmin,   B = (Gmax − Gmin)/(1 − e^(−Pmax/A)),
//
// with Pmax = Params.States. Depression follows the same form with its own A (A_LTD). A comes
// from the nonlinearity label NL by NeuroSim's table: A = NormalizedA(NL)·Pmax (updatelaw.go; NL 0 is
// linear, steps (Gmax − Gmin)/Pmax). As in NeuroSim, A carries the sign of the label and the LTD
// branch is walked backwards along its curve: the usual negative LTD label (Ag:a-Si "2.40/−4.88")
// gives a depression that is steep near Gmax and saturates at Gmin, the mirror of LTP; a
// positive LTD label (HZO FeFET "1.75/1.46") gives depression steps that grow as G falls. The
// magnitude sets the curvature.
//
// A device never stores its pulse position: with k = 1/A, n pulses move G exactly by
//
//	LTP: G' = G + (cP − G)·(1 − e^(−kP·n)),   cP = Gmin + B_P   (= Gtop − (Gtop − G)·q_P^n)
//	LTD: G' = G + (cD − G)·(1 − e^(+kD·n)),   cD = Gmin + B_D   (= Gbot + (G − Gbot)·q_D^n)
//
// so Pmax pulses from Gmin reach Gmax and Pmax depression pulses from Gmax reach Gmin exactly.
//
// # Noise and variation
//
//   - Cycle-to-cycle: a programming step of n pulses adds N(0, σ_c2c·(Gmax − Gmin))·√n (nominal
//     window, as NeuroSim computes sigmaCtoC), then G is clipped to the device's window.
//   - Device-to-device: at construction each device draws NL_LTP + N(0, σ_NL), NL_LTD + N(0, σ_NL)
//     (absolute σ = Params.D2DNL), Gmin·(1 + N(0, σ_G)) and Gmax·(1 + N(0, σ_G)) (σ_G = D2DG),
//     redrawn until 0 ≤ Gmin < Gmax.
//   - Read noise: a read returns G·(1 + N(0, σ_read)).
//   - Stuck devices: fractions StuckMin and StuckMax sit at Gmin and Gmax forever.
//   - Weight changes reach an array in batches (Array.Program; a Batch is one post spike's
//     column, one row of a normalisation or one time step's scattered updates), each turned
//     into a signed, fractional pulse count (nominal or model-based). Fractional pulses are
//     applied by stochastic rounding, one uniform per whole pulse fired (Array.round), with the
//     outcomes of programming the devices one after the other (up to floating-point rounding
//     of the survival product).
//
// # Short-term plasticity
//
// Each input stimulus (an optical or electrical presynaptic spike) adds a volatile part to the
// conductance, held as two facilitation variables that decay exactly between stimuli and jump
// by C1, C2 at each one:
//
//	s_i(t) = s_i(t_k)·e^(−(t − t_k)/τ_i),   s_i ← s_i + C_i at each stimulus,
//	EPSC_k ∝ G·(1 + s1(t_k) + s2(t_k)).
//
// The response to the second of a pair Δt apart is thus PPF(Δt) = 1 + C1·e^(−Δt/τ1) +
// C2·e^(−Δt/τ2) times the first; trains give the spike-number and spike-rate dependence (the
// gain EPSC_50/EPSC_1 rises with frequency: a high-pass filter). The increments add linearly
// (no trap saturation), so the gain of n spikes grows up to 1 + (n − 1)(C1 + C2). The transition from short- to
// long-term memory with repetition is an assumed, parameterised model (Params.STPThreshold θ,
// Params.STPRate κ; off when κ = 0): in optically stimulated NC devices the photocarriers trapped
// by one pulse escape (the volatile part) unless repeated pulses fill the traps beyond what the
// shallow states hold, after which a part of them settles in deep, non-volatile states. So when
// s = s1 + s2 exceeds θ just after a stimulus, ΔG = κ·(s − θ)·G is added to the stored part and the
// volatile part shrinks by as much. In an Array the facilitation is per row (presynaptic) and
// reads never program.
//
// # Retention
//
// The stored part relaxes after programming by the review's power law y(t) = a + b·t^(−m)
// (y(1 s) = 1): Params.Retained(t) is the fraction kept after an idle time t, and Relax(t) sets
// G ← Gmin + (G − Gmin)·Retained(t).
//
// # Energy
//
// One convention holds for every device, preset or user's:
//
//   - A read costs V_read²·G·t_read, the Ohmic energy of the read pulse through the device at its
//     conductance G.
//   - A programming pulse costs V²·G·t_pulse at the device's present conductance, the mean of G
//     before and after the pulse (Counters.PotGSum, DepGSum), with V the voltage across the
//     channel during the pulse (v_pot_v, v_dep_v): the pulse itself for a two-terminal electrical
//     device; for a light pulse or a transistor's gate pulse, which drive no current through the
//     weight, the channel's bias V_read, so the channel's conduction during the pulse is what is
//     counted. e_pot_j and e_dep_j hold its value at G_mid = (Gmin + Gmax)/2 (Params.PulseEnergy;
//     Validate checks them against v_pot_v and v_dep_v when those are set), so a pulse costs
//     e_pot_j·G/G_mid. A light pulse adds its optical energy e_light_pot_j, e_light_dep_j (power
//     density × illuminated area × t_pulse). Charging a gate is not counted.
//   - A measured "energy per synaptic event" (e_event_j, review.e_event_j) is the energy of a
//     stimulating (programming) spike, never of a read. Where a paper measured it, the preset
//     derives its conductance scale from it: G_mid = E/(V²·t_pulse), so the modelled pulse energy
//     equals the measurement (TestMeasuredEnergies checks every such preset).
//
// Devices and arrays count reads (and Σ G read) and pulses in Counters; Params.EnergyOf turns
// counters into joules.
//
// # Protocols
//
// LTPLTD, PPF, EPSCvsSpikes, GainVsFrequency, STDPWindow and RetentionCurve drive one Device as a
// lab does; FitPPF, FitHighPass and FitRetention fit the review's functions; Characterize runs
// them all and compares with the figures the review quotes (Params.Review).
//
// # Arrays and the read path
//
// Array keeps the conductances in one flat row-major slice; without device-to-device variation
// all devices share one curve, without stuck devices or a volatile part those checks vanish,
// and a noise-free read is one multiply-add per device. An input spike on row i reads the row
// (AccumulateRow: one Gaussian per device read). AccumulateRowVar defers the read noise: it adds
// the noise-free weights and their noise variances, and AddReadNoise, once per time step, adds
// one Gaussian per column with the summed variance — the same distribution, since a sum of
// independent Gaussians is Gaussian, at a fraction of the cost. With synaptic delays,
// ScatterRowVar writes (weight, variance) pairs into the caller's delay ring, and
// DrainReadNoise takes a slot's arrival in one pass: the weights added, the noise of the summed
// variances drawn. On amd64 with AVX2 they run as assembly kernels (eight Gaussians, four
// columns at a time) that give the bits of their Go loops (readnoise.go, tests check it).
//
// # Randomness and concurrency
//
// A seed gives four streams: one PCG draws the devices (variation, stuck), a second the
// run-time noise (C2C and per-read Gaussians by a 1024-layer ziggurat taking two draws from each
// 64-bit output, normal.go), four xoshiro256++ generators seeded from a third feed
// AddReadNoise and DrainReadNoise, and a fourth PCG the stochastic rounding's uniforms (apart,
// so that a batch's outcomes do not depend on when its C2C noise is drawn). The same seed
// reproduces an array bit for bit, and a checkpoint (MarshalBinary) holds the full generator
// state. Devices and arrays are not safe for concurrent
// use; Array.Clone makes independent replicas.
package device

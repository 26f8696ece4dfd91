// Package energy turns the event counts of a simulation into joules.
//
// # Model
//
// A network is a list of pathways (layers of synapses) and populations of
// neurons. For one inference (one image presented to a frozen network):
//
//	E_inf = Σ_pathways E_syn + Σ_layers (U·E_neuron + S·E_spike)
//
//	E_syn = E_read(device)          for a pathway of device synapses
//	      = SOPs·E_sop              for a pathway of digital synapses
//
// where U is the number of neuron state updates, S the number of spikes and
// SOPs the synaptic operations (spikes × fan-out). The read energy of a
// device pathway is the Ohmic read Σ_reads V_read²·G·t_read over the
// conductances actually read, for every device (device.Params.EnergyOf; a
// measured energy per synaptic event is a programming spike's, see the device
// package's Energy section). A training image adds the programming pulses:
//
//	E_train = E_inf + N_pot·E_pot + N_dep·E_dep,   E_pot = V_pot²·G_mid·t_pulse.
//
// The peripheral constants default to 45 nm CMOS figures (Horowitz, ISSCC
// 2014: 0.9 pJ per 32-bit float add, 4.6 pJ per multiply-accumulate) and are
// configurable; see Config. For reference, Reference gives the same
// network's energy at the per-SOP figures of TrueNorth and Loihi.
//
// # Crossbar wires and cells (groundwork of the circuit-level model)
//
// Crossbar holds a tile's geometry after NeuroSim's cross-point subarray (MLP_NeuroSim_V3.0
// at cc13863; equations and sources in docs/energy-neurosim.md):
//
//	C_row = N_col·w_cell·F·c_wire,  C_col = N_row·h_cell·F·c_wire   (c_wire = 0.2 fF/µm, F = 100 nm, 2F × 2F cells)
//	E_row read   = C_row·V_read² + V_read²·ΣG·t_read                  (once per input spike)
//	E_cell write = n·V²·(G0 + G1)/2·t_pulse + n·V²·C_col + (V_other/2)²·C_col
//
// A test reproduces NeuroSim's own computation of these for a 128 × 128 tile. The reports do
// not use them yet.
package energy

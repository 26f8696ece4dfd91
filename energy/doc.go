// Package energy turns the event counts of a simulation into joules at the level of a
// crossbar circuit: the devices' cells, the array's wires, the periphery that drives and reads
// the array, the neuron circuits, spike routing, leakage, and the programming pulses.
//
// # Mapping
//
// A layer of In × Out device synapses, k cells each (1, or 2 for a differential pair), is
// mapped onto tiles of Rows × Cols cells (Crossbar; 128 × 128 by default):
//
//	tiles = ⌈In/Rows⌉ · ⌈Out·k/Cols⌉
//
// An input spike activates its row: its word line is charged and its switch toggled in each
// of the ⌈Out·k/Cols⌉ tiles the row crosses. A tile is read — its input latches clocked and
// every column read out — once per step in which one of its rows is active; from the counts,
// that is at most once per input spike and at most once per step, so the event view takes
// R_read = min(R_act, steps·⌈In/Rows⌉) reads of each column of tiles (exact for sparse input,
// one active row per tile and step; an upper bound otherwise). Digital synapses (fixed
// inhibition, the float rule) are costed per synaptic operation.
//
// # Equations (per run; Breakdown.Per divides by the images)
//
//	cells       E = V_read²·t_read·Σ G_read                     (device.Params.EnergyOf)
//	wires       E = R_act·⌈Out·k/Cols⌉·C_row·V_read²,  C_row = Cols·w_cell·F·c_wire
//	periphery   E = R_act·⌈Out·k/Cols⌉·(3·C_d·V_read² + C_g·Vdd²) + R_tile·(Rows·E_DFF + E_mux) [+ R_read·Out·k·E_RO for LIF]
//	neurons     IF:  E = R_read·Out·k·E_RO (the column read circuit is the neuron), + inputs·E_RO off the crossbar
//	            LIF: E = U·E_update (every neuron every step)
//	routing     E = S·E_spike;   digital: E = SOP·E_SOP
//	leakage     E = tiles·P_tile·steps·t_step,  P_tile = (Rows + Cols)·P_DFF + P_mux + ⌈Cols/N_mux⌉·P_RC
//	            t_step = N_mux·(t_read + 1/f_clk) (hardware-paced), or a given step time (real time: dt)
//	programming E_cells = V²·t_pulse·Σ G_pulse (present conductance) = e_pot_j·ΣG/G_mid
//	            E_wires = n_electrical·V²·C_col,  C_col = Rows·h_cell·F·c_wire
//	            E_light = n_optical·e_light_j,   e_light_j = power density × area × t_pulse
//
// R_act are the row activations (input spikes), R_tile = R_read·⌈Out·k/Cols⌉ the tile reads,
// U the neuron updates, S the spikes. An inference is the activity-driven parts (Event) plus
// the leakage; a training image adds the programming. The per-cycle view (Clocked, what
// SpikeSim charges) reads every tile and converts every column in every step, whatever the
// spikes do: steps·tiles·(Rows·E_DFF + E_mux) + steps·⌈In/Rows⌉·Out·k·E_RO, plus the rest.
//
// The device-decided part is what the device's own parameters set: the cells and the word
// lines (at its V_read) of an inference, and the programming of a training image. The
// hardware-paced step time also follows the device's t_read, so the leakage does too.
//
// # Constants and their sources
//
// NeuroSim (MLP_NeuroSim_V3.0 at cc13863; docs/energy-neurosim.md restates its equations with
// file, function and lines; NeuroSim is CC BY-NC 4.0 and none of its code is copied):
//
//   - c_wire = 0.2 fF/µm at every node, F = 100 nm array wire width, 2F × 2F cross-point cells
//     (SubArray::Initialize L105–152; Param.cpp L83; Cell.cpp RealDevice::RealDevice L341–342).
//   - Vdd = 0.9 V, PTM 32 nm HP (Technology::Initialize L506–561).
//   - Word-line switch: C_d = 8.708417e-17 F, C_g = 4.832541e-17 F, sized by NeuroSim for
//     Ag:a-Si (SwitchMatrix::Initialize L71–74, CalculatePower L205–216); assumed for every
//     device: NeuroSim sizes the gate for the cell's R_on, which for the high-resistance NC
//     devices would give a smaller gate, so this is an upper bound.
//   - E_DFF = 2.2279e-13 J / 128 per latch and read (DFF::CalculatePower L145–158); E_mux =
//     6.2630e-17 + 3.9579e-15 J per tile read (Mux, RowDecoder::CalculatePower).
//   - E_RO = 1.346 pJ per column and read: the integrate-and-fire read circuit, a 65 nm SPICE
//     value that NeuroSim imports as a constant (ReadCircuit::CalculatePower L249–256, CMOS
//     mode; manual §6.3, Kadetotad et al., JETCAS 2015). N_mux = 16 columns per read circuit
//     (Param.cpp L78), f_clk = 2 GHz (Param.cpp L85).
//   - Leakage: P_DFF = 6.4935e-6 W / 128, P_RC = (4.1612e-6 + 5.2939e-6) W / 8 (read circuit
//     with its subtractor), P_mux = 5.6387e-7 W per tile (ReadCircuit, Subtractor, DFF,
//     RowDecoder::CalculatePower; formula.cpp CalculateGateLeakage L398–434).
//
// TestPeripheryMatchesNeuroSim reproduces NeuroSim's per-read periphery energy of a 128 × 128
// cross-point subarray (1.100149e-11 J) and its leakage (2.300598e-5 W) as its code computes
// them; TestCrossbarMatchesNeuroSim its wire capacitance (5.12 fF), a row read (1.28e-15 +
// 3.846125e-18 J) and an 8-pulse cell write (2.009207e-10 J).
//
// Digital constants: E_update = 4.6 pJ, one 45 nm multiply-accumulate; E_SOP = 0.9 pJ, one
// 45 nm 32-bit add (Horowitz, ISSCC 2014). E_spike = 0.9 pJ is assumed: one 45 nm add as the
// cost of an address-event increment; no source measures spike routing for NC arrays. The
// light pulse's density and area are the device's (see the device package; assumed for every
// NC preset, no paper readable here quotes them); the light source's wall-plug efficiency is
// not included.
//
// # Departures from NeuroSim, stated
//
//   - A word line is charged once per input spike per tile (NeuroSim's Test.cpp charges it
//     once per active row and output column).
//   - The switch-matrix activity is the counted row activations (NeuroSim freezes it at 0.5).
//   - Bit lines are held at the read circuit's virtual ground during a read and not charged;
//     NeuroSim's C_col·V_col² read term belongs to its driving scheme.
//   - A programming pulse charges its bit line, V²·C_col (AnalogNVM::WriteEnergyCalculation);
//     the half-selected cells and lines of the two-phase write are not counted (0.005 % of
//     NeuroSim's one-cell example, docs/energy-neurosim.md §6(2)).
//   - Digital LIF neurons have no leakage term (Horowitz's per-operation energies are dynamic).
//
// For reference, TrueNorth and Loihi cost the same synaptic operations at their per-SOP
// energies (Breakdown.TrueNorth, Breakdown.Loihi).
package energy

package device

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
)

// DefaultPreset is the device `make run` and the commands use when none is named.
//
// It is the boron-doped Si NC phototransistor of Yin L et al. (2019): of the NC devices the
// review describes it is the one demonstrated in a learning task (handwritten digits, ~94 %,
// review §3.1; a spiking neural network, per the paper's abstract); it is programmed both ways
// (optical and electrical spikes through photogating and electrical gating, so depression needs
// no second device type); and Si NCs are the review's most studied NC. Its state count is
// assumed (64, as for the other NC optoelectronic synapses) because the review gives none.
const DefaultPreset = "si-nc-phototransistor"

// presetBuilders lists one constructor per preset: the review's NC devices (sections 3–4, in
// the review's order), NeuroSim's reference devices, and the ideal device.
var presetBuilders = []func() *Params{
	// NC synaptic devices, review §3.1–3.2.
	siNCMemristor, siNCOptoSynapse, agCNCMemristor, siNCPhototransistor, znseZnSFlash,
	// §4.1.
	perovskiteSiNC, mapbi3SiNC,
	// §4.2.
	siNCElectroluminescent, cspbbr3QDFlash, p3htPQD, dppdttCsPbBr3, pqdOSCTransistor,
	cspbbr3NCTransistor, pvpNCNC, siQDNIRLED, cdseZnSLEM, inpZnSTransistor, cdseZnSPVDF,
	// §4.3.
	siNCWSe2, mos2NCTransistor, pbsGraphene, goNCNC, graphenePNC, graphenePNCHighPPF,
	// §4.4.
	mos2QDMemristor, pbsNQDMemristor, cspbbr3NCMemory,
	// NeuroSim's device table (anchors.md).
	agASi, taoxHfox, pcmo, aloxHfo2, epiRAM, hzoFeFET,
	// Ideal.
	ideal,
}

// Presets returns every preset, sorted by name. Each call builds fresh copies, so callers may
// modify them.
func Presets() []*Params {
	ps := make([]*Params, 0, len(presetBuilders))
	for _, build := range presetBuilders {
		ps = append(ps, capFacilitation(build()))
	}
	slices.SortFunc(ps, func(a, b *Params) int { return strings.Compare(a.Name, b.Name) })
	return ps
}

// capFacilitation sets the facilitation cap of a preset that does not set
// one: twice the facilitation of a pair. Without a cap the volatile part of
// a fast train grows without bound (a gain of 1 + 49·(C1+C2) over 50
// pulses), which no photogated device shows: its traps fill.
func capFacilitation(p *Params) *Params {
	if _, ok := p.Source["stp_max"]; ok {
		return p
	}
	p.STPMax = 2 * (p.PPFC1 + p.PPFC2)
	p.Source["stp_max"] = CapRule + ": the review quotes no gain values; facilitation saturates as the NC traps fill " +
		"(0: no short-term component, no cap)"
	return p
}

// CapRule starts the source of a facilitation cap set by capFacilitation's rule, stp_max =
// 2·(C1 + C2): a parameter draw that changes C1 or C2 applies the rule again.
const CapRule = "derived (assumed rule): twice the paired-pulse facilitation C1+C2"

// OneComponentRule starts the sources of the second short-term component (and of τ1) of a
// device whose short-term part is not reported: C2 = τ2 = 0 always, and τ1 = 0.1 s once a draw
// sets C1 > 0 (0 while C1 is 0).
const OneComponentRule = "derived (assumed rule): one short-term component at most"

// PresetNames returns the names of all presets, sorted.
func PresetNames() []string {
	ps := Presets()
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return names
}

// Preset returns a fresh copy of the preset called name (case-insensitive, surrounding space
// ignored). The error of an unknown name lists the known ones.
func Preset(name string) (*Params, error) {
	want := strings.TrimSpace(name)
	for _, p := range Presets() {
		if strings.EqualFold(p.Name, want) {
			return p, nil
		}
	}
	return nil, fmt.Errorf("device: unknown preset %q; known presets: %s", name, strings.Join(PresetNames(), ", "))
}

// LoadParams reads a device from a JSON file with the fields of Params (see
// testdata/user-device.json). Unknown fields, trailing data and values Validate rejects are
// errors; every error names the file, and the field where it can.
func LoadParams(path string) (*Params, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("device: reading device file: %w", err)
	}
	return ParseParams(data, path)
}

// ParseParams reads a device from the JSON data of a device file called path (for the errors),
// as LoadParams.
func ParseParams(data []byte, path string) (*Params, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	p := new(Params)
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("device: device file %s: %w", path, describeJSONError(data, err))
	}
	if dec.More() {
		return nil, fmt.Errorf("device: device file %s: unexpected data after the JSON object", path)
	}
	if p.Source == nil {
		p.Source = map[string]string{}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("device: device file %s: %w", path, err)
	}
	return p, nil
}

// describeJSONError adds the line and column to a JSON syntax error, and the field to a type
// error (encoding/json names it "Go struct field Params.x"; we say "field x").
func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := lineCol(data, syn.Offset)
		return fmt.Errorf("malformed JSON at line %d, column %d: %w", line, col, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field != "" {
		line, col := lineCol(data, typ.Offset)
		return fmt.Errorf("field %s (line %d, column %d): %s cannot be stored in a %s: %w",
			typ.Field, line, col, typ.Value, typ.Type, err)
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("empty file: %w", err)
	}
	return err
}

// lineCol converts a byte offset into 1-based line and column numbers.
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, max(col, 1)
}

// WriteJSON writes p as indented JSON, the format LoadParams reads.
func (p *Params) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("device: encoding device %s: %w", p.Name, err)
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("device: writing device %s: %w", p.Name, err)
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// Building presets. Every value is set together with its source, so no number enters a preset
// without saying where it comes from.

// builder is a preset under construction.
type builder struct{ p *Params }

func newPreset(name, kind, material, programming, reference string) *builder {
	return &builder{p: &Params{
		Name: name, Kind: kind, Material: material, Programming: programming, Reference: reference,
		Source: map[string]string{},
	}}
}

// f sets the float64 field whose JSON name is field ("review.x" for ReviewFigures) to v and
// records its source. It panics on a name that is not a float64 field (a bug in this file).
func (b *builder) f(field string, v float64, src string) {
	fv := fieldByJSON(b.p, field)
	if fv.Kind() != reflect.Float64 {
		panic(fmt.Sprintf("device: preset %s: field %q is not a float64", b.p.Name, field))
	}
	fv.SetFloat(v)
	b.p.Source[field] = src
	delete(b.p.Ranges, field) // a value set without assume has no range; assume adds it after
}

// n is f for int fields (states, review.states).
func (b *builder) n(field string, v int, src string) {
	fv := fieldByJSON(b.p, field)
	if fv.Kind() != reflect.Int {
		panic(fmt.Sprintf("device: preset %s: field %q is not an int", b.p.Name, field))
	}
	fv.SetInt(int64(v))
	b.p.Source[field] = src
	delete(b.p.Ranges, field) // a value set without assume has no range; assume adds it after
}

// fieldByJSON returns the settable field of p whose JSON name is path (dotted for nested
// structs). It panics on an unknown name.
func fieldByJSON(p *Params, path string) reflect.Value {
	v := reflect.ValueOf(p).Elem()
	for part := range strings.SplitSeq(path, ".") {
		t := v.Type()
		found := false
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == part {
				v = v.Field(i)
				found = true
				break
			}
		}
		if !found {
			panic(fmt.Sprintf("device: preset %s: no field with JSON name %q", p.Name, path))
		}
	}
	return v
}

// assume sets an assumed learning-relevant field with its plausible range and the reason for
// both; uncertainty draws sample the range (experiment.Draws).
func (b *builder) assume(field string, v float64, lo, hi float64, why string) {
	src := fmt.Sprintf("assumed: %s; plausible range %g–%g", why, lo, hi)
	if fieldByJSON(b.p, field).Kind() == reflect.Int {
		b.n(field, int(v), src)
	} else {
		b.f(field, v, src)
	}
	if b.p.Ranges == nil {
		b.p.Ranges = map[string]Range{}
	}
	b.p.Ranges[field] = Range{lo, hi}
}

// window sets Gmin and Gmax = Gmin·onOff, the ratio sourced.
func (b *builder) window(gmin float64, gminSrc string, onOff float64, onOffSrc string) {
	b.f("gmin_s", gmin, gminSrc)
	b.f("gmax_s", gmin*onOff, fmt.Sprintf("derived: Gmin × on/off = %g S × %g; on/off: %s", gmin, onOff, onOffSrc))
	b.p.Source["on_off"] = onOffSrc
	delete(b.p.Ranges, "on_off")
}

// assumeWindow is window with an assumed ratio and its plausible range.
func (b *builder) assumeWindow(gmin float64, gminSrc string, onOff, lo, hi float64, why string) {
	b.window(gmin, gminSrc, onOff, fmt.Sprintf("assumed: %s; plausible range %g–%g", why, lo, hi))
	if b.p.Ranges == nil {
		b.p.Ranges = map[string]Range{}
	}
	b.p.Ranges["on_off"] = Range{lo, hi}
}

// windowFromEnergy derives the conductance scale from a measured energy per programming event
// e (J): a pulse costs V²·G_mid·t_pulse with the channel at V = V_read during the pulse (the
// convention of doc.go), so G_mid = e/(V_read²·t_pulse), Gmin = 2·G_mid/(1 + on/off). V_read,
// t_pulse and the ratio (window or assumeWindow, whose scale this replaces) must be set.
func (b *builder) windowFromEnergy(e float64, eSrc string) {
	p := b.p
	r := p.OnOff()
	gmid := e / (p.VRead * p.VRead * p.TPulse)
	gmin := 2 * gmid / (1 + r)
	why := fmt.Sprintf("derived: the measured %g J per event (%s) = V_read²·G_mid·t_pulse with V_read = %g V and "+
		"t_pulse = %g s as set, so G_mid = %.4g S and Gmin = 2·G_mid/(1 + on/off)", e, eSrc, p.VRead, p.TPulse, gmid)
	b.f("gmin_s", gmin, why)
	b.f("gmax_s", gmin*r, fmt.Sprintf("derived: Gmin × on/off = %.4g S × %g", gmin, r))
}

// pulses sets the programming pulses: vPot and vDep are the voltages across the channel during
// a potentiation and a depression pulse, and the pulse energies follow from them,
// E = V²·G_mid·t_pulse (PulseEnergy; the window and t_pulse must be set).
func (b *builder) pulses(vPot float64, potSrc string, vDep float64, depSrc string) {
	b.noLight()
	b.f("v_pot_v", vPot, potSrc)
	b.f("v_dep_v", vDep, depSrc)
	for _, x := range []struct {
		f string
		v float64
	}{{"e_pot_j", vPot}, {"e_dep_j", vDep}} {
		b.f(x.f, b.p.PulseEnergy(x.v), fmt.Sprintf("derived: V²·G_mid·t_pulse with V = %g V (v_%s_v), "+
			"G_mid = (Gmin+Gmax)/2 and t_pulse as set", x.v, x.f[2:5]))
	}
}

// electricalPulses sets voltage pulses across a two-terminal device: the Joule energy of one
// pulse through the device at mid-window conductance.
func (b *builder) electricalPulses(vPot, vDep float64, vSrc string) {
	b.pulses(vPot, fmt.Sprintf("%g V potentiation pulse: %s", vPot, vSrc), vDep, fmt.Sprintf("%g V depression pulse: %s", vDep, vSrc))
}

// channelPulses sets pulses that do not drive current through the weight itself (light
// pulses, or gate pulses of a transistor): the channel, biased at V_read, conducts for the pulse
// width, so V = V_read in E = V²·G_mid·t_pulse. Light and gate-charging energies are not counted
// (doc.go, Energy).
func (b *builder) channelPulses(pot, dep string) {
	v := b.p.VRead
	b.pulses(v, fmt.Sprintf("derived: the channel's bias V_read during the %s (light or gate pulse; its own energy not counted here)", pot),
		v, fmt.Sprintf("derived: the channel's bias V_read during the %s (light or gate pulse; its own energy not counted here)", dep))
	b.light(opticalPulse(pot), opticalPulse(dep))
}

// opticalPulse reports whether a pulse's description names a light pulse.
func opticalPulse(what string) bool {
	w := strings.ToLower(what)
	return strings.Contains(w, "optic") || strings.Contains(w, "light") || strings.Contains(w, "photo")
}

// Assumed light pulse: no primary paper of an optically programmed NC preset quotes its power
// density or illuminated area where it could be read (docs/preset-sources.md, "Light").
const (
	lightDensity    = 10   // W/m² = 1 mW/cm²
	lightDensityLo  = 1e-3 // W/m² = 0.1 µW/cm²
	lightDensityHi  = 400  // W/m² = 40 mW/cm²
	lightDensityWhy = "assumed: 1 mW/cm² (10 W/m²); no NC preset's paper quotes its light's power density where it could be read. Optical synapses of other materials are stimulated at 0.16 µW/cm² (BP/CdS, Light Sci Appl 2022, Fig. 3) to 40 mW/cm² (organic flash-memory synapse, Nano-Micro Lett 2024); plausible range 1e-3–400 W/m²"
	lightArea       = 1e-9 // m², a 30 µm × 30 µm device
	lightAreaWhy    = "assumed: 1e-9 m² (≈ 32 µm × 32 µm) illuminated per device, a lab-scale phototransistor channel; no NC preset's paper quotes its area where it could be read; plausible range 1e-12 (a 1 µm² crossbar cell with focused light) – 1e-8 m²"
	lightEnergyWhy  = "derived: light power density × illuminated area × t_pulse (assumed density and area, see light_%s_w_m2 and area_m2)"
)

// noLight records that neither pulse is a light pulse (light overrides it).
func (b *builder) noLight() {
	for _, f := range []string{"e_light_pot_j", "e_light_dep_j", "light_pot_w_m2", "light_dep_w_m2", "area_m2"} {
		b.f(f, 0, "none: electrical (or gate) programming pulses, no light")
	}
}

// light marks the potentiating (pot) and depressing (dep) pulses that are light pulses and
// sets their optical energy from the assumed power density and illuminated area; t_pulse must
// be set.
func (b *builder) light(pot, dep bool) {
	if !pot && !dep {
		return
	}
	b.f("area_m2", lightArea, lightAreaWhy)
	for _, x := range []struct {
		on   bool
		d, e string
	}{{pot, "light_pot_w_m2", "e_light_pot_j"}, {dep, "light_dep_w_m2", "e_light_dep_j"}} {
		if x.on {
			b.f(x.d, lightDensity, lightDensityWhy)
			b.f(x.e, lightDensity*lightArea*b.p.TPulse, fmt.Sprintf(lightEnergyWhy, x.d[6:9]))
		}
	}
}

// retentionOver sets the power law y = a + b·t^(−m) (review §4.2) so that a device keeps 90 % of
// its stored weight at the quoted retention time T: a = 0, b = 1 (y(1 s) = 1), m = ln(1/0.9)/ln T.
func (b *builder) retentionOver(T float64, src string) {
	why := fmt.Sprintf("derived: assumed ≤ 10 %% loss over the quoted retention of %g s (%s): "+
		"a = 0, b = 1, m = ln(1/0.9)/ln(%g)", T, src, T)
	b.f("retention_a", 0, why)
	b.f("retention_b", 1, why)
	b.f("retention_m", math.Log(1/0.9)/math.Log(T), why)
}

// nonVolatile sets retention to none (a = b = 0 means no decay, see Retained).
func (b *builder) nonVolatile(why string) {
	for _, f := range []string{"retention_a", "retention_b", "retention_m"} {
		b.f(f, 0, "assumed: no decay of the stored weight modelled (a = b = 0); "+why)
	}
}

// noSTP turns the volatile component off: the source reports none, and a facilitation of up to
// maxC1 (τ 0.1 s) is the plausible range (a short-term part may exist unreported).
func (b *builder) noSTP(why string, maxC1 float64) {
	b.assume("ppf_c1", 0, 0, maxC1, "no short-term component: "+why+
		"; a draw above 0 gets τ1 = 0.1 s, the photogated/memristive default")
	for _, f := range []string{"ppf_tau1_s", "ppf_c2", "ppf_tau2_s"} {
		b.f(f, 0, OneComponentRule+" (τ1 = 0.1 s when a draw sets C1 > 0); "+why)
	}
	b.stpOff()
}

// stpOff turns the assumed short→long-term transition model off.
func (b *builder) stpOff() {
	b.f("stp_ltp_threshold", 0, "assumed: STP→LTP conversion off (the review quotes no conversion rate)")
	b.f("stp_ltp_rate", 0, "assumed: STP→LTP conversion off (the review quotes no conversion rate)")
}

// stpOn turns on the assumed STP→LTP conversion for devices the review says show the transition.
func (b *builder) stpOn(evidence string) {
	src := "assumed: " + evidence + " shows the STP→LTP transition but no rate is quoted; " +
		"threshold 0.5 and rate 0.05 are placeholders of the conversion model"
	b.f("stp_ltp_threshold", 0.5, src)
	b.f("stp_ltp_rate", 0.05, src)
}

// noStuck sets no stuck devices: no array of an NC synapse has been measured, so no yield is
// known; up to 1 % stuck at either end is the plausible range.
func (b *builder) noStuck() {
	why := "no stuck-device (yield) statistics reported; no array of this device has been measured"
	b.assume("stuck_min_frac", 0, 0, 0.01, why)
	b.assume("stuck_max_frac", 0, 0, 0.01, why)
}

// noResponse records that no response time is quoted (informational field).
func (b *builder) noResponse() {
	b.f("response_s", 0, "not quoted in the review (informational field, 0 = unknown)")
}

// ---------------------------------------------------------------------------------------------
// Class priors: assumed values shared by a family of NC devices, each with a plausible range
// and the reason for it. Each device's constructor then overrides what its sources give. The
// ranges come from the same mechanism's measured devices where the project has them (NeuroSim's
// table of filamentary and oxide RRAM, PCM-like and FeFET devices, anchors.md); where it has
// none they are wide and say so. A preset that keeps its class's prior for every learning
// quantity is, to the simulator, the same device as the others that do: Prior names the
// class, and `device list` and the comparison say so.

// Class prior names.
const (
	priorMemristor  = "NC memristor (filamentary / resistive switching)"
	priorPhotogated = "photogated NC synapse (optoelectronic / phototransistor)"
	priorChargeTrap = "NC charge-trapping transistor memory (floating gate / ferroelectric)"
	priorNeuroSim   = "NeuroSim table device (its unlisted fields nominal: no spread, noise or stuck devices)"
)

// memristorClass fills the assumptions for a two-terminal, electrically programmed filamentary
// (Ag or oxygen-vacancy) NC memristor. The caller sets the window and energies.
func memristorClass(b *builder) {
	b.p.Prior = priorMemristor
	table := "NeuroSim's measured filamentary/oxide RRAM (anchors.md)"
	b.assume("states", 32, 16, 128, "review gives no state count; 32 levels, below the 40–128 of "+table+
		" because NC films are less uniform; range 16 to the table's 128")
	b.assume("nl_ltp", 2.40, 0.04, 3.68, "review shows no LTP/LTD pulse curve; filamentary switching taken like NeuroSim's "+
		"Ag:a-Si filamentary device (2.40); range: the potentiation labels of "+table+", 0.04–3.68")
	b.assume("nl_ltd", -4.88, -6.76, -0.61, "review shows no LTP/LTD pulse curve; as NeuroSim's Ag:a-Si (−4.88); "+
		"range: the depression labels of "+table+", −6.76 to −0.61")
	b.assume("c2c_sigma", 0.035, 0.01, 0.05, "as NeuroSim's Ag:a-Si filamentary device (3.5 %); range: "+table+", 1–5 %")
	b.assume("d2d_nl_sigma", 0.5, 0.1, 1, "NC films vary from device to device (review §5: reliability, variation), no σ quoted; σ_NL 0.5")
	b.assume("d2d_g_sigma", 0.1, 0.02, 0.3, "10 % device-to-device spread of the window (review §5 names variation as a main problem, no σ quoted)")
	b.assume("read_noise", 0.01, 0.002, 0.03, "1 % read noise, typical of filamentary memristors read below the set voltage; none quoted")
	b.noStuck()
	b.nonVolatile("filamentary switching is non-volatile and the review quotes no decay")
	b.noSTP("the review reports no short-term plasticity for this device", 0.3)
	b.f("v_read_v", 0.1, "assumed: 0.1 V read, well below set/reset voltages")
	b.f("t_read_s", 1e-6, "assumed: 1 µs read pulse, a conventional crossbar read window")
	b.f("t_pulse_s", 100e-6, "assumed: 100 µs programming pulse (NeuroSim's Ag:a-Si cell uses 300 µs, anchors.md)")
	b.f("e_event_j", 0, "not quoted")
	b.noResponse()
}

// memristorGmin is the assumed absolute scale of the NC memristors' window.
const (
	memristorGmin    = 1e-6
	memristorGminSrc = "assumed: HRS ≈ 1 MΩ, a typical high-resistance state of filamentary memristors; the review gives ratios only"
)

// memristorOnOff assumes the NC memristors' window ratio where no source gives one.
func memristorOnOff(b *builder, why string) {
	b.assumeWindow(memristorGmin, memristorGminSrc, 10, 4.43, 50.2,
		why+"; 10, within the 4.43–50.2 of NeuroSim's measured filamentary/oxide RRAM (anchors.md), the plausible range")
}

// optoGmin is the photogated prior's Gmin: the window of Tan 2018's measured Si NC synapse
// (0.7 pJ per 0.1 s spike at 1 V: G_mid = 7 pS) at the prior's on/off of 10.
const optoGmin = 2 * 0.7e-12 / (1 * 1 * 0.1) / (1 + 10)

// optoClass fills the assumptions for an optically potentiated, photogated NC synapse
// (two-terminal photodetector or phototransistor): a volatile EPSC on top of a slowly decaying
// stored part. The caller sets kind-specific values and energies.
func optoClass(b *builder) {
	b.p.Prior = priorPhotogated
	b.assumeWindow(optoGmin, "assumed: the conductance scale of the measured photogated Si NC synapse: Tan 2018's 0.7 pJ per 0.1 s "+
		"spike (review §3.1) at the 1 V bias assumed here is G_mid = 7 pS, so Gmin = 2·7 pS/(1 + 10) = 1.27 pS "+
		"(the scale sets energies only, not learning); the review gives no scale for this device",
		10, 2, 100, "review quotes no on/off; the EPSC of photogated NC synapses rises a few- to ~10-fold over its base current "+
			"(2 to 100 spans the graphene channels' tens of percent to the NC films' larger swings)")
	b.assume("states", 64, 16, 256, "review gives no state count; 64 levels for an EPSC that grows with pulse number; "+
		"no photogated NC device quotes a count, so the range is wide (16–256)")
	nl := "review gives no LTP/LTD fit; photogated EPSC saturates with spike number (review §4.1, SNDP, Fig. 5d shows the form); " +
		"moderate NeuroSim label 2, range up to 4 (strong saturation) and down to 0.5 (nearly linear)"
	b.assume("nl_ltp", 2, 0.5, 4, nl)
	b.assume("nl_ltd", -2, -4, -0.5, nl)
	b.assume("c2c_sigma", 0.02, 0.005, 0.05, "2 % cycle-to-cycle spread of an optical step (laser intensity and trap filling); none quoted")
	b.assume("d2d_nl_sigma", 0.3, 0.1, 0.6, "device-to-device σ_NL 0.3 for solution-processed NC films; none quoted")
	b.assume("d2d_g_sigma", 0.1, 0.02, 0.3, "10 % device-to-device spread of the window (review §5: NC film non-uniformity); none quoted")
	b.assume("read_noise", 0.02, 0.005, 0.05, "2 % read noise of a photocurrent-scale (nA) channel; none quoted")
	b.noStuck()
	ret := "assumed: form of the review's power law y = a + b·t^(−m) (§4.2, Li EL 2019); " +
		"the review quotes no fitted values: 80 % persists, 20 % decays as t^(−0.3)"
	b.f("retention_a", 0.8, ret)
	b.f("retention_b", 0.2, ret)
	b.f("retention_m", 0.3, ret)
	ppf := "review quotes no PPF index for this device; two-phase decay typical of photogated synapses: " +
		"C1 = 0.3, τ1 = 0.1 s; C2 = 0.2, τ2 = 1 s (PPF(0.1 s) ≈ 1.29)"
	b.assume("ppf_c1", 0.3, 0.1, 0.6, ppf)
	b.assume("ppf_tau1_s", 0.1, 0.03, 0.3, ppf)
	b.assume("ppf_c2", 0.2, 0.05, 0.4, ppf)
	b.assume("ppf_tau2_s", 1, 0.3, 3, ppf)
	b.stpOff()
	b.f("v_read_v", 1, "assumed: 1 V source–drain (or bias) read voltage")
	b.f("t_read_s", 1e-6, "assumed: 1 µs electrical read pulse")
	b.f("t_pulse_s", 0.1, "assumed: 0.1 s optical spikes, the spike duration of the review's Si NC figure (Tan 2018, §3.1)")
	b.f("e_event_j", 0, "not quoted")
	b.noResponse()
}

// memoryTransistorClass fills the assumptions for a non-volatile NC charge-trapping
// (floating-gate or ferroelectric) transistor memory.
func memoryTransistorClass(b *builder) {
	b.p.Prior = priorChargeTrap
	b.assume("states", 32, 8, 128, "review gives no state count; 32 threshold-voltage levels, as NeuroSim's "+
		"HZO FeFET transistor memory (32, anchors.md); range 8–128")
	nl := "review shows no pulse curve; charge trapping in NCs shifts V_th about in proportion " +
		"to the injected charge until the traps fill; mild NeuroSim label 1, range 0–3 (HZO FeFET's 1.75 inside)"
	b.assume("nl_ltp", 1, 0, 3, nl)
	b.assume("nl_ltd", -1, -3, 0, nl)
	b.assume("c2c_sigma", 0.01, 0.003, 0.03, "1 % cycle-to-cycle spread, floating-gate programming is well controlled "+
		"(NeuroSim's HZO FeFET: < 0.5 %); none quoted")
	b.assume("d2d_nl_sigma", 0.3, 0.1, 0.6, "device-to-device σ_NL 0.3 for solution-processed NC layers; none quoted")
	b.assume("d2d_g_sigma", 0.1, 0.02, 0.3, "10 % device-to-device spread of the window; none quoted")
	b.assume("read_noise", 0.01, 0.002, 0.03, "1 % read noise; none quoted")
	b.noStuck()
	b.nonVolatile("charge stored in the NCs is non-volatile and the review quotes no decay for this device")
	b.noSTP("the review describes this device as a non-volatile memory and quotes no short-term plasticity", 0.2)
	b.f("v_read_v", 1, "assumed: 1 V source–drain read voltage")
	b.f("t_read_s", 1e-6, "assumed: 1 µs read pulse")
	b.f("t_pulse_s", 1e-3, "assumed: 1 ms program/erase pulse")
	b.f("e_event_j", 0, "not quoted")
	b.noResponse()
}

// transistorGmin is the assumed off-state scale of the NC transistor memories.
const (
	transistorGmin    = 1e-9
	transistorGminSrc = "assumed: off-state channel ≈ 1 nS (nA at a 1 V read); the review gives no absolute scale"
)

// transistorOnOff assumes a charge-trapping memory's current ratio where no source gives one.
func transistorOnOff(b *builder, why string) {
	b.assumeWindow(transistorGmin, transistorGminSrc, 1e3, 10, 1e5,
		why+"; 10^3, a common floating-gate memory current ratio; range 10 to the 10^5 of cdse-zns-pvdf (He LH 2021)")
}

// ---------------------------------------------------------------------------------------------
// NC synaptic devices of the review, §3.1.

// siNCMemristor is the electrically stimulated resistive switch in a solution-processed film of
// natively oxidised Si NCs (SiOx shell) with Al electrodes; switching by oxygen-vacancy
// filaments (review §3.1, Fig. 2). It shows STP, LTP and STDP.
func siNCMemristor() *Params {
	const ref = "Kawauchi T, Kano S, Fujii M, 2019, ACS Appl Electron Mater 1(12):2664"
	b := newPreset("si-nc-memristor", "memristor", "Si NC (SiOx shell)", "electrical", ref)
	memristorClass(b)
	b.window(memristorGmin, memristorGminSrc, 1e3, "Kawauchi 2019: resistance change of about 10^3 (review §3.1)")
	b.f("review.on_off", 1e3, "Kawauchi 2019, review §3.1: resistance change of about 10^3")
	ppf := "Kawauchi 2019 realised STP (review §3.1: \"short-term plasticity (STP), long-term plasticity (LTP), and " +
		"simulated spike-timing-dependent plasticity (STDP) were all realized\") but no PPF index or decay is quoted; C1 = 0.2, τ1 = 0.1 s"
	b.assume("ppf_c1", 0.2, 0.05, 0.5, ppf)
	b.assume("ppf_tau1_s", 0.1, 0.03, 0.3, ppf)
	b.assume("d2d_g_sigma", 0.2, 0.05, 0.4, "Kawauchi 2019 shows cycle-to-cycle (30 cycles) and device-to-device (four devices) "+
		"variation (review Fig. 2b–c, e) and area-dependent resistance (Fig. 2f) without numbers; 20 %, twice the class prior")
	b.electricalPulses(2, 2, "assumed, the review gives no voltages")
	return b.p
}

// siNCOptoSynapse is the two-terminal, optically stimulated broadband (UV to NIR) Si NC
// synapse; photogenerated electrons trapped at dangling-bond levels are released slowly, giving
// the decaying photocurrent (review §3.1, Fig. 3a–d). It realises STDP.
func siNCOptoSynapse() *Params {
	const ref = "Tan H, Ni ZY, Peng WB, et al., 2018, Nano Energy 52:422"
	b := newPreset("si-nc-optosynapse", "optoelectronic", "Si NC", "optical", ref)
	optoClass(b)
	b.f("t_pulse_s", 0.1, "Tan 2018, review §3.1: spike duration 0.1 s (375 nm laser spikes, Yin L 2020 Chin Phys B Fig. 5b)")
	const e = 0.7e-12
	b.f("e_event_j", e, "Tan 2018, review §3.1: \"only about 0.7 pJ for a spike duration of 0.1 s\"")
	b.f("review.e_event_j", e, "Tan 2018, review §3.1: about 0.7 pJ per 0.1 s spike")
	b.windowFromEnergy(e, "Tan 2018, review §3.1")
	b.channelPulses("optical potentiating spike", "optical depressing spike (STDP pairing, review Fig. 3b)")
	ppf := "review quotes no PPF index; Yin L 2020 (Chin Phys B) Fig. 5(c–d), reproducing Tan 2018, " +
		"shows PPF and an STP→LTP transition with laser spikes at 0.05 and 0.25 Hz, so the volatile part " +
		"survives ~4 s; C1 = 0.3, τ1 = 0.1 s; C2 = 0.2, τ2 = 10 s"
	b.assume("ppf_c1", 0.3, 0.1, 0.6, ppf)
	b.assume("ppf_tau1_s", 0.1, 0.03, 0.3, ppf)
	b.assume("ppf_c2", 0.2, 0.05, 0.4, ppf)
	b.assume("ppf_tau2_s", 10, 4, 30, ppf+" (at least the ~4 s of the 0.25 Hz train)")
	b.stpOn("Tan 2018 (Yin L 2020 Chin Phys B, Fig. 5d)")
	return b.p
}

// agCNCMemristor is the green bio-memristor with Ag nanoparticles in a cellulose nanocrystal
// (CNC) active layer; Ag filaments form and break (review §3.1, Fig. 3e).
func agCNCMemristor() *Params {
	const ref = "Hussain T, Abbas H, Youn C, et al., 2022, Adv Mater Technol 7(2):2100744"
	b := newPreset("ag-cnc-memristor", "memristor", "Ag NP / cellulose NC", "electrical", ref)
	memristorClass(b)
	b.window(memristorGmin, memristorGminSrc, 1e4, "Hussain 2022: \"I ON/OFF as high as ≈10^4\" (the paper's abstract; review §3.1)")
	b.f("review.on_off", 1e4, "Hussain 2022, review §3.1: on/off ratio ≈ 10^4")
	b.f("v_read_v", 0.05, "assumed: 0.05 V read, below Hussain 2022's ≈ 0.2 V set/reset voltage (review §3.1)")
	b.electricalPulses(0.2, 0.2, "Hussain 2022's \"ultralow SET/RESET voltage of ≈0.2 V\" (abstract; a DC sweep value, "+
		"its use as the pulse amplitude is assumed)")
	return b.p
}

// siNCPhototransistor is the boron-doped Si NC synaptic phototransistor stimulated by both
// optical and electrical spikes; photogating plus electrical gating give aversion learning,
// AND/OR logic and a spiking network recognising handwritten digits with ~94 % accuracy
// (review §3.1, Fig. 3f–g). It is the DefaultPreset. No learning number of the device is
// readable (the paper's abstract and the review give none), so it keeps the photogated prior.
func siNCPhototransistor() *Params {
	const ref = "Yin L, Han C, Zhang QT, et al., 2019, Nano Energy 63:103859"
	b := newPreset("si-nc-phototransistor", "phototransistor", "B-doped Si NC", "optical/electrical", ref)
	optoClass(b)
	b.channelPulses("excitatory electrical spike (Yin 2019, review §3.1, Fig. 3g)", "inhibitory optical spike (Yin 2019, review §3.1, Fig. 3g)")
	return b.p
}

// znseZnSFlash is the tunnelling-layer-free floating-gate non-volatile memory with type-I
// ZnSe@ZnS core–shell NCs as discrete charge-trapping centres (review §3.2). The review
// describes it as a memory and gives no figures, so every value is assumed.
func znseZnSFlash() *Params {
	const ref = "Yan CY, Wen JM, Lin P, et al., 2019, Small 15(1):1804156"
	b := newPreset("znse-zns-flash", "flash", "ZnSe@ZnS core-shell NC", "electrical", ref)
	memoryTransistorClass(b)
	transistorOnOff(b, "review quotes no ratio for Yan CY 2019")
	b.channelPulses("gate program pulse (Yan CY 2019, review §3.2)", "gate erase pulse (Yan CY 2019, review §3.2)")
	return b.p
}

// ---------------------------------------------------------------------------------------------
// §4.1, NCs with perovskite.

// perovskiteSiNC is the Si NC optoelectronic synapse enhanced by organometal halide perovskite
// (photogating at the Si NC/perovskite heterojunction): higher optical sensitivity and lower
// energy than Si NCs alone (review §4.1; the paper's abstract: "increased optical sensitivity
// and decreased electrical energy consumption"); used to simulate biased and correlated
// random-walk learning. No figures are quoted.
func perovskiteSiNC() *Params {
	const ref = "Zhu YY, Huang W, He YF, et al., 2020, Research 2020:7538450"
	b := newPreset("perovskite-si-nc", "optoelectronic", "Si NC / organometal halide perovskite", "optical", ref)
	optoClass(b)
	b.channelPulses("optical potentiation (Zhu YY 2020, review §4.1)", "assumed electrical depression (review §4.1 names none)")
	return b.p
}

// mapbi3SiNC is the zero-power ITO/PCBM/MAPbI3:B-doped Si NC/Spiro-OMeTAD/Au synapse: the
// built-in field of the MAPbI3/Si NC junction separates photocarriers, so it works with optical
// input only and no bias (review §4.1, Fig. 5). It shows PPF, STDP, SNDP and SRDP (the
// spike-rate dependence of the short-term gain, a volatile effect: Fig. 5e–f); the gain
// (EPSC of the 50th over the 1st of 50 spikes) vs spike rate is a high-pass filter with a
// 4.8 Hz cutoff, used for image sharpening.
func mapbi3SiNC() *Params {
	const ref = "Huang W, Hang PJ, Wang Y, et al., 2020, Nano Energy 73:104790"
	b := newPreset("mapbi3-si-nc", "optoelectronic", "MAPbI3 : B-doped Si NC", "optical", ref)
	optoClass(b)
	b.f("review.cutoff_hz", 4.8, "Huang 2020, review §4.1, Fig. 5f: high-pass cutoff 4.8 Hz")
	// The gain EPSC_50/EPSC_1 of a single-exponential volatile part depends on f·τ1 only, so the
	// cutoff of its first-order high-pass fit is κ/τ1. κ was measured with this package's
	// Characterize (FitHighPass) for C1 = 0.5, C2 = 0 and no STP→LTP conversion;
	// TestPresetCharacterize checks the result.
	// With the facilitation capped at 2·C1 (capFacilitation's rule, stated here so the
	// calibration below stays valid), κ = 4.396 was measured the same way.
	const kappa = 4.396
	tau := kappa / 4.8
	ppf := fmt.Sprintf("calibrated to Huang 2020's 4.8 Hz gain cutoff (review §4.1, Fig. 5f; Gain = EPSC_50/EPSC_1): "+
		"the gain depends on f·τ1 only and Characterize's first-order high-pass fit gives f_c·τ1 = κ = %.3f "+
		"(with the facilitation cap 2·C1), so τ1 = κ/4.8 Hz = %.3f s; single component", kappa, tau)
	b.f("stp_max", 1.0, CapRule+" (as for the other presets): the review quotes no gain values; the τ1 calibration below uses it")
	b.assume("ppf_c1", 0.5, 0.2, 1, "no PPF index quoted for Huang 2020; C1 = 0.5 (the τ1 calibration holds for any C1, "+
		"since the gain's cutoff depends on f·τ1 only)")
	b.f("ppf_tau1_s", tau, ppf)
	b.f("ppf_c2", 0, ppf)
	b.f("ppf_tau2_s", 0, ppf)
	// Left off: with the placeholder conversion on, the gain's shape (and κ) would rest on
	// assumed numbers.
	b.stpOff()
	b.f("v_read_v", 0, "Huang 2020, review §4.1: zero-power, works with optical inputs only and no applied bias; read energy V²·G·t = 0")
	b.f("t_pulse_s", 0.1, "assumed: 0.1 s 375 nm laser spikes (the wavelength is Huang 2020's, review §4.1; the width is not quoted)")
	b.pulses(0, "Huang 2020, review §4.1: zero-power (no bias): no electrical energy; the optical pulse energy is not quoted",
		0, "Huang 2020, review §4.1: zero-power; depression by optical spike timing (STDP), no electrical energy")
	b.light(true, true) // "works with optical inputs only" (review §4.1)
	return b.p
}

// ---------------------------------------------------------------------------------------------
// §4.2, NCs with organic semiconductors.

// siNCElectroluminescent is the optical-output synaptic device ITO/ZnO/Si NCs/CBP/MoO3/Au with
// red (~740 nm) electroluminescence; electrical input spikes (logic "1" ≈ 6 V), light output.
// Shows PPF, STDP, the STP→LTP transition and AND/OR/NAND/NOR logic (review §4.2, Fig. 6).
func siNCElectroluminescent() *Params {
	const ref = "Zhao SY, Ni ZY, Tan H, et al., 2018a, Nano Energy 54:383"
	b := newPreset("si-nc-el", "electroluminescent", "Si NC", "electrical", ref)
	optoClass(b)
	b.assumeWindow(memristorGmin, "assumed: forward conductance ≈ 1 µS of a thin-film NC LED at its operating bias; the review gives no scale",
		10, 2, 100, "review quotes no on/off for Zhao SY 2018a; 10, as for the other NC synapses")
	b.stpOn("Zhao SY 2018a (review §4.2)")
	b.f("t_pulse_s", 0.1, "assumed: 0.1 s electrical spikes; the review gives none")
	b.electricalPulses(6, 6, "Zhao SY 2018a, review §4.2: logic input \"1\" is about 6 V (the logic demo's level; its use as the synaptic spike is assumed)")
	return b.p
}

// cspbbr3QDFlash is the CsPbBr3 perovskite QD photonic flash memory (pentacene channel):
// optically programmed (photo-electrons trapped in the QD layer under negative gate bias) and
// electrically erased (positive bias) (review §4.2, Fig. 7a–b).
func cspbbr3QDFlash() *Params {
	const ref = "Wang Y, Lv ZY, Chen JR, et al., 2018, Adv Mater 30(38):1802883"
	b := newPreset("cspbbr3-qd-flash", "flash", "CsPbBr3 QD", "optical/electrical", ref)
	memoryTransistorClass(b)
	transistorOnOff(b, "review quotes no ratio for Wang Y 2018")
	b.f("t_pulse_s", 0.1, "assumed: 0.1 s light program pulse / electrical erase pulse; the review gives none")
	b.channelPulses("optical programming (Wang Y 2018, review §4.2, Fig. 7b)", "electrical erasing by positive gate bias (Wang Y 2018, review §4.2, Fig. 7b)")
	return b.p
}

// p3htPQD is the P3HT/perovskite QD composite photonic synapse with photo-writing and electric
// erasing: a 1 ms illumination writes it with as little as 3×10⁻¹⁷ J (review §4.2); the 1 ms is
// the illumination's length, not a response time, which the review does not quote.
func p3htPQD() *Params {
	const ref = "Chen JY, Yang DL, Jhuang FC, et al., 2021, Adv Funct Mater 31(47):2105911"
	b := newPreset("p3ht-pqd", "optoelectronic", "CsPbBr3 perovskite QD / P3HT", "optical/electrical", ref)
	optoClass(b)
	b.f("t_pulse_s", 1e-3, "Chen 2021, review §4.2: \"can respond to an extremely short illumination of 1 ms\" (the optical pulse's length)")
	b.f("response_s", 0, "not quoted: Chen 2021's 1 ms (review §4.2) is the illumination's length, not a response time (informational field, 0 = unknown)")
	const e = 3e-17
	b.f("e_event_j", e, "Chen 2021, review §4.2: \"a lowest energy consumption of 3×10^-17 J\" (the lowest reported; its conditions are not quoted)")
	b.f("review.e_event_j", e, "Chen 2021, review §4.2: 3×10^-17 J")
	b.windowFromEnergy(e, "Chen 2021, review §4.2, the lowest reported")
	b.channelPulses("1 ms photo-write (Chen 2021, review §4.2)", "electric erasing (Chen 2021, review §4.2)")
	return b.p
}

// dppdttCsPbBr3 is the photonic synaptic transistor of the polymer DPPDTT and CsPbBr3 NCs:
// high photosensitivity and a synaptic response even at −0.0005 V (review §4.2).
func dppdttCsPbBr3() *Params {
	const ref = "Hao DD, Zhang JY, Dai SL, et al., 2020, ACS Appl Mater Interf 12(35):39487"
	b := newPreset("dppdtt-cspbbr3", "phototransistor", "CsPbBr3 NC / DPPDTT", "optical", ref)
	optoClass(b)
	b.f("v_read_v", 0.0005, "Hao 2020, review §4.2: synaptic response under an operation voltage of −0.0005 V "+
		"(magnitude; that it is the read (drain) bias is assumed, the review does not say)")
	b.channelPulses("optical potentiation at Hao 2020's 0.5 mV bias", "assumed depression pulse at the same bias (review §4.2 names none)")
	return b.p
}

// pqdOSCTransistor is the light-stimulated synaptic transistor (LSST) of inorganic halide
// perovskite QDs blended with an organic semiconductor; charge separation raises the
// photoresponsivity by about three orders of magnitude over pure NCs (review §4.2).
func pqdOSCTransistor() *Params {
	const ref = "Wang K, Dai SL, Zhao YW, et al., 2019, Small 15(11):1900010"
	b := newPreset("pqd-osc-transistor", "phototransistor", "CsPbX3 perovskite QD / organic semiconductor", "optical", ref)
	optoClass(b)
	b.channelPulses("optical potentiation (Wang K 2019, review §4.2)", "assumed electrical depression (review §4.2 names none)")
	return b.p
}

// cspbbr3NCTransistor is the all-inorganic synaptic transistor of L-type-ligand-modified
// CsPbBr3 NCs whose plasticity is modulated by temperature and by the pulse waveform (10
// triangular 20 V pulses, 600 ms base, 300 ms apart vs square pulses of equal area); EPSC decays
// follow y = a + b·t^(−m) (review §4.2, Fig. 7c–g).
func cspbbr3NCTransistor() *Params {
	const ref = "Li EL, Lin WK, Yan YJ, et al., 2019, ACS Appl Mater Interf 11(49):46008"
	b := newPreset("cspbbr3-nc-transistor", "transistor", "CsPbBr3 NC (L-type ligands)", "electrical", ref)
	optoClass(b)
	b.f("t_pulse_s", 0.6, "Li EL 2019, review §4.2: triangular 20 V pulses with a 600 ms base")
	ppf := "review quotes no PPF index for Li EL 2019; pulses 300 ms apart accumulate (Fig. 7f–g), " +
		"so τ1 = 0.3 s, C1 = 0.3; slow C2 = 0.2, τ2 = 3 s"
	b.assume("ppf_c1", 0.3, 0.1, 0.6, ppf)
	b.assume("ppf_tau1_s", 0.3, 0.1, 1, ppf)
	b.assume("ppf_c2", 0.2, 0.05, 0.4, ppf)
	b.assume("ppf_tau2_s", 3, 1, 10, ppf)
	b.channelPulses("20 V gate pulse (Li EL 2019, review §4.2; gate charging not counted)", "assumed opposite-polarity gate pulse (review §4.2 names none)")
	return b.p
}

// pvpNCNC is the flexible, transparent memristor of N-doped carbon NCs (NCNC) in PVP; the NCNC
// concentration sets digital (10 wt%) or analog (40 wt%) resistive switching via the number of
// conductive paths (review §4.2, Fig. 8). The preset models the analog (A-RS) composition. The
// paper's abstract reports EPSC, PPF, STDP and the STP→LTP transition, and space-charge
// trapping/detrapping (not filaments) as the mechanism.
func pvpNCNC() *Params {
	const ref = "Zeng T, Yang Z, Liang JB, et al., 2021, Nanoscale Adv 3(9):2623 (also Wang TY et al., 2020, Nano Lett 20(6):4111)"
	b := newPreset("pvp-ncnc", "memristor", "N-doped carbon NC / PVP", "electrical", ref)
	memristorClass(b)
	memristorOnOff(b, "review quotes no on/off for Zeng 2021")
	nl := "Zeng 2021's analog RS at 40 wt% NCNC has gradual conductance change through multiple " +
		"conductive paths (review §4.2, Fig. 8d,f), no fit quoted; mild label 1"
	b.assume("nl_ltp", 1, 0.04, 3, nl)
	b.assume("nl_ltd", -1, -3, -0.04, nl)
	ppf := "Zeng 2021's abstract: \"paired-pulse facilitation (PPF) … and the transition from short-term plasticity (STP) to " +
		"long-term plasticity (LTP), are emulated\"; no index quoted; C1 = 0.2, τ1 = 0.1 s"
	b.assume("ppf_c1", 0.2, 0.05, 0.5, ppf)
	b.assume("ppf_tau1_s", 0.1, 0.03, 0.3, ppf)
	b.stpOn("Zeng 2021 (the paper's abstract)")
	b.electricalPulses(1, 1, "assumed; the review says set/forming voltages drop with NCNC concentration but gives no value")
	return b.p
}

// siQDNIRLED is the near-infrared Si QD light-emitting diode Ag/ZnO/Si QDs/PFN/P3HT/PEDOT:PSS/ITO
// that mimics synaptic plasticity in its electroluminescence (review §4.2, Fig. 9a).
func siQDNIRLED() *Params {
	const ref = "Zhao SY, Wang Y, Huang W, et al., 2019, Sci China Mater 62(10):1470"
	b := newPreset("si-qd-nir-led", "electroluminescent", "Si QD", "electrical", ref)
	optoClass(b)
	b.assumeWindow(memristorGmin, "assumed: forward conductance ≈ 1 µS of a thin-film NC LED at its operating bias; the review gives no scale",
		10, 2, 100, "review quotes no on/off for Zhao SY 2019; 10, as for the other NC synapses")
	b.f("t_pulse_s", 0.1, "assumed: 0.1 s electrical spikes; the review gives none")
	b.electricalPulses(6, 6, "assumed: the input level of the related Si NC EL synapse (Zhao SY 2018a, review §4.2)")
	return b.p
}

// cdseZnSLEM is the light-emitting memristor ITO/PEDOT:PSS/CuSCN/TFB/CdSe@ZnS NCs/ZnO/Ag that
// receives and emits blue light, so devices connect optically (artificial efferent nerve);
// plasticity from hole collection and release in CuSCN (review §4.2, Fig. 9b–d).
func cdseZnSLEM() *Params {
	const ref = "Zhu YB, Wu CX, Xu ZW, et al., 2021, Nano Lett 21(14):6087"
	b := newPreset("cdse-zns-lem", "light-emitting memristor", "CdSe@ZnS core-shell NC", "optical", ref)
	optoClass(b)
	b.assumeWindow(memristorGmin, "assumed: forward conductance ≈ 1 µS of a thin-film NC LED; the review gives no scale",
		10, 2, 100, "review quotes no on/off for Zhu YB 2021; 10, as for the other NC synapses")
	b.channelPulses("blue-light stimulation (Zhu YB 2021, review §4.2, Fig. 9d)", "assumed electrical depression (review §4.2 names none)")
	return b.p
}

// inpZnSTransistor is the pentacene organic transistor memory with InP@ZnS core–shell NCs:
// fast response (10 µs), a 42 V memory window and 4×10⁴ s retention (review §4.2).
func inpZnSTransistor() *Params {
	const ref = "Hu H, Wen GH, Wen JM, et al., 2021, Adv Sci 8(16):2100513"
	b := newPreset("inp-zns-transistor", "flash", "InP@ZnS core-shell NC", "optical/electrical", ref)
	memoryTransistorClass(b)
	transistorOnOff(b, "review quotes a 42 V memory window for Hu H 2021 but no current ratio")
	b.f("response_s", 10e-6, "Hu H 2021, review §4.2: fast response (10 µs)")
	b.f("review.response_s", 10e-6, "Hu H 2021, review §4.2: 10 µs")
	b.f("t_pulse_s", 10e-6, "assumed: pulse width = Hu H 2021's 10 µs response (review §4.2); the programming pulse itself is not quoted")
	b.retentionOver(4e4, "Hu H 2021, review §4.2")
	b.f("review.retention_s", 4e4, "Hu H 2021, review §4.2: retention as long as 4×10^4 s")
	b.channelPulses("program pulse (Hu H 2021, review §4.2)", "erase pulse (Hu H 2021, review §4.2)")
	return b.p
}

// cdseZnSPVDF is the organic thin-film transistor combining ferroelectric P(VDF-TrFE) with a
// CdSe@ZnS NC floating gate: switch ratio ≈ 10⁵ and retention 10⁴ s (review §4.2).
func cdseZnSPVDF() *Params {
	const ref = "He LH, Li EL, He WX, et al., 2021, Adv Electron Mater 7(11):2100599"
	b := newPreset("cdse-zns-pvdf", "fefet", "CdSe@ZnS core-shell NC / P(VDF-TrFE)", "electrical", ref)
	memoryTransistorClass(b)
	b.window(transistorGmin, transistorGminSrc, 1e5, "He LH 2021: switch ratio ≈ 10^5 (review §4.2)")
	b.f("review.on_off", 1e5, "He LH 2021, review §4.2: switch ratio ≈ 10^5")
	b.retentionOver(1e4, "He LH 2021, review §4.2")
	b.f("review.retention_s", 1e4, "He LH 2021, review §4.2: retention 10^4 s")
	b.channelPulses("gate program pulse (He LH 2021, review §4.2)", "gate erase pulse (He LH 2021, review §4.2)")
	return b.p
}

// ---------------------------------------------------------------------------------------------
// §4.3, NCs with 2D materials.

// siNCWSe2 is the optoelectronic synapse of Si NCs on 2D WSe2, broadband (UV to NIR), with an
// energy of about 75 fJ per synaptic event (review §4.3).
func siNCWSe2() *Params {
	const ref = "Ni ZY, Wang Y, Liu LX, et al., 2018, IEEE IEDM p.38.5.1"
	b := newPreset("si-nc-wse2", "phototransistor", "Si NC / WSe2", "optical", ref)
	optoClass(b)
	const e = 75e-15
	b.f("e_event_j", e, "Ni 2018, review §4.3: \"a low energy consumption of about 75 fJ\"")
	b.f("review.e_event_j", e, "Ni 2018, review §4.3: about 75 fJ")
	b.windowFromEnergy(e, "Ni 2018, review §4.3")
	b.channelPulses("optical synaptic event (Ni 2018, review §4.3)", "assumed depression pulse (review §4.3 names none)")
	return b.p
}

// mos2NCTransistor is the optoelectronic synaptic transistor on a MoS2/NC heterostructure with
// optically modulated plasticity; a large gate voltage erases the EPSC at once (review §4.3,
// Fig. 10a–b).
func mos2NCTransistor() *Params {
	const ref = "Sun YL, Ding YT, Xie D, et al., 2021b, Adv Opt Mater 9(12):2002232"
	b := newPreset("mos2-nc-transistor", "phototransistor", "MoS2 / NC", "optical/electrical", ref)
	optoClass(b)
	b.assume("nl_ltd", -6, -9, -3, "Sun 2021b erases by one large gate voltage: \"A large voltage is applied to the gate at 16 s "+
		"and the EPSC is immediately gone\" (review §4.3, Fig. 10b); no graded depression is shown, so the depression "+
		"branch is taken steep (label −6: the first pulses remove most of the weight)")
	b.channelPulses("optically modulated potentiation (Sun 2021b, review §4.3, Fig. 10a)", "erasing by a large gate voltage (Sun 2021b, review §4.3, Fig. 10b)")
	return b.p
}

// pbsGraphene is the flexible optical synapse Pyr-GDY/graphene/PbS NC: 980 nm light excites PbS
// NCs and lowers the graphene conductance, 450 nm light (absorbed by Pyr-GDY) raises it, so both
// directions are optical (review §4.3, Fig. 10c–d). The paper's abstract: "a linear and
// symmetric conductance-update trajectory with numerous conductance states and low noise".
func pbsGraphene() *Params {
	const ref = "Hou YX, Li Y, Zhang ZC, et al., 2021, ACS Nano 15(1):1497"
	b := newPreset("pbs-graphene", "optoelectronic", "PbS NC / graphene / Pyr-GDY", "optical", ref)
	optoClass(b)
	b.assumeWindow(1e-6, "assumed: graphene channels conduct far more than NC films; ≈ 1 µS base conductance (the review gives no scale)",
		2, 1.2, 5, "review quotes no ratio for Hou 2021; graphene photogating modulates the channel by tens of percent up to a few-fold: 2")
	abs := "Hou 2021's abstract: \"a linear and symmetric conductance-update trajectory with numerous conductance states and low noise\" (no number)"
	b.assume("nl_ltp", 0.5, 0, 1, abs+"; nearly linear: label 0.5")
	b.assume("nl_ltd", -0.5, -1, 0, abs+"; symmetric: −0.5")
	b.assume("states", 128, 64, 256, abs+"; \"numerous\": 128, twice the photogated prior")
	b.assume("read_noise", 0.01, 0.002, 0.02, abs+"; \"low noise\": 1 %, half the photogated prior")
	b.channelPulses("450 nm light pulse (Hou 2021, review §4.3, Fig. 10d)", "980 nm light pulse (Hou 2021, review §4.3, Fig. 10d)")
	return b.p
}

// goNCNC is the flexible all-carbon memristive synapse of graphene oxide and N-doped carbon NCs;
// UV light photoreduces GO locally and gives analog switching with gradual conductance change,
// EPSC, PPF and STDP (review §4.3).
func goNCNC() *Params {
	const ref = "Lin Y, Wang ZQ, Zhang X, et al., 2020, NPG Asia Mater 12(1):64"
	b := newPreset("go-ncnc", "memristor", "graphene oxide / N-doped carbon NC", "electrical", ref)
	memristorClass(b)
	memristorOnOff(b, "review quotes no on/off for Lin 2020")
	nl := "Lin 2020's abstract: \"the high linearity of the conductance change also facilitated the implementation of pattern " +
		"recognition\" (no value); nearly linear: label 0.5"
	b.assume("nl_ltp", 0.5, 0.04, 1.5, nl)
	b.assume("nl_ltd", -0.5, -1.5, -0.04, nl)
	ppf := "Lin 2020 emulates PPF (review §4.3) but no index is quoted; C1 = 0.2, τ1 = 0.1 s"
	b.assume("ppf_c1", 0.2, 0.05, 0.5, ppf)
	b.assume("ppf_tau1_s", 0.1, 0.03, 0.3, ppf)
	b.electricalPulses(1, 1, "assumed, the review gives no voltages")
	return b.p
}

// graphenePNC is the phototransistor of perovskite QDs grown from the graphene lattice (G-PNC),
// responsivity 1.4×10⁸ A/W, also used as a photonic synapse (review §4.3).
func graphenePNC() *Params {
	const ref = "Pradhan B, Das S, Li JX, et al., 2020, Sci Adv 6(7):eaay5225"
	b := newPreset("graphene-pnc", "phototransistor", "perovskite QD / graphene", "optical", ref)
	optoClass(b)
	b.assumeWindow(1e-6, "assumed: graphene channel, ≈ 1 µS base conductance (the review gives no scale)",
		2, 1.2, 5, "review quotes responsivity (1.4×10^8 A/W, Pradhan 2020) but no ratio; graphene photogating modulates the channel "+
			"by tens of percent up to a few-fold: 2")
	b.channelPulses("optical potentiation (Pradhan 2020, review §4.3)", "assumed electrical depression (review §4.3 names none)")
	return b.p
}

// graphenePNCHighPPF is the light-stimulated synaptic transistor of the graphene/perovskite NC
// heterostructure whose PPF index reaches 196 % (review §4.3).
func graphenePNCHighPPF() *Params {
	const ref = "Han C, Han XW, Han JY, et al., 2022, Adv Funct Mater 32(22):2113053"
	b := newPreset("graphene-pnc-ppf", "phototransistor", "perovskite NC / graphene", "optical", ref)
	optoClass(b)
	b.assumeWindow(1e-6, "assumed: graphene channel, ≈ 1 µS base conductance (the review gives no scale)",
		2, 1.2, 5, "review quotes no ratio for Han 2022; graphene photogating: 2")
	b.f("review.ppf_index_pct", 196, "Han 2022, review §4.3: PPF index \"can be elevated to 196%\" (its largest value)")
	// 196 % is the largest PPF the device reaches, and PPF falls with the interval, so the
	// model's PPF must approach 196 % at the shortest intervals and never exceed it: PPF(Δt) <
	// 1 + C1 + C2 = 1.96 for every Δt > 0. The interval of the comparison is not quoted
	// (assumed: 1 ms, where the model gives 195.3 %).
	b.f("review.ppf_dt_s", 1e-3, "assumed: the review gives no interval for Han 2022's 196 %, its largest PPF; PPF is largest at "+
		"the shortest interval, taken as 1 ms")
	c1 := 0.96 / 1.5
	ppf := fmt.Sprintf("derived: Han 2022's largest PPF 196 %% (review §4.3) is the limit of short intervals, "+
		"1 + C1 + C2 = 1.96, with C2 = C1/2 assumed: C1 = %.4f, C2 = %.4f; no interval gives more than 196 %%", c1, c1/2)
	b.f("ppf_c1", c1, ppf)
	b.f("ppf_c2", c1/2, ppf)
	b.assume("ppf_tau1_s", 0.1, 0.03, 0.3, "Han 2022's PPF decay times are not quoted; τ1 = 0.1 s (the derivation of C1 uses it)")
	b.assume("ppf_tau2_s", 1, 0.3, 3, "Han 2022's PPF decay times are not quoted; τ2 = 1 s (the derivation of C1 uses it)")
	b.channelPulses("optical potentiation (Han 2022, review §4.3)", "assumed electrical depression (review §4.3 names none)")
	return b.p
}

// ---------------------------------------------------------------------------------------------
// §4.4, NCs with other semiconductors.

// mos2QDMemristor is the non-volatile bipolar memristor of liquid-phase-exfoliated MoS2 QDs,
// on/off 10⁴ (review §4.4); the paper's abstract also reports paired-pulse facilitation and
// depression.
func mos2QDMemristor() *Params {
	const ref = "Thomas A, Resmi AN, Ganguly A, et al., 2020, Sci Rep 10(1):12450"
	b := newPreset("mos2-qd-memristor", "memristor", "MoS2 QD", "electrical", ref)
	memristorClass(b)
	b.window(memristorGmin, memristorGminSrc, 1e4, "Thomas 2020: \"good resistive switching with an On–Off ratio of 10^4\" (the paper's abstract; review §4.4)")
	b.f("review.on_off", 1e4, "Thomas 2020, review §4.4: high on-off ratio of 10^4")
	ppf := "Thomas 2020's abstract: \"Paired Pulse Facilitation / Depression of short-term memory has been observed\", no index " +
		"quoted; facilitation C1 = 0.2, τ1 = 0.1 s (the depression is not modelled)"
	b.assume("ppf_c1", 0.2, 0.05, 0.5, ppf)
	b.assume("ppf_tau1_s", 0.1, 0.03, 0.3, ppf)
	b.electricalPulses(1, 1, "assumed, the review gives no voltages")
	return b.p
}

// pbsNQDMemristor is the Ag/Ga2O3/PbS networked-QD/Pt memristor: self-assembled PbS QDs guide
// the Ag filaments, giving the most concentrated switching voltages (60 devices from three
// batches; the resistance distribution of Fig. 11g is over 60 I–V cycles), a 5.3 ns SET
// response, low power and the best retention (review §4.4, Fig. 11).
func pbsNQDMemristor() *Params {
	const ref = "Yan XB, Pei YF, Chen HW, et al., 2019, Adv Mater 31(7):1805284"
	b := newPreset("pbs-nqd-memristor", "memristor", "PbS networked QD / Ga2O3", "electrical", ref)
	memristorClass(b)
	b.assumeWindow(memristorGmin, memristorGminSrc, 1e2, 10, 1e4, "the review credits the self-assembled NCs with a \"large on-off ratio\" "+
		"(Yan XB 2019, review §4.4) but quotes no value; 10^2, likely below the device's; range up to the 10^3–10^4 "+
		"of the NC memristors that quote one (si-nc-memristor, ag-cnc-memristor, mos2-qd-memristor)")
	b.f("response_s", 5.3e-9, "Yan XB 2019, review §4.4, Fig. 11f: SET response ≈ 5.3 ns for NQD devices")
	b.f("review.response_s", 5.3e-9, "Yan XB 2019, review §4.4, Fig. 11f: 5.3 ns")
	b.f("t_pulse_s", 50e-9, "assumed: 50 ns programming pulse, about ten times Yan XB 2019's 5.3 ns SET response (review §4.4)")
	b.assume("d2d_g_sigma", 0.05, 0.01, 0.1, "Yan XB 2019's NQD devices have the most concentrated HRS/LRS distribution over 60 I–V cycles "+
		"(review §4.4, Fig. 11g), no σ quoted; half the NC memristor prior, 5 %")
	b.assume("d2d_nl_sigma", 0.25, 0.05, 0.5, "more uniform switching than other NC memristors (Yan XB 2019, review §4.4); half the prior")
	b.assume("c2c_sigma", 0.02, 0.005, 0.035, "set/reset voltage spread about an order of magnitude narrower than the pure-Ga2O3 "+
		"device's (Yan XB 2019, review §4.4); 2 %, range up to the class prior's 3.5 %")
	b.electricalPulses(1, 1, "assumed, the review gives no voltages")
	return b.p
}

// cspbbr3NCMemory is the Au/PMMA/PMMA:CsPbBr3 NCs/PMMA/ITO forming-free bipolar resistive memory
// whose on/off ratio is tunable from a metastable 10⁶ to a stable 10, with photoresponse (review
// §4.4). The preset uses the stable ratio.
func cspbbr3NCMemory() *Params {
	const ref = "Zhang XN, Yang HY, Jiang ZG, et al., 2019, J Phys D Appl Phys 52(12):125103"
	b := newPreset("cspbbr3-nc-memory", "memristor", "CsPbBr3 NC / PMMA", "electrical", ref)
	memristorClass(b)
	b.window(memristorGmin, memristorGminSrc, 10, "Zhang XN 2019: stable on-off ratio 10 (metastable up to 10^6), review §4.4")
	b.f("review.on_off", 10, "Zhang XN 2019, review §4.4: tunable on-off ratio from metastable 10^6 to stable 10 (stable value)")
	b.electricalPulses(1, 1, "assumed, the review gives no voltages")
	return b.p
}

// ---------------------------------------------------------------------------------------------
// NeuroSim's reference devices (MLP+NeuroSim V3.0 published device table, as given in
// /work/shared/reference/anchors.md). Only Ag:a-Si's absolute cell is given there; the others
// share its Gmax so that they differ only in the table's parameters. D2D spread and read noise
// are 0 so each preset is the table's nominal device.

// neurosim builds a NeuroSim table device.
func neurosim(name, kind, material string, states int, nlP, nlD, onOff, c2c float64, c2cNote string) *Params {
	const table = "NeuroSim (MLP+NeuroSim V3.0) published device table, anchors.md"
	b := newPreset(name, kind, material, "electrical", table)
	b.p.Prior = priorNeuroSim
	b.n("states", states, table)
	b.f("nl_ltp", nlP, table)
	b.f("nl_ltd", nlD, table)
	gmax := 38.462e-9
	if name == "ag-a-si" {
		b.f("gmax_s", gmax, "NeuroSim default Ag:a-Si cell: Gmax 38.462 nS, anchors.md")
		b.f("gmin_s", 3.0769e-9, "NeuroSim default Ag:a-Si cell: Gmin 3.0769 nS (on/off 12.5), anchors.md")
		b.p.Source["on_off"] = table
	} else {
		b.f("gmax_s", gmax, "assumed: anchors.md gives absolute conductances only for the Ag:a-Si cell (38.462 nS); same Gmax used")
		b.f("gmin_s", gmax/onOff, fmt.Sprintf("derived: Gmax / on/off = 38.462 nS / %g (on/off from the %s)", onOff, table))
		b.p.Source["on_off"] = table
	}
	b.n("review.states", states, table)
	b.f("review.on_off", onOff, table)
	b.f("c2c_sigma", c2c, table+c2cNote)
	nominal := "anchors.md gives no %s; 0 so the preset is the table's nominal device, up to %s as the plausible range"
	b.assume("d2d_nl_sigma", 0, 0, 0.5, fmt.Sprintf(nominal, "D2D spread of NL", "0.5 (the NC priors' scale)"))
	b.assume("d2d_g_sigma", 0, 0, 0.1, fmt.Sprintf(nominal, "window spread", "10 %"))
	b.assume("read_noise", 0, 0, 0.02, fmt.Sprintf(nominal, "read-noise σ", "2 %"))
	b.noStuck()
	b.nonVolatile("NeuroSim's online-learning model has no retention loss")
	b.noSTP("NeuroSim's devices are modelled without short-term plasticity", 0.1)
	b.f("v_read_v", 0.5, "NeuroSim default cell: V_read 0.5 V, anchors.md (Ag:a-Si cell; used for all table devices)")
	b.f("t_read_s", 1e-6, "assumed: 1 µs read pulse; anchors.md gives none")
	b.f("t_pulse_s", 300e-6, "NeuroSim default cell: write pulses of 300 µs, anchors.md (Ag:a-Si cell; used for all table devices)")
	b.f("e_event_j", 0, "not given")
	b.pulses(3.2, "NeuroSim default cell: write +3.2 V, anchors.md", 2.8, "NeuroSim default cell: write −2.8 V (magnitude), anchors.md")
	b.noResponse()
	return b.p
}

// agASi is the Ag:a-Si filamentary memristor of NeuroSim's table.
func agASi() *Params {
	return neurosim("ag-a-si", "memristor", "Ag:a-Si", 97, 2.40, -4.88, 12.5, 0.035, "")
}

// taoxHfox is the TaOx/HfOx RRAM of NeuroSim's table.
func taoxHfox() *Params {
	return neurosim("taox-hfox", "memristor", "TaOx/HfOx", 128, 0.04, -0.63, 10, 0.037, "")
}

// pcmo is the Pr0.7Ca0.3MnO3 RRAM of NeuroSim's table.
func pcmo() *Params {
	return neurosim("pcmo", "memristor", "PCMO", 50, 3.68, -6.76, 6.84, 0.01, " (C2C \"<1 %\"; upper bound 1 % used)")
}

// aloxHfo2 is the AlOx/HfO2 RRAM of NeuroSim's table.
func aloxHfo2() *Params {
	return neurosim("alox-hfo2", "memristor", "AlOx/HfO2", 40, 1.94, -0.61, 4.43, 0.05, "")
}

// epiRAM is the epitaxial SiGe RAM of NeuroSim's table.
func epiRAM() *Params {
	return neurosim("epiram", "memristor", "epitaxial SiGe (EpiRAM)", 64, 0.5, -0.5, 50.2, 0.02, "")
}

// hzoFeFET is the Hf0.5Zr0.5O2 ferroelectric FET of NeuroSim's table (LTD label +1.46, as
// published).
func hzoFeFET() *Params {
	return neurosim("hzo-fefet", "fefet", "HZO", 32, 1.75, 1.46, 45, 0.005, " (C2C \"<0.5 %\"; upper bound 0.5 % used)")
}

// ---------------------------------------------------------------------------------------------

// ideal is a linear, noiseless device with 65536 states: the software-like upper bound.
func ideal() *Params {
	const why = "assumed: ideal device"
	b := newPreset("ideal", "ideal", "none", "electrical", "none (ideal reference device)")
	b.f("gmin_s", 1e-9, why+", 1 nS window floor")
	b.f("gmax_s", 1e-6, why+", 1 µS window top (on/off 1000)")
	b.n("states", 65536, why+", 16-bit resolution so quantisation is negligible")
	b.p.Analog = true
	b.p.Source["analog"] = why + ": fractional pulses are applied exactly, so programming equals the float rule"
	b.f("nl_ltp", 0, why+", linear")
	b.f("nl_ltd", 0, why+", linear")
	for _, f := range []string{"c2c_sigma", "d2d_nl_sigma", "d2d_g_sigma", "read_noise", "stuck_min_frac", "stuck_max_frac"} {
		b.f(f, 0, why+", no variation, noise or stuck devices")
	}
	b.nonVolatile("ideal device")
	for _, f := range []string{"ppf_c1", "ppf_tau1_s", "ppf_c2", "ppf_tau2_s"} {
		b.f(f, 0, why+": no short-term component")
	}
	b.stpOff()
	b.f("v_read_v", 0.1, why+", 0.1 V read")
	b.f("t_read_s", 1e-6, why+", 1 µs read")
	b.f("t_pulse_s", 1e-6, why+", 1 µs programming pulse")
	b.f("e_event_j", 0, why)
	b.f("v_pot_v", 0, why+": programming energy not modelled")
	b.f("v_dep_v", 0, why+": programming energy not modelled")
	b.f("e_pot_j", 0, why+": programming energy not modelled")
	b.f("e_dep_j", 0, why+": programming energy not modelled")
	b.noLight()
	b.noResponse()
	return b.p
}

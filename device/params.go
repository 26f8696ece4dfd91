package device

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Params is the parameter set of one kind of synaptic device: a preset or a
// user's own device read from JSON. Conductances are in siemens, times in
// seconds, energies in joules. Source maps a field's JSON name to where its
// value comes from (paper + figure/table) or to "assumed: reason".
//
// The zero value is not valid; start from a preset or DefaultParams.
type Params struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Analog marks an ideal analog weight: a fractional pulse is applied as a
	// proportionally smaller step instead of being rounded stochastically, so
	// programming Δw by its nominal pulse count changes the weight by exactly Δw
	// (up to the bounds and floating-point rounding). Real devices leave it false.
	Analog      bool   `json:"analog,omitempty"` // e.g. "memristor", "phototransistor", "flash", "fefet", "ideal"
	Material    string `json:"material"`         // e.g. "Si NC", "CsPbBr3 QD"
	Programming string `json:"programming"`      // "electrical", "optical", "optical/electrical"
	Reference   string `json:"reference"`        // the device's primary paper, as cited in the review
	// Prior names the device class whose assumptions (with their ranges) fill what the
	// device's own sources do not give; empty for a device without one (a user's, the ideal).
	Prior string `json:"prior,omitempty"`

	// Long-term (non-volatile) conductance window and update law,
	// G(p) = B(1 − exp(−p/A)) + Gmin (see doc.go).
	Gmin   float64 `json:"gmin_s"`
	Gmax   float64 `json:"gmax_s"`
	States int     `json:"states"` // Pmax: pulses from Gmin to Gmax (≥ 2)
	NLLTP  float64 `json:"nl_ltp"` // NeuroSim nonlinearity label of potentiation (0 = linear)
	NLLTD  float64 `json:"nl_ltd"` // NeuroSim nonlinearity label of depression (sign as in NeuroSim's table)

	// Variation and noise, as fractions.
	C2C       float64 `json:"c2c_sigma"`      // cycle-to-cycle σ of one step, fraction of Gmax−Gmin
	D2DNL     float64 `json:"d2d_nl_sigma"`   // device-to-device σ of the NL labels (absolute)
	D2DG      float64 `json:"d2d_g_sigma"`    // device-to-device σ of Gmin and Gmax (fraction)
	ReadNoise float64 `json:"read_noise"`     // σ of a read, fraction of G
	StuckMin  float64 `json:"stuck_min_frac"` // fraction of devices stuck at Gmin
	StuckMax  float64 `json:"stuck_max_frac"` // fraction of devices stuck at Gmax

	// Retention of the stored part: y(t) = a + b·t^(−m), y(1 s) normalised to 1.
	RetA float64 `json:"retention_a"`
	RetB float64 `json:"retention_b"`
	RetM float64 `json:"retention_m"`

	// Short-term (volatile) component: each pulse adds a part that decays as
	// C1·exp(−t/τ1) + C2·exp(−t/τ2), giving PPF(Δt) = 1 + C1·e^(−Δt/τ1) + C2·e^(−Δt/τ2).
	// STPMax caps the facilitation s1+s2: each stimulus adds C_i·(1 − s/STPMax),
	// so the gain of a long train saturates at 1 + STPMax as the traps fill;
	// the first pair, and so PPF, is unchanged. 0: no cap.
	STPMax  float64 `json:"stp_max"`
	PPFC1   float64 `json:"ppf_c1"`
	PPFTau1 float64 `json:"ppf_tau1_s"`
	PPFC2   float64 `json:"ppf_c2"`
	PPFTau2 float64 `json:"ppf_tau2_s"`

	// Short- to long-term transition (an assumed model, see doc.go): when the facilitation
	// s1+s2 just after a stimulus exceeds STPThreshold, the fraction STPRate of the excess is
	// converted into the stored conductance. STPRate 0 (the default) turns it off.
	STPThreshold float64 `json:"stp_ltp_threshold"`
	STPRate      float64 `json:"stp_ltp_rate"`

	// Energy.
	VRead  float64 `json:"v_read_v"`  // read voltage
	TRead  float64 `json:"t_read_s"`  // read pulse width
	EEvent float64 `json:"e_event_j"` // measured energy per synaptic event (informational; see doc.go, Energy)
	EPot   float64 `json:"e_pot_j"`   // energy per potentiation pulse
	EDep   float64 `json:"e_dep_j"`   // energy per depression pulse
	// VPot and VDep are the voltages across the channel during a potentiation and a depression
	// pulse: the pulse itself for a two-terminal electrical device, the channel's bias V_read
	// for a light or gate pulse. When set (> 0, or for a zero-power device with e_pot_j = 0),
	// e_pot_j and e_dep_j must equal V²·G_mid·t_pulse (PulseEnergy).
	VPot   float64 `json:"v_pot_v,omitempty"`
	VDep   float64 `json:"v_dep_v,omitempty"`
	TPulse float64 `json:"t_pulse_s"` // programming pulse width
	// ELightPot and ELightDep are the optical energies of a potentiating and a depressing light
	// pulse, J, delivered onto the device (the source's wall-plug efficiency not included);
	// 0 for an electrical pulse. With LightPot/LightDep (power density, W/m²) and Area (the
	// illuminated area, m²) given they must equal density × area × t_pulse.
	ELightPot float64 `json:"e_light_pot_j,omitempty"`
	ELightDep float64 `json:"e_light_dep_j,omitempty"`
	LightPot  float64 `json:"light_pot_w_m2,omitempty"`
	LightDep  float64 `json:"light_dep_w_m2,omitempty"`
	Area      float64 `json:"area_m2,omitempty"`
	Response  float64 `json:"response_s"` // response time quoted for the device (informational)

	// Figures the review quotes, for characterize's review-vs-simulated summary.
	// Zero means the review gives none.
	Review ReviewFigures `json:"review"`

	// Source maps a field's JSON name ("on_off" for Gmax/Gmin) to where its value comes from.
	Source map[string]string `json:"source"`
	// Ranges gives the plausible interval of each assumed learning-relevant field (JSON names,
	// "on_off" for Gmax/Gmin; see LearningQuantities): what uncertainty draws sample from.
	Ranges map[string]Range `json:"ranges,omitempty"`
}

// SourceList is Params.Source as (key, text) pairs sorted by key: the form checkpoints store,
// since gob writes a map in Go's random iteration order, so the same state would give
// different bytes each time.
type SourceList [][2]string

// WithoutSources returns a copy of p whose Source is nil, and p's sources as a SourceList
// (nil if p has none): what a checkpoint encodes, the parameters byte for byte the same each
// time. SourceList.Map puts them back.
func (p *Params) WithoutSources() (Params, SourceList) {
	q := *p
	q.Source = nil
	q.Ranges = nil // a map too; ranges only describe the preset, a run does not need them
	if len(p.Source) == 0 {
		return q, nil
	}
	l := make(SourceList, 0, len(p.Source))
	for _, k := range slices.Sorted(maps.Keys(p.Source)) {
		l = append(l, [2]string{k, p.Source[k]})
	}
	return q, l
}

// Map returns the sources as a map (nil for an empty list).
func (l SourceList) Map() map[string]string {
	if len(l) == 0 {
		return nil
	}
	m := make(map[string]string, len(l))
	for _, kv := range l {
		m[kv[0]] = kv[1]
	}
	return m
}

// ReviewFigures are the figures of merit that the review quotes for a device.
type ReviewFigures struct {
	OnOff     float64 `json:"on_off,omitempty"`        // Gmax/Gmin
	PPFIndex  float64 `json:"ppf_index_pct,omitempty"` // A2/A1 × 100 % at PPFDt
	PPFDt     float64 `json:"ppf_dt_s,omitempty"`      // interval of PPFIndex
	CutoffHz  float64 `json:"cutoff_hz,omitempty"`     // high-pass cutoff of the gain
	EEvent    float64 `json:"e_event_j,omitempty"`     // energy per synaptic event
	Retention float64 `json:"retention_s,omitempty"`   // retention time
	States    int     `json:"states,omitempty"`        // conductance states
	Response  float64 `json:"response_s,omitempty"`    // response time
}

// OnOff returns Gmax/Gmin.
func (p *Params) OnOff() float64 { return p.Gmax / p.Gmin }

// Validate reports the first impossible value, naming its field.
func (p *Params) Validate() error {
	name := p.Name
	if name == "" {
		name = "(unnamed)"
	}
	bad := func(field string, format string, args ...any) error {
		return fmt.Errorf("device %s: %s: %s", name, field, fmt.Sprintf(format, args...))
	}
	finite := []struct {
		f string
		v float64
	}{
		{"gmin_s", p.Gmin}, {"gmax_s", p.Gmax}, {"nl_ltp", p.NLLTP}, {"nl_ltd", p.NLLTD},
		{"c2c_sigma", p.C2C}, {"d2d_nl_sigma", p.D2DNL}, {"d2d_g_sigma", p.D2DG},
		{"read_noise", p.ReadNoise}, {"stuck_min_frac", p.StuckMin}, {"stuck_max_frac", p.StuckMax},
		{"retention_a", p.RetA}, {"retention_b", p.RetB}, {"retention_m", p.RetM},
		{"ppf_c1", p.PPFC1}, {"ppf_tau1_s", p.PPFTau1}, {"ppf_c2", p.PPFC2}, {"ppf_tau2_s", p.PPFTau2},
		{"stp_ltp_threshold", p.STPThreshold}, {"stp_ltp_rate", p.STPRate}, {"stp_max", p.STPMax},
		{"v_read_v", p.VRead}, {"t_read_s", p.TRead}, {"e_event_j", p.EEvent},
		{"e_pot_j", p.EPot}, {"e_dep_j", p.EDep}, {"t_pulse_s", p.TPulse}, {"response_s", p.Response},
		{"v_pot_v", p.VPot}, {"v_dep_v", p.VDep},
		{"e_light_pot_j", p.ELightPot}, {"e_light_dep_j", p.ELightDep},
		{"light_pot_w_m2", p.LightPot}, {"light_dep_w_m2", p.LightDep}, {"area_m2", p.Area},
	}
	for _, x := range finite {
		if math.IsNaN(x.v) || math.IsInf(x.v, 0) {
			return bad(x.f, "must be a finite number, got %v", x.v)
		}
	}
	switch {
	case p.Gmin < 0:
		return bad("gmin_s", "must be ≥ 0, got %g", p.Gmin)
	case p.Gmax <= p.Gmin:
		return bad("gmax_s", "must be > gmin_s (%g), got %g", p.Gmin, p.Gmax)
	case p.States < 2:
		return bad("states", "must be ≥ 2, got %d", p.States)
	case p.States > MaxStates:
		return bad("states", "must be ≤ %d (16-bit resolution, beyond any device; for an exact weight set \"analog\": true), got %d", MaxStates, p.States)
	}
	for _, x := range []struct {
		f string
		v float64
	}{{"nl_ltp", p.NLLTP}, {"nl_ltd", p.NLLTD}} {
		if math.Abs(x.v) > MaxNL {
			return bad(x.f, "|NL| must be ≤ %g (the end of NeuroSim's table: a larger label is the same curve), got %g", MaxNL, x.v)
		}
	}
	nonneg := []struct {
		f string
		v float64
	}{
		{"c2c_sigma", p.C2C}, {"d2d_nl_sigma", p.D2DNL}, {"d2d_g_sigma", p.D2DG}, {"read_noise", p.ReadNoise},
		{"stuck_min_frac", p.StuckMin}, {"stuck_max_frac", p.StuckMax},
		{"retention_m", p.RetM}, {"ppf_c1", p.PPFC1}, {"ppf_c2", p.PPFC2},
		{"ppf_tau1_s", p.PPFTau1}, {"ppf_tau2_s", p.PPFTau2},
		{"stp_ltp_threshold", p.STPThreshold}, {"stp_ltp_rate", p.STPRate}, {"stp_max", p.STPMax},
		{"v_read_v", p.VRead}, {"t_read_s", p.TRead}, {"e_event_j", p.EEvent},
		{"e_pot_j", p.EPot}, {"e_dep_j", p.EDep}, {"t_pulse_s", p.TPulse}, {"response_s", p.Response},
		{"v_pot_v", p.VPot}, {"v_dep_v", p.VDep},
		{"e_light_pot_j", p.ELightPot}, {"e_light_dep_j", p.ELightDep},
		{"light_pot_w_m2", p.LightPot}, {"light_dep_w_m2", p.LightDep}, {"area_m2", p.Area},
	}
	for _, x := range nonneg {
		if x.v < 0 {
			return bad(x.f, "must be ≥ 0, got %g", x.v)
		}
	}
	if p.StuckMin+p.StuckMax > 1 {
		return bad("stuck_max_frac", "stuck_min_frac + stuck_max_frac must be ≤ 1, got %g", p.StuckMin+p.StuckMax)
	}
	if p.STPRate > 1 {
		return bad("stp_ltp_rate", "must be ≤ 1, got %g", p.STPRate)
	}
	if p.PPFC1 > 0 && p.PPFTau1 == 0 {
		return bad("ppf_tau1_s", "must be > 0 when ppf_c1 > 0")
	}
	if p.PPFC2 > 0 && p.PPFTau2 == 0 {
		return bad("ppf_tau2_s", "must be > 0 when ppf_c2 > 0")
	}
	for _, x := range []struct {
		f    string
		v, e float64
	}{{"e_pot_j", p.VPot, p.EPot}, {"e_dep_j", p.VDep, p.EDep}} {
		if x.v > 0 {
			if want := p.PulseEnergy(x.v); math.Abs(x.e-want) > 1e-6*want {
				return bad(x.f, "%g J is not the pulse energy V²·G_mid·t_pulse = %g V² × %g S × %g s = %g J "+
					"(set it to that, or leave out %s)", x.e, x.v, (p.Gmin+p.Gmax)/2, p.TPulse, want, "v_"+x.f[2:5]+"_v")
			}
		}
	}
	for _, x := range []struct {
		f       string
		e, dens float64
	}{{"e_light_pot_j", p.ELightPot, p.LightPot}, {"e_light_dep_j", p.ELightDep, p.LightDep}} {
		if x.dens > 0 && p.Area > 0 {
			if want := x.dens * p.Area * p.TPulse; math.Abs(x.e-want) > 1e-6*want {
				return bad(x.f, "%g J is not the light pulse's energy density × area × t_pulse = %g W/m² × %g m² × %g s = %g J",
					x.e, x.dens, p.Area, p.TPulse, want)
			}
		}
	}
	return p.validateRanges()
}

// MaxStates bounds a device's states (Pmax): 2¹⁶, a 16-bit weight, more than any device
// resolves. MaxNL bounds |NL|: NeuroSim's table of labels ends at 9.
const (
	MaxStates = 1 << 16
	MaxNL     = 9.0
)

// PulseEnergy returns the electrical energy of one programming pulse of v volts across the
// channel at mid-window conductance, V²·G_mid·t_pulse with G_mid = (Gmin + Gmax)/2: the
// convention every preset's e_pot_j and e_dep_j follow (doc.go, Energy).
func (p *Params) PulseEnergy(v float64) float64 {
	return v * v * (p.Gmin + p.Gmax) / 2 * p.TPulse
}

// Unsourced returns the JSON names of the fields of p that are set but carry
// no source, or whose source neither cites nor says "assumed".
func (p *Params) Unsourced(fields []string) []string {
	var out []string
	for _, f := range fields {
		s := strings.TrimSpace(p.Source[f])
		if s == "" {
			out = append(out, f)
		}
	}
	return out
}

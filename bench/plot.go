package bench

import (
	"fmt"
	"image/color"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var modeColors = map[string]color.Color{
	"xdp":      color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"afpacket": color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"xdp-drop": color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

var modeLabels = map[string]string{"xdp": "AF_XDP (XDP redirect)", "afpacket": "AF_PACKET fanout", "xdp-drop": "XDP_DROP ceiling"}

// byMode groups points per mode, ordered by the rate the sender reached.
func byMode(pts []Point) (modes []string, groups map[string][]Point) {
	groups = map[string][]Point{}
	for _, p := range pts {
		if _, ok := groups[p.Mode]; !ok {
			modes = append(modes, p.Mode)
		}
		groups[p.Mode] = append(groups[p.Mode], p)
	}
	for _, g := range groups {
		sort.Slice(g, func(i, j int) bool { return g[i].SentPPS < g[j].SentPPS })
	}
	return modes, groups
}

// PlotLive writes two PNGs into dir: delivered rate against offered rate,
// and loss against offered rate, one line per mode. It returns their paths.
func PlotLive(pts []Point, dir string) ([]string, error) {
	if len(pts) == 0 {
		return nil, nil
	}
	modes, groups := byMode(pts)
	tp := plot.New()
	tp.Title.Text = "Live path on veth: delivered against offered load"
	tp.X.Label.Text = "offered (packets/s the sender achieved)"
	tp.Y.Label.Text = "analysed by workers (packets/s)"
	lp := plot.New()
	lp.Title.Text = "Live path on veth: loss against offered load"
	lp.X.Label.Text = "offered (packets/s the sender achieved)"
	lp.Y.Label.Text = "lost (% of sent)"
	ideal := plotter.XYs{{X: 0, Y: 0}}
	for _, m := range modes {
		var thr, loss plotter.XYs
		for _, p := range groups[m] {
			delivered := p.SentPPS * float64(p.Processed) / max(float64(p.Sent), 1)
			thr = append(thr, plotter.XY{X: p.SentPPS, Y: delivered})
			loss = append(loss, plotter.XY{X: p.SentPPS, Y: p.LossPct()})
			if p.SentPPS > ideal[len(ideal)-1].X {
				ideal = append(ideal, plotter.XY{X: p.SentPPS, Y: p.SentPPS})
			}
		}
		for _, spec := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{tp, thr}, {lp, loss}} {
			l, s, err := plotter.NewLinePoints(spec.xys)
			if err != nil {
				return nil, err
			}
			c := modeColors[m]
			l.Color, s.Color, s.Shape = c, c, draw.CircleGlyph{}
			l.Width = vg.Points(1.5)
			spec.p.Add(l, s)
			spec.p.Legend.Add(modeLabels[m], l, s)
		}
	}
	if il, err := plotter.NewLine(ideal); err == nil {
		il.Color = color.Gray{Y: 0x99}
		il.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
		tp.Add(il)
		tp.Legend.Add("no loss", il)
	}
	tp.Legend.Top, tp.Legend.Left = true, true
	lp.Legend.Top, lp.Legend.Left = true, true
	tp.X.Tick.Marker, tp.Y.Tick.Marker, lp.X.Tick.Marker = kTicks{}, kTicks{}, kTicks{}
	tp.X.Min, tp.Y.Min, lp.X.Min = 0, 0, 0
	maxLoss := 0.0
	for _, p := range pts {
		maxLoss = max(maxLoss, p.LossPct())
	}
	lp.Y.Min, lp.Y.Max = 0, max(1, maxLoss*1.2)
	tp.Add(plotter.NewGrid())
	lp.Add(plotter.NewGrid())
	var out []string
	for name, p := range map[string]*plot.Plot{"live-throughput.png": tp, "live-loss.png": lp} {
		path := filepath.Join(dir, name)
		if err := p.Save(8*vg.Inch, 5*vg.Inch, path); err != nil {
			return out, fmt.Errorf("plot %s: %w", name, err)
		}
		out = append(out, path)
	}
	sort.Strings(out)
	return out, nil
}

// kTicks labels packet rates in thousands ("150k").
type kTicks struct{}

func (kTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = fmt.Sprintf("%.0fk", ts[i].Value/1000)
		}
	}
	return ts
}

// PlotOffline writes a bar chart of offline Mbps per worker core per mix,
// with analyzers on and off, against the 250 Mbps rule of thumb.
func PlotOffline(res []Offline, dir string) (string, error) {
	if len(res) == 0 {
		return "", nil
	}
	var names []string
	seen := map[string]bool{}
	for _, r := range res {
		if r.Workers == 1 && !seen[r.Name] {
			seen[r.Name] = true
			names = append(names, r.Name)
		}
	}
	p := plot.New()
	p.Title.Text = "Offline replay: Mbps per worker core"
	p.Y.Label.Text = "Mbps per core"
	w := vg.Points(18)
	top := 250.0
	for _, r := range res {
		top = max(top, r.MbpsPerCore)
	}
	for i, on := range []bool{false, true} {
		vals := make(plotter.Values, len(names))
		for j, n := range names {
			for _, r := range res {
				if r.Name == n && r.Workers == 1 && r.Analyzers == on {
					vals[j] = r.MbpsPerCore
				}
			}
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return "", err
		}
		b.Offset = vg.Length(2*i-1) * w / 2
		b.Color = []color.Color{color.RGBA{R: 0x9e, G: 0xc5, B: 0xe8, A: 0xff}, modeColors["xdp"]}[i]
		b.LineStyle.Width = 0
		p.Add(b)
		p.Legend.Add([]string{"connection tracking only", "with protocol analyzers"}[i], b)
	}
	rule, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 250}, {X: float64(len(names)) - 0.5, Y: 250}})
	if err == nil {
		rule.Color = modeColors["afpacket"]
		rule.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
		p.Add(rule)
		p.Legend.Add("250 Mbps rule of thumb", rule)
	}
	p.NominalX(names...)
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Min, p.Y.Max = 0, top*1.35
	path := filepath.Join(dir, "offline.png")
	return path, p.Save(7*vg.Inch, 4.5*vg.Inch, path)
}

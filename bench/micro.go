package bench

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// ParseGoBench reads `go test -bench -benchmem` output and returns each
// benchmark's ns/op, allocs/op and B/op, with any custom metrics in Extra.
func ParseGoBench(r io.Reader) []Micro {
	var out []Micro
	pkg := ""
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "xsensor/")
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			continue
		}
		m := Micro{Name: pkg + "." + f[0]}
		var extra []string
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				m.NsPerOp = v
			case "allocs/op":
				m.AllocsPerOp = v
			case "B/op":
				m.BytesPerOp = v
			default:
				extra = append(extra, f[i]+" "+f[i+1])
			}
		}
		m.Extra = strings.Join(extra, ", ")
		out = append(out, m)
	}
	return out
}

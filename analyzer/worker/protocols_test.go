package worker

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"xsensor/analyzer/zeeklog"
	"xsensor/tools/testenv"
)

// logSink keeps every chunk by log path.
type logSink struct {
	mu   sync.Mutex
	logs map[string]*bytes.Buffer
}

func (s *logSink) WriteLog(sc *zeeklog.Schema, chunk []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.logs == nil {
		s.logs = map[string]*bytes.Buffer{}
	}
	b := s.logs[sc.Path]
	if b == nil {
		b = new(bytes.Buffer)
		s.logs[sc.Path] = b
	}
	b.Write(chunk)
	return nil
}

func (s *logSink) lines(path string) []string {
	b := s.logs[path]
	if b == nil {
		return nil
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// replayCase runs a conformance case's trace (classic little-endian pcap)
// through one worker.
func replayCase(t *testing.T, name string) *logSink {
	t.Helper()
	dir := filepath.Join(testenv.SharedDir(), "conformance", "cases", name)
	testenv.RequireData(t, "conformance case "+name, dir)
	raw, err := os.ReadFile(filepath.Join(dir, "trace.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < 24 || binary.LittleEndian.Uint32(raw) != 0xa1b2c3d4 {
		t.Skip("not a classic little-endian pcap")
	}
	link := uint16(binary.LittleEndian.Uint32(raw[20:]))
	sink := &logSink{}
	o := DefaultOptions()
	o.Decode.IgnoreChecksums = true
	w, err := New(o, sink)
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for off := 24; off+16 <= len(raw); {
		ts := int64(binary.LittleEndian.Uint32(raw[off:]))*1e9 + int64(binary.LittleEndian.Uint32(raw[off+4:]))*1e3
		n := int(binary.LittleEndian.Uint32(raw[off+8:]))
		wire := int(binary.LittleEndian.Uint32(raw[off+12:]))
		off += 16
		if off+n > len(raw) {
			break
		}
		w.Process(link, raw[off:off+n], ts, wire)
		off += n
		last = ts
	}
	w.Finish(last)
	return sink
}

// field returns column name of a TSV record of schema s.
func field(s *zeeklog.Schema, line, name string) string {
	f := strings.Split(line, "\t")
	for i, fl := range s.Fields {
		if fl.Name == name && i < len(f) {
			return f[i]
		}
	}
	return ""
}

func TestHTTPOnPort22(t *testing.T) {
	sink := replayCase(t, "scripts.base.protocols.ssh.http-port-22")
	conns := sink.lines("conn")
	if len(conns) != 1 || field(&zeeklog.Conn, conns[0], "service") != "http" {
		t.Fatalf("conn.log %q", conns)
	}
	if len(sink.lines("http")) != 1 {
		t.Errorf("http.log %q", sink.lines("http"))
	}
}

func TestDNSAndTunnelServices(t *testing.T) {
	sink := replayCase(t, "core.tunnels.gtp.inner_ipv6")
	var services []string
	for _, l := range sink.lines("conn") {
		services = append(services, field(&zeeklog.Conn, l, "service"))
	}
	got := strings.Join(services, " ")
	if !strings.Contains(got, "gtpv1") || !strings.Contains(got, "dns") {
		t.Errorf("services %q, want gtpv1 and dns", got)
	}
	if len(sink.lines("dns")) == 0 {
		t.Error("no dns.log")
	}
}

func TestFTPData(t *testing.T) {
	sink := replayCase(t, "scripts.base.protocols.ftp.ftp-ipv4")
	n := 0
	for _, l := range sink.lines("conn") {
		if field(&zeeklog.Conn, l, "service") == "ftp-data" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d ftp-data connections, want 4", n)
	}
}
